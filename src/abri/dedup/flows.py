"""The lifecycles of deduplication: candidate pairs, runs over the registry, partner-list runs.

Candidate pair:  open → same | different (a reviewer decides, with a reason)
                 same ↔ different        (a reviewer corrects a decision)
                 same | different → open (the data compared changed, or the merge that decided it was undone)
A pair decided "same" by a household merge stays so until the merge is undone: no reviewer
decision flips it (the merged household would be left pointing at two people).

Registry run:    running → done | failed (final)
Partner list:    uploaded → queued → running → done | failed; done | failed → queued (mapped again)
"""

from __future__ import annotations

from abri.core.flows import Lifecycle
from abri.dedup.models import CandidateStatus, ListRunStatus, RunStatus

C = CandidateStatus
CANDIDATE = Lifecycle(
    "candidate pair",
    {
        C.OPEN: frozenset({C.SAME, C.DIFFERENT}),
        C.SAME: frozenset({C.SAME, C.DIFFERENT, C.OPEN}),
        C.DIFFERENT: frozenset({C.DIFFERENT, C.SAME, C.OPEN}),
    },
)

REGISTRY_RUN = Lifecycle(
    "deduplication run",
    {RunStatus.RUNNING: frozenset({RunStatus.DONE, RunStatus.FAILED})},
)

L = ListRunStatus
LIST_RUN = Lifecycle(
    "partner-list run",
    {
        L.UPLOADED: frozenset({L.QUEUED}),
        L.QUEUED: frozenset({L.RUNNING, L.FAILED}),
        L.RUNNING: frozenset({L.DONE, L.FAILED}),
        L.DONE: frozenset({L.QUEUED}),
        L.FAILED: frozenset({L.QUEUED}),
    },
)
