"""`abri link-files A B --out PAIRS.csv`: the same people across two lists, without importing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.core.errors import ValidationFailed
from abri.dedup.files import link_files
from abri.dedup.management import cli


class Command(BaseCommand):
    help = (
        "Find the same people in two lists (CSV or XLSX) that use the same column names; "
        "id_a is a record of the first list, id_b of the second."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("first", type=Path, help="the first list (CSV, TSV or XLSX)")
        parser.add_argument("second", type=Path, help="the second list")
        cli.add_common_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        mapping = cli.field_map(options)
        settings = cli.settings(options)
        try:
            run = link_files(
                options["first"],
                options["second"],
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
        names = {0: options["first"].name, 1: options["second"].name}
        self.stdout.write(cli.write_outputs(run, options, link=True, names=names))
