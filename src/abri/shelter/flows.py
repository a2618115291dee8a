"""The lifecycle of a shelter unit.

planned → materials delivered → under construction → completed → handed over, each step forward
in turn; a completed or handed-over shelter may be damaged, and a damaged one repaired (under
construction again); any shelter may be decommissioned, which is final. A move to an earlier
stage of the build (``RANK``) is backwards: it needs a reason, which the change keeps.
"""

from __future__ import annotations

from abri.core.flows import Lifecycle
from abri.shelter.models import ShelterStatus

S = ShelterStatus
BUILD = (S.PLANNED, S.MATERIALS_DELIVERED, S.UNDER_CONSTRUCTION, S.COMPLETED, S.HANDED_OVER)
# How far along the build each status is; a damaged shelter stands where a completed one does.
RANK: dict[str, int] = {str(status): position for position, status in enumerate(BUILD)}
RANK |= {S.DAMAGED: 3, S.DECOMMISSIONED: 9}


def _earlier(status: str) -> frozenset[str]:
    return frozenset(other for other in BUILD if RANK[other] < RANK[status])


SHELTER = Lifecycle(
    name="shelter",
    transitions={
        S.PLANNED: frozenset({S.MATERIALS_DELIVERED, S.DECOMMISSIONED}),
        S.MATERIALS_DELIVERED: frozenset({S.UNDER_CONSTRUCTION, S.DECOMMISSIONED}) | _earlier(S.MATERIALS_DELIVERED),
        S.UNDER_CONSTRUCTION: frozenset({S.COMPLETED, S.DECOMMISSIONED}) | _earlier(S.UNDER_CONSTRUCTION),
        S.COMPLETED: frozenset({S.HANDED_OVER, S.DAMAGED, S.DECOMMISSIONED}) | _earlier(S.COMPLETED),
        S.HANDED_OVER: frozenset({S.DAMAGED, S.DECOMMISSIONED}) | _earlier(S.HANDED_OVER),
        S.DAMAGED: frozenset({S.UNDER_CONSTRUCTION, S.COMPLETED, S.DECOMMISSIONED}),
        S.DECOMMISSIONED: frozenset(),
    },
)

# A unit that may be allocated to a household: built, and not damaged or decommissioned.
ALLOCATABLE = frozenset({S.COMPLETED, S.HANDED_OVER})


def is_backwards(current: str, target: str) -> bool:
    """Whether moving from ``current`` to ``target`` goes back along the build (a reason is then required)."""
    return target != S.DECOMMISSIONED and RANK[target] < RANK[current]
