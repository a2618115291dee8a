"""`abri purge`: remove the personal data of closed cases past their retention period, keep the figures."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.registry.retention import households_purge, households_purgeable, retention_cutoff


class Command(BaseCommand):
    help = (
        "Remove the names, phone, identity numbers and exact dates of birth of households closed (inactive, "
        "returned, merged) and unchanged for ABRI_RETENTION_DAYS, and what other apps keep about them (proxies' "
        "names, grievance texts); counts, sizes, sex, years of birth, flags and handovers stay. Without --apply "
        "it only says how many households it would purge."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            type=int,
            default=None,
            metavar="DAYS",
            help=f"days since the last change (default ABRI_RETENTION_DAYS, now {settings.ABRI_RETENTION_DAYS})",
        )
        parser.add_argument("--apply", action="store_true", help="purge them (without it, only count them)")

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["older_than"]
        if days is not None and days < 0:
            raise CommandError(f"--older-than: expected 0 or more days, got {days}")
        cutoff = retention_cutoff(days)
        count = households_purgeable(cutoff=cutoff).count()
        when = cutoff.date().isoformat()
        if not options["apply"]:
            self.stdout.write(
                f"{count} closed household(s) unchanged since before {when} would have their personal data removed. "
                "Run again with --apply to do it."
            )
            return

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"purged {done}/{total} ({done * 100 // total if total else 100}%)")
            self.stdout.flush()

        result = households_purge(cutoff=cutoff, progress=progress)
        cleared = ", ".join(f"{name}: {rows}" for name, rows in sorted(result.cleared.items()) if rows)
        self.stdout.write(
            f"{result.households} household(s) and {result.members} member(s) purged (closed before {when})"
            + (f"; also cleared {cleared}" if cleared else "")
            + "."
        )
