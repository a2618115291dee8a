"""The lifecycle of a grievance: received → in review → answered → closed."""

from __future__ import annotations

from abri.core.flows import Lifecycle
from abri.grievances.models import GrievanceStatus

GRIEVANCE = Lifecycle(
    name="grievance",
    transitions={
        GrievanceStatus.RECEIVED: frozenset({GrievanceStatus.IN_REVIEW}),
        GrievanceStatus.IN_REVIEW: frozenset({GrievanceStatus.ANSWERED}),
        GrievanceStatus.ANSWERED: frozenset({GrievanceStatus.CLOSED, GrievanceStatus.IN_REVIEW}),
    },
)
