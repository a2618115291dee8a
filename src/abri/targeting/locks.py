"""Row locks of the targeting app, always taken in this order: plan, then session."""

from __future__ import annotations

from abri.targeting.models import CommitteeSession, TargetingPlan


def plan_lock(*, plan_id: int) -> TargetingPlan:
    """The plan, locked until the end of the transaction (runs, sessions and publishing queue on it)."""
    return TargetingPlan.objects.select_for_update().get(pk=plan_id)


def session_lock(*, session_id: int) -> CommitteeSession:
    """The session, locked until the end of the transaction; take the plan's lock first."""
    return CommitteeSession.objects.select_for_update().get(pk=session_id)
