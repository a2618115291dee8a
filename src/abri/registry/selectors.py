"""Reads of the registry: households a user may see, found by filters, name, number or phone.

Every read goes through `households_in_scope`, so a household outside the user's scope is
never listed, counted or shown; `access_household_by_number` answers "not found" for both
a missing household and one the user may not see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import models
from django.db.models import Count, Q, QuerySet, Sum

from abri.access import roles
from abri.access.models import Membership
from abri.access.selectors import memberships_granting, scope_q
from abri.core import crypto
from abri.core.errors import NotFound
from abri.core.models import AuditEntry
from abri.geo.models import AdminArea, Site
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household, HouseholdStatus, Individual
from abri.registry.normalise import fold, phone_normalise

UserLike = User | AnonymousUser
SEARCH_MAX_WORDS = 6


@dataclass(frozen=True)
class HouseholdFilters:
    """Filters of the household list; none of them is personal data, so they may sit in a URL."""

    area: str = ""  # a P-code: the area and its descendants
    site_id: int | None = None
    flag: str = ""  # one of abri.registry.flags.FLAG_FIELDS
    status: str = ""


def households_in_scope(*, user: UserLike, permission: str = roles.VIEW_HOUSEHOLD) -> QuerySet[Household]:
    """The households ``user`` may see (or change, with ``permission``)."""
    return Household.objects.filter(scope_q(user=user, permission=permission))


def access_household_by_number(user: UserLike, number: str, permission: str = roles.VIEW_HOUSEHOLD) -> Household:
    """The household with this registration number (or primary key), if ``user`` holds ``permission`` on it.

    Raises NotFound for a household that does not exist and for one outside the user's scope alike.
    """
    households = households_in_scope(user=user, permission=permission).select_related(
        "admin_area__parent", "site", "origin_area", "organisation", "consent_recorded_by", "head"
    )
    household = households.filter(registration_number=number).first()
    if household is None and number.isdigit():
        household = households.filter(pk=int(number)).first()
    if household is None:
        raise NotFound(number)
    return household


def household_search_q(term: str, *, personal: bool = True) -> Q:
    """Households whose member's name holds every word of ``term`` (any order, accents ignored),
    or whose registration number or contact phone is ``term``.

    Without ``personal`` (a role that may not see personal data), only the registration number.
    """
    term = term.strip()
    found = Q(pk__in=[])
    if not term:
        return found
    if any(char.isdigit() for char in term):
        found |= Q(registration_number__in={term, term.upper()})
    if not personal:
        return found
    if any(char.isdigit() for char in term):
        try:
            phone = phone_normalise(term)
        except ValueError:
            phone = ""
        if phone:
            found |= Q(phone_hash=crypto.blind_index(phone, purpose="phone"))
    words = [word for word in fold(term).split() if not word.isdigit()][:SEARCH_MAX_WORDS]
    if words:
        # The longest word first: on PostgreSQL the trigram index narrows on it best.
        members = Individual.objects.all()
        for word in sorted(words, key=len, reverse=True):
            members = members.filter(search_name__contains=word)
        found |= Q(pk__in=members.values("household_id"))
    return found


def household_list(
    *, user: UserLike, filters: HouseholdFilters, search: str = "", search_personal: bool = True
) -> QuerySet[Household]:
    """The households in scope that pass ``filters`` and match ``search``, with what a list row shows."""
    households = households_in_scope(user=user)
    if filters.area:
        households = households.filter(admin_area__pk__startswith=filters.area)
    if filters.site_id is not None:
        households = households.filter(site_id=filters.site_id)
    if filters.flag in FLAG_FIELDS:
        households = households.filter(**{filters.flag: True})
    if filters.status in HouseholdStatus.values:
        households = households.filter(status=filters.status)
    if search.strip():
        households = households.filter(household_search_q(search, personal=search_personal))
    return households.select_related("head", "admin_area", "site").order_by("registration_number")


def household_permissions(*, user: UserLike, household: Household) -> frozenset[str]:
    """The permissions ``user`` holds on ``household``: those of the memberships whose scope
    (organisation × admin areas, as in `abri.access.selectors.scope_q`) covers it."""
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset().union(*roles.PERMISSIONS.values())
    granted: set[str] = set()
    memberships = Membership.objects.filter(
        user=user, is_active=True, organisation__is_active=True, organisation_id=household.organisation_id
    ).prefetch_related("admin_areas")
    for membership in memberships:
        if area_is_in_scope(membership=membership, pcode=household.admin_area_id):
            granted |= roles.PERMISSIONS.get(membership.role, frozenset())
    return frozenset(granted)


def household_members(*, household: Household) -> list[Individual]:
    """The members of ``household``, head first, then by date of birth."""
    members = list(household.members.all())
    members.sort(key=lambda member: (member.pk != household.head_id, member.birth_date, member.pk))
    return members


def household_audit_entries(*, household: Household, limit: int = 50) -> list[AuditEntry]:
    """The latest audit entries about ``household``, newest first."""
    return list(
        AuditEntry.objects.filter(target_type=Household._meta.label_lower, target_id=str(household.pk))
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


@dataclass(frozen=True)
class AreaCount:
    area: AdminArea
    households: int
    individuals: int


@dataclass(frozen=True)
class FlagCount:
    flag: str
    label: str
    households: int
    individuals: int


@dataclass(frozen=True)
class Totals:
    households: int
    individuals: int


def household_totals(*, user: UserLike) -> Totals:
    """How many households and individuals the user may see."""
    totals = households_in_scope(user=user).aggregate(households=Count("pk"), individuals=Sum("size"))
    return Totals(households=totals["households"] or 0, individuals=totals["individuals"] or 0)


def household_counts_by_area(*, user: UserLike) -> list[AreaCount]:
    """Households and individuals in scope per region, each followed by its cercles; largest first.

    Individuals are counted from ``Household.size`` (kept by the services), so the members
    table is not read; deeper areas (communes) count in their cercle.
    """
    per_area = (
        households_in_scope(user=user)
        .order_by()
        .values("admin_area_id")
        .annotate(households=Count("pk"), individuals=Sum("size"))
    )
    areas = {area.pcode: area for area in AdminArea.objects.filter(level__gte=1, level__lte=2)}
    totals: dict[str, list[int]] = {}
    for row in per_area:
        for level in (1, 2):
            key = _ancestor(row["admin_area_id"], areas, level=level)
            if key is None:
                continue
            counts = totals.setdefault(key, [0, 0])
            counts[0] += row["households"]
            counts[1] += row["individuals"] or 0

    def count(pcode: str) -> AreaCount:
        return AreaCount(area=areas[pcode], households=totals[pcode][0], individuals=totals[pcode][1])

    def largest(pcodes: list[str]) -> list[str]:
        return sorted(pcodes, key=lambda pcode: (-totals[pcode][0], pcode))

    result: list[AreaCount] = []
    regions = [pcode for pcode in totals if areas[pcode].level == 1]
    for region in largest(regions):
        result.append(count(region))
        cercles = [pcode for pcode in totals if areas[pcode].level == 2 and areas[pcode].parent_id == region]
        result.extend(count(cercle) for cercle in largest(cercles))
    return result


def _ancestor(pcode: str, areas: dict[str, AdminArea], *, level: int) -> str | None:
    """The P-code of the area at ``level`` that holds ``pcode`` (P-codes nest by prefix), if known."""
    for candidate in (pcode[:end] for end in range(len(pcode), 1, -1)):
        area = areas.get(candidate)
        if area is not None and area.level == level:
            return candidate
    return None


def household_counts_by_flag(*, user: UserLike) -> list[FlagCount]:
    """Households and individuals in scope carrying each vulnerability flag, in one query."""
    aggregates: dict[str, Count | Sum] = {}
    for flag in FLAG_FIELDS:
        aggregates[f"{flag}__households"] = Count("pk", filter=Q(**{flag: True}))
        aggregates[f"{flag}__individuals"] = Sum("size", filter=Q(**{flag: True}))
    totals = households_in_scope(user=user).aggregate(**aggregates)
    return [
        FlagCount(
            flag=flag,
            label=field_label(Household, flag),
            households=totals[f"{flag}__households"] or 0,
            individuals=totals[f"{flag}__individuals"] or 0,
        )
        for flag in FLAG_FIELDS
    ]


def field_label(model: type[models.Model], name: str) -> str:
    """The translated name of a model field (a flag, a Washington Group question), capitalised."""
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


def user_permissions(*, user: UserLike) -> frozenset[str]:
    """Every permission an active membership of ``user`` grants, whatever its scope (all, for a superuser).

    For showing or hiding links; access to a record is still checked against its scope.
    """
    if not user.is_authenticated or not user.is_active:
        return frozenset()
    if user.is_superuser:
        return frozenset().union(*roles.PERMISSIONS.values())
    memberships = Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
    role_names = set(memberships.values_list("role", flat=True))
    return frozenset().union(*(roles.PERMISSIONS.get(role, frozenset()) for role in role_names))


def scope_areas(*, user: UserLike, permission: str) -> list[str] | None:
    """The P-codes covered by the user's memberships granting ``permission``; None for every area."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    pcodes: list[str] = []
    for membership in memberships_granting(user=user, permission=permission):
        if membership.all_areas:
            return None
        pcodes.extend(area.pcode for area in membership.admin_areas.all())
    return pcodes


def area_choices(*, covered: Sequence[str] | None, max_level: int = 2) -> list[AdminArea]:
    """Areas from level 1 to ``max_level`` inside the ``covered`` P-codes, or above part of them
    (a region shows when the user works in one of its cercles)."""
    areas = AdminArea.objects.filter(level__gte=1, level__lte=max_level).select_related("parent")
    if covered is not None:
        if not covered:
            return []
        inside = Q(pk__in=[])
        for pcode in covered:
            # The area itself or below it, or an ancestor of it (a prefix of its P-code).
            inside |= Q(pcode__startswith=pcode) | Q(pcode__in=[pcode[:end] for end in range(2, len(pcode))])
        areas = areas.filter(inside)
    return list(areas.order_by("pcode"))


def area_is_in_scope(*, membership: Membership, pcode: str) -> bool:
    """Whether ``membership`` covers the area ``pcode``."""
    if membership.all_areas:
        return True
    return any(pcode.startswith(area.pcode) for area in membership.admin_areas.all())


def site_choices(*, covered: Sequence[str] | None, area: str = "") -> list[Site]:
    """Open sites in ``area`` (or anywhere), inside the ``covered`` P-codes (None: everywhere)."""
    sites = Site.objects.filter(is_open=True).select_related("admin_area")
    if area:
        sites = sites.filter(admin_area__pk__startswith=area)
    if covered is not None:
        inside = Q(pk__in=[])
        for pcode in covered:
            inside |= Q(admin_area__pk__startswith=pcode)
        sites = sites.filter(inside)
    return list(sites.order_by("name"))
