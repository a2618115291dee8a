"""Two reviewers merging the same households at once (PostgreSQL): one wins, the other is told why,
nothing deadlocks and nothing is written twice."""

import threading
import time

import pytest
from django.db import connection
from django.utils import translation

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import ValidationFailed
from abri.dedup.merges import services as merge_module
from abri.dedup.merges.services import MergeParticipant, household_merge, merge_participant_register
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual
from abri.registry.tests.factories import household_saved

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _other_session_waits_for_a_lock(deadline: float) -> bool:
    """Whether another session is blocked on a lock, asked until ``deadline`` (monotonic)."""
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is otherwise frozen per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if cursor.fetchone()[0]:
                return True
        time.sleep(0.05)
    return False


@pytest.mark.parametrize("direction", ["same", "opposite"])
def test_two_merges_of_the_same_households_at_once_one_wins(direction, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite has no row locks, it runs one writer at a time")
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    first_household = household_saved(organisation=iom, registration_number="IOM-22-000001")
    second_household = household_saved(organisation=iom, registration_number="IOM-22-000002")
    reviewers = [
        MembershipFactory(
            user=UserFactory(username=name), organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]
        ).user
        for name in ("first", "second")
    ]
    plans = {
        "first": (first_household, second_household),
        "second": (first_household, second_household) if direction == "same" else (second_household, first_household),
    }
    seen_waiting: list[bool] = []
    first_locked = threading.Event()

    def hold_until_the_other_waits(context):
        # The first merge holds both locks until the second is seen queueing behind them.
        if threading.current_thread().name == "first":
            first_locked.set()
            seen_waiting.append(_other_session_waits_for_a_lock(time.monotonic() + 60))
        return {}

    monkeypatch.setattr(merge_module, "_participants", dict(merge_module._participants))
    merge_participant_register(
        MergeParticipant(name="zz-hold", models=(), merged=hold_until_the_other_waits, undone=lambda c, d: None)
    )
    outcomes: dict[str, object] = {}

    def run(name: str, reviewer) -> None:
        keep, absorb = plans[name]
        try:
            if name == "second":
                first_locked.wait(60)
            with translation.override("en"):  # each thread starts in the default language
                outcomes[name] = household_merge(actor=reviewer, keep=keep, absorb=absorb, reason=f"Seen by {name}")
        except Exception as error:  # the outcome, success or refusal, is what the test looks at
            outcomes[name] = error
        finally:
            connection.close()

    first = threading.Thread(target=run, args=("first", reviewers[0]), name="first")
    second = threading.Thread(target=run, args=("second", reviewers[1]), name="second")
    first.start()
    second.start()  # it calls the merge once the first holds the locks (first_locked)
    first.join(120)
    second.join(120)
    assert not first.is_alive()
    assert not second.is_alive()

    assert seen_waiting == [True]
    assert isinstance(outcomes["first"], HouseholdMerge)
    assert isinstance(outcomes["second"], ValidationFailed)
    assert "has already been merged into another household" in str(outcomes["second"])
    assert HouseholdMerge.objects.count() == 1
    assert Household.objects.filter(status=HouseholdStatus.MERGED).count() == 1
    assert Household.objects.get(pk=first_household.pk).size == 6  # three members each, none paired
    assert Individual.objects.filter(household=first_household).count() == 6
