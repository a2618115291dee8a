"""Access to households and individuals: the one way every page, API operation, review screen,
live check and export reaches a household or a member.

Every read takes the caller's `abri.access.selectors.Scope` (read once per request). Each
``access_*`` answers "not found" both for a record that does not exist and for one outside
the caller's scope, so that nobody learns a household exists by being refused it; a record
that is visible but may not be changed answers "permission denied". What of a household the
caller may *see* (each personal field in clear or masked) is decided by `abri.registry.shown`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import CHANGE_HOUSEHOLD, VIEW_HOUSEHOLD, VIEW_PERSONAL_DATA
from abri.access.selectors import Scope
from abri.core import crypto
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household, HouseholdStatus, Individual
from abri.registry.normalise import fold, phone_normalise
from abri.registry.search import households_named

SEARCH_MAX_WORDS = 6

# What a household read loads with it, for the list, the page and the API alike.
HOUSEHOLD_RELATED = ("organisation", "admin_area__parent", "site", "origin_area", "consent_recorded_by", "head")


@dataclass(frozen=True)
class HouseholdFilters:
    """Filters of the household list; none of them is personal data, so they may sit in a URL."""

    area: str = ""  # a P-code: the area and its descendants
    site_id: int | None = None
    flags: tuple[str, ...] = ()  # each one of abri.registry.flags.FLAG_FIELDS; all must hold
    status: str = ""  # a HouseholdStatus; empty: every status but merged


def households_visible(*, scope: Scope, permission: str = VIEW_HOUSEHOLD) -> QuerySet[Household]:
    """The households in ``scope`` for ``permission``."""
    return Household.objects.filter(scope.q(permission))


def _members_prefetch() -> Prefetch:
    return Prefetch("members", queryset=Individual.objects.order_by("id"))


def _loaded(households: QuerySet[Household]) -> QuerySet[Household]:
    return households.select_related(*HOUSEHOLD_RELATED).prefetch_related(_members_prefetch())


def household_search_q(term: str, *, personal_scope: Q | None = None) -> Q:
    """Households whose registration number is ``term``, or whose contact phone is ``term``, or
    with a member whose name holds every word of ``term`` (any order, accents ignored).

    Phone and name match only inside ``personal_scope`` (the households where the user may see
    personal data; everywhere when None): elsewhere a name must not even confirm a match.
    """
    term = term.strip()
    nothing = Q(pk__in=[])
    personal = personal_scope if personal_scope is not None else Q()
    if any(char.isdigit() for char in term):
        # A number or a phone: names hold no digits, so the members table is not read at all.
        found = Q(registration_number__in={term, term.upper()})
        try:
            phone = phone_normalise(term)
        except ValueError:
            phone = ""
        if phone:
            found |= Q(phone_hash__in=crypto.blind_indexes(phone, purpose="phone")) & personal  # every key of the ring
        return found
    words = fold(term).split()[:SEARCH_MAX_WORDS]
    if not words:
        return nothing
    return Q(pk__in=households_named(words)) & personal


def household_list(*, scope: Scope, filters: HouseholdFilters, search: str = "") -> QuerySet[Household]:
    """The households in scope that pass ``filters`` and match ``search``, by registration number,
    each with its organisation, areas, site, head and members loaded.

    A flag or status that is not one of the allowed values raises ValidationFailed.
    """
    errors: dict[str, list[str]] = {}
    for flag in filters.flags:
        if flag not in FLAG_FIELDS:
            errors.setdefault("flag", []).append(_not_allowed(flag, FLAG_FIELDS))
    if filters.status and filters.status not in HouseholdStatus.values:
        errors["status"] = [_not_allowed(filters.status, HouseholdStatus.values)]
    if errors:
        raise ValidationFailed(errors)
    households = households_visible(scope=scope)
    area = filters.area.strip().upper()
    if area:
        households = households.filter(admin_area__pk__startswith=area)
    if filters.site_id is not None:
        households = households.filter(site_id=filters.site_id)
    households = households.filter(**dict.fromkeys(filters.flags, True))
    if filters.status:
        households = households.filter(status=filters.status)
    else:  # a merged household lives on in the one it was merged into: listed only when asked for
        households = households.exclude(status=HouseholdStatus.MERGED)
    if search.strip():
        households = households.filter(household_search_q(search, personal_scope=scope.q(VIEW_PERSONAL_DATA)))
    return _loaded(households).order_by("registration_number")


def _not_allowed(value: str, allowed: Iterable[str]) -> str:
    return _("%(value)s is not one of the allowed values: %(allowed)s.") % {
        "value": value,
        "allowed": ", ".join(allowed),
    }


def access_household_by_number(*, scope: Scope, number: str, permission: str = VIEW_HOUSEHOLD) -> Household:
    """The household with this registration number (or primary key), if ``scope`` holds ``permission``
    on it, with what a household read loads. NotFound for a missing household and one out of scope alike."""
    households = _loaded(households_visible(scope=scope, permission=permission))
    household = households.filter(registration_number=number).first()
    if household is None and number.isdigit():
        household = households.filter(pk=int(number)).first()
    if household is None:
        raise NotFound(_("No household %(number)s.") % {"number": number})
    return household


def access_household_for_change(*, scope: Scope, number: str) -> Household:
    """The household, if visible and changeable: NotFound when not visible, PermissionDenied when read-only."""
    household = access_household_by_number(scope=scope, number=number)
    if not household_changeable(scope=scope, household=household):
        raise PermissionDenied(
            _("You may see household %(number)s but not change it.") % {"number": household.registration_number}
        )
    return household


def household_changeable(*, scope: Scope, household: Household, admin_area: str | None = None) -> bool:
    """Whether ``scope`` may change ``household`` (placed in ``admin_area`` when given: a move)."""
    return scope.covers(
        CHANGE_HOUSEHOLD,
        organisation_id=household.organisation_id,
        area_pcode=admin_area if admin_area is not None else household.admin_area_id,
    )


def household_allows(*, scope: Scope, household: Household, permissions: Iterable[str]) -> bool:
    """Whether ``scope`` holds every one of ``permissions`` on ``household`` (its organisation and area)."""
    return all(
        scope.covers(permission, organisation_id=household.organisation_id, area_pcode=household.admin_area_id)
        for permission in permissions
    )


def individuals_visible(*, scope: Scope, permission: str = VIEW_HOUSEHOLD) -> QuerySet[Individual]:
    """The individuals whose household is in ``scope`` for ``permission``."""
    return Individual.objects.filter(
        scope.q(permission, organisation_field="household__organisation", area_field="household__admin_area")
    )


def individual_list(*, scope: Scope, admin_area: str = "", household: str = "") -> QuerySet[Individual]:
    """Visible individuals, by area (and its descendants) or by household registration number;
    members folded by a household merge are left out (they live on in the kept household)."""
    individuals = individuals_visible(scope=scope).exclude(household__status=HouseholdStatus.MERGED)
    if admin_area:
        individuals = individuals.filter(household__admin_area__pk__startswith=admin_area.strip().upper())
    if household:
        individuals = individuals.filter(household__registration_number=household)
    return individuals.select_related("household").order_by("id")


def access_individual_by_id(*, scope: Scope, individual_id: int) -> Individual:
    """The individual if ``scope`` may see their household; otherwise NotFound."""
    individual = individuals_visible(scope=scope).select_related("household").filter(pk=individual_id).first()
    if individual is None:
        raise NotFound(_("No individual %(id)s.") % {"id": individual_id})
    return individual


def registering_organisation(*, scope: Scope, admin_area: str, acronym: str = "") -> Organisation:
    """The organisation a new household in ``admin_area`` is registered for.

    The caller's memberships allowed to register there decide; ``acronym`` picks one when
    several could. Superusers must name the organisation.
    """
    if scope.is_superuser:
        organisation = Organisation.objects.filter(acronym=acronym, is_active=True).first() if acronym else None
        if organisation is None:
            raise ValidationFailed({"organisation": [_("Say which active organisation registers this household.")]})
        return organisation
    if not scope.allows(CHANGE_HOUSEHOLD):
        raise PermissionDenied(_("Your role does not allow registering households."))
    candidates = {
        grant.organisation_id for grant in scope.grants_for(CHANGE_HOUSEHOLD) if grant.covers_area(admin_area)
    }
    organisations = Organisation.objects.filter(pk__in=candidates, is_active=True)
    if acronym:
        organisations = organisations.filter(acronym=acronym)
    found = list(organisations[:2])
    if not found:
        raise PermissionDenied(
            _("You may not register households for this organisation in the admin area %(pcode)s.")
            % {"pcode": admin_area or "—"}
        )
    if len(found) > 1:
        raise ValidationFailed(
            {"organisation": [_("You register for several organisations here: say which one (its acronym).")]}
        )
    return found[0]


def households_entitled(*, household_ids: QuerySet[Any], search: str = "") -> QuerySet[Household]:
    """The households among ``household_ids`` (those entitled at a distribution the caller works on,
    which the caller has decided) matching ``search`` by registration number or a member's name, heads loaded.

    The name search runs on these households only, whatever the caller's registry scope: an
    officer of an implementing partner finds a household of the distribution by its head's name.
    """
    households = Household.objects.filter(pk__in=household_ids)
    if search.strip():
        households = households.filter(household_search_q(search))
    return households.select_related("head").order_by("registration_number")
