"""The lifecycles of distributions, entitlements and handovers."""

from __future__ import annotations

from abri.assistance.models import DistributionStatus, EntitlementStatus, HandoverStatus
from abri.core.flows import Lifecycle

D = DistributionStatus
DISTRIBUTION = Lifecycle(
    name="distribution",
    transitions={
        D.PLANNED: frozenset({D.OPEN, D.CANCELLED}),
        D.OPEN: frozenset({D.CLOSED}),
        D.CLOSED: frozenset(),
        D.CANCELLED: frozenset(),
    },
)

ENTITLEMENT = Lifecycle(
    name="entitlement",
    transitions={EntitlementStatus.ACTIVE: frozenset({EntitlementStatus.CANCELLED})},
)

HANDOVER = Lifecycle(
    name="handover",
    transitions={HandoverStatus.RECORDED: frozenset({HandoverStatus.CANCELLED})},
)
