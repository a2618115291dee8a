"""The engine over the registry: pairs proposed, decisions remembered, only what a reviewer may see."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.dedup.models import CandidateStatus, DeduplicationRun, MatchCandidate, MatchDecision, RunStatus
from abri.dedup.selectors import access_candidate_for_review, match_queue
from abri.dedup.services import match_decide, registry_deduplicate
from abri.dedup.tasks import registry_deduplicate_job
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household
from abri.registry.services import household_update
from abri.registry.tests.factories import household_input, household_saved, maiga_second_registration, member_input

pytestmark = pytest.mark.django_db


def _registered_twice(organisation, other):
    """The Maïga household registered in Ménaka by one partner, then in Inékar by another."""
    first = household_saved(organisation=organisation, phone="76 12 34 56")
    second = household_saved(
        organisation=other,
        admin_area="ML1003",
        phone="+223 76123456",
        members=maiga_second_registration(),
    )
    bystander = household_saved(
        organisation=organisation,
        members=[
            member_input(given_names="Mamadou", family_name="Traoré", sex="male", birth_date=date(1962, 1, 5)),
            member_input(given_names="Kadidia", family_name="Diallo", relationship="spouse"),
        ],
    )
    return first, second, bystander


@pytest.fixture
def setting():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    drc = OrganisationFactory(acronym="DRC")
    first, second, bystander = _registered_twice(iom, drc)
    return {"iom": iom, "drc": drc, "first": first, "second": second, "bystander": bystander}


def _pairs() -> set[tuple[str, str]]:
    return {
        (candidate.individual_a.given_names, candidate.individual_b.given_names)
        for candidate in MatchCandidate.objects.select_related("individual_a", "individual_b")
    }


def test_a_run_proposes_each_member_of_the_household_registered_twice(setting):
    clerk = UserFactory(username="im-officer")
    run = registry_deduplicate(actor=clerk)
    assert run.status == RunStatus.DONE
    assert run.individuals == 8
    assert _pairs() == {("Fatoumata", "Fatimata"), ("Moussa", "Moussa"), ("Aïssata", "Aissata")}
    assert run.pairs_found == 3
    assert run.pairs_new == 3
    candidate = MatchCandidate.objects.get(individual_a__given_names="Fatoumata")
    assert candidate.household_a == setting["first"]
    assert candidate.household_b == setting["second"]
    assert candidate.status == CandidateStatus.OPEN
    assert candidate.evidence["given_name"]["level"] == 0  # Fatimata is a known spelling of Fatoumata
    assert candidate.evidence["family_name"]["level"] == 0  # Mayga is Maïga
    assert candidate.match_probability > 0.5
    # The bystander household is in no pair.
    assert not MatchCandidate.objects.filter(household_a=setting["bystander"]).exists()
    assert not MatchCandidate.objects.filter(household_b=setting["bystander"]).exists()


def test_the_run_is_audited_without_personal_values(setting):
    run = registry_deduplicate(actor=None)
    entries = AuditEntry.objects.filter(target_type="dedup.deduplicationrun", target_id=str(run.pk))
    assert [entry.action for entry in entries.order_by("id")] == ["dedup.run_started", "dedup.run_finished"]
    finished = entries.get(action="dedup.run_finished")
    assert finished.changes == {"pairs_found": 3, "pairs_new": 3, "pairs_remembered": 0}
    assert "Fatoumata" not in str(list(entries.values_list("changes", flat=True)))


def test_a_pair_judged_different_is_not_proposed_again_unless_its_data_changes(setting):
    registry_deduplicate(actor=None)
    reviewer = UserFactory(username="reviewer", is_superuser=True)
    moussa = MatchCandidate.objects.get(individual_a__given_names="Moussa")
    match_decide(actor=reviewer, candidate=moussa, decision="different", reason="Two brothers, checked on site")

    again = registry_deduplicate(actor=None)
    assert again.pairs_remembered == 1
    assert again.pairs_new == 0
    moussa.refresh_from_db()
    assert moussa.status == CandidateStatus.DIFFERENT
    fatoumata = MatchCandidate.objects.get(individual_a__given_names="Fatoumata")
    assert fatoumata.status == CandidateStatus.OPEN  # the bystander pair of the decision stays open

    # The second registration's Moussa gets his exact date of birth: the data compared changed.
    second = Household.objects.get(pk=setting["second"].pk)
    members = list(second.members.order_by("id"))
    updated = household_input(
        admin_area="ML1003",
        phone="+223 76123456",
        members=[
            member_input(given_names="Fatimata", family_name="Mayga", birth_date=date(1980, 3, 14), id=members[0].id),
            member_input(
                given_names="Moussa",
                family_name="Ag-Mohamed",
                sex="male",
                relationship="spouse",
                birth_date=date(1979, 6, 2),
                id=members[1].id,
            ),
            member_input(
                given_names="Aissata", relationship="child", birth_year=2015, birth_date=None, id=members[2].id
            ),
        ],
    )
    household_update(actor=None, household=second, data=updated)
    third = registry_deduplicate(actor=None)
    moussa.refresh_from_db()
    assert third.pairs_remembered == 0
    assert moussa.status == CandidateStatus.OPEN


def test_a_decision_keeps_who_and_why_and_is_audited(setting):
    registry_deduplicate(actor=None)
    reviewer = UserFactory(username="reviewer")
    MembershipFactory(
        user=reviewer, organisation=setting["iom"], role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True
    )
    MembershipFactory(
        user=reviewer, organisation=setting["drc"], role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True
    )
    candidate = access_candidate_for_review(
        user=reviewer, candidate_id=MatchCandidate.objects.get(individual_a__given_names="Fatoumata").pk
    )
    decision = match_decide(actor=reviewer, candidate=candidate, decision="same", reason="Same NINA card shown")
    assert decision.decided_by == reviewer
    assert decision.reason == "Same NINA card shown"
    assert decision.fingerprint == candidate.fingerprint
    candidate.refresh_from_db()
    assert candidate.status == CandidateStatus.SAME
    entry = AuditEntry.objects.get(action="dedup.pair_decided")
    assert entry.actor == reviewer
    assert entry.changes == {"status": ["open", "same"], "reason": "recorded"}


def test_a_decision_without_a_reason_or_with_another_word_is_refused(setting):
    registry_deduplicate(actor=None)
    reviewer = UserFactory(username="reviewer", is_superuser=True)
    candidate = MatchCandidate.objects.first()
    with pytest.raises(ValidationFailed):
        match_decide(actor=reviewer, candidate=candidate, decision="same", reason="  ")
    with pytest.raises(ValidationFailed):
        match_decide(actor=reviewer, candidate=candidate, decision="maybe", reason="unsure")
    assert not MatchDecision.objects.exists()
    assert not AuditEntry.objects.filter(action="dedup.pair_decided").exists()


def test_a_reviewer_sees_and_decides_only_pairs_of_households_in_their_scope(setting):
    registry_deduplicate(actor=None)
    iom_only = UserFactory(username="iom-officer")
    MembershipFactory(
        user=iom_only, organisation=setting["iom"], role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True
    )
    assert list(match_queue(user=iom_only)) == []  # the other registration is DRC's
    candidate = MatchCandidate.objects.first()
    with pytest.raises(NotFound):
        access_candidate_for_review(user=iom_only, candidate_id=candidate.pk)
    with pytest.raises(PermissionDenied):
        match_decide(actor=iom_only, candidate=candidate, decision="same", reason="looks alike")
    assert not MatchDecision.objects.exists()

    both = UserFactory(username="both")
    MembershipFactory(user=both, organisation=setting["iom"], role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True)
    MembershipFactory(user=both, organisation=setting["drc"], role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True)
    queue = list(match_queue(user=both))
    assert len(queue) == 3
    assert [c.match_probability for c in queue] == sorted((c.match_probability for c in queue), reverse=True)


def test_the_registry_run_as_a_command_and_as_a_job(setting):
    out = StringIO()
    call_command("dedupe-registry", stdout=out, stderr=StringIO())
    assert "8 individuals compared: 3 pairs above 0.5 (3 new, 0 already judged different)." in out.getvalue()
    result = registry_deduplicate_job.enqueue(actor_id=None)
    run = DeduplicationRun.objects.get(pk=result.return_value)
    assert run.status == RunStatus.DONE
    assert run.stage == "storing"  # the last stage it went through
    assert run.pairs_new == 0
