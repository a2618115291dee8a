"""`abri revoke-token PREFIX`: revoke an API token by the prefix shown when it was created."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.access.models import ApiToken
from abri.access.services import PREFIX_LENGTH, token_revoke


class Command(BaseCommand):
    help = "Revoke an API token, named by its prefix (abri_xxxxxxx)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix", help="The token's prefix, or the whole token.")

    def handle(self, *args: Any, **options: Any) -> None:
        prefix = options["prefix"][:PREFIX_LENGTH]
        tokens = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True).select_related("user")[:2])
        if not tokens:
            raise CommandError(f"No active token with the prefix {prefix!r}.")
        if len(tokens) > 1:
            raise CommandError(f"Several active tokens share the prefix {prefix!r}: revoke them in the admin.")
        token = token_revoke(actor=None, token=tokens[0])
        self.stdout.write(f"Revoked {token.prefix}… of {token.user.username} ({token.name}).")
