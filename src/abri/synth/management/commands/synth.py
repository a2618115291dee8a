"""`abri synth`: generate a synthetic displaced population into the database or into files."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from abri.access.models import Organisation
from abri.core.errors import NotFound, ValidationFailed
from abri.geo.selectors import admin_area_get, admin_areas_children
from abri.synth.output import population_save, population_write
from abri.synth.people import SynthSpec, synth_population


class Command(BaseCommand):
    help = (
        "Generate a synthetic displaced population (believable Sahelian households) from a seed, "
        "and register it through the registry services, or write it to CSV or XLSX files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--households", type=int, required=True, help="number of households")
        parser.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same people")
        parser.add_argument(
            "--area",
            action="extend",
            nargs="+",
            dest="areas",
            metavar="PCODE",
            help="current location P-codes (admin 2 or below); default ML1001 (Ménaka)",
        )
        parser.add_argument("--individuals", type=int, help="exact total of individuals (sizes are nudged to it)")
        parser.add_argument("--organisation", default="IOM", help="acronym of the registering organisation")
        parser.add_argument("--out", type=Path, help="write files to this folder instead of the database")
        parser.add_argument(
            "--format",
            choices=["csv", "xlsx", "kobo"],
            default="csv",
            help="file format with --out: CSV files, an XLSX workbook, or a Kobo XLSX export of the registration form",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["households"] < 1:
            raise CommandError("--households must be at least 1.")
        areas = tuple(code.strip().upper() for code in options["areas"] or ["ML1001"])
        to_files = options["out"] is not None
        organisation = None if to_files else self._organisation(options["organisation"])
        spec = SynthSpec(
            households=options["households"],
            seed=options["seed"],
            areas=areas,
            origin_areas=self._origins(areas, required=not to_files),
            individuals=options["individuals"],
            today=timezone.localdate(),
        )
        started = time.perf_counter()
        try:
            population = synth_population(spec)
        except ValueError as error:
            raise CommandError(str(error)) from error
        generated = time.perf_counter() - started
        self.stdout.write(
            f"Generated {population.households.height:,} households, {population.individuals.height:,} "
            f"individuals (seed {spec.seed}) in {generated:.1f} s."
        )
        started = time.perf_counter()
        if to_files:
            try:
                paths = population_write(
                    population,
                    directory=options["out"],
                    file_format=options["format"],
                    seed=spec.seed,
                    today=spec.today,
                )
            except ValueError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(self.style.SUCCESS(f"Written: {', '.join(str(path) for path in paths)}"))
            return
        assert organisation is not None
        try:
            saved = population_save(actor=None, organisation=organisation, population=population)
        except ValidationFailed as error:
            raise CommandError(f"Nothing was registered: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Registered {saved.households:,} households, {saved.individuals:,} individuals for "
                f"{organisation.acronym} in {time.perf_counter() - started:.1f} s."
            )
        )

    def _organisation(self, acronym: str) -> Organisation:
        organisation = Organisation.objects.filter(acronym__iexact=acronym).first()
        if organisation is None:
            raise CommandError(
                f"No organisation {acronym}: run `abri demo` (it creates IOM) or give --organisation ACRONYM."
            )
        return organisation

    def _origins(self, areas: tuple[str, ...], *, required: bool) -> tuple[str, ...]:
        """Where people fled from: the areas beside the current ones (same parent), when known."""
        origins: list[str] = []
        for code in areas:
            try:
                area = admin_area_get(pcode=code)
            except NotFound as error:
                if required:
                    raise CommandError(f"Unknown P-code {code}: run `abri load-pcodes` first.") from error
                continue
            siblings = admin_areas_children(pcode=area.parent_id) if area.parent_id else [area]
            origins.extend(sibling.pcode for sibling in siblings if sibling.level == area.level)
        return tuple(dict.fromkeys(origins)) or areas
