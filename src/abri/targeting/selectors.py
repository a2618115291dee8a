"""Reads of targeting: plans in scope, a run's ranking with reasons, sessions, published lists.

A plan is reached through :func:`access_plan` (organisation, programme and admin areas of the
caller's scope; "not found" and "not allowed" look alike). Households are reached only through
`abri.registry.access` and shown only through `abri.registry.shown`.

`published_list_households` is the read other apps (distributions) use: the households of one
published version, in order, with their status (included or wait-listed).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from abri.access.roles import VIEW_HOUSEHOLD, VIEW_TARGETING
from abri.access.selectors import Scope
from abri.core.errors import NotFound, PermissionDenied
from abri.registry.access import households_visible
from abri.registry.models import Household, HouseholdStatus
from abri.registry.shown import Shown, name_shown
from abri.targeting.criteria import Criteria, criteria_parse
from abri.targeting.models import (
    AgendaItem,
    CommitteeDecision,
    CommitteeMember,
    CommitteeSession,
    ListStatus,
    PublishedList,
    PublishedListEntry,
    ScoredHousehold,
    SessionStatus,
    TargetingPlan,
    TargetingRun,
)
from abri.targeting.scoring import band_of, reasons_of


def plans_visible(*, scope: Scope, permission: str = VIEW_TARGETING) -> QuerySet[TargetingPlan]:
    """The plans whose organisation, programme and one of the areas are in ``scope`` for ``permission``."""
    visible = scope.q(
        permission, organisation_field="organisation", area_field="admin_areas", programme_field="programme"
    )
    ids = TargetingPlan.objects.filter(visible).values("pk")
    return TargetingPlan.objects.filter(pk__in=ids)


def plan_list(*, scope: Scope) -> list[TargetingPlan]:
    """The plans the scope may see, newest first, with their programme."""
    return list(plans_visible(scope=scope).select_related("programme", "organisation").order_by("-created_at", "-id"))


def access_plan(*, scope: Scope, plan_id: int, permission: str = VIEW_TARGETING) -> TargetingPlan:
    """The plan if ``scope`` may see it (NotFound otherwise) and holds ``permission`` on it (PermissionDenied)."""
    plan = plans_visible(scope=scope).select_related("programme", "organisation").filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(_("No targeting plan %(id)s.") % {"id": plan_id})
    if (
        permission != VIEW_TARGETING
        and not plans_visible(scope=scope, permission=permission).filter(pk=plan.pk).exists()
    ):
        raise PermissionDenied(_("Your role may see this plan but not do this."))
    return plan


def plan_area_pcodes(*, plan: TargetingPlan) -> list[str]:
    """The P-codes of the plan's admin areas."""
    return sorted(plan.admin_areas.values_list("pcode", flat=True))


def plan_site_ids(*, plan: TargetingPlan) -> list[int]:
    """The ids of the plan's sites (empty: every site of its areas)."""
    return sorted(plan.sites.values_list("pk", flat=True))


def plan_criteria(*, plan: TargetingPlan) -> Criteria:
    """The plan's criteria, parsed."""
    return criteria_parse(plan.criteria)


def plan_households(*, scope: Scope, plan: TargetingPlan) -> QuerySet[Household]:
    """The households of the plan's organisation, areas and sites that ``scope`` may see (merged ones left out)."""
    inside = Q(pk__in=[])
    for pcode in plan_area_pcodes(plan=plan):
        inside |= Q(admin_area__pk__startswith=pcode)
    households = (
        households_visible(scope=scope)
        .filter(inside, organisation_id=plan.organisation_id)
        .exclude(status=HouseholdStatus.MERGED)
    )
    sites = plan_site_ids(plan=plan)
    if sites:
        households = households.filter(site_id__in=sites)
    return households


def run_latest(*, plan: TargetingPlan) -> TargetingRun | None:
    """The plan's latest run."""
    return plan.runs.order_by("-created_at", "-id").first()


@dataclass(frozen=True)
class RankedRow:
    """One row of a run's list, as the reader may see it."""

    rank: int | None
    household: Household
    head_name: Shown[str]
    score: float
    band: str
    reasons: list[tuple[str, float]]
    eligible: bool
    proposed: bool
    possible_duplicate: bool


def plan_fully_visible(*, scope: Scope, plan: TargetingPlan) -> bool:
    """Whether ``scope`` sees every household the plan scores (its organisation's, in all its areas)."""
    return all(
        scope.covers(VIEW_HOUSEHOLD, organisation_id=plan.organisation_id, area_pcode=pcode)
        for pcode in plan_area_pcodes(plan=plan)
    )


def run_ranking(*, scope: Scope, run: TargetingRun, proposed_only: bool = False) -> QuerySet[ScoredHousehold]:
    """The run's scored households that ``scope`` may see, in list order (the eligible by rank, then the others).

    A reader who sees the whole plan reads the run's rows as they are (an index walk on the position);
    anyone else through the registry's access.
    """
    scores = ScoredHousehold.objects.filter(run=run)
    if not plan_fully_visible(scope=scope, plan=run.plan):
        scores = scores.filter(household__in=households_visible(scope=scope).values("pk"))
    if proposed_only:
        scores = scores.filter(proposed=True)
    return scores.order_by("position")


def ranked_rows(*, scope: Scope, run: TargetingRun, scores: Sequence[ScoredHousehold]) -> list[RankedRow]:
    """``scores`` (one page) with their households, head names as ``scope`` may see them, and reasons."""
    criteria = criteria_parse(run.criteria)
    households = (
        households_visible(scope=scope)
        .select_related("head", "admin_area", "site")
        .in_bulk([score.household_id for score in scores])
    )
    rows = []
    for score in scores:
        household = households.get(score.household_id)
        if household is None:  # outside the reader's scope
            continue
        rows.append(
            RankedRow(
                rank=score.rank,
                household=household,
                head_name=name_shown(scope=scope, household=household, individual=household.head),
                score=score.score,
                band=band_of(score.score, criteria),
                reasons=reasons_of(score.fired, criteria),
                eligible=score.eligible,
                proposed=score.proposed,
                possible_duplicate=score.possible_duplicate,
            )
        )
    return rows


def plan_members(*, plan: TargetingPlan) -> list[CommitteeMember]:
    """The committee's active members, in the order they were added."""
    return list(plan.members.filter(is_active=True).order_by("id"))


def plan_sessions(*, plan: TargetingPlan) -> list[CommitteeSession]:
    """The plan's sessions, oldest first."""
    return list(plan.sessions.order_by("held_on", "id"))


def session_open_of(*, plan: TargetingPlan) -> CommitteeSession | None:
    """The plan's open session, if any."""
    return plan.sessions.filter(status=SessionStatus.OPEN).first()


def access_session(*, plan: TargetingPlan, session_id: int) -> CommitteeSession:
    """A session of ``plan`` (whose access was checked); NotFound otherwise."""
    session = plan.sessions.filter(pk=session_id).first()
    if session is None:
        raise NotFound(_("No committee session %(id)s.") % {"id": session_id})
    return session


@dataclass(frozen=True)
class AgendaRow:
    """A household of a session's agenda with its decision (None: still undecided)."""

    household: Household
    head_name: Shown[str]
    source: str
    source_display: str
    note: str
    decision: CommitteeDecision | None
    rank: int | None
    score: float | None


def session_agenda(*, scope: Scope, session: CommitteeSession) -> list[AgendaRow]:
    """The session's agenda as ``scope`` may see it (households outside it left out), by rank, then number."""
    visible = households_visible(scope=scope).values("pk")
    items = list(AgendaItem.objects.filter(session=session, household__in=visible).select_related("household__head"))
    decisions = {decision.household_id: decision for decision in session.decisions.select_related("decided_by")}
    scores = {
        row[0]: (row[1], row[2])
        for row in ScoredHousehold.objects.filter(
            run_id=session.run_id, household_id__in=[item.household_id for item in items]
        ).values_list("household_id", "rank", "score")
    }
    rows = [
        AgendaRow(
            household=item.household,
            head_name=name_shown(scope=scope, household=item.household, individual=item.household.head),
            source=item.source,
            source_display=item.get_source_display(),
            note=item.note,
            decision=decisions.get(item.household_id),
            rank=scores.get(item.household_id, (None, None))[0],
            score=scores.get(item.household_id, (None, None))[1],
        )
        for item in items
    ]
    rows.sort(key=lambda row: (row.rank is None, row.rank or 0, row.household.registration_number))
    return rows


def session_undecided_count(*, session: CommitteeSession) -> int:
    """How many households of the agenda have no decision yet."""
    decided = CommitteeDecision.objects.filter(session=session).values("household_id")
    return AgendaItem.objects.filter(session=session).exclude(household_id__in=decided).count()


def published_lists(*, plan: TargetingPlan) -> list[PublishedList]:
    """The plan's published versions, newest first."""
    return list(plan.lists.select_related("published_by", "session").order_by("-version"))


def access_published_list(*, scope: Scope, list_id: int) -> PublishedList:
    """A published list of a plan ``scope`` may see; NotFound otherwise."""
    published = (
        PublishedList.objects.select_related("plan__programme", "session")
        .filter(pk=list_id, plan__in=plans_visible(scope=scope).values("pk"))
        .first()
    )
    if published is None:
        raise NotFound(_("No published list %(id)s.") % {"id": list_id})
    return published


def published_list_latest(*, plan: TargetingPlan) -> PublishedList | None:
    """The plan's latest published version."""
    return plan.lists.order_by("-version").first()


def published_list_entries(*, scope: Scope, published_list: PublishedList) -> QuerySet[PublishedListEntry]:
    """The list's entries whose household ``scope`` may see, in order, with the household and head."""
    return (
        published_list.entries.filter(household__in=households_visible(scope=scope).values("pk"))
        .select_related("household__head", "household__admin_area", "household__site")
        .order_by("position")
    )


@dataclass(frozen=True)
class ListedHousehold:
    """A household of a published list, for the apps that act on the list (distributions)."""

    household_id: int
    registration_number: str
    status: str  # abri.targeting.models.ListStatus
    position: int


def published_list_households(
    *, published_list: PublishedList, status: str | None = ListStatus.INCLUDED
) -> list[ListedHousehold]:
    """The households of ``published_list`` (only those of ``status``; every one when None), in list order.

    The caller has checked access to the list (`access_published_list`); the rows never change.
    """
    entries = published_list.entries.all()
    if status is not None:
        entries = entries.filter(status=status)
    return [
        ListedHousehold(household_id=pk, registration_number=number, status=entry_status, position=position)
        for pk, number, entry_status, position in entries.order_by("position").values_list(
            "household_id", "household__registration_number", "status", "position"
        )
    ]
