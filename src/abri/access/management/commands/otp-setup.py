"""`abri otp-setup USERNAME [--confirm CODE | --remove]`: an authenticator app for an administrator."""

from __future__ import annotations

import io
from typing import Any

import segno
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser

from abri.access.services import otp_device_confirm, otp_device_create, otp_devices_remove
from abri.core.errors import ValidationFailed


class Command(BaseCommand):
    help = (
        "Set up a second factor (TOTP authenticator app) for a staff member: run once to show the QR "
        "code, then with --confirm and the app's code. From then on the admin asks for the code. "
        "--remove deletes the user's authenticators (lost phone)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        group = parser.add_mutually_exclusive_group()
        group.add_argument("--confirm", metavar="CODE", help="The six-digit code the app shows now.")
        group.add_argument("--remove", action="store_true", help="Remove the user's authenticators.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"], is_active=True).first()
        if user is None:
            raise CommandError(f"No active user named {options['username']!r}.")
        if options["remove"]:
            removed = otp_devices_remove(actor=None, user=user)
            self.stdout.write(f"Removed {removed} authenticator(s) of {user.username}.")
            return
        if not user.is_staff:
            raise CommandError(f"{user.username!r} is not staff: only the admin asks for a second factor.")
        try:
            if options["confirm"]:
                otp_device_confirm(actor=None, user=user, code=options["confirm"])
                self.stdout.write(f"Authenticator confirmed: the admin now asks {user.username} for a code.")
                return
        except ValidationFailed as error:
            raise CommandError(str(error)) from error
        _, address = otp_device_create(actor=None, user=user)
        self.stdout.write("Scan this code with an authenticator app (or enter the address below):\n")
        picture = io.StringIO()
        segno.make(address, error="m").terminal(out=picture, compact=True)
        self.stdout.write(picture.getvalue())
        self.stdout.write(address)
        self.stdout.write(f"\nThen run: abri otp-setup {user.username} --confirm CODE")
