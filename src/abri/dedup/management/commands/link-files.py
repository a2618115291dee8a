"""`abri link-files A B --out PAIRS.csv`: the same people across two lists, without importing them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

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
        cli.run_and_write(self, [options["first"], options["second"]], options)
