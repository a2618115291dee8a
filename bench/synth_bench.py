"""Benchmark of `abri synth`: generating a population, and registering it through the bulk service.

    .venv/bin/python bench/synth_bench.py --individuals 1000000 --save-households 10000
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/abri_bench .venv/bin/python bench/synth_bench.py

Without DATABASE_URL it uses SQLite in a throw-away data folder. It prints its figures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings")
if not os.environ.get("DATABASE_URL"):
    os.environ.setdefault("ABRI_DATA_DIR", tempfile.mkdtemp(prefix="abri-bench-"))

import django

django.setup()

from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from abri.access.models import Organisation
from abri.geo.services import admin_areas_load
from abri.registry.models import Household
from abri.synth.output import (
    population_chunks,
    population_inputs,
    population_save,
)
from abri.synth.people import SynthSpec, synth_population


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--individuals", type=int, default=1_000_000, help="size of the generated population")
    parser.add_argument("--save-households", type=int, default=5_000, help="households registered in the database")
    arguments = parser.parse_args()
    today = timezone.localdate()

    households = max(arguments.individuals // 7, 1)
    synth_population(SynthSpec(households=100, seed=0, today=today))  # warm the name tables
    started = time.perf_counter()
    population = synth_population(
        SynthSpec(households=households, individuals=arguments.individuals, seed=1, today=today)
    )
    generated = time.perf_counter() - started
    print(
        f"generate: {population.households.height:,} households, {population.individuals.height:,} individuals "
        f"in {generated:.2f} s ({population.individuals.height / generated:,.0f} individuals/s)"
    )

    part = next(population_chunks(population, size=arguments.save_households))
    started = time.perf_counter()
    inputs = population_inputs(part)
    converted = time.perf_counter() - started
    people = sum(len(item.members) for item in inputs)
    print(
        f"inputs: {len(inputs):,} households, {people:,} individuals as HouseholdInput in {converted:.2f} s "
        f"({people / converted:,.0f} individuals/s)"
    )

    call_command("migrate", verbosity=0)
    admin_areas_load(actor=None)
    organisation, _ = Organisation.objects.get_or_create(
        acronym="BENCH", defaults={"name": "Benchmark", "kind": Organisation.Kind.INTERNATIONAL_NGO}
    )
    Household.objects.filter(organisation=organisation).delete()
    started = time.perf_counter()
    saved = population_save(actor=None, organisation=organisation, population=part)
    elapsed = time.perf_counter() - started
    rate = saved.individuals / elapsed
    print(
        f"save ({connection.vendor}): {saved.households:,} households, {saved.individuals:,} individuals through "
        f"households_bulk_create in {elapsed:.2f} s ({rate:,.0f} individuals/s; "
        f"1,000,000 individuals would take about {1_000_000 / rate / 60:.1f} min)"
    )


if __name__ == "__main__":
    main()
