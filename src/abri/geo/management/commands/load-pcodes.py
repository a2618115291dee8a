"""`abri load-pcodes [FILE] [--country MLI]`: load admin areas from an HDX P-code list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.core.errors import ValidationFailed
from abri.geo.services import admin_areas_load


class Command(BaseCommand):
    help = (
        "Create or update admin areas from a file in the HDX global P-code list format "
        "(Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date; Name may be absent). "
        "Without a file, loads the Mali P-codes shipped with Abri."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="CSV file; default: the shipped list of the country")
        parser.add_argument("--country", default="MLI", help="ISO3 code of the rows to load (default MLI)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = admin_areas_load(actor=None, path=options["file"], country=options["country"])
        except ValidationFailed as error:
            lines = [message for messages in error.errors.values() for message in messages]
            raise CommandError("Nothing was loaded:\n  " + "\n  ".join(lines)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Admin areas of {options['country'].upper()} from {', '.join(result.files)}: "
                f"{result.created} created, {result.updated} updated, {result.unchanged} unchanged."
            )
        )
