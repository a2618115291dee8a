"""Household and individual endpoints: parse, check access, call one service, render.

Every record outside the caller's scope answers 404, exactly like a missing one; 403 only
when the record is visible but the action is not allowed.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from abri.access.api import request_scope
from abri.access.roles import VIEW_AUDIT
from abri.access.selectors import Scope
from abri.core.errors import PermissionDenied
from abri.core.selectors import audit_entries_for
from abri.core.services import audit_personal_data_viewed
from abri.registry.access import (
    HouseholdFilters,
    access_household_by_number,
    access_household_for_change,
    access_individual_by_id,
    household_list,
    individual_list,
)
from abri.registry.models import Individual
from abri.registry.schemas import (
    AuditEntryOut,
    HouseholdIn,
    HouseholdListQuery,
    HouseholdOut,
    HouseholdPage,
    IndividualFilters,
    IndividualOut,
    IndividualPage,
    StatusIn,
)
from abri.registry.services import household_change, household_register, household_set_status
from abri.registry.shown import household_shown, member_shown, personal_data_visible

router = Router(tags=["registry"])


def _actor(request: HttpRequest) -> User:
    user: User = request.auth  # type: ignore[attr-defined]  # set by the API's authentication
    return user


def _household_out(request: HttpRequest, registration_number: str, *, viewed: bool = False) -> HouseholdOut:
    """The household as the caller may see it; ``viewed``: a read, recorded when it shows personal data
    (the answer to the caller's own write shows what they just sent, and is recorded as that write)."""
    scope = request_scope(request)
    household = access_household_by_number(scope=scope, number=registration_number)
    shown = household_shown(scope=scope, household=household)
    if viewed and shown.personal:
        audit_personal_data_viewed(actor=_actor(request), targets=[household])
    return HouseholdOut.build(shown)


@router.get("/households", response=HouseholdPage, summary="List households")
def households_list(request: HttpRequest, query: Query[HouseholdListQuery]) -> HouseholdPage:
    """Households in your scope, by registration number; filter by area (and the areas within), site, flags, status."""
    scope = request_scope(request)
    filters = HouseholdFilters(area=query.admin_area, site_id=query.site, flags=tuple(query.flag), status=query.status)
    households = household_list(scope=scope, filters=filters)
    start = (query.page - 1) * query.page_size
    page = list(households[start : start + query.page_size])
    shown = [household_shown(scope=scope, household=household) for household in page]
    audit_personal_data_viewed(actor=_actor(request), targets=[item.household for item in shown if item.personal])
    return HouseholdPage(
        count=households.count(),
        page=query.page,
        page_size=query.page_size,
        items=[HouseholdOut.build(item) for item in shown],
    )


@router.get("/households/{registration_number}", response=HouseholdOut, summary="Read a household")
def households_retrieve(request: HttpRequest, registration_number: str) -> HouseholdOut:
    """One household and its members."""
    return _household_out(request, registration_number, viewed=True)


@router.post("/households", response={201: HouseholdOut}, summary="Register a household")
def households_create(request: HttpRequest, payload: HouseholdIn) -> Status[HouseholdOut]:
    """Register a household and its members for your organisation; Abri assigns the registration number."""
    household = household_register(
        actor=_actor(request),
        scope=request_scope(request),
        data=payload.to_input(),
        acronym=payload.organisation.strip(),
    )
    return Status(201, _household_out(request, household.registration_number))


@router.put("/households/{registration_number}", response=HouseholdOut, summary="Change a household")
def households_update(request: HttpRequest, registration_number: str, payload: HouseholdIn) -> HouseholdOut:
    """Replace a household's fields and members: members with an ``id`` are kept and changed,
    new ones added, those left out removed. Fields left out are emptied, except the status and
    the registration date, which stay as they were. Send the ``version`` a read gave: when the
    household was changed since (an edit, a merge), nothing is written and the answer is 409."""
    scope = request_scope(request)
    household = access_household_for_change(scope=scope, number=registration_number)
    household_change(
        actor=_actor(request),
        scope=scope,
        household=household,
        data=payload.to_input(current=household),
        version=payload.version,
        acronym=payload.organisation.strip(),
    )
    return _household_out(request, registration_number)


@router.post("/households/{registration_number}/status", response=HouseholdOut, summary="Set a household's status")
def households_set_status(request: HttpRequest, registration_number: str, payload: StatusIn) -> HouseholdOut:
    """Mark a household registered, relocated, returned or inactive."""
    household = access_household_for_change(scope=request_scope(request), number=registration_number)
    household_set_status(actor=_actor(request), household=household, status=payload.status)
    return _household_out(request, registration_number)


@router.get(
    "/households/{registration_number}/audit", response=list[AuditEntryOut], summary="Audit trail of a household"
)
def households_audit(request: HttpRequest, registration_number: str) -> list[AuditEntryOut]:
    """Who did what to this household, newest first (roles that may read the audit)."""
    scope = request_scope(request)
    household = access_household_by_number(scope=scope, number=registration_number)
    if not scope.covers(VIEW_AUDIT, organisation_id=household.organisation_id, area_pcode=household.admin_area_id):
        raise PermissionDenied(_("Your role does not allow reading the audit trail."))
    return [AuditEntryOut.build(entry) for entry in audit_entries_for(target=household)]


@router.get("/individuals", response=IndividualPage, summary="List individuals")
def individuals_list(request: HttpRequest, filters: Query[IndividualFilters]) -> IndividualPage:
    """Members of the households in your scope; filter by area or by household."""
    scope = request_scope(request)
    individuals = individual_list(scope=scope, admin_area=filters.admin_area, household=filters.household)
    start = (filters.page - 1) * filters.page_size
    page = list(individuals[start : start + filters.page_size])
    _members_viewed(request, scope, page)
    return IndividualPage(
        count=individuals.count(),
        page=filters.page,
        page_size=filters.page_size,
        items=[
            IndividualOut.build_individual(individual, member_shown(scope=scope, individual=individual))
            for individual in page
        ],
    )


def _members_viewed(request: HttpRequest, scope: Scope, individuals: list[Individual]) -> None:
    households = {individual.household_id: individual.household for individual in individuals}
    audit_personal_data_viewed(
        actor=_actor(request),
        targets=[h for h in households.values() if personal_data_visible(scope=scope, household=h)],
    )


@router.get("/individuals/{individual_id}", response=IndividualOut, summary="Read an individual")
def individuals_retrieve(request: HttpRequest, individual_id: int) -> IndividualOut:
    """One member; change members through their household (PUT /households/{registration_number})."""
    scope = request_scope(request)
    individual = access_individual_by_id(scope=scope, individual_id=individual_id)
    _members_viewed(request, scope, [individual])
    return IndividualOut.build_individual(individual, member_shown(scope=scope, individual=individual))
