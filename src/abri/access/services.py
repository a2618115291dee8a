"""Write services of access: API tokens and the administrators' authenticator devices."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from abri.access.models import ApiToken
from abri.core.errors import ValidationFailed
from abri.core.services import audit_record

Actor = User | AnonymousUser | None

KEY_START = "abri_"
PREFIX_LENGTH = 12  # "abri_" and 7 random characters: enough to tell tokens apart in a list
MAX_TOKEN_DAYS = 3650


def token_hash(token: str) -> str:
    """SHA-256 of a token: all the database keeps of it."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_create(*, actor: Actor, user: User, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create an API token for ``user``; returns it with the plain token, which is never stored nor shown again."""
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = [_("Give the token a name that says what it is for.")]
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        errors["days"] = [_("A token lasts between 1 and %(max)s days.") % {"max": MAX_TOKEN_DAYS}]
    if errors:
        raise ValidationFailed(errors)
    plain = KEY_START + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=days) if days is not None else None
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=plain[:PREFIX_LENGTH],
            key_hash=token_hash(plain),
            expires_at=expires_at,
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            target=token,
            changes={"user": user.pk, "days": days},
        )
    return token, plain


def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Revoke ``token`` now; revoking twice keeps the first date."""
    with transaction.atomic():
        updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
        token.refresh_from_db()
        if updated:
            audit_record(actor=actor, action="api_token.revoke", target=token, changes={"user": token.user_id})
    return token


def otp_device_create(*, actor: Actor, user: User) -> tuple[TOTPDevice, str]:
    """Start setting up an authenticator app for ``user``: an unconfirmed device and its otpauth:// address.

    The device counts only once confirmed with a code from the app (:func:`otp_device_confirm`),
    so a failed scan never locks anyone out. Earlier unconfirmed devices are replaced.
    """
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=_("Authenticator app"), confirmed=False)
        audit_record(actor=actor, action="otp_device.create", target=device, changes={"user": user.pk})
    return device, device.config_url


def otp_device_confirm(*, actor: Actor, user: User, code: str) -> TOTPDevice:
    """Confirm the pending authenticator of ``user`` with a current code; from then on the admin asks for one."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise ValidationFailed({"code": [_("No authenticator is waiting for confirmation: set one up first.")]})
    allowed, _reason = device.verify_is_allowed()
    if not allowed:
        raise ValidationFailed({"code": [_("Too many wrong codes: wait a little, then type the current code.")]})
    if not device.verify_token(code.strip()):
        raise ValidationFailed({"code": [_("This code is wrong or expired: type the code the app shows now.")]})
    with transaction.atomic():
        TOTPDevice.objects.filter(pk=device.pk).update(confirmed=True)
        device.refresh_from_db()
        audit_record(actor=actor, action="otp_device.confirm", target=device, changes={"user": user.pk})
    return device


def otp_devices_remove(*, actor: Actor, user: User) -> int:
    """Remove every authenticator of ``user`` (a lost phone); returns how many were removed."""
    with transaction.atomic():
        devices = list(TOTPDevice.objects.filter(user=user))
        for device in devices:
            audit_record(actor=actor, action="otp_device.remove", target=device, changes={"user": user.pk})
        TOTPDevice.objects.filter(pk__in=[device.pk for device in devices]).delete()
    return len(devices)
