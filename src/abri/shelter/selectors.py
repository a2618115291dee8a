"""Reads of shelter: the sites a user may see with their occupancy, a site's plan and shelters, a
unit with its lifecycle and allocations, the population living at a site (from the registry).

Sites are reference data: a user sees the sites of the areas where a role of theirs views
shelter, whatever the organisation. Shelter units are an organisation's records: scoped by
organisation and area like any other. Households appear by registration number only; what else
of them a user sees is the registry's decision (`abri.registry.shown`).
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from abri.access.roles import MANAGE_SHELTER, VIEW_SHELTER
from abri.access.selectors import Scope
from abri.core.errors import NotFound
from abri.geo.models import Site
from abri.registry.models import Household, HouseholdStatus, Individual
from abri.shelter.models import (
    AGE_GROUPS,
    Allocation,
    AllocationStatus,
    Plot,
    PopulationCount,
    Relocation,
    ShelterStatus,
    ShelterType,
    ShelterUnit,
    SiteProfile,
)
from abri.stock.models import Warehouse

# Households in these statuses do not live at a site any more (kept in step with abri.registry.moves.GONE).
_GONE = (HouseholdStatus.MERGED, HouseholdStatus.RETURNED, HouseholdStatus.INACTIVE)
# The colour of each status on the site plan (and its legend), chosen to read in black and white too.
STATUS_COLOURS: dict[str, str] = {
    ShelterStatus.PLANNED: "#e8eef4",
    ShelterStatus.MATERIALS_DELIVERED: "#c9dcef",
    ShelterStatus.UNDER_CONSTRUCTION: "#f3c969",
    ShelterStatus.COMPLETED: "#8fc98f",
    ShelterStatus.HANDED_OVER: "#2e7d32",
    ShelterStatus.DAMAGED: "#d9534f",
    ShelterStatus.DECOMMISSIONED: "#9e9e9e",
}
EMPTY_PLOT = "#ffffff"


def site_organisation_id(*, site: Site) -> int | None:
    """The organisation running the shelter work of ``site``: its profile's, else its managing organisation."""
    organisation_id = SiteProfile.objects.filter(site=site).values_list("organisation_id", flat=True).first()
    return organisation_id if organisation_id is not None else site.managed_by_id


def _areas_q(scope: Scope, permission: str, field_name: str = "admin_area") -> Q:
    if scope.is_superuser:
        return Q()
    allowed = Q(pk__in=[])
    for grant in scope.grants_for(permission):
        if grant.all_areas:
            return Q()
        for pcode in grant.area_pcodes:
            allowed |= Q(**{f"{field_name}__pk__startswith": pcode})
    return allowed


def sites_visible(*, scope: Scope) -> QuerySet[Site]:
    """The sites of the areas where ``scope`` views shelter."""
    return Site.objects.filter(_areas_q(scope, VIEW_SHELTER)).select_related("admin_area__parent", "managed_by")


def access_site(*, scope: Scope, site_id: int) -> Site:
    """The site, if ``scope`` may see it; NotFound otherwise (missing and out of scope alike)."""
    site = sites_visible(scope=scope).filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No site %(id)s.") % {"id": site_id})
    return site


def site_manageable(*, scope: Scope, site: Site) -> bool:
    """Whether ``scope`` may plan plots and shelters on ``site``."""
    organisation_id = site_organisation_id(site=site)
    return organisation_id is not None and scope.covers(
        MANAGE_SHELTER, organisation_id=organisation_id, area_pcode=site.admin_area_id
    )


def units_visible(*, scope: Scope, permission: str = VIEW_SHELTER) -> QuerySet[ShelterUnit]:
    """The shelter units in ``scope`` for ``permission``."""
    return ShelterUnit.objects.filter(scope.q(permission, area_field="site__admin_area"))


def access_unit(*, scope: Scope, unit_id: int) -> ShelterUnit:
    """The unit, if ``scope`` may see it, with its site, plot, type and organisations; NotFound otherwise."""
    unit = (
        units_visible(scope=scope)
        .select_related("site__admin_area", "plot", "shelter_type", "organisation", "built_by")
        .filter(pk=unit_id)
        .first()
    )
    if unit is None:
        raise NotFound(_("No shelter %(id)s.") % {"id": unit_id})
    return unit


def unit_manageable(*, scope: Scope, unit: ShelterUnit) -> bool:
    """Whether ``scope`` may move, equip and allocate ``unit``."""
    return scope.covers(MANAGE_SHELTER, organisation_id=unit.organisation_id, area_pcode=unit.site.admin_area_id)


@dataclass(frozen=True)
class Population:
    """Who lives at a site on a date, from the registry: households, and individuals by sex and age group."""

    households: int
    groups: dict[str, int]

    @property
    def individuals(self) -> int:
        return sum(self.groups.values())


def _age_group(birth: datetime.date, on: datetime.date) -> str:
    age = on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
    if age < 5:
        return AGE_GROUPS[0]
    if age < 18:
        return AGE_GROUPS[1]
    if age < 60:
        return AGE_GROUPS[2]
    return AGE_GROUPS[3]


def population_now(*, site: Site, on: datetime.date) -> Population:
    """The households living at ``site`` now, their members counted by sex and by age on ``on``."""
    households = Household.objects.filter(site=site).exclude(status__in=_GONE)
    groups = {f"{sex}_{group}": 0 for sex in ("female", "male") for group in AGE_GROUPS}
    members = Individual.objects.filter(household__in=households, merged_into__isnull=True)
    for sex, birth in members.values_list("sex", "birth_date"):
        groups[f"{sex}_{_age_group(birth, on)}"] += 1
    return Population(households=households.count(), groups=groups)


@dataclass(frozen=True)
class SiteRow:
    """A site in the list: its capacity and who lives there now."""

    site: Site
    households: int
    individuals: int

    @property
    def occupancy(self) -> int | None:
        """Per cent of the capacity in use (None without a capacity)."""
        if not self.site.capacity:
            return None
        return round(100 * self.individuals / self.site.capacity)

    @property
    def full(self) -> bool:
        return self.site.capacity is not None and self.individuals >= self.site.capacity


def site_rows(*, sites: QuerySet[Site]) -> list[SiteRow]:
    """Each site with the households and people living there (two queries for the whole list)."""
    present = (
        Household.objects.filter(site__in=sites)
        .exclude(status__in=_GONE)
        .values("site_id")
        .annotate(individuals=Sum("size"))
    )
    counts = Counter(
        Household.objects.filter(site__in=sites).exclude(status__in=_GONE).values_list("site_id", flat=True)
    )
    people = {row["site_id"]: row["individuals"] or 0 for row in present}
    return [
        SiteRow(site=site, households=counts.get(site.pk, 0), individuals=people.get(site.pk, 0))
        for site in sites.order_by("admin_area__pk", "name")
    ]


@dataclass(frozen=True)
class PlanCell:
    """One plot drawn on the site plan."""

    plot: Plot
    x: int
    y: int
    colour: str
    label: str  # the plot code and its shelter's status, for the title of the cell
    unit_id: int | None  # the shelter shown, linked from the plan


@dataclass
class SitePlan:
    """The plots of a site, laid out for a server-drawn SVG, coloured by the status of their shelter."""

    cells: list[PlanCell] = field(default_factory=list)
    width: int = 0
    height: int = 0
    legend: list[tuple[str, str, int]] = field(default_factory=list)  # colour, status label, count

    CELL = 28
    GAP = 4


def site_plan(*, site: Site, units: QuerySet[ShelterUnit]) -> SitePlan:
    """The plan of ``site``'s plots; each plot takes the colour of its newest shelter not decommissioned."""
    plan = SitePlan()
    latest: dict[int, ShelterUnit] = {}
    for unit in units.filter(plot__isnull=False).order_by("id"):
        kept = latest.get(unit.plot_id)  # type: ignore[arg-type]
        if kept is None or kept.status == ShelterStatus.DECOMMISSIONED or unit.status != ShelterStatus.DECOMMISSIONED:
            latest[unit.plot_id] = unit  # type: ignore[index]
    step = SitePlan.CELL + SitePlan.GAP
    rows: dict[str, int] = {}
    shown: Counter[str] = Counter()
    for plot in Plot.objects.filter(site=site).order_by("row", "column"):
        shelter = latest.get(plot.pk)
        status = shelter.status if shelter is not None else ""
        shown[status] += 1
        label = f"{plot.code} · {ShelterStatus(status).label}" if status else f"{plot.code} · {_('no shelter')}"
        rows.setdefault(plot.block, len(rows))
        x, y = (plot.column - 1) * step + 40, (plot.row - 1) * step
        plan.cells.append(
            PlanCell(
                plot=plot,
                x=x,
                y=y,
                colour=STATUS_COLOURS.get(status, EMPTY_PLOT),
                label=label,
                unit_id=shelter.pk if shelter is not None else None,
            )
        )
        plan.width = max(plan.width, x + SitePlan.CELL)
        plan.height = max(plan.height, y + SitePlan.CELL)
    plan.legend = [(STATUS_COLOURS[s], str(ShelterStatus(s).label), shown[s]) for s in ShelterStatus.values if shown[s]]
    if shown[""]:
        plan.legend.append((EMPTY_PLOT, _("no shelter"), shown[""]))
    return plan


def plan_blocks(*, site: Site) -> list[tuple[str, int]]:
    """Each block of ``site`` with the row of the plan it starts on (for the plan's row labels)."""
    seen: dict[str, int] = {}
    for block, row in Plot.objects.filter(site=site).order_by("row").values_list("block", "row"):
        seen.setdefault(block, row)
    return list(seen.items())


def units_by_status(*, units: QuerySet[ShelterUnit]) -> list[tuple[str, str, int]]:
    """(status, label, count) of ``units``, in lifecycle order, statuses without a unit left out."""
    counts = Counter(units.values_list("status", flat=True))
    return [
        (status, str(ShelterStatus(status).label), counts[status]) for status in ShelterStatus.values if counts[status]
    ]


def units_by_type(*, units: QuerySet[ShelterUnit]) -> list[tuple[str, int]]:
    """(type name, count) of ``units``."""
    counts = Counter(units.select_related("shelter_type").values_list("shelter_type__code", flat=True))
    names = {unit.shelter_type.code: unit.shelter_type.name for unit in units.select_related("shelter_type")}
    return [(names[code], counts[code]) for code in sorted(counts)]


def population_counts(*, site: Site, limit: int = 10) -> list[PopulationCount]:
    """The latest population counts of ``site``, newest first."""
    return list(PopulationCount.objects.filter(site=site).order_by("-counted_on", "-id")[:limit])


def relocations_of(*, site: Site) -> list[Relocation]:
    """The relocations from or to ``site``, newest first."""
    return list(
        Relocation.objects.filter(Q(origin=site) | Q(destination=site))
        .select_related("origin", "destination", "recorded_by")
        .order_by("-moved_on", "-id")
    )


def unit_allocations(*, unit: ShelterUnit) -> list[Allocation]:
    """Every allocation of ``unit``, newest first, with its household (number only) and witnesses."""
    return list(
        unit.allocations.select_related("household", "recorded_by", "ended_by")
        .prefetch_related("witnesses")
        .order_by("-id")
    )


def unit_active_allocation(*, unit: ShelterUnit) -> Allocation | None:
    """The household's allocation of ``unit`` now, if any."""
    return unit.allocations.filter(status=AllocationStatus.ACTIVE).select_related("household").first()


def warehouses_for_issue(*, scope: Scope) -> QuerySet[Warehouse]:
    """The warehouses ``scope`` may issue shelter materials from."""
    return Warehouse.objects.filter(scope.q(MANAGE_SHELTER)).order_by("code")


def sites_for_relocation(*, scope: Scope) -> QuerySet[Site]:
    """The sites ``scope`` sees, by name (origins and destinations of a relocation)."""
    return sites_visible(scope=scope).order_by("name")


@dataclass(frozen=True)
class AllocationGroup:
    """The allocations of one organisation's shelters of one type on one site, for reports: no household
    is named, only their ids for the caller to count."""

    organisation: str
    built_by: str
    site_code: str
    site_name: str
    admin_area: str
    shelter_type_code: str
    shelter_type_name: str
    first_day: datetime.date
    last_day: datetime.date
    household_ids: list[int]


def allocations_reported(
    *,
    scope: Scope,
    permission: str,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    area: str = "",
    organisation_id: int | None = None,
) -> list[AllocationGroup]:
    """Shelters handed to households from ``start`` to ``end`` (allocation dates), in ``scope`` for
    ``permission``, grouped by organisation, site and shelter type, in one query."""
    found = Allocation.objects.filter(unit__in=units_visible(scope=scope, permission=permission))
    if start is not None:
        found = found.filter(allocated_on__gte=start)
    if end is not None:
        found = found.filter(allocated_on__lte=end)
    if area:
        found = found.filter(unit__site__admin_area__pcode__startswith=area)
    if organisation_id is not None:
        found = found.filter(unit__organisation_id=organisation_id)
    rows = found.values_list(
        "household_id",
        "allocated_on",
        "unit__organisation__acronym",
        "unit__built_by__acronym",
        "unit__site_id",
        "unit__site__name",
        "unit__site__admin_area_id",
        "unit__shelter_type__code",
        "unit__shelter_type_id",
    ).order_by("unit__site_id", "unit__shelter_type_id", "allocated_on")
    types = {shelter_type.pk: shelter_type.name for shelter_type in ShelterType.objects.all()}
    grouped: dict[tuple[str, int, int], dict[str, Any]] = {}
    for household_id, day, organisation, built_by, site_id, site_name, pcode, type_code, type_id in rows:
        group = grouped.setdefault(
            (organisation, site_id, type_id),
            {
                "organisation": organisation,
                "built_by": built_by or "",
                "site_code": str(site_id),
                "site_name": site_name,
                "admin_area": pcode,
                "shelter_type_code": type_code,
                "shelter_type_name": types.get(type_id, type_code),
                "first_day": day,
                "last_day": day,
                "household_ids": set(),
            },
        )
        group["first_day"], group["last_day"] = min(group["first_day"], day), max(group["last_day"], day)
        group["household_ids"].add(household_id)
    return [
        AllocationGroup(**{**values, "household_ids": sorted(values["household_ids"])}) for values in grouped.values()
    ]
