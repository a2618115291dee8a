"""An edit of a household saved while a merge moves members into it (PostgreSQL): whichever takes
the locks first, no member is lost. A merge first makes the edit, opened before it, refused; an
edit first is saved and the merge then moves the members onto it."""

import threading

import pytest

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import Conflict
from abri.core.testing import LockHolder, postgres_only, run_at_once
from abri.dedup.merges import services as merge_module
from abri.dedup.merges.services import MergeParticipant, household_merge, merge_participant_register
from abri.geo.tests.factories import mali_areas
from abri.registry import services as services_module
from abri.registry.inputs import IndividualInput
from abri.registry.models import Household, HouseholdMerge, Individual
from abri.registry.services import household_update
from abri.registry.tests.factories import household_input, household_saved

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _as_read(household: Household):
    """The household's members as an edit form opened now would send them back, unchanged."""
    members = [
        IndividualInput(
            id=member.pk,
            given_names=member.given_names,
            family_name=member.family_name,
            sex=member.sex,
            relationship=member.relationship,
            birth_date=member.birth_date,
            marital_status=member.marital_status,
        )
        for member in household.members.order_by("id")
    ]
    return household_input(members=members, registered_on=household.registered_on), household.version


@pytest.mark.parametrize("first", ["merge", "update"])
def test_an_edit_and_a_merge_of_the_same_household_lose_no_member(first, monkeypatch):
    postgres_only()
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    kept = household_saved(organisation=iom, registration_number="IOM-22-000001")
    absorbed = household_saved(organisation=iom, registration_number="IOM-22-000002")
    reviewer = MembershipFactory(
        user=UserFactory(username="reviewer"), organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]
    ).user
    data, version = _as_read(Household.objects.get(pk=kept.pk))  # the edit form is opened before either runs
    everyone = set(Individual.objects.filter(household__in=[kept, absorbed]).values_list("pk", flat=True))
    assert len(everyone) == 6

    holder = LockHolder()

    def merge_holds(context):
        if first == "merge":
            holder.hold()
        return {}

    monkeypatch.setattr(merge_module, "_participants", dict(merge_module._participants))
    merge_participant_register(
        MergeParticipant(name="zz-hold", models=(), merged=merge_holds, undone=lambda c, d: None)
    )
    resolve = services_module._resolve

    def update_holds(*args, **kwargs):
        if first == "update" and threading.current_thread().name == "update":
            holder.hold()  # inside the update's locks, before it reads the members
        return resolve(*args, **kwargs)

    monkeypatch.setattr(services_module, "_resolve", update_holds)

    def merge():
        if first != "merge":
            holder.wait_until_held()
        return household_merge(actor=reviewer, keep=kept, absorb=absorbed, reason="One family")

    def update():
        if first != "update":
            holder.wait_until_held()
        return household_update(actor=reviewer, household=kept, data=data, version=version)

    outcomes = run_at_once({"merge": merge, "update": update})

    assert holder.seen_waiting == [True]  # the second writer queued behind the first one's locks
    assert isinstance(outcomes["merge"], HouseholdMerge)
    if first == "merge":
        assert isinstance(outcomes["update"], Conflict)
        assert "changed in the meantime" in str(outcomes["update"])
    else:
        assert isinstance(outcomes["update"], Household)
    # Nobody lost: all six live in the kept household, which counts them.
    assert set(Individual.objects.filter(household=kept).values_list("pk", flat=True)) == everyone
    assert Household.objects.get(pk=kept.pk).size == 6
    assert Household.objects.get(pk=kept.pk).version == (2 if first == "update" else 1)
