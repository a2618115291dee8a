"""Where a synthetic population goes: registry inputs, the database (through the services), files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from abri.access.models import Organisation
from abri.registry.bulk import households_bulk_create
from abri.registry.inputs import MEMBER_INPUT_FIELDS, HouseholdInput, IndividualInput
from abri.registry.services import Actor
from abri.synth.kobo import kobo_xlsx_write
from abri.synth.people import Population

MEMBER_FIELDS = MEMBER_INPUT_FIELDS
HOUSEHOLD_FIELDS = (
    "admin_area",
    "origin_area",
    "departure_date",
    "arrival_date",
    "displacement_cause",
    "registered_on",
    "consent",
    "consent_date",
    "phone",
)
XLSX_MAX_ROWS = 1_048_575  # a sheet holds 1,048,576 rows, one is the header
CHUNK_HOUSEHOLDS = 5000


@dataclass(frozen=True)
class SaveResult:
    """How many households and individuals were registered."""

    households: int
    individuals: int


def population_inputs(population: Population) -> list[HouseholdInput]:
    """The households as registry inputs, members in order (a ``site_id`` column is used when present)."""
    members: list[list[IndividualInput]] = [[] for _ in range(population.households.height)]
    keys = population.households["household_key"].to_list()
    index_of = {key: index for index, key in enumerate(keys)}
    for key, *member_values in population.individuals.select("household_key", *MEMBER_FIELDS).iter_rows():
        members[index_of[key]].append(IndividualInput(**dict(zip(MEMBER_FIELDS, member_values, strict=True))))
    has_site = "site_id" in population.households.columns
    columns = (*HOUSEHOLD_FIELDS, "site_id") if has_site else HOUSEHOLD_FIELDS
    inputs = []
    for position, values in enumerate(population.households.select(columns).iter_rows()):
        fields = dict(zip(columns, values, strict=True))
        inputs.append(HouseholdInput(members=members[position], **fields))
    return inputs


def population_chunks(population: Population, *, size: int = CHUNK_HOUSEHOLDS) -> Iterator[Population]:
    """The population in slices of ``size`` households with their members."""
    for start in range(0, population.households.height, size):
        households = population.households.slice(start, size)
        keys = households["household_key"]
        individuals = population.individuals.filter(pl.col("household_key").is_between(keys.min(), keys.max()))
        yield Population(households=households, individuals=individuals)


def population_save(
    *, actor: Actor, organisation: Organisation, population: Population, chunk: int = CHUNK_HOUSEHOLDS
) -> SaveResult:
    """Register the whole population through the registry bulk service, all or nothing."""
    households = individuals = 0
    with transaction.atomic():
        for part in population_chunks(population, size=chunk):
            created = households_bulk_create(actor=actor, organisation=organisation, households=population_inputs(part))
            households += created.height
            individuals += int(created["size"].sum())
    return SaveResult(households=households, individuals=individuals)


def _file_frames(population: Population) -> dict[str, pl.DataFrame]:
    # The files look like a registration export: no derived age column.
    return {
        "households": population.households,
        "individuals": population.individuals.drop("age_at_registration"),
    }


def population_write(
    population: Population, *, directory: Path, file_format: str, seed: int = 0, today: date | None = None
) -> list[Path]:
    """Write households and individuals as two CSV files, one XLSX workbook with two sheets, or
    ("kobo") a Kobo XLSX export of Abri's registration form (submission IDs drawn from ``seed``,
    ages counted on ``today``)."""
    directory.mkdir(parents=True, exist_ok=True)
    if file_format == "kobo":
        return [
            kobo_xlsx_write(population, directory / "kobo-export.xlsx", seed=seed, today=today or timezone.localdate())
        ]
    frames = _file_frames(population)
    if file_format == "csv":
        paths = []
        for name, frame in frames.items():
            path = directory / f"{name}.csv"
            frame.write_csv(path)
            paths.append(path)
        return paths
    if file_format != "xlsx":
        raise ValueError(f"unknown file format {file_format!r}: csv or xlsx")
    if max(frame.height for frame in frames.values()) > XLSX_MAX_ROWS:
        raise ValueError("an XLSX sheet holds at most 1,048,575 rows: write CSV for larger populations")
    workbook = Workbook(write_only=True)
    for name, frame in frames.items():
        sheet = workbook.create_sheet(name)
        sheet.append(frame.columns)
        for row in frame.iter_rows():
            sheet.append(row)
    path = directory / "population.xlsx"
    workbook.save(path)
    return [path]
