"""`abri create-token USERNAME --name NAME [--days N]`: print a new API token, once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.access.services import token_create
from abri.core.errors import ValidationFailed


class Command(BaseCommand):
    help = "Create an API token for a user and print it once; only its hash is kept."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="The user the token acts as.")
        parser.add_argument("--name", required=True, help="What the token is for (e.g. 'Kobo sync Ménaka').")
        parser.add_argument("--days", type=int, default=None, help="Days until it expires (default: never).")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No user named {options['username']!r}.")
        if not user.is_active:
            raise CommandError(f"The user {user.username!r} is inactive: a token would be refused.")
        try:
            token, plain = token_create(actor=None, user=user, name=options["name"], days=options["days"])
        except ValidationFailed as error:
            raise CommandError(str(error)) from error
        expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M %Z}" if token.expires_at else "never expires"
        self.stderr.write(f"Token {token.prefix}… for {user.username} ({token.name}), {expiry}.")
        self.stderr.write("Copy it now: it is shown only once.")
        self.stdout.write(plain)
