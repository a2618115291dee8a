"""`abri purge-partner-lists`: delete the uploaded partner lists past their retention, with their results."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from abri.dedup.lists.services import list_runs_purge_expired


class Command(BaseCommand):
    help = (
        "Delete partner lists uploaded for deduplication, and what was found in them, once past "
        "ABRI_LIST_RETENTION_DAYS. The scheduler of `abri serve` runs it daily."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        count = list_runs_purge_expired()
        self.stdout.write(f"{count} expired list run(s) deleted.")
