"""Targeting: criteria refused on unknown fields, scores with reasons, the committee's decisions, publishing."""

from datetime import date

import polars as pl
import pytest
from django.db import IntegrityError, transaction

from abri.access.models import Role
from abri.access.tests.factories import OrganisationFactory
from abri.core.errors import NotFound, ValidationFailed
from abri.core.models import AuditEntry
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved
from abri.targeting.criteria import criteria_parse, menaka_nfi_criteria, nfi_score_card_criteria
from abri.targeting.models import (
    CommitteeDecision,
    Decision,
    ListStatus,
    PlanStatus,
    PublishedList,
    PublishedListEntry,
    ScoredHousehold,
    TargetingPlan,
)
from abri.targeting.scoring import reasons_of, score_frame
from abri.targeting.selectors import published_list_households, session_undecided_count
from abri.targeting.services import (
    decision_record,
    decisions_confirm_proposals,
    household_refer,
    plan_run,
    plan_update,
    session_open,
    session_publish,
    validation_record,
)
from abri.targeting.tests.factories import committee, login, plan_saved, programme_saved, widow

pytestmark = pytest.mark.django_db
ON = date(2022, 12, 1)


@pytest.fixture
def setting():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme = programme_saved(organisation=iom)
    officer = login(organisation=iom, role=Role.TARGETING_OFFICER, programmes=[programme])
    secretary = login(organisation=iom, role=Role.COMMITTEE_SECRETARY, areas=("ML10", "ML05"), programmes=[programme])
    households = [
        household_saved(organisation=iom, members=widow()),  # widow, size 2: score 3
        household_saved(organisation=iom),  # size 3: score 1
        household_saved(organisation=iom, members=widow() + widow(given_names="Mariam")[1:]),  # widow, size 3: 4
        household_saved(organisation=iom, displacement_cause="natural_disaster"),  # not eligible
    ]
    bandiagara = household_saved(organisation=iom, admin_area="ML0501", origin_area="ML0501")  # outside the plan
    return {
        "iom": iom,
        "programme": programme,
        "officer": officer,
        "secretary": secretary,
        "households": households,
        "bandiagara": bandiagara,
    }


def test_a_criterion_on_an_unknown_field_is_refused_with_its_place():
    with pytest.raises(ValidationFailed) as refused:
        criteria_parse({"scoring": [{"field": "widow_headed", "weight": 1}, {"field": "wealth", "weight": 2}]})
    assert refused.value.errors["criteria"][0].startswith("Règle de score 2 : le registre n'a pas de champ « wealth »")
    assert "wealth" in refused.value.errors["criteria"][0]


def test_an_operator_that_does_not_fit_the_field_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        criteria_parse({"eligibility": [{"field": "size", "op": "within", "value": "ML10"}]})
    assert "within" in refused.value.errors["criteria"][0]


def test_the_templates_parse():
    assert len(criteria_parse(menaka_nfi_criteria()).scoring) == 10
    card = criteria_parse(nfi_score_card_criteria())
    assert card.maximum_score == 5
    assert [band.minimum for band in card.bands] == [3, 4]


def test_scoring_ranks_with_reasons_and_stable_tie_breaks():
    frame = pl.DataFrame(
        {
            "household_id": [1, 2, 3, 4],
            "registration_number": ["B", "A", "C", "D"],
            "widow_headed": [True, True, False, True],
            "size": [4, 4, 6, 2],
            "displacement_cause": ["armed_conflict"] * 3 + ["other"],
        }
    )
    criteria = criteria_parse(
        {
            "eligibility": [{"field": "displacement_cause", "op": "eq", "value": "armed_conflict"}],
            "scoring": [
                {"field": "widow_headed", "weight": 3},
                {"field": "size", "op": "ge", "value": 5, "weight": 1},
            ],
            "tie_breaks": ["size_desc"],
        }
    )
    result = score_frame(frame, criteria, quota=2)
    assert result["household_id"].to_list() == [2, 1, 3, 4]  # A before B on a full tie: the number decides
    assert result["rank"].to_list() == [1, 2, 3, None]
    assert result["proposed"].to_list() == [True, True, False, False]
    assert result["score"].to_list() == [3.0, 3.0, 1.0, 3.0]
    assert reasons_of(result["fired"][2], criteria) == [("size", 1.0)]
    assert score_frame(frame.reverse(), criteria, quota=2).equals(result)


def test_a_run_stores_the_ranking_of_the_plan_scope_only(setting):
    plan = plan_saved(actor=setting["officer"], programme=setting["programme"], quota=2)
    run = plan_run(actor=setting["officer"], plan=plan, on=ON)
    scores = {score.household_id: score for score in ScoredHousehold.objects.filter(run=run)}
    first, second, third, fourth = setting["households"]
    assert set(scores) == {first.pk, second.pk, third.pk, fourth.pk}  # Bandiagara is outside
    assert (scores[third.pk].rank, scores[third.pk].score) == (1, 4.0)
    assert (scores[first.pk].rank, scores[first.pk].score) == (2, 3.0)
    assert (scores[second.pk].rank, scores[second.pk].proposed) == (3, False)
    assert (scores[fourth.pk].eligible, scores[fourth.pk].rank) == (False, None)
    assert TargetingPlan.objects.get(pk=plan.pk).status == PlanStatus.SCORED
    assert AuditEntry.objects.filter(action="targeting_plan.run", target_id=str(plan.pk)).count() == 1


def test_a_quota_larger_than_the_caseload_is_refused_and_nothing_is_created(setting):
    with pytest.raises(ValidationFailed) as refused:
        plan_saved(actor=setting["officer"], programme=setting["programme"], quota=5)
    assert "4" in refused.value.errors["quota"][0]
    assert not TargetingPlan.objects.exists()


def test_an_update_with_a_bad_criterion_changes_nothing(setting):
    plan = plan_saved(actor=setting["officer"], programme=setting["programme"])
    with pytest.raises(ValidationFailed):
        plan_update(
            actor=setting["officer"], plan=plan, criteria={"scoring": [{"field": "nope", "weight": 1}]}, quota=1
        )
    plan.refresh_from_db()
    assert plan.quota == 2
    assert plan.criteria["scoring"][0]["field"] == "widow_headed"


def _published_setting(setting):
    plan = plan_saved(actor=setting["officer"], programme=setting["programme"], quota=2)
    run = plan_run(actor=setting["officer"], plan=plan, on=ON)
    members = committee(actor=setting["secretary"], plan=plan)
    session = session_open(
        actor=setting["secretary"],
        plan=plan,
        held_on=date(2022, 12, 1),
        place="Mairie de Ménaka",
        attendee_ids=[m.pk for m in members],
    )
    return plan, run, members, session


def test_a_decision_outside_the_plan_scope_is_refused_and_nothing_is_written(setting):
    _plan, _run, _members, session = _published_setting(setting)
    with pytest.raises(ValidationFailed) as refused:
        decision_record(
            actor=setting["secretary"],
            session=session,
            number=setting["bandiagara"].registration_number,
            decision="include",
            reason="x",
        )
    assert setting["bandiagara"].registration_number in refused.value.errors["household"][0]
    assert not CommitteeDecision.objects.exists()


def test_a_second_decision_on_a_household_in_one_session_is_refused(setting):
    _plan, _run, _members, session = _published_setting(setting)
    number = setting["households"][0].registration_number
    decision_record(actor=setting["secretary"], session=session, number=number, decision="include", reason="Veuve")
    with pytest.raises(ValidationFailed):
        decision_record(actor=setting["secretary"], session=session, number=number, decision="exclude", reason="Non")
    assert list(CommitteeDecision.objects.values_list("decision", flat=True)) == ["include"]
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database says so too
        CommitteeDecision.objects.create(
            session=session, household=setting["households"][0], decision="exclude", reason="Non"
        )


def test_publishing_with_undecided_households_is_refused(setting):
    _plan, _run, members, session = _published_setting(setting)
    for member in members:
        if member.validates:
            validation_record(actor=setting["secretary"], session=session, member_id=member.pk)
    with pytest.raises(ValidationFailed) as refused:
        session_publish(actor=setting["secretary"], session=session)
    assert "2" in refused.value.errors["__all__"][0]
    assert not PublishedList.objects.exists()


def test_the_published_list_is_numbered_immutable_and_a_change_makes_version_two(setting):
    plan, _run, members, session = _published_setting(setting)
    first, second, third, _fourth = setting["households"]
    decision_record(
        actor=setting["secretary"],
        session=session,
        number=first.registration_number,
        decision="wait_list",
        reason="Aidé par ailleurs",
    )
    assert decisions_confirm_proposals(actor=setting["secretary"], session=session, reason="Proposé par le score") == 1
    assert session_undecided_count(session=session) == 0
    with pytest.raises(ValidationFailed) as refused:  # the validators have not validated yet
        session_publish(actor=setting["secretary"], session=session)
    assert "Fadimata Walet" in refused.value.errors["__all__"][0]
    for member in members:
        if member.validates:
            validation_record(actor=setting["secretary"], session=session, member_id=member.pk)
    version_one = session_publish(actor=setting["secretary"], session=session)
    assert version_one.version == 1
    assert [(h.household_id, h.status) for h in published_list_households(published_list=version_one, status=None)] == [
        (third.pk, ListStatus.INCLUDED),
        (first.pk, ListStatus.WAIT_LISTED),
    ]
    with pytest.raises(Exception, match="immutable"), transaction.atomic():
        PublishedListEntry.objects.filter(published_list=version_one).update(status=ListStatus.INCLUDED)
    # An exclusion complaint sends the second household back; the next session includes it.
    household_refer(actor=setting["secretary"], plan=plan, household=second, reason="Plainte : oublié")
    next_session = session_open(actor=setting["secretary"], plan=plan, held_on=date(2022, 12, 8), place="Mairie")
    assert session_undecided_count(session=next_session) == 1
    decision_record(
        actor=setting["secretary"],
        session=next_session,
        number=second.registration_number,
        decision="include",
        reason="Plainte fondée",
    )
    for member in members:
        if member.validates:
            validation_record(actor=setting["secretary"], session=next_session, member_id=member.pk)
    with pytest.raises(ValidationFailed):  # a new version says why
        session_publish(actor=setting["secretary"], session=next_session)
    version_two = session_publish(actor=setting["secretary"], session=next_session, reason="Plainte d'exclusion fondée")
    assert (version_two.version, version_two.changes["added"], version_two.included) == (2, [second.pk], 2)
    assert [h.household_id for h in published_list_households(published_list=version_one)] == [third.pk]  # unchanged
    assert PublishedListEntry.objects.filter(published_list=version_one).count() == 2


def test_access_to_another_organisation_household_is_not_found(setting):
    other = OrganisationFactory(acronym="NRC")
    stranger = household_saved(organisation=other)
    _plan, _run, _members, session = _published_setting(setting)
    with pytest.raises(NotFound):
        decision_record(
            actor=setting["secretary"],
            session=session,
            number=stranger.registration_number,
            decision=Decision.INCLUDE,
            reason="x",
        )
    assert not CommitteeDecision.objects.exists()
