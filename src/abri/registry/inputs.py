"""What a caller hands the registry services: plain, typed values, no ORM objects.

Forms, the API, imports, `abri synth` and `abri demo` all build these, so that every way
in goes through the same validation in `abri.registry.services`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from datetime import date

from abri.registry.flags import FLAG_FIELDS


@dataclass(frozen=True, kw_only=True)
class IndividualInput:
    """One member. Give ``birth_date``, or ``birth_year``, or ``age_years`` (estimated)."""

    given_names: str
    family_name: str = ""
    sex: str
    relationship: str
    birth_date: date | None = None
    birth_year: int | None = None
    age_years: int | None = None
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
    id: int | None = None  # an existing member, when updating a household


@dataclass(frozen=True, kw_only=True)
class HouseholdInput:
    """One household and its members; exactly one member has relationship ``head``."""

    admin_area: str  # P-code of the current location
    consent: str
    consent_date: date | None  # required: refused when missing
    members: Sequence[IndividualInput]
    site_id: int | None = None
    origin_area: str = ""  # P-code
    departure_date: date | None = None
    arrival_date: date | None = None
    displacement_cause: str = ""
    phone: str = ""
    status: str = "registered"
    registered_on: date | None = None  # today when absent
    registration_number: str = ""  # assigned by Abri when absent
    extra: dict[str, str] = field(default_factory=dict)


# What a caller gives for a member, in order (the ``id`` of an existing member aside).
MEMBER_INPUT_FIELDS: tuple[str, ...] = tuple(item.name for item in fields(IndividualInput) if item.name != "id")

# The household columns a registration sets; ids, links and times are Abri's.
HOUSEHOLD_VALUE_FIELDS: tuple[str, ...] = (
    "admin_area_id",
    "site_id",
    "origin_area_id",
    "departure_date",
    "arrival_date",
    "displacement_cause",
    "consent",
    "consent_date",
    "phone_hash",
    "status",
    "registered_on",
    "size",
    *FLAG_FIELDS,
)
