"""`abri dedupe-file INPUT --out PAIRS.csv`: duplicates inside one CSV or XLSX list, without importing it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

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
        cli.run_and_write(self, [options["input"]], options)
