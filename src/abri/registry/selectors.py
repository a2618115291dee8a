"""Reads of the registry beyond access: members in order, merges, audit, counts, choices.

Reaching a household (lists, search, by number) is `abri.registry.access`; every count here
goes through its `households_visible`, so a household outside the scope is never counted.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import models
from django.db.models import Count, Q, Sum

from abri.access.selectors import Scope
from abri.core.audit_signals import PERSONAL_DATA_VIEW
from abri.core.models import AuditEntry
from abri.geo.models import AdminArea, Site
from abri.registry.access import households_visible
from abri.registry.flags import ADULT_AGE, ELDERLY_AGE, FLAG_FIELDS, SEVERE_DIFFICULTY, WG_FIELDS
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual


def household_members(*, household: Household) -> list[Individual]:
    """The members of ``household``, head first, then by date of birth."""
    members = list(household.members.all())
    members.sort(key=lambda member: (member.pk != household.head_id, member.birth_date, member.pk))
    return members


def households_merged_into(*, household: Household) -> dict[int, str]:
    """Id → registration number of the households merged into ``household`` (through later merges too),
    merges undone left out."""
    found: dict[int, str] = {}
    frontier = [household.pk]
    while frontier:
        absorbed = HouseholdMerge.objects.filter(kept_id__in=frontier, undone_at__isnull=True).values_list(
            "absorbed_id", "absorbed__registration_number"
        )
        frontier = [pk for pk, _number in absorbed if pk not in found and pk != household.pk]
        found.update((pk, number) for pk, number in absorbed if pk in frontier)
    return found


def household_audit_entries(*, household: Household, limit: int = 50) -> list[tuple[AuditEntry, str]]:
    """The latest audit entries about ``household`` and the households merged into it, newest first,
    each with the registration number it was recorded on ("" for the household itself).

    Views of the household's personal data are left out (the audit page lists them): what was
    done to the household, not who looked at it."""
    merged = households_merged_into(household=household)
    numbers = {str(pk): number for pk, number in merged.items()}
    entries = (
        AuditEntry.objects.filter(target_type=Household._meta.label_lower, target_id__in=[str(household.pk), *numbers])
        .exclude(action=PERSONAL_DATA_VIEW)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
    return [(entry, numbers.get(entry.target_id, "")) for entry in entries]


def household_merges(*, household: Household) -> list[HouseholdMerge]:
    """The merges that kept ``household``, newest first, undone ones included."""
    return list(
        HouseholdMerge.objects.filter(kept=household)
        .select_related("absorbed", "merged_by", "undone_by")
        .order_by("-created_at", "-id")
    )


def household_merge_destination(*, household: Household, max_steps: int = 50) -> Household:
    """The household a merged one now lives in, following later merges (itself when not merged)."""
    current = household
    for _step in range(max_steps):
        if current.status != HouseholdStatus.MERGED or current.merged_into_id is None:
            break
        current = Household.objects.get(pk=current.merged_into_id)
    return current


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


@dataclass(frozen=True)
class HouseholdCounts:
    totals: Totals
    by_area: list[AreaCount]  # each region, followed by its cercles; largest first
    by_flag: list[FlagCount]


def household_counts(*, scope: Scope) -> HouseholdCounts:
    """Households and individuals in scope: in all, per region and cercle, and per vulnerability flag.

    One pass over the households, grouped by admin area; individuals are counted from
    ``Household.size`` (kept by the services), so the members table is not read. Deeper areas
    (communes) count in their cercle; merged households are not counted twice.
    """
    aggregates: dict[str, Count | Sum] = {"households": Count("pk"), "individuals": Sum("size")}
    for flag in FLAG_FIELDS:
        aggregates[f"{flag}__households"] = Count("pk", filter=Q(**{flag: True}))
        aggregates[f"{flag}__individuals"] = Sum("size", filter=Q(**{flag: True}))
    grouped = (
        households_visible(scope=scope)
        .exclude(status=HouseholdStatus.MERGED)  # counted in the household it was merged into
        .order_by()
        .values("admin_area_id")
        .annotate(**aggregates)
    )
    per_area: list[dict[str, Any]] = [dict(row) for row in grouped]
    keys = list(aggregates)
    totals = {key: sum(row[key] or 0 for row in per_area) for key in keys}

    areas = {area.pcode: area for area in AdminArea.objects.filter(level__gte=1, level__lte=2)}
    per_level: dict[str, list[int]] = {}
    for row in per_area:
        for level in (1, 2):
            key = _ancestor(row["admin_area_id"], areas, level=level)
            if key is not None:
                counts = per_level.setdefault(key, [0, 0])
                counts[0] += row["households"]
                counts[1] += row["individuals"] or 0

    def count(pcode: str) -> AreaCount:
        return AreaCount(area=areas[pcode], households=per_level[pcode][0], individuals=per_level[pcode][1])

    def largest(pcodes: list[str]) -> list[str]:
        return sorted(pcodes, key=lambda pcode: (-per_level[pcode][0], pcode))

    by_area: list[AreaCount] = []
    for region in largest([pcode for pcode in per_level if areas[pcode].level == 1]):
        by_area.append(count(region))
        cercles = [pcode for pcode in per_level if areas[pcode].level == 2 and areas[pcode].parent_id == region]
        by_area.extend(count(cercle) for cercle in largest(cercles))
    return HouseholdCounts(
        totals=Totals(households=totals["households"], individuals=totals["individuals"]),
        by_area=by_area,
        by_flag=[
            FlagCount(
                flag=flag,
                label=field_label(Household, flag),
                households=totals[f"{flag}__households"],
                individuals=totals[f"{flag}__individuals"],
            )
            for flag in FLAG_FIELDS
        ],
    )


def _ancestor(pcode: str, areas: dict[str, AdminArea], *, level: int) -> str | None:
    """The P-code of the area at ``level`` that holds ``pcode`` (P-codes nest by prefix), if known."""
    for candidate in (pcode[:end] for end in range(len(pcode), 1, -1)):
        area = areas.get(candidate)
        if area is not None and area.level == level:
            return candidate
    return None


def field_label(model: type[models.Model], name: str) -> str:
    """The translated name of a model field (a flag, a Washington Group question), capitalised."""
    field = model._meta.get_field(name)
    return str(getattr(field, "verbose_name", name)).capitalize()


def scope_areas(*, scope: Scope, permission: str) -> list[str] | None:
    """The P-codes where ``scope`` holds ``permission``; None for every area."""
    if scope.is_superuser:
        return None
    pcodes: list[str] = []
    for grant in scope.grants_for(permission):
        if grant.all_areas:
            return None
        pcodes.extend(grant.area_pcodes)
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


# What targeting may select and score on, by kind: the derived flags, counts, dates and places.
# "flag": true or false; "number": whole numbers; "date": ISO dates; "choice": a code (a P-code
# for areas, the site's id, a cause, a sex). None of them is personal data (see abri.registry.shown).
FEATURE_KINDS: dict[str, str] = {
    **dict.fromkeys(FLAG_FIELDS, "flag"),
    "size": "number",
    "head_age": "number",
    "children_under_5": "number",
    "children_under_18": "number",
    "members_60_plus": "number",
    "members_with_disability": "number",
    "days_since_arrival": "number",
    "arrival_date": "date",
    "departure_date": "date",
    "registered_on": "date",
    "admin_area": "choice",
    "origin_area": "choice",
    "site": "choice",
    "displacement_cause": "choice",
    "head_sex": "choice",
}

_HOUSEHOLD_COLUMNS = {
    "household_id": ("pk", pl.Int64),
    "registration_number": ("registration_number", pl.String),
    "organisation_id": ("organisation_id", pl.Int64),
    "admin_area": ("admin_area_id", pl.String),
    "origin_area": ("origin_area_id", pl.String),
    "site": ("site_id", pl.Int64),
    "size": ("size", pl.Int64),
    "arrival_date": ("arrival_date", pl.Date),
    "departure_date": ("departure_date", pl.Date),
    "registered_on": ("registered_on", pl.Date),
    "displacement_cause": ("displacement_cause", pl.String),
    "head_birth_date": ("head__birth_date", pl.Date),
    "head_sex": ("head__sex", pl.String),
    **{flag: (flag, pl.Boolean) for flag in FLAG_FIELDS},
}


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def households_features_frame(
    *,
    scope: Scope,
    area_pcodes: Sequence[str],
    site_ids: Sequence[int] = (),
    on: datetime.date,
    household_ids: Sequence[int] | None = None,
) -> pl.DataFrame:
    """The households in ``scope`` within ``area_pcodes`` (and ``site_ids`` when given), one row each,
    with every field of ``FEATURE_KINDS`` (ages and days counted on ``on``); merged households are
    left out (they count in the one they were merged into). Two queries, no row-by-row ORM.
    """
    households = households_visible(scope=scope).exclude(status=HouseholdStatus.MERGED)
    inside = Q(pk__in=[])
    for pcode in area_pcodes:
        inside |= Q(admin_area__pk__startswith=pcode)
    households = households.filter(inside)
    if site_ids:
        households = households.filter(site_id__in=list(site_ids))
    if household_ids is not None:
        households = households.filter(pk__in=list(household_ids))
    rows = households.order_by("pk").values_list(*(column for column, _dtype in _HOUSEHOLD_COLUMNS.values()))
    frame = pl.DataFrame(
        list(rows), schema={name: dtype for name, (_column, dtype) in _HOUSEHOLD_COLUMNS.items()}, orient="row"
    )
    severe = Q(pk__in=[])
    for name in WG_FIELDS:
        severe |= Q(**{f"{name}__in": sorted(SEVERE_DIFFICULTY)})
    counts = (
        Individual.objects.filter(household__in=households.values("pk"), merged_into__isnull=True)
        .order_by()
        .values("household_id")
        .annotate(
            children_under_5=Count("pk", filter=Q(birth_date__gt=_years_before(on, 5))),
            children_under_18=Count("pk", filter=Q(birth_date__gt=_years_before(on, ADULT_AGE))),
            members_60_plus=Count("pk", filter=Q(birth_date__lte=_years_before(on, ELDERLY_AGE))),
            members_with_disability=Count("pk", filter=severe),
        )
        .values_list(
            "household_id", "children_under_5", "children_under_18", "members_60_plus", "members_with_disability"
        )
    )
    count_names = ["children_under_5", "children_under_18", "members_60_plus", "members_with_disability"]
    members = pl.DataFrame(
        list(counts), schema={"household_id": pl.Int64, **dict.fromkeys(count_names, pl.Int64)}, orient="row"
    )
    today = pl.lit(on, dtype=pl.Date)
    head_age = (
        pl.lit(on.year)
        - pl.col("head_birth_date").dt.year()
        - (
            (pl.col("head_birth_date").dt.month() > on.month)
            | ((pl.col("head_birth_date").dt.month() == on.month) & (pl.col("head_birth_date").dt.day() > on.day))
        ).cast(pl.Int64)
    )
    return (
        frame.join(members, on="household_id", how="left")
        .with_columns(
            *(pl.col(name).fill_null(0) for name in count_names),
            head_age.cast(pl.Int64).alias("head_age"),
            (today - pl.col("arrival_date")).dt.total_days().cast(pl.Int64).alias("days_since_arrival"),
            pl.col("site").cast(pl.String),
            pl.col("displacement_cause").fill_null(""),
        )
        .drop("head_birth_date")
        .sort("household_id")
    )


@dataclass(frozen=True)
class PeopleCounts:
    """People of a set of households, counted (never listed): by sex and age group, IDPs, disabilities."""

    households: int
    people: int
    by_sex_and_age: dict[tuple[str, int], int]  # (sex, index of the age group) -> people
    idps: int
    with_disabilities: int


def people_counts(*, household_ids: Any, on: datetime.date, age_bounds: Sequence[int]) -> PeopleCounts:
    """The members of the households ``household_ids`` (a queryset of ids, chosen in scope by the caller),
    counted by sex and age on ``on``, with how many are IDPs and how many have a disability.

    ``age_bounds`` are the lower ages of the groups, starting at 0 (``(0, 18, 60)``: 0–17, 18–59, 60+).
    A member's age group is read from the date of birth in SQL; merged members are not counted twice.
    IDPs are the members of households registered with a displacement (an origin area or a cause).
    """
    bounds = list(age_bounds)
    cutoffs = [_years_before(on, age) for age in bounds[1:]]  # born after a cutoff: younger than its age
    members = Individual.objects.filter(household_id__in=household_ids, merged_into__isnull=True)
    aggregates: dict[str, Count] = {"people": Count("pk"), "households": Count("household_id", distinct=True)}
    for sex in ("female", "male"):
        for index in range(len(bounds)):
            condition = Q(sex=sex)
            if index < len(cutoffs):
                condition &= Q(birth_date__gt=cutoffs[index])
            if index > 0:
                condition &= Q(birth_date__lte=cutoffs[index - 1])
            aggregates[f"{sex}_{index}"] = Count("pk", filter=condition)
    displaced = Q(household__origin_area__isnull=False) | ~Q(household__displacement_cause="")
    aggregates["idps"] = Count("pk", filter=displaced)
    disability = Q(pk__in=[])
    for name in WG_FIELDS:
        disability |= Q(**{f"{name}__in": sorted(SEVERE_DIFFICULTY)})
    aggregates["with_disabilities"] = Count("pk", filter=disability)
    row = members.aggregate(**aggregates)
    return PeopleCounts(
        households=row["households"],
        people=row["people"],
        by_sex_and_age={
            (sex, index): row[f"{sex}_{index}"] for sex in ("female", "male") for index in range(len(bounds))
        },
        idps=row["idps"],
        with_disabilities=row["with_disabilities"],
    )


@dataclass(frozen=True)
class PlaceCount:
    """Households and people registered in one admin area and site (``site_id`` None: outside a site)."""

    admin_area_id: str
    site_id: int | None
    households: int
    people: int


def registered_counts(
    *, scope: Scope, area: str = "", organisation_id: int | None = None, until: datetime.date | None = None
) -> list[PlaceCount]:
    """The households in ``scope`` (not merged) and their people, per admin area and site, optionally
    within ``area``, registered by ``organisation_id``, and registered by ``until``."""
    households = households_visible(scope=scope).exclude(status=HouseholdStatus.MERGED)
    if area:
        households = households.filter(admin_area__pcode__startswith=area)
    if organisation_id is not None:
        households = households.filter(organisation_id=organisation_id)
    if until is not None:
        households = households.filter(registered_on__lte=until)
    grouped = (
        households.order_by()
        .values("admin_area_id", "site_id")
        .annotate(households=Count("pk"), people=Sum("size"))
        .order_by("admin_area_id", "site_id")
    )
    return [PlaceCount(row["admin_area_id"], row["site_id"], row["households"], row["people"] or 0) for row in grouped]


def flag_counts(*, household_ids: Any) -> list[FlagCount]:
    """How many of the households ``household_ids`` (chosen in scope by the caller) carry each vulnerability flag."""
    aggregates: dict[str, Count | Sum] = {}
    for flag in FLAG_FIELDS:
        aggregates[f"{flag}__households"] = Count("pk", filter=Q(**{flag: True}))
        aggregates[f"{flag}__individuals"] = Sum("size", filter=Q(**{flag: True}))
    row = Household.objects.filter(pk__in=household_ids).aggregate(**aggregates)
    return [
        FlagCount(
            flag=flag,
            label=field_label(Household, flag),
            households=row[f"{flag}__households"] or 0,
            individuals=row[f"{flag}__individuals"] or 0,
        )
        for flag in FLAG_FIELDS
    ]
