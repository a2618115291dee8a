"""What the API reads and writes for households and individuals (pydantic, through django-ninja).

Inputs stay loosely typed (choices are plain strings) so that the registry services check
every value and say what is wrong, in the caller's language, like any other way in.
Outputs are plain pydantic models built once from the ORM objects (ninja's attribute getter
would re-read every field of every member; a page of 200 households took four times longer).
They carry personal fields (names, date of birth, phone and identity numbers in clear,
disability and pregnancy answers) only as `abri.registry.shown` gives them: null where the
caller may not read personal data of that household, and ``personal_data`` false.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import BaseModel, Field

from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.registry.flags import FLAG_FIELDS, WG_FIELDS, age_on
from abri.registry.inputs import HouseholdInput, IndividualInput
from abri.registry.models import BirthDatePrecision, Household, HouseholdStatus, Individual
from abri.registry.shown import ShownHousehold, ShownMember

MAX_PAGE_SIZE = 200
# Far past any registry (200 × 100,000 = 20 million records), low enough that the offset never overflows SQL.
MAX_PAGE = 100_000


class MemberIn(Schema):
    """A member; ``id`` names an existing member when updating a household (leave it out for a new one)."""

    id: int | None = None
    given_names: str
    family_name: str = ""
    sex: str = Field(description="female or male")
    relationship: str = Field(description="head, spouse, child, grandchild, parent, sibling, other_relative, …")
    birth_date: date | None = None
    birth_year: int | None = None
    age_years: int | None = Field(None, description="Estimated age, when neither date nor year is known.")
    birth_date_precision: str = Field(
        "",
        description="exact, year or estimated_age: how the birth is known, as a read gives it. With year, only "
        "the year (``birth_year``, or that of ``birth_date``) counts; with estimated_age, only ``age_years`` (or "
        "the age ``birth_date`` gives today); left out, ``birth_date`` first, then ``birth_year``, then ``age_years``.",
    )
    marital_status: str = ""
    wg_seeing: str = ""
    wg_hearing: str = ""
    wg_walking: str = ""
    wg_cognition: str = ""
    wg_self_care: str = ""
    wg_communication: str = ""
    pregnancy: str = "no"
    chronic_illness: bool = False
    id_document_type: str = ""
    id_number: str = ""

    def to_input(self, *, position: int = 1) -> IndividualInput:
        """The registry services' input for this member: a ``birth_date`` read back with precision
        ``year`` or ``estimated_age`` becomes that year or that age again, never an exact date."""
        values = self.model_dump(exclude={"birth_date_precision"})
        precision = self.birth_date_precision.strip()
        if precision and precision not in BirthDatePrecision.values:
            raise ValidationFailed(
                {
                    f"members[{position}].birth_date_precision": [
                        _("%(value)s is not one of the allowed values: %(allowed)s.")
                        % {"value": precision, "allowed": ", ".join(BirthDatePrecision.values)}
                    ]
                }
            )
        # A read gives the date, the precision and the age today: the precision says which one counts.
        if precision == BirthDatePrecision.YEAR:
            year = self.birth_year if self.birth_year is not None else self.birth_date and self.birth_date.year
            values.update(birth_date=None, birth_year=year, age_years=None)
        elif precision == BirthDatePrecision.ESTIMATED_AGE:
            age = self.age_years
            if age is None and self.birth_date is not None:
                age = age_on(self.birth_date, timezone.localdate())
            values.update(birth_date=None, birth_year=None, age_years=age)
        return IndividualInput(**values)


class HouseholdIn(Schema):
    """A household and all its members (exactly one ``head``). An update replaces the member list."""

    organisation: str = Field(
        "", description="Acronym of the registering organisation, when you register for several (create only)."
    )
    admin_area: str = Field(description="P-code of the current location (ML1001).")
    site_id: int | None = None
    origin_area: str = Field("", description="P-code of the area of origin.")
    departure_date: date | None = None
    arrival_date: date | None = None
    displacement_cause: str = ""
    consent: str = Field(description="given or refused")
    consent_date: date
    phone: str = ""
    status: str | None = Field(None, description="Left out: registered for a new household, unchanged on update.")
    registered_on: date | None = Field(None, description="Left out: today for a new household, unchanged on update.")
    version: int | None = Field(
        None,
        description="Update: the version a read gave. A household changed since is not overwritten (409). "
        "Not used on create.",
    )
    members: list[MemberIn]

    def to_input(self, *, current: Household | None = None) -> HouseholdInput:
        """The registry services' input; status and registration date left out keep ``current``'s."""
        values = self.model_dump(exclude={"organisation", "members", "status", "registered_on", "version"})
        return HouseholdInput(
            **values,
            status=self.status or (current.status if current else HouseholdStatus.REGISTERED),
            registered_on=self.registered_on or (current.registered_on if current else None),
            members=[member.to_input(position=position) for position, member in enumerate(self.members, start=1)],
        )


class StatusIn(Schema):
    status: str = Field(description="registered, relocated, returned or inactive")


class HouseholdListQuery(Schema):
    admin_area: str = Field("", description="P-code: keeps this area and the areas within it.")
    site: int | None = Field(None, description="Site id.")
    flag: list[str] = Field(default_factory=list, description=f"Vulnerability flags, all required: {FLAG_FIELDS}.")
    status: str = ""
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class IndividualFilters(Schema):
    admin_area: str = Field("", description="P-code: keeps this area and the areas within it.")
    household: str = Field("", description="Registration number of the household.")
    page: int = Field(1, ge=1, le=MAX_PAGE)
    page_size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class MemberOut(BaseModel):
    id: int
    sex: str
    relationship: str
    age_years: int = Field(description="Age today, in whole years.")
    birth_date_precision: str
    given_names: str | None = Field(description="Personal: null without the right to read personal data.")
    family_name: str | None
    birth_date: date | None
    marital_status: str | None
    wg_seeing: str | None
    wg_hearing: str | None
    wg_walking: str | None
    wg_cognition: str | None
    wg_self_care: str | None
    wg_communication: str | None
    pregnancy: str | None
    chronic_illness: bool | None
    id_document_type: str | None
    id_number: str | None

    @classmethod
    def build(cls, member: ShownMember) -> MemberOut:
        """The member as `abri.registry.shown` lets the caller see them (masked fields are null)."""
        return cls(
            id=member.pk,
            sex=member.sex,
            relationship=member.relationship,
            age_years=member.age,
            birth_date_precision=member.birth_date_precision,
            given_names=member.given_names.value,
            family_name=member.family_name.value,
            birth_date=member.birth_date.value,
            marital_status=member.marital_status.value,
            **{name: member.answers[name].value for name in WG_FIELDS},
            pregnancy=member.pregnancy.value,
            chronic_illness=member.chronic_illness.value,
            id_document_type=member.id_document_type.value,
            id_number=member.id_number.value,
        )


class IndividualOut(MemberOut):
    household: str = Field(description="Registration number of the household.")
    personal_data: bool

    @classmethod
    def build_individual(cls, individual: Individual, member: ShownMember) -> IndividualOut:
        """The individual, as shown to the caller, with their household's number."""
        values = MemberOut.build(member).model_dump()
        return cls(**values, household=individual.household.registration_number, personal_data=member.personal)


class HouseholdOut(BaseModel):
    registration_number: str
    organisation: str = Field(description="Acronym of the registering organisation.")
    admin_area: str
    site_id: int | None
    origin_area: str | None
    departure_date: date | None
    arrival_date: date | None
    displacement_cause: str
    consent: str
    consent_date: date
    status: str
    registered_on: date
    size: int
    flags: list[str] = Field(description="The vulnerability flags that hold (derived from the members).")
    personal_data: bool = Field(description="Whether personal fields are shown (else they are null).")
    phone: str | None
    head_id: int | None
    members: list[MemberOut]
    version: int = Field(description="Changes with every write: send it back with an update.")
    created_at: datetime
    updated_at: datetime

    @classmethod
    def build(cls, shown: ShownHousehold) -> HouseholdOut:
        """The household as `abri.registry.shown` lets the caller see it."""
        household = shown.household
        return cls(
            registration_number=household.registration_number,
            organisation=household.organisation.acronym,
            admin_area=household.admin_area_id,
            site_id=household.site_id,
            origin_area=household.origin_area_id,
            departure_date=household.departure_date,
            arrival_date=household.arrival_date,
            displacement_cause=household.displacement_cause,
            consent=household.consent,
            consent_date=household.consent_date,
            status=household.status,
            registered_on=household.registered_on,
            size=household.size,
            flags=[name for name in FLAG_FIELDS if getattr(household, name)],
            personal_data=shown.personal,
            phone=shown.phone.value,
            head_id=household.head_id,
            members=[MemberOut.build(member) for member in shown.members],
            version=household.version,
            created_at=household.created_at,
            updated_at=household.updated_at,
        )


class HouseholdPage(BaseModel):
    count: int
    page: int
    page_size: int
    items: list[HouseholdOut]


class IndividualPage(BaseModel):
    count: int
    page: int
    page_size: int
    items: list[IndividualOut]


class AuditEntryOut(BaseModel):
    at: datetime
    actor: str | None = Field(description="Username of who did it (null: the system).")
    action: str
    changes: dict[str, Any] = Field(description="Names of what changed, never personal values.")

    @classmethod
    def build(cls, entry: AuditEntry) -> AuditEntryOut:
        """One audit entry (actor loaded with it)."""
        return cls(
            at=entry.at,
            actor=entry.actor.get_username() if entry.actor else None,
            action=entry.action,
            changes=entry.changes,
        )
