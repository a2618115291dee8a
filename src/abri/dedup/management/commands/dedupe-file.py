"""`abri dedupe-file INPUT --out PAIRS.csv`: duplicates inside one CSV or XLSX list, without importing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.core.errors import ValidationFailed
from abri.dedup.files import deduplicate_file
from abri.dedup.management import cli


class Command(BaseCommand):
    help = (
        "Find the same person registered more than once in one list (CSV or XLSX). "
        "Example: abri dedupe-file list.xlsx --out pairs.csv --id-column ID "
        "--map full_name=Nom --map sex=Sexe --map birth_year=Annee --map phone=Tel --map household_id=Menage"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("input", type=Path, help="the list (CSV, TSV or XLSX)")
        cli.add_common_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = cli.field_map(options)
        settings = cli.settings(options)
        try:
            run = deduplicate_file(
                options["input"],
                mapping,
                settings=settings,
                sheet=options["sheet"],
                as_of_year=options["as_of_year"],
                progress=cli.StderrProgress(self.stderr.write),
            )
        except ValidationFailed as error:
            raise CommandError(cli.message(error)) from error
        for note in run.notes:
            self.stderr.write(note)
        self.stdout.write(cli.write_outputs(run, options, link=False))
