"""The household status lifecycle, in one place.

registered → relocated (moved to another site by the operation) → registered again at arrival,
registered/relocated → returned (went home) or inactive (left, died);
inactive → registered (reactivated after a check). Merged is outside this lifecycle: only a
merge (`abri.dedup.merges.services`) sets it, and only its undo lifts it. A returned household that is displaced
again is registered anew, so returned is final except for reactivation by a check.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from abri.core.errors import ValidationFailed
from abri.registry.models import HouseholdStatus

TRANSITIONS: dict[str, frozenset[str]] = {
    HouseholdStatus.REGISTERED: frozenset(
        {HouseholdStatus.RELOCATED, HouseholdStatus.RETURNED, HouseholdStatus.INACTIVE}
    ),
    HouseholdStatus.RELOCATED: frozenset(
        {HouseholdStatus.REGISTERED, HouseholdStatus.RETURNED, HouseholdStatus.INACTIVE}
    ),
    HouseholdStatus.RETURNED: frozenset({HouseholdStatus.INACTIVE, HouseholdStatus.REGISTERED}),
    HouseholdStatus.INACTIVE: frozenset({HouseholdStatus.REGISTERED}),
    HouseholdStatus.MERGED: frozenset(),
}


def status_check_transition(*, current: str, target: str) -> None:
    """Refuse a status change the lifecycle does not allow (same status: nothing to do, allowed)."""
    if current == HouseholdStatus.MERGED:
        raise ValidationFailed(
            {"status": [_("This household was merged into another: change the household it was merged into.")]}
        )
    if target not in HouseholdStatus.values:
        raise ValidationFailed({"status": [_("Unknown status: %(status)s.") % {"status": target}]})
    if target != current and target not in TRANSITIONS[current]:
        raise ValidationFailed(
            {
                "status": [
                    _("A household cannot go from %(current)s to %(target)s.")
                    % {"current": HouseholdStatus(current).label, "target": HouseholdStatus(target).label}
                ]
            }
        )
