"""Lifecycles of a targeting plan and of a committee session."""

from __future__ import annotations

from abri.core.flows import Lifecycle
from abri.targeting.models import PlanStatus, SessionStatus

PLAN = Lifecycle(
    name="targeting plan",
    transitions={
        PlanStatus.DRAFT: frozenset({PlanStatus.SCORED}),
        PlanStatus.SCORED: frozenset({PlanStatus.SCORED, PlanStatus.IN_COMMITTEE}),
        PlanStatus.IN_COMMITTEE: frozenset({PlanStatus.PUBLISHED}),
        # A published plan takes a new session (a referral, a correction): version n+1.
        PlanStatus.PUBLISHED: frozenset({PlanStatus.IN_COMMITTEE}),
    },
)

SESSION = Lifecycle(
    name="committee session",
    transitions={SessionStatus.OPEN: frozenset({SessionStatus.PUBLISHED})},
)
