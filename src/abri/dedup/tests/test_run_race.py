"""Two reviewers press "look for duplicates" at the same moment: one run starts, the other is told one is running."""

import threading

import pytest
from django.db import connection, connections

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import ValidationFailed
from abri.dedup.models import DeduplicationRun, RunStatus
from abri.dedup.services import registry_run_start

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_runs_started_at_once_make_one_run(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: two connections writing at once")
    iom = OrganisationFactory(acronym="IOM")
    reviewers = []
    for name in ("aminata", "seydou"):
        user = UserFactory(username=name)
        MembershipFactory(user=user, organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True)
        reviewers.append(user)
    barrier = threading.Barrier(len(reviewers))
    outcomes: list[str] = []

    def start(user) -> None:
        try:
            barrier.wait()
            registry_run_start(actor=user)
            outcomes.append("started")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=start, args=(user,)) for user in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "started"]
    assert DeduplicationRun.objects.filter(status=RunStatus.RUNNING).count() == 1
