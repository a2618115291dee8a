"""`abri rotate-key`: write every encrypted value again under a new field key, while Abri runs."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from abri.core import crypto
from abri.core.key_rotation import BATCH, RotationError, key_file, rotate
from abri.core.models import AuditEntry
from abri.core.services import audit_entries_add


class Command(BaseCommand):
    help = (
        "Rotate the field key (phone and identity numbers, staged import files, partner lists): a new key is put "
        "first in the key file, every value is written again under it in batches while Abri keeps running, then "
        "the old key is dropped. Stopped half-way, run it again: it finishes. With ABRI_FIELD_KEY, follow what it "
        "says. --new-key only prints a fresh key."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--new-key", action="store_true", help="print a fresh key and stop")
        parser.add_argument("--batch-size", type=int, default=BATCH, help=f"values per transaction (default {BATCH})")
        parser.add_argument(
            "--grace", type=float, default=5.0, help="seconds for running requests to end after the new key (default 5)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["new_key"]:
            self.stdout.write(crypto.new_key())
            return
        if options["batch_size"] < 1:
            raise CommandError(f"--batch-size: expected 1 or more values, got {options['batch_size']}")
        shown: dict[str, int] = {}

        def progress(name: str, done: int, total: int) -> None:
            percent = 100 if not total else done * 100 // total
            if shown.get(name) != percent:
                shown[name] = percent
                self.stdout.write(f"{name}: {done}/{total} ({percent}%)")
                self.stdout.flush()

        try:
            result = rotate(grace_seconds=options["grace"], batch=options["batch_size"], progress=progress)
        except (RotationError, crypto.FieldKeyError) as error:
            raise CommandError(str(error)) from error
        with transaction.atomic():
            audit_entries_add(
                [
                    AuditEntry(
                        action="field_key.rotated",
                        target_type="core.fieldkey",
                        target_id=result.new_key_id,
                        changes={
                            "dropped": result.dropped,
                            "rewritten": result.rewritten,
                            "unreadable": {name: len(paths) for name, paths in result.unreadable.items()},
                        },
                    )
                ]
            )
        total = sum(result.rewritten.values())
        self.stdout.write(f"{total} value(s) and file(s) written under key {result.new_key_id}.")
        for name, paths in result.unreadable.items():
            self.stderr.write(
                f"{name}: {len(paths)} file(s) that no configured key opens (written under a key that is gone) "
                f"were left as they are: {', '.join(paths[:5])}{' …' if len(paths) > 5 else ''}"
            )
        if result.environment:
            self.stdout.write("Now remove the old key(s) from ABRI_FIELD_KEY and restart every process.")
        elif result.dropped:
            self.stdout.write(f"Old key(s) {', '.join(result.dropped)} dropped from {key_file()}.")
