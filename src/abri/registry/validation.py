"""Checks every field of a household before anything is written, and says what is wrong where.

Errors are keyed by field path (``admin_area``, ``members[2].birth_date``) so a form, the API
and an import report can each point at the right place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from abri.core import crypto
from abri.core.errors import ValidationFailed
from abri.geo.models import AdminArea, Site
from abri.registry.flags import WG_FIELDS, age_on
from abri.registry.inputs import HouseholdInput, IndividualInput
from abri.registry.models import (
    BirthDatePrecision,
    Consent,
    DisplacementCause,
    Household,
    HouseholdStatus,
    IdDocumentType,
    Individual,
    MaritalStatus,
    PregnancyStatus,
    Relationship,
    Sex,
)
from abri.registry.models import Difficulty as DifficultyChoices
from abri.registry.normalise import PHONE_REFUSED, id_number_normalise, phone_normalise, search_name

MAX_MEMBERS = 60
MAX_AGE = 120
CHILD_RELATIONSHIPS = frozenset({Relationship.CHILD, Relationship.GRANDCHILD})
# Choice values read once: `Choices.values` rebuilds its list on every access, a cost per member in bulk.
SEX_VALUES = tuple(Sex.values)
RELATIONSHIP_VALUES = tuple(Relationship.values)
MARITAL_STATUS_VALUES = tuple(MaritalStatus.values)
DIFFICULTY_VALUES = tuple(DifficultyChoices.values)
PREGNANCY_VALUES = tuple(PregnancyStatus.values)
ID_DOCUMENT_VALUES = tuple(IdDocumentType.values)
CONSENT_VALUES = tuple(Consent.values)
STATUS_VALUES = tuple(HouseholdStatus.values)
CAUSE_VALUES = tuple(DisplacementCause.values)


@dataclass(frozen=True)
class References:
    """The P-codes and sites a batch of households may point at, read once per batch."""

    pcodes: frozenset[str]
    site_areas: dict[int, str]

    @classmethod
    def load(cls, data: HouseholdInput | None = None) -> References:
        """Read the admin areas and sites (only those ``data`` names, when given)."""
        areas = AdminArea.objects.all()
        sites = Site.objects.all()
        if data is not None:
            areas = areas.filter(pcode__in=[code for code in (data.admin_area, data.origin_area) if code])
            sites = sites.filter(pk__in=[data.site_id] if data.site_id else [])
        return cls(
            pcodes=frozenset(areas.values_list("pcode", flat=True)),
            site_areas=dict(sites.values_list("pk", "admin_area_id")),
        )


class _Errors:
    def __init__(self) -> None:
        self.errors: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.errors.setdefault(field, []).append(message)

    def choice(self, field: str, value: str, choices: Sequence[str], *, required: bool = True) -> None:
        if not value:
            if required:
                self.add(field, _("This field is required."))
            return
        if value in choices:
            return
        allowed = list(choices)
        if value not in allowed:
            self.add(
                field,
                _("%(value)s is not one of the allowed values: %(allowed)s.")
                % {"value": value, "allowed": ", ".join(allowed)},
            )

    def not_future(self, field: str, value: date | None, today: date) -> None:
        if value is not None and value > today:
            self.add(field, _("This date is in the future."))


def _birth_date(member: IndividualInput, today: date, errors: _Errors, prefix: str) -> tuple[date | None, str]:
    given = [name for name in ("birth_date", "birth_year", "age_years") if getattr(member, name) is not None]
    if not given:
        errors.add(f"{prefix}.birth_date", _("Give a date of birth, a year of birth or an estimated age."))
        return None, ""
    if member.birth_date is not None:
        if member.birth_date > today:
            errors.add(f"{prefix}.birth_date", _("This date is in the future."))
            return None, ""
        if age_on(member.birth_date, today) > MAX_AGE:
            errors.add(f"{prefix}.birth_date", _("This date makes the person older than 120 years."))
            return None, ""
        return member.birth_date, BirthDatePrecision.EXACT
    if member.birth_year is not None:
        if not today.year - MAX_AGE <= member.birth_year <= today.year:
            errors.add(
                f"{prefix}.birth_year",
                _("The year of birth must be between %(low)s and %(high)s.")
                % {"low": today.year - MAX_AGE, "high": today.year},
            )
            return None, ""
        # Mid-year: the best guess when only the year is known.
        return min(date(member.birth_year, 7, 1), today), BirthDatePrecision.YEAR
    age = member.age_years
    assert age is not None
    if not 0 <= age <= MAX_AGE:
        errors.add(f"{prefix}.age_years", _("The age must be between 0 and 120 years."))
        return None, ""
    year = today.year - age
    candidate = date(year, today.month, min(today.day, 28))
    return candidate, BirthDatePrecision.ESTIMATED_AGE


def _birth_date_kept(
    individual: Individual, birth_date: date, precision: str, member: IndividualInput, today: date
) -> date:
    """The stored date of birth of an existing member when what is given says the same thing with the
    same precision (the same year, the same estimated age): rereading a record and sending it back
    must not move the date Abri guessed."""
    if individual.birth_date is None or individual.birth_date_precision != precision:
        return birth_date
    if precision == BirthDatePrecision.YEAR and individual.birth_date.year == member.birth_year:
        return individual.birth_date
    if precision == BirthDatePrecision.ESTIMATED_AGE and age_on(individual.birth_date, today) == member.age_years:
        return individual.birth_date
    return birth_date


def _member(
    member: IndividualInput,
    *,
    position: int,
    data: HouseholdInput,
    today: date,
    existing: dict[int, Individual],
    errors: _Errors,
) -> Individual | None:
    prefix = f"members[{position}]"
    if not member.given_names.strip():
        errors.add(f"{prefix}.given_names", _("This field is required."))
    errors.choice(f"{prefix}.sex", member.sex, SEX_VALUES)
    errors.choice(f"{prefix}.relationship", member.relationship, RELATIONSHIP_VALUES)
    errors.choice(f"{prefix}.marital_status", member.marital_status, MARITAL_STATUS_VALUES, required=False)
    for name in WG_FIELDS:
        errors.choice(f"{prefix}.{name}", getattr(member, name), DIFFICULTY_VALUES, required=False)
    errors.choice(f"{prefix}.pregnancy", member.pregnancy or "no", PREGNANCY_VALUES)
    errors.choice(f"{prefix}.id_document_type", member.id_document_type, ID_DOCUMENT_VALUES, required=False)
    if member.id_number and not member.id_document_type:
        errors.add(f"{prefix}.id_document_type", _("Say which document this number is from."))
    birth_date, precision = _birth_date(member, today, errors, prefix)
    if (member.pregnancy or "no") != "no" and member.sex == Sex.MALE:
        errors.add(f"{prefix}.pregnancy", _("Only a woman can be pregnant or lactating."))
    if (
        birth_date is not None
        and data.arrival_date is not None
        and birth_date > data.arrival_date
        and member.relationship not in CHILD_RELATIONSHIPS
    ):
        errors.add(
            f"{prefix}.birth_date",
            _("Born after the household arrived: only a child or grandchild can be born in displacement."),
        )
    if birth_date is None:
        return None
    if member.id is not None:
        individual = existing.get(member.id)
        if individual is None:
            errors.add(f"{prefix}.id", _("This person is not a member of this household."))
            return None
        birth_date = _birth_date_kept(individual, birth_date, precision, member, today)
    else:
        individual = Individual()
    id_number = id_number_normalise(member.id_number)
    individual.given_names = member.given_names.strip()
    individual.family_name = member.family_name.strip()
    individual.search_name = search_name(individual.given_names, individual.family_name)
    individual.sex = member.sex
    individual.relationship = member.relationship
    individual.birth_date = birth_date
    individual.birth_date_precision = precision
    individual.marital_status = member.marital_status
    for name in WG_FIELDS:
        setattr(individual, name, getattr(member, name))
    individual.pregnancy = member.pregnancy or "no"
    individual.chronic_illness = member.chronic_illness
    individual.id_document_type = member.id_document_type
    individual.id_number_encrypted = crypto.encrypt(id_number)
    individual.id_number_hash = crypto.blind_index(id_number, purpose="id_number")
    return individual


def _dates_check(errors: _Errors, data: HouseholdInput, today: date) -> None:
    if data.consent_date is None:
        errors.add("consent_date", _("This field is required."))
    for name in ("consent_date", "departure_date", "arrival_date", "registered_on"):
        errors.not_future(name, getattr(data, name), today)
    if data.departure_date and data.arrival_date and data.arrival_date < data.departure_date:
        errors.add("arrival_date", _("The arrival date is before the departure date."))


def resolve_household(
    data: HouseholdInput, *, existing: Household | None, references: References
) -> tuple[str, date, list[Individual]]:
    """Check ``data``; return the normalised phone, the registration date and unsaved members.

    Raises ValidationFailed with every problem found, keyed by field path.
    """
    errors = _Errors()
    today = timezone.localdate()
    if data.admin_area not in references.pcodes:
        errors.add("admin_area", _("Unknown P-code: %(pcode)s.") % {"pcode": data.admin_area or "—"})
    if data.origin_area and data.origin_area not in references.pcodes:
        errors.add("origin_area", _("Unknown P-code: %(pcode)s.") % {"pcode": data.origin_area})
    if data.site_id is not None:
        site_area = references.site_areas.get(data.site_id)
        if site_area is None:
            errors.add("site_id", _("Unknown site."))
        elif not site_area.startswith(data.admin_area or "\0"):
            errors.add("site_id", _("This site is not in the household's admin area."))
    errors.choice("consent", data.consent, CONSENT_VALUES)
    errors.choice("status", data.status, STATUS_VALUES)
    errors.choice("displacement_cause", data.displacement_cause, CAUSE_VALUES, required=False)
    _dates_check(errors, data, today)
    registered_on = data.registered_on or today
    try:
        phone = phone_normalise(data.phone)
    except ValueError:
        errors.add("phone", str(PHONE_REFUSED))
        phone = ""
    if not data.members:
        errors.add("members", _("A household has at least one member."))
    elif len(data.members) > MAX_MEMBERS:
        errors.add("members", _("A household has at most %(count)s members.") % {"count": MAX_MEMBERS})
    heads = [member for member in data.members if member.relationship == Relationship.HEAD]
    if data.members and len(heads) != 1:
        errors.add(
            "members",
            _("Exactly one member must be the head of household (found %(count)s).") % {"count": len(heads)},
        )
    current = {member.pk: member for member in existing.members.all()} if existing is not None else {}
    members = [
        _member(member, position=position, data=data, today=today, existing=current, errors=errors)
        for position, member in enumerate(data.members, start=1)
    ]
    if errors.errors:
        raise ValidationFailed(errors.errors)
    return phone, registered_on, [member for member in members if member is not None]
