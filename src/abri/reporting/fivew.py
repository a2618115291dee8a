"""5W activities ("who does what, where, when, for whom"), derived from what happened.

Each source is a function ``(*, scope, filters) -> list[Activity]``; `activities` joins them.
Abri's own distributions are one source (one row per distribution: the households that
received their kit, their members counted by sex and age); partners' imported rows are
another; shelters handed to households a third (one row per organisation, site and shelter
type: the households allocated a shelter in the period and their members).

Every source reads through the lower apps' selectors and keeps to the viewer's scope for
``reporting.view_reports``. Nothing here holds a name or a registration number: a 5W row is
counts of people, never people.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from abri.access.roles import VIEW_REPORTS
from abri.access.selectors import Scope
from abri.assistance.models import Distribution, DistributionStatus
from abri.assistance.selectors import distributions_visible, households_handed_over
from abri.geo.models import AdminArea
from abri.registry.selectors import people_counts
from abri.reporting.models import SHELTER_NFI, ActivityStatus, Modality, PartnerActivity, ReportingProfile
from abri.shelter.selectors import allocations_reported

SEXES = ("female", "male")


@dataclass(frozen=True)
class AgeGroup:
    """An age group of the 5W: ``low`` to ``high`` inclusive (``high`` None: and over)."""

    low: int
    high: int | None

    @property
    def key(self) -> str:
        """The group's name in column keys and imports (``0_17``, ``60_plus``)."""
        return f"{self.low}_{self.high}" if self.high is not None else f"{self.low}_plus"

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high}" if self.high is not None else f"{self.low}+"


def age_groups(bounds: Sequence[int] | None = None) -> list[AgeGroup]:
    """The age groups of the setting ``ABRI_REPORTING_AGE_GROUPS`` (or of ``bounds``)."""
    lows = list(bounds if bounds is not None else settings.ABRI_REPORTING_AGE_GROUPS)
    return [AgeGroup(low, lows[index + 1] - 1 if index + 1 < len(lows) else None) for index, low in enumerate(lows)]


def breakdown_keys(groups: Sequence[AgeGroup]) -> list[str]:
    """The keys of the sex-and-age cells, in column order (``female_0_17`` … ``male_60_plus``)."""
    return [f"{sex}_{group.key}" for sex in SEXES for group in groups]


@dataclass(frozen=True)
class Filters:
    """What the 5W, the dashboard and their exports are narrowed to; every field optional."""

    start: datetime.date | None = None
    end: datetime.date | None = None
    programme_id: int | None = None
    area: str = ""  # a P-code: the area and everything in it
    organisation_id: int | None = None


@dataclass
class Activity:
    """One 5W row."""

    source: str  # "distribution", "partner" or "shelter"
    reference: str  # the distribution's code, or the import's file and row
    organisation: str
    implementing_partner: str
    funder: str
    cluster: str
    activity: str
    modality: str
    item: str
    adm1_code: str
    adm1_name: str
    adm2_code: str
    adm2_name: str
    adm3_code: str
    site: str
    status: str
    start_date: datetime.date
    end_date: datetime.date | None
    households: int
    people: int
    by_sex_and_age: dict[str, int] = field(default_factory=dict)  # keys of `breakdown_keys`
    idps: int = 0
    with_disabilities: int = 0
    admin_area: str = ""  # the deepest P-code, for filters and maps

    @property
    def status_label(self) -> str:
        """The status in the active language (files keep the code)."""
        return str(ActivityStatus(self.status).label) if self.status in ActivityStatus.values else self.status

    @property
    def modality_label(self) -> str:
        """The modality in the active language (files keep the code)."""
        return str(Modality(self.modality).label) if self.modality in Modality.values else self.modality


_STATUS_OF_DISTRIBUTION: dict[str, str] = {
    DistributionStatus.PLANNED: ActivityStatus.PLANNED,
    DistributionStatus.OPEN: ActivityStatus.ONGOING,
    DistributionStatus.CLOSED: ActivityStatus.COMPLETED,
}


class AreaNames:
    """The admin 1, 2 and 3 of a P-code (P-codes nest by prefix), from one query."""

    def __init__(self, pcodes: Sequence[str]) -> None:
        prefixes = {pcode[:end] for pcode in pcodes for end in range(2, len(pcode) + 1)}
        self.areas = {area.pcode: area for area in AdminArea.objects.filter(pcode__in=prefixes, level__gte=1)}

    def at(self, pcode: str, level: int) -> AdminArea | None:
        for end in range(len(pcode), 1, -1):
            area = self.areas.get(pcode[:end])
            if area is not None and area.level == level:
                return area
        return None

    def columns(self, pcode: str) -> dict[str, str]:
        adm1, adm2, adm3 = (self.at(pcode, level) for level in (1, 2, 3))
        return {
            "adm1_code": adm1.pcode if adm1 else "",
            "adm1_name": adm1.label if adm1 else "",
            "adm2_code": adm2.pcode if adm2 else "",
            "adm2_name": adm2.label if adm2 else "",
            "adm3_code": adm3.pcode if adm3 else "",
        }


def _overlaps(filters: Filters, *, start_field: str, end_field: str) -> Q:
    condition = Q()
    if filters.start is not None:
        condition &= Q(**{f"{end_field}__gte": filters.start}) | Q(**{f"{end_field}__isnull": True})
    if filters.end is not None:
        condition &= Q(**{f"{start_field}__lte": filters.end})
    return condition


def distributions_reported(*, scope: Scope, filters: Filters) -> list[Distribution]:
    """The distributions of the 5W in ``scope``: not cancelled, overlapping the period, within the filters."""
    distributions = (
        distributions_visible(scope=scope, permission=VIEW_REPORTS)
        .exclude(status=DistributionStatus.CANCELLED)
        .filter(_overlaps(filters, start_field="starts_on", end_field="ends_on"))
    )
    if filters.programme_id is not None:
        distributions = distributions.filter(programme_id=filters.programme_id)
    if filters.area:
        distributions = distributions.filter(admin_area__pcode__startswith=filters.area)
    if filters.organisation_id is not None:
        distributions = distributions.filter(organisation_id=filters.organisation_id)
    return list(distributions.order_by("starts_on", "code"))


def distribution_activities(*, scope: Scope, filters: Filters) -> list[Activity]:
    """One 5W row per distribution in scope: the households that received their kit and their members."""
    distributions = distributions_reported(scope=scope, filters=filters)
    profiles = {
        profile.programme_id: profile
        for profile in ReportingProfile.objects.filter(programme_id__in={d.programme_id for d in distributions})
    }
    names = AreaNames([distribution.admin_area_id for distribution in distributions])
    groups = age_groups()
    rows = []
    for distribution in distributions:
        profile = profiles.get(distribution.programme_id) or ReportingProfile(programme=distribution.programme)
        counts = people_counts(
            household_ids=households_handed_over(distribution=distribution),
            on=distribution.starts_on,
            age_bounds=[group.low for group in groups],
        )
        kit = distribution.kit_version.kit
        rows.append(
            Activity(
                source="distribution",
                reference=distribution.code,
                organisation=distribution.organisation.acronym,
                implementing_partner=(distribution.implementing_partner or distribution.organisation).acronym,
                funder=profile.funder,
                cluster=profile.cluster or SHELTER_NFI,
                activity=profile.activity or _("Distribution of %(kit)s") % {"kit": kit.name},
                modality=profile.modality or Modality.IN_KIND,
                item=kit.name,
                **names.columns(distribution.admin_area_id),
                site=distribution.site.name if distribution.site else "",
                status=_STATUS_OF_DISTRIBUTION.get(distribution.status, ActivityStatus.PLANNED),
                start_date=distribution.starts_on,
                end_date=distribution.ends_on,
                households=counts.households,
                people=counts.people,
                by_sex_and_age={
                    f"{sex}_{group.key}": counts.by_sex_and_age[(sex, index)]
                    for sex in SEXES
                    for index, group in enumerate(groups)
                },
                idps=counts.idps,
                with_disabilities=counts.with_disabilities,
                admin_area=distribution.admin_area_id,
            )
        )
    return rows


def partner_activities(*, scope: Scope, filters: Filters) -> list[Activity]:
    """The partners' imported 5W rows in scope (none when a programme is chosen: they have none in Abri)."""
    if filters.programme_id is not None:
        return []
    found = PartnerActivity.objects.filter(
        scope.q(VIEW_REPORTS, organisation_field="organisation", area_field="admin_area"),
        _overlaps(filters, start_field="start_date", end_field="end_date"),
    )
    if filters.area:
        found = found.filter(admin_area__pcode__startswith=filters.area)
    if filters.organisation_id is not None:
        found = found.filter(organisation_id=filters.organisation_id)
    partner_rows = list(found.order_by("start_date", "id"))
    names = AreaNames([row.admin_area_id for row in partner_rows])
    keys = breakdown_keys(age_groups())
    return [
        Activity(
            source="partner",
            reference=f"{row.source_file}:{row.source_row}",
            organisation=row.reporting_organisation,
            implementing_partner=row.implementing_partner,
            funder=row.funder,
            cluster=row.cluster,
            activity=row.activity,
            modality=row.modality,
            item=row.item,
            **names.columns(row.admin_area_id),
            site=row.site_name,
            status=row.status,
            start_date=row.start_date,
            end_date=row.end_date,
            households=row.households,
            people=row.people,
            by_sex_and_age={key: int(row.people_by_sex_and_age.get(key, 0)) for key in keys},
            idps=row.idps,
            with_disabilities=row.with_disabilities,
            admin_area=row.admin_area_id,
        )
        for row in partner_rows
    ]


def shelter_activities(*, scope: Scope, filters: Filters) -> list[Activity]:
    """One 5W row per organisation, site and shelter type: the households allocated a shelter in the
    period (each once, however many shelters it moved through) and their members on the first day.
    None when a programme is chosen: shelters belong to no programme in Abri."""
    if filters.programme_id is not None:
        return []
    groups_found = allocations_reported(
        scope=scope,
        permission=VIEW_REPORTS,
        start=filters.start,
        end=filters.end,
        area=filters.area,
        organisation_id=filters.organisation_id,
    )
    names = AreaNames([group.admin_area for group in groups_found])
    groups = age_groups()
    rows = []
    for group in groups_found:
        counts = people_counts(
            household_ids=group.household_ids, on=group.first_day, age_bounds=[g.low for g in groups]
        )
        rows.append(
            Activity(
                source="shelter",
                reference=f"{group.site_code}:{group.shelter_type_code}",
                organisation=group.organisation,
                implementing_partner=group.built_by or group.organisation,
                funder="",
                cluster=SHELTER_NFI,
                activity=_("Shelter: %(type)s") % {"type": group.shelter_type_name},
                modality=Modality.IN_KIND,
                item=group.shelter_type_name,
                **names.columns(group.admin_area),
                site=group.site_name,
                status=ActivityStatus.COMPLETED,
                start_date=group.first_day,
                end_date=group.last_day,
                households=counts.households,
                people=counts.people,
                by_sex_and_age={
                    f"{sex}_{age.key}": counts.by_sex_and_age[(sex, index)]
                    for sex in SEXES
                    for index, age in enumerate(groups)
                },
                idps=counts.idps,
                with_disabilities=counts.with_disabilities,
                admin_area=group.admin_area,
            )
        )
    return rows


Source = Callable[..., list[Activity]]
ACTIVITY_SOURCES: tuple[Source, ...] = (distribution_activities, partner_activities, shelter_activities)


def activities(*, scope: Scope, filters: Filters) -> list[Activity]:
    """Every 5W row in ``scope`` within ``filters``, from every source, by start date."""
    rows = [row for source in ACTIVITY_SOURCES for row in source(scope=scope, filters=filters)]
    return sorted(rows, key=lambda row: (row.start_date, row.organisation, row.reference))
