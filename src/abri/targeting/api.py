"""Targeting endpoints: plans, published lists with their versions (reads within scope); the committee's
decisions and publishing through the services, audited."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from abri.access.api import request_scope
from abri.access.roles import RECORD_DECISIONS
from abri.registry.shown import name_shown
from abri.targeting.models import PublishedList, TargetingPlan
from abri.targeting.selectors import (
    access_plan,
    access_published_list,
    access_session,
    plan_area_pcodes,
    plan_list,
    published_list_entries,
    published_lists,
)
from abri.targeting.services import decision_record, session_publish

router = Router(tags=["targeting"])


class PlanOut(Schema):
    id: int
    name: str
    programme: str
    admin_areas: list[str]
    quota: int
    status: str
    criteria: dict


class ListVersionOut(Schema):
    id: int
    plan: int
    version: int
    published_at: datetime.datetime
    included: int
    wait_listed: int
    reason: str
    changes: dict


class ListEntryOut(Schema):
    position: int
    household: str
    head_name: str | None  # null where the caller may not see names
    status: str
    score: float | None
    reason: str


class ListOut(ListVersionOut):
    entries: list[ListEntryOut]


class DecisionIn(Schema):
    household: str
    decision: str
    reason: str


class DecisionOut(Schema):
    id: int
    household: str
    decision: str
    reason: str


class PublishIn(Schema):
    reason: str = ""


def _plan_out(plan: TargetingPlan) -> PlanOut:
    return PlanOut(
        id=plan.pk,
        name=plan.name,
        programme=plan.programme.code,
        admin_areas=plan_area_pcodes(plan=plan),
        quota=plan.quota,
        status=plan.status,
        criteria=plan.criteria,
    )


def _version_out(published: PublishedList) -> dict:
    return {
        "id": published.pk,
        "plan": published.plan_id,
        "version": published.version,
        "published_at": published.published_at,
        "included": published.included,
        "wait_listed": published.wait_listed,
        "reason": published.reason,
        "changes": published.changes,
    }


@router.get("/targeting/plans", response=list[PlanOut], summary="List targeting plans")
def plans_list(request: HttpRequest) -> list[PlanOut]:
    """The targeting plans in your scope, newest first."""
    return [_plan_out(plan) for plan in plan_list(scope=request_scope(request))]


@router.get("/targeting/plans/{plan_id}", response=PlanOut, summary="Read a targeting plan")
def plans_retrieve(request: HttpRequest, plan_id: int) -> PlanOut:
    """One plan with its criteria and quota."""
    return _plan_out(access_plan(scope=request_scope(request), plan_id=plan_id))


@router.get(
    "/targeting/plans/{plan_id}/lists", response=list[ListVersionOut], summary="List a plan's published versions"
)
def plans_lists(request: HttpRequest, plan_id: int) -> list[dict]:
    """The plan's published versions, newest first, with what changed and why."""
    plan = access_plan(scope=request_scope(request), plan_id=plan_id)
    return [_version_out(published) for published in published_lists(plan=plan)]


@router.get("/targeting/lists/{list_id}", response=ListOut, summary="Read a published list")
def lists_retrieve(request: HttpRequest, list_id: int) -> dict:
    """One published version and its households in order (names only where you may see them)."""
    scope = request_scope(request)
    published = access_published_list(scope=scope, list_id=list_id)
    entries = []
    for entry in published_list_entries(scope=scope, published_list=published):
        shown = name_shown(scope=scope, household=entry.household, individual=entry.household.head)
        entries.append(
            {
                "position": entry.position,
                "household": entry.household.registration_number,
                "head_name": None if shown.masked else shown.value,
                "status": entry.status,
                "score": entry.score,
                "reason": entry.reason,
            }
        )
    return {**_version_out(published), "entries": entries}


@router.post(
    "/targeting/plans/{plan_id}/sessions/{session_id}/decisions",
    response={201: DecisionOut},
    summary="Record a committee decision",
)
def sessions_decide(request: HttpRequest, plan_id: int, session_id: int, payload: DecisionIn) -> tuple[int, dict]:
    """The committee's decision on one household (include, exclude, wait_list) with its reason."""
    plan = access_plan(scope=request_scope(request), plan_id=plan_id, permission=RECORD_DECISIONS)
    session = access_session(plan=plan, session_id=session_id)
    decision = decision_record(
        actor=request.auth,  # type: ignore[attr-defined]  # set by the API's authentication
        session=session,
        number=payload.household,
        decision=payload.decision,
        reason=payload.reason,
    )
    return 201, {
        "id": decision.pk,
        "household": decision.household.registration_number,
        "decision": decision.decision,
        "reason": decision.reason,
    }


@router.post(
    "/targeting/plans/{plan_id}/sessions/{session_id}/publish",
    response={201: ListVersionOut},
    summary="Publish the session's list",
)
def sessions_publish(request: HttpRequest, plan_id: int, session_id: int, payload: PublishIn) -> tuple[int, dict]:
    """Publish the session's list as the plan's next version (refused while a household is undecided)."""
    plan = access_plan(scope=request_scope(request), plan_id=plan_id, permission=RECORD_DECISIONS)
    session = access_session(plan=plan, session_id=session_id)
    published = session_publish(actor=request.auth, session=session, reason=payload.reason)  # type: ignore[attr-defined]
    return 201, _version_out(published)
