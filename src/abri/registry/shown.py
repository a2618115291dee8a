"""What a given scope may see of a household and its members: the one place that decides.

Personal fields are shown in clear only where the scope holds ``registry.view_personal_data``
on the household (its organisation and admin area); elsewhere each is masked. Every page, API
answer, duplicate review screen, live check and export builds what it shows from here, so the
decision is written once and the encrypted values (phone, identity numbers) are decrypted once.

Never personal: registration number, organisation, areas, site, status, dates of the
registration and the displacement, size, the derived vulnerability flags, and of each member
the sex, relationship, age in whole years and how the birth date is known (its precision).
Personal: names, contact phone, the date (or year) of birth, marital status, the Washington
Group answers, pregnancy, chronic illness, identity document type and number.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Generic, TypeVar

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from abri.access.roles import VIEW_PERSONAL_DATA
from abri.access.selectors import Scope
from abri.core import crypto
from abri.registry.flags import SEVERE_DIFFICULTY, WG_FIELDS, age_on
from abri.registry.models import BirthDatePrecision, Household, Individual
from abri.registry.selectors import field_label

T = TypeVar("T")


def personal_data_visible(*, scope: Scope, household: Household) -> bool:
    """Whether ``scope`` may read the personal data (names, dates of birth, phone, identity numbers,
    disability, pregnancy and health answers) of ``household``."""
    return scope.covers(
        VIEW_PERSONAL_DATA, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
    )


def personal_data_anywhere(*, scope: Scope) -> bool:
    """Whether ``scope`` may read personal data of some household (so search by name or phone)."""
    return scope.allows(VIEW_PERSONAL_DATA)


@dataclass(frozen=True)
class Shown(Generic[T]):
    """One personal field: ``value`` in clear, or masked (``value`` None).

    ``text`` is what a page shows of a value in clear (a choice's label, a date in the page's
    language); ``str()`` gives it, or "hidden for your role" when masked, or "—" when empty.
    """

    value: T | None
    masked: bool
    text: str = ""

    def __str__(self) -> str:
        if self.masked:
            return _("hidden for your role")
        return self.text or "—"

    @property
    def present(self) -> bool:
        """Whether there is a value to show (False when masked or empty)."""
        return not self.masked and bool(self.value)


def _masked() -> Shown:
    return Shown(value=None, masked=True)


def _clear(value: T, text: str | None = None) -> Shown[T]:
    return Shown(value=value, masked=False, text=str(value or "") if text is None else text)


@dataclass(frozen=True)
class ShownMember:
    """A member as a given scope may see them."""

    pk: int
    household_id: int
    is_head: bool
    sex: str
    sex_display: str
    relationship: str
    relationship_display: str
    age: int  # whole years today
    birth_date_precision: str
    personal: bool
    name: Shown[str]
    given_names: Shown[str]
    family_name: Shown[str]
    birth_date: Shown[date]  # text: the date, or the year alone, or "estimated", as it is known
    marital_status: Shown[str]
    answers: dict[str, Shown[str]]  # the Washington Group answers, by field name
    difficulties: Shown[list[str]]  # labels of the questions answered with a severe difficulty
    pregnancy: Shown[str]
    chronic_illness: Shown[bool]
    id_document_type: Shown[str]
    id_number: Shown[str]

    @property
    def age_exact(self) -> bool:
        return self.birth_date_precision == BirthDatePrecision.EXACT

    @property
    def has_needs(self) -> bool:
        """Whether the needs column has something in clear to show."""
        return bool(
            self.difficulties.value
            or (self.pregnancy.present and self.pregnancy.value != "no")
            or self.chronic_illness.value
        )


@dataclass(frozen=True)
class ShownHousehold:
    """A household as a given scope may see it; ``household`` gives the fields that are never personal."""

    household: Household
    personal: bool
    phone: Shown[str]
    members: list[ShownMember]

    @property
    def head(self) -> ShownMember | None:
        return next((member for member in self.members if member.is_head), None)


def _birth_text(individual: Individual) -> str:
    if individual.birth_date_precision == BirthDatePrecision.EXACT:
        return date_format(individual.birth_date, "SHORT_DATE_FORMAT")  # in the page's language
    if individual.birth_date_precision == BirthDatePrecision.YEAR:
        return _("born %(year)s") % {"year": individual.birth_date.year}
    return _("estimated")


def _member(individual: Individual, *, personal: bool, head_id: int | None, today: date) -> ShownMember:
    common: dict[str, Any] = {
        "pk": individual.pk,
        "household_id": individual.household_id,
        "is_head": individual.pk == head_id,
        "sex": individual.sex,
        "sex_display": individual.get_sex_display(),
        "relationship": individual.relationship,
        "relationship_display": individual.get_relationship_display(),
        "age": age_on(individual.birth_date, today),
        "birth_date_precision": individual.birth_date_precision,
        "personal": personal,
    }
    if not personal:
        return ShownMember(
            **common,
            name=_masked(),
            given_names=_masked(),
            family_name=_masked(),
            birth_date=_masked(),
            marital_status=_masked(),
            answers={name: _masked() for name in WG_FIELDS},
            difficulties=_masked(),
            pregnancy=_masked(),
            chronic_illness=_masked(),
            id_document_type=_masked(),
            id_number=_masked(),
        )
    id_number = _readable(individual.id_number_encrypted)
    return ShownMember(
        **common,
        name=_clear(str(individual)),
        given_names=_clear(individual.given_names),
        family_name=_clear(individual.family_name),
        birth_date=_clear(individual.birth_date, _birth_text(individual)),
        marital_status=_clear(individual.marital_status, individual.get_marital_status_display()),
        answers={
            name: _clear(getattr(individual, name), getattr(individual, f"get_{name}_display")()) for name in WG_FIELDS
        },
        difficulties=_clear(
            [field_label(Individual, name) for name in WG_FIELDS if getattr(individual, name) in SEVERE_DIFFICULTY]
        ),
        pregnancy=_clear(individual.pregnancy, individual.get_pregnancy_display()),
        chronic_illness=_clear(individual.chronic_illness, _("Chronic illness") if individual.chronic_illness else ""),
        id_document_type=_clear(individual.id_document_type, individual.get_id_document_type_display()),
        id_number=_clear(id_number),
    )


def _readable(token: str) -> str:
    """A number in clear, or a word saying it cannot be read (its key was destroyed or is gone)."""
    if not token:
        return ""
    clear = crypto.readable(token)
    return _("(unreadable: the field key is gone)") if clear is None else clear


def members_shown(
    *, scope: Scope, household: Household, members: Sequence[Individual] | None = None
) -> list[ShownMember]:
    """The ``members`` of ``household`` (all of them, by id, when not given) as ``scope`` may see them."""
    personal = personal_data_visible(scope=scope, household=household)
    today = timezone.localdate()
    chosen = list(household.members.all()) if members is None else members
    return [_member(member, personal=personal, head_id=household.head_id, today=today) for member in chosen]


def member_shown(*, scope: Scope, individual: Individual) -> ShownMember:
    """One member (their household loaded) as ``scope`` may see them."""
    household = individual.household
    personal = personal_data_visible(scope=scope, household=household)
    return _member(individual, personal=personal, head_id=household.head_id, today=timezone.localdate())


def household_shown(
    *, scope: Scope, household: Household, members: Sequence[Individual] | None = None
) -> ShownHousehold:
    """``household`` and its ``members`` (all, by id, when not given) as ``scope`` may see them."""
    personal = personal_data_visible(scope=scope, household=household)
    phone = _clear(_readable(household.phone_encrypted)) if personal else _masked()
    return ShownHousehold(
        household=household,
        personal=personal,
        phone=phone,
        members=members_shown(scope=scope, household=household, members=members),
    )


def name_shown(*, scope: Scope, household: Household, individual: Individual | None) -> Shown[str]:
    """Just the name of ``individual``, a member of ``household``, as ``scope`` may see it; empty for nobody."""
    if individual is None:
        return _clear("")
    if not personal_data_visible(scope=scope, household=household):
        return _masked()
    return _clear(str(individual))


@dataclass(frozen=True)
class HandoverShown:
    """What an officer at a distribution point sees of a household: enough to check who collects, no more."""

    registration_number: str
    head_name: str
    head_sex_display: str
    head_age: int | None
    size: int


def handover_shown(*, household: Household) -> HandoverShown:
    """What a handover needs of ``household`` (its head loaded): the head's name, sex and age, and the size.

    Shown to the officers of a distribution the household is entitled at, the organisation's own
    or an implementing partner's: the distribution grants this, not the registry scope. Nothing
    else of the household (phone, identity numbers, members, needs) is shown at the point.
    """
    head = household.head
    return HandoverShown(
        registration_number=household.registration_number,
        head_name=str(head) if head is not None else "",
        head_sex_display=str(head.get_sex_display()) if head is not None else "",
        head_age=age_on(head.birth_date, timezone.localdate()) if head is not None else None,
        size=household.size,
    )
