"""`abri destroy-keys`: in an emergency, make every encrypted value unreadable at once."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from abri.core.key_rotation import RotationError, destroy
from abri.core.models import AuditEntry
from abri.core.services import audit_entries_add

CONFIRMATION = "DESTROY"


class Command(BaseCommand):
    help = (
        "Emergency (evacuation, seizure): overwrite the field key file and leave a tombstone. Phone and identity "
        "numbers, staged import files and partner lists can never be read again, by anyone, and Abri does not make "
        f"a new key by itself. Names and the other fields stay in the database: see docs/data-protection.md. "
        f"Asks for the word {CONFIRMATION}, or takes --confirm {CONFIRMATION}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--confirm", default="", help=f"the word {CONFIRMATION}, to run without a question")

    def handle(self, *args: Any, **options: Any) -> None:
        word = options["confirm"]
        if not word:
            self.stdout.write(f"This cannot be undone. Type {CONFIRMATION} to destroy the field keys: ")
            word = input().strip()
        if word != CONFIRMATION:
            raise CommandError(f"Not destroyed: expected the word {CONFIRMATION}.")
        try:
            path = destroy()
        except RotationError as error:
            raise CommandError(str(error)) from error
        with transaction.atomic():
            audit_entries_add([AuditEntry(action="field_key.destroyed", target_type="core.fieldkey", target_id="all")])
        self.stdout.write(f"The field keys are destroyed ({path} holds a tombstone). Encrypted values are unreadable.")
