"""The operation dashboard: registered, targeted and reached, by area, site, week, sex and age,
vulnerability; stock levels; a map of the sites. Every figure within the viewer's scope.

Reached is the 5W (`abri.reporting.fivew`); targeted is the households with an active
entitlement at the same distributions; registered is the registry's households in scope.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from abri.access.roles import VIEW_HOUSEHOLD, VIEW_STOCK
from abri.access.selectors import Scope
from abri.assistance.selectors import handovers_by_day, households_entitled_ids, households_handed_over
from abri.geo.models import Site
from abri.registry.selectors import FlagCount, flag_counts, people_counts, registered_counts
from abri.reporting.charts import BarChart, SiteMap, bar_chart, site_map
from abri.reporting.fivew import SEXES, Activity, AreaNames, Filters, activities, age_groups, distributions_reported
from abri.reporting.indicators import totals
from abri.stock.selectors import warehouses_visible


@dataclass(frozen=True)
class KeyFigures:
    registered_households: int
    registered_people: int
    targeted_households: int
    targeted_people: int
    reached_households: int
    reached_people: int


@dataclass(frozen=True)
class StockLine:
    warehouse: str
    item: str
    quantity: int


@dataclass
class Dashboard:
    figures: KeyFigures
    rows: list[Activity]
    reached: dict[str, int]
    by_area: BarChart
    by_site: BarChart
    by_week: BarChart
    by_sex_and_age: BarChart
    by_vulnerability: BarChart
    stock: list[StockLine]
    map: SiteMap


def _week(day: datetime.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-S{week:02d}"


def operation_dashboard(*, scope: Scope, filters: Filters) -> Dashboard:
    """The figures and charts of the operation dashboard for ``filters``."""
    rows = activities(scope=scope, filters=filters)
    distributions = distributions_reported(scope=scope, filters=filters)
    groups = age_groups()
    bounds = [group.low for group in groups]

    registered = (
        registered_counts(scope=scope, area=filters.area, organisation_id=filters.organisation_id, until=filters.end)
        if scope.allows(VIEW_HOUSEHOLD)
        else []
    )
    targeted_households = targeted_people = 0
    flags: dict[str, FlagCount] = {}
    for distribution in distributions:
        targeted = people_counts(
            household_ids=households_entitled_ids(distribution=distribution),
            on=distribution.starts_on,
            age_bounds=bounds,
        )
        targeted_households += targeted.households
        targeted_people += targeted.people
        for flag in flag_counts(household_ids=households_handed_over(distribution=distribution)):
            earlier = flags.get(flag.flag)
            flags[flag.flag] = FlagCount(
                flag=flag.flag,
                label=flag.label,
                households=flag.households + (earlier.households if earlier else 0),
                individuals=flag.individuals + (earlier.individuals if earlier else 0),
            )
    reached = totals(rows)
    figures = KeyFigures(
        registered_households=sum(place.households for place in registered),
        registered_people=sum(place.people for place in registered),
        targeted_households=targeted_households,
        targeted_people=targeted_people,
        reached_households=reached["households"],
        reached_people=reached["people"],
    )

    names = AreaNames([place.admin_area_id for place in registered] + [row.admin_area for row in rows])
    per_area: dict[str, int] = defaultdict(int)
    for row in rows:
        area = names.at(row.admin_area, 2) or names.at(row.admin_area, 1)
        per_area[area.label if area else row.admin_area] += row.households
    per_site: dict[str, int] = defaultdict(int)
    for row in rows:
        per_site[row.site or "—"] += row.households

    sex_label = {"female": _("F %(ages)s"), "male": _("M %(ages)s")}
    sex_and_age = [
        (
            sex_label[sex] % {"ages": group.label},
            sum(row.by_sex_and_age.get(f"{sex}_{group.key}", 0) for row in rows),
        )
        for sex in SEXES
        for group in groups
    ]
    weeks: dict[str, int] = defaultdict(int)
    for day, count in handovers_by_day(distributions=distributions):
        weeks[_week(day)] += count

    site_households: dict[int, int] = defaultdict(int)
    for place in registered:
        if place.site_id is not None:
            site_households[place.site_id] += place.households
    sites = Site.objects.filter(pk__in=list(site_households), latitude__isnull=False, longitude__isnull=False)
    stock = []
    if scope.allows(VIEW_STOCK):
        warehouses = warehouses_visible(scope=scope)
        if filters.area:
            warehouses = warehouses.filter(admin_area__pcode__startswith=filters.area)
        stock = [
            StockLine(warehouse.code, balance.item.name, balance.quantity)
            for warehouse in warehouses
            for balance in warehouse.balances.all()
        ]
    return Dashboard(
        figures=figures,
        rows=rows,
        reached=reached,
        by_area=bar_chart(sorted(per_area.items(), key=lambda item: -item[1])),
        by_site=bar_chart(sorted(per_site.items(), key=lambda item: -item[1])),
        by_week=bar_chart(sorted(weeks.items())),
        by_sex_and_age=bar_chart(sex_and_age),
        by_vulnerability=bar_chart([(flag.label, flag.households) for flag in flags.values()]),
        stock=stock,
        map=site_map(
            [
                (site.name, site.latitude, site.longitude, site_households[site.pk])
                for site in sites.order_by("name")
                if site.latitude is not None and site.longitude is not None
            ]
        ),
    )
