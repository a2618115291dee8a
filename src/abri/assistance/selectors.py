"""Reads of distributions, entitlements, handovers and their reconciliation.

A distribution is in a user's scope for a permission when a membership with it covers the
distribution's organisation, admin area and programme, or when the user is a member of the
distribution's implementing partner with that permission in the area. As everywhere, a
distribution outside the scope and one that does not exist answer alike (NotFound).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from abri.access.roles import RECORD_HANDOVERS, VIEW_DISTRIBUTIONS
from abri.access.selectors import Scope
from abri.assistance.models import (
    Distribution,
    DistributionKits,
    Entitlement,
    EntitlementStatus,
    Handover,
    HandoverStatus,
)
from abri.assistance.tokens import token_display
from abri.core.errors import NotFound, PermissionDenied
from abri.registry.access import households_entitled
from abri.registry.shown import HandoverShown, handover_shown
from abri.stock.models import MovementKind
from abri.stock.selectors import kit_version_contents, movements_referring
from abri.targeting.models import PublishedList
from abri.targeting.selectors import plans_visible

DISTRIBUTION_RELATED = (
    "published_list__plan",
    "programme",
    "organisation",
    "implementing_partner",
    "admin_area",
    "site",
    "kit_version__kit",
    "warehouse",
)


def distributions_q(*, scope: Scope, permission: str) -> Q:
    """The distributions in ``scope`` for ``permission`` (the organisation's, or the implementing partner's)."""
    own = scope.q(permission, programme_field="programme")
    partner = scope.q(permission, organisation_field="implementing_partner")
    return own | partner


def distributions_visible(*, scope: Scope, permission: str = VIEW_DISTRIBUTIONS) -> QuerySet[Distribution]:
    """The distributions ``scope`` may see (or use for ``permission``), newest first."""
    return (
        Distribution.objects.filter(distributions_q(scope=scope, permission=permission))
        .select_related(*DISTRIBUTION_RELATED)
        .order_by("-starts_on", "code")
    )


def distribution_covered(*, scope: Scope, distribution: Distribution, permission: str) -> bool:
    """Whether ``scope`` holds ``permission`` on ``distribution`` (no query)."""
    own = scope.covers(
        permission,
        organisation_id=distribution.organisation_id,
        area_pcode=distribution.admin_area_id,
        programme_id=distribution.programme_id,
        programme_bound=True,
    )
    return own or (
        distribution.implementing_partner_id is not None
        and scope.covers(
            permission, organisation_id=distribution.implementing_partner_id, area_pcode=distribution.admin_area_id
        )
    )


def access_distribution(
    *, scope: Scope, code: str, permission: str = VIEW_DISTRIBUTIONS, related: tuple[str, ...] = DISTRIBUTION_RELATED
) -> Distribution:
    """The distribution ``code`` if ``scope`` may see it (NotFound otherwise) and holds ``permission`` on it
    (PermissionDenied otherwise), with the ``related`` records a page shows (none for a check alone)."""
    found = Distribution.objects.filter(code=code)
    if related:  # select_related() with no names would follow every foreign key
        found = found.select_related(*related)
    distribution = found.first()  # one lookup by its unique code, then the scope decided in Python
    if distribution is not None and not (
        distribution_covered(scope=scope, distribution=distribution, permission=VIEW_DISTRIBUTIONS)
        or distribution_covered(scope=scope, distribution=distribution, permission=RECORD_HANDOVERS)
    ):
        distribution = None
    if distribution is None:
        raise NotFound(_("No distribution %(code)s.") % {"code": code})
    if permission != VIEW_DISTRIBUTIONS and not distribution_covered(
        scope=scope, distribution=distribution, permission=permission
    ):
        raise PermissionDenied(_("You may see the distribution %(code)s but not do this.") % {"code": code})
    return distribution


def published_lists_offered(*, scope: Scope, distribution: Distribution) -> list[PublishedList]:
    """The latest published list of each plan of the distribution's programme that ``scope`` may see."""
    latest = PublishedList.objects.filter(plan=OuterRef("plan")).order_by("-version").values("pk")[:1]
    plans = plans_visible(scope=scope).filter(programme_id=distribution.programme_id).values("pk")
    return list(
        PublishedList.objects.filter(plan__in=plans, pk=Subquery(latest))
        .select_related("plan")
        .order_by("plan__name", "plan_id")
    )


@dataclass(frozen=True)
class EntitlementRow:
    """An entitlement as the point, the list and the cards show it."""

    entitlement: Entitlement
    token: str  # as printed: two groups of five
    household: HandoverShown
    handover: Handover | None


def entitlement_rows(*, distribution: Distribution, search: str = "", limit: int | None = None) -> list[EntitlementRow]:
    """The entitlements of ``distribution`` whose household matches ``search`` (registration number or
    a member's name), by registration number, each with what a handover needs and its recorded handover."""
    entitled = Entitlement.objects.filter(distribution=distribution).values("household_id")
    households = households_entitled(household_ids=entitled, search=search)
    if limit is not None:
        households = households[:limit]
    by_household = {household.pk: household for household in households}
    entitlements = Entitlement.objects.filter(distribution=distribution, household_id__in=list(by_household))
    handovers = {
        handover.entitlement_id: handover
        for handover in Handover.objects.filter(
            entitlement__in=entitlements, status=HandoverStatus.RECORDED
        ).select_related("recorded_by")
    }
    rows = [
        EntitlementRow(
            entitlement=entitlement,
            token=token_display(entitlement.token),
            household=handover_shown(household=by_household[entitlement.household_id]),
            handover=handovers.get(entitlement.pk),
        )
        for entitlement in entitlements
    ]
    return sorted(rows, key=lambda row: row.household.registration_number)


def handover_summary(handover: Handover) -> dict[str, Any]:
    """What the API answers about a handover (and stores for a replay): no personal data but the proxy's name."""
    entitlement = handover.entitlement
    return {
        "id": handover.pk,
        "token": token_display(entitlement.token),
        "distribution": handover.distribution.code,
        "household": entitlement.household.registration_number,
        "status": handover.status,
        "handed_over_at": handover.handed_over_at.isoformat(),
        "recorded_by": handover.recorded_by.username if handover.recorded_by else "",
        "receiver": handover.receiver,
        "point": handover.point.name if handover.point else "",
    }


@dataclass
class DayFigures:
    """One day of a distribution (or the whole of it)."""

    day: datetime.date | None
    handed_over: int = 0
    by_proxy: int = 0
    cancelled: int = 0


@dataclass
class Reconciliation:
    """What was planned, handed over and left, and what the stock did, with the differences explained."""

    distribution: Distribution
    planned: int
    cancelled_entitlements: int
    handed_over: int
    absent: int
    days: list[DayFigures]
    kits: DistributionKits
    items: list[tuple[str, str, int, int, int]]  # code, name, dispatched, returned, expected per handovers
    differences: list[str] = field(default_factory=list)


def reconciliation(*, distribution: Distribution) -> Reconciliation:
    """The reconciliation of ``distribution``, per day and in all: entitlements, handovers, kits and stock."""
    entitlements = Entitlement.objects.filter(distribution=distribution)
    planned = entitlements.filter(status=EntitlementStatus.ACTIVE).count()
    cancelled_entitlements = entitlements.filter(status=EntitlementStatus.CANCELLED).count()
    per_day = (
        Handover.objects.filter(distribution=distribution)
        .values("day", "status", "receiver")
        .annotate(count=Count("id"))
        .order_by("day")
    )
    days: dict[datetime.date, DayFigures] = {}
    for row in per_day:
        figures = days.setdefault(row["day"], DayFigures(day=row["day"]))
        if row["status"] == HandoverStatus.RECORDED:
            figures.handed_over += row["count"]
            if row["receiver"] == "proxy":
                figures.by_proxy += row["count"]
        else:
            figures.cancelled += row["count"]
    handed_over = sum(figures.handed_over for figures in days.values())
    kits, _created = DistributionKits.objects.get_or_create(distribution=distribution)
    dispatched: dict[str, int] = {}
    returned: dict[str, int] = {}
    for movement in movements_referring(reference=distribution.reference):
        if movement.kind == MovementKind.DISPATCH:
            dispatched[movement.item.code] = dispatched.get(movement.item.code, 0) - movement.quantity
        elif movement.kind == MovementKind.RETURN:
            returned[movement.item.code] = returned.get(movement.item.code, 0) + movement.quantity
    items = [
        (code, name, dispatched.get(code, 0), returned.get(code, 0), quantity * handed_over)
        for code, name, quantity in kit_version_contents(version=distribution.kit_version)
    ]
    result = Reconciliation(
        distribution=distribution,
        planned=planned,
        cancelled_entitlements=cancelled_entitlements,
        handed_over=handed_over,
        absent=planned - handed_over,
        days=[days[day] for day in sorted(days)],
        kits=kits,
        items=items,
    )
    result.differences = _differences(result)
    return result


def _differences(result: Reconciliation) -> list[str]:
    kits = result.kits
    notes = []
    left = kits.dispatched - result.handed_over - kits.returned - kits.lost
    if left != kits.available:
        notes.append(
            _("The kits at the distribution do not add up: %(left)s expected, %(available)s counted.")
            % {"left": left, "available": kits.available}
        )
    if kits.available:
        notes.append(_("%(count)s kits are still at the distribution.") % {"count": kits.available})
    if kits.lost:
        notes.append(_("%(count)s kits were lost or damaged at the distribution.") % {"count": kits.lost})
    if result.absent > 0:
        notes.append(
            _("%(count)s households did not come (or their kit was not handed over).") % {"count": result.absent}
        )
    for code, _name, dispatched, returned, expected in result.items:
        lost_items = dispatched - returned - expected
        per_kit = dispatched // kits.dispatched if kits.dispatched else 0
        if lost_items != per_kit * (kits.lost + kits.available):
            notes.append(
                _("%(item)s: %(dispatched)s dispatched, %(returned)s returned, %(expected)s handed over in kits.")
                % {"item": code, "dispatched": dispatched, "returned": returned, "expected": expected}
            )
    return notes


def households_handed_over(*, distribution: Distribution) -> QuerySet[Any]:
    """The ids of the households that received their kit at ``distribution`` (recorded handovers only)."""
    return Handover.objects.filter(distribution=distribution, status=HandoverStatus.RECORDED).values(
        "entitlement__household_id"
    )


def households_entitled_ids(*, distribution: Distribution) -> QuerySet[Any]:
    """The ids of the households with an active entitlement at ``distribution`` (the households targeted)."""
    return Entitlement.objects.filter(distribution=distribution, status=EntitlementStatus.ACTIVE).values("household_id")


def handovers_by_day(*, distributions: list[Distribution]) -> list[tuple[datetime.date, int]]:
    """The recorded handovers of ``distributions``, counted per day."""
    return [
        (row["day"], row["count"])
        for row in Handover.objects.filter(distribution__in=distributions, status=HandoverStatus.RECORDED)
        .values("day")
        .annotate(count=Count("id"))
        .order_by("day")
    ]
