"""Lifecycles move a record only from a state that may lead there, in one conditional update."""

import pytest

from abri.core.errors import ValidationFailed
from abri.dedup.flows import CANDIDATE, LIST_RUN
from abri.dedup.models import ListRun, ListRunStatus
from abri.dedup.tests.factories import ListRunFactory


def _run(status: str) -> ListRun:
    return ListRunFactory(status=status)


@pytest.mark.django_db
def test_a_move_happens_once_and_only_from_a_state_that_leads_there():
    run = _run(ListRunStatus.QUEUED)
    assert LIST_RUN.move(ListRun.objects.filter(pk=run.pk), ListRunStatus.RUNNING, stage="reading") == 1
    # A second worker that picked the same job: nothing to move, nothing written.
    assert LIST_RUN.move(ListRun.objects.filter(pk=run.pk), ListRunStatus.RUNNING, stage="other") == 0
    run.refresh_from_db()
    assert (run.status, run.stage) == (ListRunStatus.RUNNING, "reading")

    done = _run(ListRunStatus.DONE)
    assert LIST_RUN.move(ListRun.objects.filter(pk=done.pk), ListRunStatus.FAILED, message="late") == 0
    done.refresh_from_db()
    assert (done.status, done.message) == (ListRunStatus.DONE, "")


def test_the_states_each_move_comes_from():
    assert LIST_RUN.sources(ListRunStatus.DONE) == {ListRunStatus.RUNNING}
    assert LIST_RUN.sources(ListRunStatus.QUEUED) == {ListRunStatus.UPLOADED, ListRunStatus.DONE, ListRunStatus.FAILED}
    assert not LIST_RUN.allows(ListRunStatus.RUNNING, ListRunStatus.QUEUED)
    assert CANDIDATE.allows("open", "same")
    with pytest.raises(ValidationFailed) as refused:
        LIST_RUN.check(ListRunStatus.RUNNING, ListRunStatus.QUEUED, message="Déjà en cours.", field="run")
    assert refused.value.errors == {"run": ["Déjà en cours."]}
