"""The life of an import batch: which status may follow which.

uploaded → validating → validated → committing → committed
                      ↘ failed      ↘ partially committed (rows with errors stay) → validating …
A commit that died (crash, kill -9) leaves the batch "committing" with nothing written: it may
run again. A job that stops on an error (any error) leaves its batch failed, with the reason,
and nothing written. Any batch not being committed may be discarded.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from abri.core.errors import ValidationFailed
from abri.intake.models import BatchStatus, ImportBatch

S = BatchStatus
TRANSITIONS: dict[str, frozenset[str]] = {
    S.UPLOADED: frozenset({S.VALIDATING, S.FAILED, S.DISCARDED}),
    S.VALIDATING: frozenset({S.VALIDATING, S.VALIDATED, S.FAILED, S.DISCARDED}),
    S.VALIDATED: frozenset({S.VALIDATING, S.COMMITTING, S.DISCARDED}),
    S.COMMITTING: frozenset({S.COMMITTING, S.COMMITTED, S.PARTIALLY_COMMITTED, S.VALIDATED, S.FAILED}),
    S.PARTIALLY_COMMITTED: frozenset({S.VALIDATING, S.COMMITTING, S.DISCARDED}),
    S.FAILED: frozenset({S.VALIDATING, S.DISCARDED}),
    S.COMMITTED: frozenset(),
    S.DISCARDED: frozenset(),
}


def can_move(batch: ImportBatch, to: str) -> bool:
    """Whether ``batch`` may go from its status to ``to``."""
    return to in TRANSITIONS[batch.status]


def batch_move(batch: ImportBatch, to: str) -> None:
    """Set the new status on ``batch`` (unsaved), or refuse with a message saying why."""
    if not can_move(batch, to):
        raise ValidationFailed(
            {
                "status": [
                    _("This import is %(current)s; it cannot become %(next)s.")
                    % {"current": batch.get_status_display(), "next": BatchStatus(to).label}
                ]
            }
        )
    batch.status = to
