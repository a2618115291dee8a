"""`abri refresh-flags`: recompute the vulnerability flags of every household with today's ages."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from abri.registry.flag_refresh import BATCH_SIZE, RefreshProgress, households_refresh_flags


class Command(BaseCommand):
    help = (
        "Recompute every household's vulnerability flags with today's ages (a head who turned 60 becomes an "
        "elderly head), in batches; only changed households are written, each with an audit entry. The "
        "scheduler of `abri serve` runs it daily; running it again the same day changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"households per transaction (default {BATCH_SIZE})"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["batch_size"] < 1:
            raise CommandError(f"--batch-size: expected 1 or more households, got {options['batch_size']}")
        today = timezone.localdate()

        def report(progress: RefreshProgress) -> None:
            self.stdout.write(
                f"{progress.checked}/{progress.total} households checked, {progress.changed} with changed flags"
            )
            self.stdout.flush()

        result = households_refresh_flags(on=today, batch_size=options["batch_size"], progress=report)
        self.stdout.write(
            f"Flags refreshed with the ages on {today.isoformat()}: {result.changed} of {result.checked} "
            "households changed."
        )
