"""Write services of access: API tokens, the administrators' authenticator devices, data sharing agreements."""

from __future__ import annotations

import datetime
import hashlib
import secrets
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from abri.access.models import ApiToken, DataSharingAgreement, Organisation, SharingLevel
from abri.access.roles import MANAGE_AGREEMENTS
from abri.access.selectors import scope_for
from abri.core.errors import PermissionDenied, ValidationFailed
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


def _require_agreement_manager(
    *, actor: Actor, providing_organisation_id: int, all_areas: bool, area_pcodes: Sequence[str]
) -> None:
    """The actor administers the providing organisation over the areas shared (``None`` is Abri itself)."""
    if actor is None:
        return
    scope = scope_for(user=actor)
    if scope.is_superuser:
        return
    grants = [
        grant for grant in scope.grants_for(MANAGE_AGREEMENTS) if grant.organisation_id == providing_organisation_id
    ]
    if not grants:
        raise PermissionDenied(_("Only an administrator of the providing organisation may do this."))
    covered = (
        any(grant.all_areas for grant in grants)
        if all_areas
        else all(any(grant.covers_area(pcode) for grant in grants) for pcode in area_pcodes)
    )
    if not covered:
        raise PermissionDenied(_("You may only share the admin areas you administer."))


def agreement_create(
    *,
    actor: Actor,
    providing_organisation: Organisation,
    receiving_organisation: Organisation,
    level: str,
    purpose: str,
    valid_from: datetime.date,
    valid_to: datetime.date,
    signed_by: str,
    all_areas: bool = False,
    admin_areas: Sequence[Any] = (),
    all_programmes: bool = True,
    programmes: Sequence[Any] = (),
) -> DataSharingAgreement:
    """Record a data sharing agreement, signed by ``signed_by``; it grants from ``valid_from`` to ``valid_to``.

    ``admin_areas`` are `geo.AdminArea`s, ``programmes`` the providing organisation's
    `assistance.Programme`s. Only the providing organisation's administrators may record it.
    """
    purpose = purpose.strip()
    signed_by = signed_by.strip()
    errors: dict[str, list[str]] = {}
    if providing_organisation.pk == receiving_organisation.pk:
        errors["receiving_organisation"] = [_("An organisation does not share with itself.")]
    elif not receiving_organisation.is_active:
        errors["receiving_organisation"] = [_("This organisation is no longer active.")]
    if level not in SharingLevel.values:
        errors["level"] = [_("Choose what is shared: figures only, or personal data.")]
    if not purpose:
        errors["purpose"] = [_("Say what the data is shared for.")]
    if not signed_by:
        errors["signed_by"] = [_("Name who signed the agreement, on both sides.")]
    elif len(signed_by) > DataSharingAgreement._meta.get_field("signed_by").max_length:  # type: ignore[operator]
        errors["signed_by"] = [_("Too long: name the signatories in at most 300 characters.")]
    if valid_to < valid_from:
        errors["valid_to"] = [_("The agreement cannot end before it starts.")]
    if not all_areas and not admin_areas:
        errors["admin_areas"] = [_("Name the admin areas shared, or share all of them.")]
    if not all_programmes and not programmes:
        errors["programmes"] = [_("Name the programmes shared, or share all of them.")]
    if any(programme.organisation_id != providing_organisation.pk for programme in programmes):
        errors["programmes"] = [_("Only the providing organisation's own programmes can be shared.")]
    if errors:
        raise ValidationFailed(errors)
    area_pcodes = sorted(area.pk for area in admin_areas) if not all_areas else []
    programme_ids = sorted(programme.pk for programme in programmes) if not all_programmes else []
    _require_agreement_manager(
        actor=actor,
        providing_organisation_id=providing_organisation.pk,
        all_areas=all_areas,
        area_pcodes=area_pcodes,
    )
    with transaction.atomic():
        agreement = DataSharingAgreement.objects.create(
            providing_organisation=providing_organisation,
            receiving_organisation=receiving_organisation,
            level=level,
            purpose=purpose,
            all_areas=all_areas,
            all_programmes=all_programmes,
            valid_from=valid_from,
            valid_to=valid_to,
            signed_by=signed_by,
            created_by=actor if actor is not None and actor.is_authenticated else None,
        )
        agreement.admin_areas.set(area_pcodes)
        agreement.programmes.set(programme_ids)
        audit_record(
            actor=actor,
            action="agreement.create",
            target=agreement,
            changes={
                "providing_organisation": providing_organisation.pk,
                "receiving_organisation": receiving_organisation.pk,
                "level": level,
                "admin_areas": "all" if all_areas else area_pcodes,
                "programmes": "all" if all_programmes else programme_ids,
                "valid_from": valid_from.isoformat(),
                "valid_to": valid_to.isoformat(),
            },
        )
    return agreement


def agreement_revoke(*, actor: Actor, agreement: DataSharingAgreement, reason: str) -> DataSharingAgreement:
    """Revoke ``agreement`` now, for ``reason``: from then on it grants nothing. It is kept, never deleted."""
    reason = reason.strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the agreement is revoked.")]})
    _require_agreement_manager(
        actor=actor, providing_organisation_id=agreement.providing_organisation_id, all_areas=False, area_pcodes=()
    )
    with transaction.atomic():
        updated = DataSharingAgreement.objects.filter(pk=agreement.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(),
            revoked_by=actor if actor is not None and actor.is_authenticated else None,
            revocation_reason=reason,
        )
        if not updated:
            raise ValidationFailed({"reason": [_("This agreement is already revoked.")]})
        agreement.refresh_from_db()
        audit_record(
            actor=actor,
            action="agreement.revoke",
            target=agreement,
            changes={"receiving_organisation": agreement.receiving_organisation_id},
        )
    return agreement
