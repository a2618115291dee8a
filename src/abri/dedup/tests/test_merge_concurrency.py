"""Two reviewers merging the same households at once (PostgreSQL): one wins, the other is told why,
nothing deadlocks and nothing is written twice."""

import threading

import pytest

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import ValidationFailed
from abri.core.testing import LockHolder, postgres_only, run_at_once
from abri.dedup.merges import services as merge_module
from abri.dedup.merges.services import MergeParticipant, household_merge, merge_participant_register
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual
from abri.registry.tests.factories import household_saved

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("direction", ["same", "opposite"])
def test_two_merges_of_the_same_households_at_once_one_wins(direction, monkeypatch):
    postgres_only()
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
    holder = LockHolder()

    def hold_until_the_other_waits(context):
        # The first merge holds both locks until the second is seen queueing behind them.
        if threading.current_thread().name == "first":
            holder.hold()
        return {}

    monkeypatch.setattr(merge_module, "_participants", dict(merge_module._participants))
    merge_participant_register(
        MergeParticipant(name="zz-hold", models=(), merged=hold_until_the_other_waits, undone=lambda c, d: None)
    )

    def merge(name: str, reviewer):
        keep, absorb = plans[name]
        if name == "second":
            holder.wait_until_held()  # it calls the merge once the first holds the locks
        return household_merge(actor=reviewer, keep=keep, absorb=absorb, reason=f"Seen by {name}")

    outcomes = run_at_once(
        {"first": lambda: merge("first", reviewers[0]), "second": lambda: merge("second", reviewers[1])}
    )

    assert holder.seen_waiting == [True]
    assert isinstance(outcomes["first"], HouseholdMerge)
    assert isinstance(outcomes["second"], ValidationFailed)
    assert "has already been merged into another household" in str(outcomes["second"])
    assert HouseholdMerge.objects.count() == 1
    assert Household.objects.filter(status=HouseholdStatus.MERGED).count() == 1
    assert Household.objects.get(pk=first_household.pk).size == 6  # three members each, none paired
    assert Individual.objects.filter(household=first_household).count() == 6
