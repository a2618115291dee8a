"""`abri dedupe-registry [--threshold P]`: propose the registry's likely duplicates for review."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.core.errors import ValidationFailed
from abri.dedup.management import cli
from abri.dedup.services import registry_deduplicate


class Command(BaseCommand):
    help = (
        "Compare every registered individual with the others and propose the likely duplicates for review; "
        "pairs already judged different are not proposed again unless their data changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threshold", type=float, default=0.5, help="lowest match probability proposed")

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0.0 < options["threshold"] < 1.0:
            raise CommandError(f"--threshold must be a probability between 0 and 1, not {options['threshold']}.")
        try:
            run = registry_deduplicate(
                actor=None, threshold=options["threshold"], progress=cli.StderrProgress(self.stderr.write)
            )
        except ValidationFailed as error:  # another run is going on
            raise CommandError(cli.message(error)) from error
        self.stdout.write(
            f"{run.individuals:,} individuals compared: {run.pairs_found:,} pairs above {run.threshold} "
            f"({run.pairs_new:,} new, {run.pairs_remembered:,} already judged different)."
        )
