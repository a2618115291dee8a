"""Write services of the registry: every way a household comes in goes through here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.selectors import Scope
from abri.core import crypto
from abri.core.errors import Conflict, PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.registry.access import household_changeable, registering_organisation
from abri.registry.flags import household_flags
from abri.registry.flows import status_check_transition
from abri.registry.inputs import HOUSEHOLD_VALUE_FIELDS, HouseholdInput
from abri.registry.locks import (
    household_lock,
    households_lock,
    members_lock,
    stale_message,
    version_bump,
    version_check,
)
from abri.registry.models import (
    Household,
    HouseholdStatus,
    Individual,
    RegistrationSequence,
)
from abri.registry.validation import References, resolve_household

__all__ = [
    "household_create",
    "household_set_status",
    "household_update",
    "registration_numbers_reserve",
]

Actor = User | AnonymousUser | None
# Field kinds whose Python value is what the database driver takes (no conversion needed).

_HOUSEHOLD_FIELDS = (*HOUSEHOLD_VALUE_FIELDS, "head_id")


def registration_numbers_reserve(*, organisation: Organisation, year: int, count: int) -> list[str]:
    """Reserve ``count`` consecutive registration numbers; safe when several clerks save at once."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                RegistrationSequence.objects.get_or_create(organisation=organisation, year=year)
        except IntegrityError:  # another transaction created the row first; it exists now
            pass
        RegistrationSequence.objects.filter(organisation=organisation, year=year).update(last=F("last") + count)
        last = RegistrationSequence.objects.values_list("last", flat=True).get(organisation=organisation, year=year)
    first = last - count + 1
    prefix = f"{organisation.acronym.upper()}-{year % 100:02d}"
    return [f"{prefix}-{number:06d}" for number in range(first, last + 1)]


def _apply_household(household: Household, resolved: _Resolved) -> None:
    data = resolved.data
    household.admin_area_id = data.admin_area
    household.site_id = data.site_id
    household.origin_area_id = data.origin_area or None
    household.departure_date = data.departure_date
    household.arrival_date = data.arrival_date
    household.displacement_cause = data.displacement_cause
    household.consent = data.consent
    assert data.consent_date is not None  # resolve_household refuses a missing one
    household.consent_date = data.consent_date
    household.phone_encrypted = crypto.encrypt(resolved.phone)
    household.phone_hash = crypto.blind_index(resolved.phone, purpose="phone")
    household.status = data.status
    household.registered_on = resolved.registered_on
    household.size = len(resolved.members)
    for name, value in household_flags(resolved.members, on=resolved.registered_on).items():
        setattr(household, name, value)


@dataclass
class _Resolved:
    data: HouseholdInput
    phone: str
    registered_on: date
    members: list[Individual]


def _resolve(
    data: HouseholdInput, *, existing: Household | None = None, references: References | None = None
) -> _Resolved:
    phone, registered_on, members = resolve_household(
        data, existing=existing, references=references or References.load(data)
    )
    return _Resolved(data=data, phone=phone, registered_on=registered_on, members=members)


def household_create(*, actor: Actor, organisation: Organisation, data: HouseholdInput) -> Household:
    """Register a household and its members, after checking every field."""
    resolved = _resolve(data)
    with transaction.atomic():
        household = Household(organisation=organisation)
        _apply_household(household, resolved)
        household.registration_number = (
            data.registration_number
            or registration_numbers_reserve(organisation=organisation, year=resolved.registered_on.year, count=1)[0]
        )
        household.consent_recorded_by = actor if actor is not None and actor.is_authenticated else None
        try:
            with transaction.atomic():
                household.save()
        except IntegrityError as error:
            if Household.objects.filter(registration_number=household.registration_number).exists():
                raise ValidationFailed(
                    {"registration_number": [_("This registration number is already used by another household.")]}
                ) from error
            raise
        for member in resolved.members:
            member.household = household
        Individual.objects.bulk_create(resolved.members)
        household.head = next(member for member in resolved.members if member.relationship == "head")
        household.save(update_fields=["head"])
        audit_record(
            actor=actor,
            action="household.create",
            target=household,
            changes={"members": len(resolved.members)},
        )
    return household


@dataclass
class _Problems:
    refusals: dict[str, list[str]]  # what the user may not do here (403)
    errors: dict[str, list[str]]  # what is wrong with the input (422)
    organisation: Organisation | None = None

    def add(self, errors: dict[str, list[str]]) -> None:
        for key, messages in errors.items():
            self.errors.setdefault(key, []).extend(messages)

    def raise_any(self) -> None:
        if self.refusals:
            message = " ".join(message for messages in self.refusals.values() for message in messages)
            raise PermissionDenied(message, errors={**self.errors, **self.refusals})
        if self.errors:
            raise ValidationFailed(self.errors)


def _problems(*, scope: Scope, data: HouseholdInput, household: Household | None, acronym: str) -> _Problems:
    """What registering ``data`` (or changing ``household`` to it) would refuse before the fields:
    the area and the organisation against the user's scope."""
    found = _Problems(refusals={}, errors={})
    if not data.admin_area:
        found.errors["admin_area"] = [_("Choose where the household lives: the region, and the cercle if known.")]
    elif household is None:
        try:
            found.organisation = registering_organisation(scope=scope, admin_area=data.admin_area, acronym=acronym)
        except PermissionDenied as refusal:
            found.refusals["admin_area"] = [str(refusal)]
        except ValidationFailed as failure:
            found.add(failure.errors)
    else:
        if acronym and acronym != household.organisation.acronym:
            found.errors["organisation"] = [_("A household stays with the organisation that registered it.")]
        if not household_changeable(scope=scope, household=household, admin_area=data.admin_area):
            found.refusals["admin_area"] = [
                _("You may not move this household to the admin area %(pcode)s.") % {"pcode": data.admin_area}
            ]
    return found


def _fields_checked(found: _Problems, data: HouseholdInput, household: Household | None) -> None:
    try:
        resolve_household(data, existing=household, references=References.load(data))
    except ValidationFailed as failure:
        found.add(failure.errors)


def household_check(*, scope: Scope, data: HouseholdInput, household: Household | None = None) -> None:
    """Raise every problem registering ``data`` (or changing ``household`` to it) would meet, at once;
    writes nothing."""
    found = _problems(scope=scope, data=data, household=household, acronym="")
    _fields_checked(found, data, household)
    found.raise_any()


def household_register(*, actor: Actor, scope: Scope, data: HouseholdInput, acronym: str = "") -> Household:
    """Register a household for the organisation ``scope`` registers for in its area (``acronym``
    picks one). The area, the organisation, the consent and every field are checked, and every
    problem raised at once: PermissionDenied when the user may not register there, else
    ValidationFailed."""
    found = _problems(scope=scope, data=data, household=None, acronym=acronym)
    if found.refusals or found.errors:
        _fields_checked(found, data, None)
        found.raise_any()
    assert found.organisation is not None  # found, or a refusal said why not
    return household_create(actor=actor, organisation=found.organisation, data=data)


def household_change(
    *,
    actor: Actor,
    scope: Scope,
    household: Household,
    data: HouseholdInput,
    version: int | None,
    acronym: str = "",
) -> Household:
    """Change ``household`` to ``data`` for a user of ``scope``: a move outside the scope, another
    organisation, a missing consent date or version and every field are checked, and every
    problem raised at once (PermissionDenied for a move the user may not make)."""
    found = _problems(scope=scope, data=data, household=household, acronym=acronym)
    if version is None:
        found.errors["version"] = [
            _("Send the household's version as a read gave it, so that no later change is overwritten.")
        ]
    if found.refusals or found.errors:
        _fields_checked(found, data, household)
        found.raise_any()
    return household_update(actor=actor, household=household, data=data, version=version)


def household_update(
    *, actor: Actor, household: Household, data: HouseholdInput, version: int | None = None
) -> Household:
    """Change a household and its members: members with an ``id`` are updated, new ones added,
    members not listed removed.

    ``version`` is the household's version the caller read (the edit form and the API always
    send it): when the household was written since (an edit, a merge), nothing is written and
    Conflict says so. The household and then its members are locked before anything is read,
    so the member list is checked against the members as they are now.
    """
    with transaction.atomic():
        locked = household_lock(household)
        version_check(locked, version)
        if locked.status == HouseholdStatus.MERGED:
            raise Conflict(stale_message(locked))
        members_lock(locked)
        resolved = _resolve(data, existing=locked)
        status_check_transition(current=locked.status, target=data.status)
        before = {name: getattr(locked, name) for name in _HOUSEHOLD_FIELDS}
        _apply_household(locked, resolved)
        kept_ids = {member.pk for member in resolved.members if member.pk}
        removed = list(locked.members.exclude(pk__in=kept_ids).values_list("pk", flat=True))
        version_bump(locked)
        locked.head = None
        locked.save()
        Individual.objects.filter(pk__in=removed).delete()
        for member in resolved.members:
            member.household = locked
            member.save()
        locked.head = next(member for member in resolved.members if member.relationship == "head")
        locked.save(update_fields=["head", "updated_at"])
        changed = [name for name in _HOUSEHOLD_FIELDS if getattr(locked, name) != before[name]]
        audit_record(
            actor=actor,
            action="household.update",
            target=locked,
            changes={
                "fields": changed,
                "members_added": sum(1 for member in data.members if member.id is None),
                "members_removed": len(removed),
            },
        )
    return locked


def household_set_status(*, actor: Actor, household: Household, status: str) -> Household:
    """Move a household along its status lifecycle (`abri.registry.flows`)."""
    with transaction.atomic():
        locked = households_lock(household.pk).get(household.pk)
        if locked is None:
            raise ValidationFailed({"__all__": [_("This household no longer exists.")]})
        status_check_transition(current=locked.status, target=status)
        before = locked.status
        version_bump(locked)
        locked.status = status
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="household.set_status", target=locked, changes={"status": [before, status]})
    return locked
