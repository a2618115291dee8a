"""Merging two registrations of one household, and undoing it: what moves, what is kept, who may."""

import importlib
import json
from datetime import date
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, models, transaction
from django.utils import translation

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.dedup.merges import services as merge_module
from abri.dedup.merges.services import (
    MergeParticipant,
    household_merge,
    household_merge_undo,
    merge_participant_register,
)
from abri.dedup.models import CandidateStatus, MatchCandidate, MatchDecision
from abri.dedup.selectors import match_queue, registry_people
from abri.dedup.services import match_decide
from abri.registry.forms import HouseholdForm
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus, Individual
from abri.registry.services import household_set_status
from abri.registry.tests.factories import household_saved, member_input


def _submissions() -> type[models.Model]:
    """Intake's submission links: rows of a later stage, named by label as the merge finds them
    (through model metadata), since deduplication does not import the apps built on it."""
    return django_apps.get_model("intake", "ImportedSubmission")


pair_migration = importlib.import_module("abri.dedup.migrations.0005_pair_decided_by_merge")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    """Messages are read in English, the source language, whatever the catalogs hold."""
    with translation.override("en"):
        yield


REASON = "Same family registered twice, at the site and in town"


@pytest.fixture
def nrc():
    return OrganisationFactory(acronym="NRC")


def _member(household: Household, given_names: str) -> Individual:
    return household.members.get(given_names=given_names)


@pytest.fixture
def pair(areas, iom):
    """The Maïga household (head, spouse, daughter) and a second registration of it (head, daughter,
    and a son the first registration missed); and a bystander household that must stay untouched."""
    kept = household_saved(organisation=iom, registration_number="IOM-22-000001")
    absorbed = household_saved(
        organisation=iom,
        registration_number="IOM-22-000002",
        members=[
            member_input(),
            member_input(given_names="Aïssata", relationship="child", birth_year=2015, birth_date=None),
            member_input(given_names="Oumar", sex="male", relationship="child", birth_date=date(2019, 5, 1)),
        ],
    )
    bystander = household_saved(organisation=iom, registration_number="IOM-22-000003")
    return kept, absorbed, bystander


def _actor(organisation, areas, role=Role.REGISTRATION_OFFICER, username="clerk"):
    return MembershipFactory(
        user=UserFactory(username=username), organisation=organisation, role=role, areas=[areas["ML10"]]
    ).user


@pytest.fixture
def clerk(iom, areas):
    return _actor(iom, areas)


def _pairs(kept: Household, absorbed: Household) -> list[tuple[int, int]]:
    return [
        (_member(absorbed, "Fatoumata").pk, _member(kept, "Fatoumata").pk),
        (_member(absorbed, "Aïssata").pk, _member(kept, "Aïssata").pk),
    ]


def _row(instance: models.Model) -> dict[str, Any]:
    return {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in {"updated_at", "version"}  # each write stamps both
    }


def _snapshot(*households: Household) -> dict[str, Any]:
    """Every stored value of the households, their members (by id) and the rows pointing at them."""
    ids = [household.pk for household in households]
    return {
        "households": [_row(household) for household in Household.objects.filter(pk__in=ids).order_by("pk")],
        "members": [_row(member) for member in Individual.objects.filter(household__in=ids).order_by("pk")],
        "submissions": [_row(row) for row in _submissions().objects.order_by("pk")],
        "candidates": [_row(row) for row in MatchCandidate.objects.order_by("pk")],
        "decisions": list(MatchDecision.objects.order_by("pk").values_list("pk", flat=True)),
    }


def _submission(organisation, household: Household, submission_id: str) -> models.Model:
    return _submissions().objects.create(organisation=organisation, submission_id=submission_id, household=household)


def _candidate(first: Individual, second: Individual, **values: Any) -> MatchCandidate:
    first, second = sorted((first, second), key=lambda member: member.pk)
    return MatchCandidate.objects.create(
        individual_a=first,
        individual_b=second,
        household_a_id=first.household_id,
        household_b_id=second.household_id,
        match_probability=0.97,
        match_weight=12.0,
        fingerprint="fp",
        **values,
    )


# What a merge does


def test_a_merge_moves_new_members_folds_the_same_people_and_leaves_a_tombstone(pair, clerk):
    kept, absorbed, bystander = pair
    oumar = _member(absorbed, "Oumar")
    pairs = _pairs(kept, absorbed)
    bystander_before = _snapshot(bystander)

    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=pairs)

    kept.refresh_from_db()
    absorbed.refresh_from_db()
    assert sorted(kept.members.values_list("given_names", flat=True)) == ["Aïssata", "Fatoumata", "Moussa", "Oumar"]
    assert kept.size == 4
    assert kept.head.given_names == "Fatoumata"
    for absorbed_id, kept_id in pairs:
        folded = Individual.objects.get(pk=absorbed_id)
        assert folded.merged_into_id == kept_id
        assert folded.household_id == absorbed.pk  # the tombstone keeps them, for the history and an undo
    assert absorbed.status == HouseholdStatus.MERGED
    assert absorbed.merged_into_id == kept.pk
    assert absorbed.head_id is None
    assert absorbed.size == 0
    assert merge.moved["members"] == [oumar.pk]
    assert merge.moved["folded"] == {str(a): k for a, k in pairs}
    assert merge.merged_by == clerk
    assert merge.reason == REASON
    assert _snapshot(bystander) == bystander_before


def test_a_moved_head_becomes_a_relative_and_the_flags_are_recomputed(pair, clerk):
    kept, absorbed, _bystander = pair
    assert not kept.member_with_disability
    head = _member(absorbed, "Fatoumata")
    Individual.objects.filter(pk=head.pk).update(wg_walking="cannot_do_at_all")

    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)

    head.refresh_from_db()
    kept.refresh_from_db()
    assert head.household_id == kept.pk
    assert head.relationship == "other_relative"
    assert kept.members.filter(relationship="head").count() == 1
    assert kept.size == 6
    assert kept.member_with_disability
    assert merge.moved["relationships"] == {str(head.pk): "head"}
    assert set(merge.moved["fields"]["kept"]) == {"size", "member_with_disability"}


def test_rows_of_other_apps_pointing_at_the_merged_household_move_and_are_listed(pair, clerk, iom):
    kept, absorbed, bystander = pair
    moved = _submission(iom, absorbed, "kobo-absorbed")
    untouched = _submission(iom, bystander, "kobo-bystander")

    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)

    moved.refresh_from_db()
    untouched.refresh_from_db()
    assert moved.household_id == kept.pk
    assert untouched.household_id == bystander.pk
    assert merge.moved["relations"] == [
        {"relation": "intake.importedsubmission.household", "from": absorbed.pk, "to": kept.pk, "rows": [moved.pk]}
    ]


def test_the_tombstone_leaves_the_engine_and_the_counts(pair, clerk):
    kept, absorbed, _bystander = pair
    household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    compared = set(registry_people()["individual"].to_list())
    assert str(_member(absorbed, "Fatoumata").pk) not in compared
    assert str(_member(kept, "Fatoumata").pk) in compared
    assert str(Individual.objects.get(given_names="Oumar").pk) in compared


def test_the_audit_names_fields_and_counts_never_personal_values(pair, clerk):
    kept, absorbed, _bystander = pair
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))

    on_kept = AuditEntry.objects.get(action="household.merge", target_id=str(kept.pk))
    on_absorbed = AuditEntry.objects.get(action="household.merged_into", target_id=str(absorbed.pk))
    assert on_kept.actor == clerk
    assert on_kept.changes == {
        "merge": merge.pk,
        "absorbed": absorbed.pk,
        "members_moved": 1,
        "members_folded": 2,
        "fields": ["size"],
        "relations": {},
        "reason": "recorded",
    }
    assert on_absorbed.changes == {
        "merge": merge.pk,
        "kept": kept.pk,
        "fields": ["status", "merged_into", "head", "size", "female_headed"],
    }
    stored = json.dumps([on_kept.changes, on_absorbed.changes, merge.moved], ensure_ascii=False)
    for personal in ("Fatoumata", "Oumar", "Maïga", "1980", "2019", "Same family"):
        assert personal not in stored


def test_the_tombstone_cannot_be_changed_or_merged_again(pair, clerk):
    kept, absorbed, bystander = pair
    household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)
    with pytest.raises(ValidationFailed, match="merged into another: change the household it was merged into"):
        household_set_status(actor=clerk, household=absorbed, status="registered")
    with pytest.raises(ValidationFailed, match="IOM-22-000002 has already been merged"):
        household_merge(actor=clerk, keep=bystander, absorb=absorbed, reason=REASON)
    with pytest.raises(ValidationFailed, match="IOM-22-000002 has already been merged"):
        household_merge(actor=clerk, keep=absorbed, absorb=bystander, reason=REASON)


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        (lambda kept, absorbed, other: [(_member(other, "Moussa").pk, _member(kept, "Moussa").pk)], "is not a member"),
        (
            lambda kept, absorbed, other: [(_member(absorbed, "Oumar").pk, _member(other, "Moussa").pk)],
            "is not a member",
        ),
        (
            lambda kept, absorbed, other: [
                (_member(absorbed, "Oumar").pk, _member(kept, "Moussa").pk),
                (_member(absorbed, "Aïssata").pk, _member(kept, "Moussa").pk),
            ],
            "paired twice",
        ),
    ],
)
def test_pairs_must_join_a_member_of_each_household_once(pair, clerk, pairs, message):
    kept, absorbed, bystander = pair
    before = _snapshot(kept, absorbed, bystander)
    with pytest.raises(ValidationFailed, match=message) as refusal:
        household_merge(
            actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=pairs(kept, absorbed, bystander)
        )
    assert list(refusal.value.errors) == ["member_pairs"]
    assert _snapshot(kept, absorbed, bystander) == before
    assert not HouseholdMerge.objects.exists()


def test_a_merge_needs_a_reason_and_two_households(pair, clerk):
    kept, absorbed, _bystander = pair
    with pytest.raises(ValidationFailed) as refusal:
        household_merge(actor=clerk, keep=kept, absorb=absorbed, reason="  ")
    assert list(refusal.value.errors) == ["reason"]
    with pytest.raises(ValidationFailed, match="cannot be merged with itself"):
        household_merge(actor=clerk, keep=kept, absorb=kept, reason=REASON)


# Who may merge


@pytest.mark.parametrize(
    ("role", "error"),
    [
        (Role.PARTNER_VIEWER, PermissionDenied),  # sees, changes nothing
        (Role.INFORMATION_MANAGEMENT_OFFICER, PermissionDenied),  # reviews duplicates, changes no household
        (Role.WAREHOUSE_OFFICER, NotFound),  # does not even see households
    ],
)
def test_roles_without_both_rights_cannot_merge(pair, iom, areas, role, error):
    kept, absorbed, _bystander = pair
    actor = _actor(iom, areas, role=role, username="someone")
    with pytest.raises(error):
        household_merge(actor=actor, keep=kept, absorb=absorbed, reason=REASON)
    assert not HouseholdMerge.objects.exists()
    assert Household.objects.get(pk=absorbed.pk).status == HouseholdStatus.REGISTERED


def test_a_household_outside_the_scope_is_not_found(pair, iom, areas):
    kept, absorbed, _bystander = pair
    Household.objects.filter(pk=absorbed.pk).update(admin_area_id="ML0501")  # Bandiagara, outside Ménaka
    absorbed.refresh_from_db()
    actor = _actor(iom, areas)
    with pytest.raises(NotFound, match="IOM-22-000002"):
        household_merge(actor=actor, keep=kept, absorb=absorbed, reason=REASON)


def test_households_of_two_organisations_need_both_rights_in_both(pair, iom, nrc, areas):
    kept, _absorbed, _bystander = pair
    other = household_saved(organisation=nrc, registration_number="NRC-22-000001")
    actor = _actor(iom, areas)
    with pytest.raises(NotFound):  # the NRC household is not even visible
        household_merge(actor=actor, keep=kept, absorb=other, reason=REASON)
    MembershipFactory(user=actor, organisation=nrc, role=Role.PARTNER_VIEWER, areas=[areas["ML10"]])
    with pytest.raises(PermissionDenied, match="registered by different organisations"):
        household_merge(actor=actor, keep=kept, absorb=other, reason=REASON)
    MembershipFactory(user=actor, organisation=nrc, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    merge = household_merge(actor=actor, keep=kept, absorb=other, reason=REASON)
    assert merge.absorbed == other


def test_a_superuser_may_merge_anywhere(pair):
    kept, absorbed, _bystander = pair
    admin = UserFactory(username="root", is_superuser=True)
    assert household_merge(actor=admin, keep=kept, absorb=absorbed, reason=REASON).kept == kept


# All or nothing


def test_an_error_midway_leaves_nothing_changed(pair, clerk, iom, monkeypatch):
    kept, absorbed, bystander = pair
    _submission(iom, absorbed, "kobo-absorbed")
    before = _snapshot(kept, absorbed, bystander)
    audit_before = AuditEntry.objects.count()

    def broken(context):
        raise RuntimeError("a participant failed after the members and rows moved")

    monkeypatch.setattr(merge_module, "_participants", dict(merge_module._participants))
    merge_participant_register(MergeParticipant(name="zz-broken", models=(), merged=broken, undone=lambda c, d: None))
    with pytest.raises(RuntimeError):
        household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))

    assert _snapshot(kept, absorbed, bystander) == before
    assert not HouseholdMerge.objects.exists()
    assert AuditEntry.objects.count() == audit_before


# Undo


def test_undo_puts_back_exactly_what_the_merge_moved(pair, clerk, iom):
    kept, absorbed, bystander = pair
    _submission(iom, absorbed, "kobo-absorbed")
    _submission(iom, kept, "kobo-kept")
    Individual.objects.filter(pk=_member(absorbed, "Oumar").pk).update(wg_hearing="a_lot_of_difficulty")
    Household.objects.filter(pk=absorbed.pk).update(member_with_disability=True)  # as the services would derive
    before = _snapshot(kept, absorbed, bystander)

    merge = household_merge(
        actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed)[:1]
    )
    assert _snapshot(kept, absorbed, bystander) != before
    undone = household_merge_undo(actor=clerk, merge=merge, reason="The families are neighbours, not one household")

    assert _snapshot(kept, absorbed, bystander) == before
    assert undone.undone_by == clerk
    assert undone.undone_at is not None
    assert undone.undo_reason == "The families are neighbours, not one household"
    assert undone.undo_skipped == {}
    entry = AuditEntry.objects.get(action="household.merge_undo", target_id=str(kept.pk))
    assert entry.changes["fields"] == ["size", "member_with_disability"]
    assert AuditEntry.objects.filter(action="household.unmerged", target_id=str(absorbed.pk)).exists()


def test_undo_puts_a_moved_head_back_at_the_head_of_its_household(pair, clerk):
    kept, absorbed, bystander = pair
    before = _snapshot(kept, absorbed, bystander)
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)
    household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    assert _snapshot(kept, absorbed, bystander) == before


def test_undo_is_refused_when_a_moved_member_has_since_been_removed(pair, clerk):
    kept, absorbed, bystander = pair
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    Individual.objects.filter(given_names="Oumar").delete()
    after = _snapshot(kept, absorbed, bystander)
    with pytest.raises(ValidationFailed, match="1 member this merge moved has since left household IOM-22-000001"):
        household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    assert _snapshot(kept, absorbed, bystander) == after
    merge.refresh_from_db()
    assert merge.undone_at is None


def test_undo_is_refused_when_a_moved_member_has_become_the_head(pair, clerk):
    kept, absorbed, _bystander = pair
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    Household.objects.filter(pk=kept.pk).update(head=Individual.objects.get(given_names="Oumar"))
    with pytest.raises(ValidationFailed, match="choose another head"):
        household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")


def test_undo_waits_for_the_undo_of_a_later_merge_of_the_kept_household(pair, clerk):
    kept, absorbed, bystander = pair
    first = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)
    second = household_merge(actor=clerk, keep=bystander, absorb=kept, reason=REASON)
    with pytest.raises(ValidationFailed, match="IOM-22-000001 has since been merged into another household"):
        household_merge_undo(actor=clerk, merge=first, reason="Wrong pair")
    household_merge_undo(actor=clerk, merge=second, reason="Wrong pair")
    household_merge_undo(actor=clerk, merge=first, reason="Wrong pair")
    with pytest.raises(ValidationFailed, match="already been undone"):
        household_merge_undo(actor=clerk, merge=first, reason="Wrong pair")


def test_rows_deleted_since_the_merge_are_listed_as_not_put_back(pair, clerk, iom):
    kept, absorbed, _bystander = pair
    gone = _submission(iom, absorbed, "kobo-absorbed")
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)
    _submissions().objects.filter(pk=gone.pk).delete()
    undone = household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    assert undone.undo_skipped == {"intake.importedsubmission.household": [gone.pk]}
    assert AuditEntry.objects.get(action="household.merge_undo").changes["skipped"] == {
        "intake.importedsubmission.household": 1
    }


def test_undo_needs_the_same_rights_as_the_merge(pair, clerk, iom, areas):
    kept, absorbed, _bystander = pair
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)
    viewer = _actor(iom, areas, role=Role.PARTNER_VIEWER, username="viewer")
    with pytest.raises(PermissionDenied):
        household_merge_undo(actor=viewer, merge=merge, reason="Wrong pair")
    merge.refresh_from_db()
    assert merge.undone_at is None


# Candidate pairs of the deduplication


def test_a_merge_decides_the_pairs_it_folded_and_its_undo_reopens_them(pair, clerk, iom):
    kept, absorbed, bystander = pair
    folded = _candidate(_member(absorbed, "Fatoumata"), _member(kept, "Fatoumata"))
    judged_different = _candidate(
        _member(absorbed, "Aïssata"), _member(kept, "Aïssata"), status=CandidateStatus.DIFFERENT
    )
    unfolded = _candidate(_member(absorbed, "Oumar"), _member(kept, "Moussa"))
    elsewhere = _candidate(_member(absorbed, "Oumar"), _member(bystander, "Moussa"))
    before = _snapshot(kept, absorbed, bystander)

    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))

    for candidate in (folded, judged_different, unfolded, elsewhere):
        candidate.refresh_from_db()
    assert folded.status == CandidateStatus.SAME
    decision = MatchDecision.objects.get(candidate=folded)
    assert (decision.decision, decision.reason, decision.decided_by) == ("same", REASON, clerk)
    assert judged_different.status == CandidateStatus.DIFFERENT  # a reviewer's decision is not overridden
    assert unfolded.status == CandidateStatus.OPEN  # not judged the same person: still to review
    assert {unfolded.household_a_id, unfolded.household_b_id} == {kept.pk}  # Oumar now lives in the kept household
    assert kept.pk in {elsewhere.household_a_id, elsewhere.household_b_id}
    assert merge.moved["participants"]["dedup"]["decided"] == [folded.pk]

    household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    assert _snapshot(kept, absorbed, bystander) == before
    assert AuditEntry.objects.filter(action="dedup.pair_reopened", target_id=str(folded.pk)).exists()


def test_a_folded_person_leaves_the_review_queue_and_comes_back_with_the_undo(pair, clerk):
    """A pair with a person folded into another by a merge is no record to review any more."""
    kept, absorbed, bystander = pair
    folded_with_third = _candidate(_member(absorbed, "Fatoumata"), _member(bystander, "Fatoumata"))
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    assert folded_with_third not in list(match_queue(user=clerk, limit=None))

    household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    assert folded_with_third in list(match_queue(user=clerk, limit=None))


def test_the_household_form_does_not_offer_merged_as_a_status(clerk):
    form = HouseholdForm(scope=scope_for(user=clerk))
    assert HouseholdStatus.MERGED not in dict(form.fields["status"].choices)
    assert HouseholdStatus.REGISTERED in dict(form.fields["status"].choices)


def test_a_relation_no_participant_claims_is_moved_generically_from_a_folded_member(pair, clerk, monkeypatch):
    """Rows of an app written later point at individuals too: they follow the folded member."""
    kept, absorbed, _bystander = pair
    later = household_saved(organisation=kept.organisation, registration_number="IOM-22-000009")
    candidate = _candidate(_member(absorbed, "Fatoumata"), _member(later, "Fatoumata"))
    before = _snapshot(kept, absorbed, later)
    monkeypatch.setattr(merge_module, "_participants", {})

    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))

    candidate.refresh_from_db()
    assert candidate.individual_a_id == _member(kept, "Fatoumata").pk
    assert candidate.household_a_id == kept.pk
    relations = {move["relation"] for move in merge.moved["relations"]}
    assert relations == {"dedup.matchcandidate.household_a", "dedup.matchcandidate.individual_a"}
    household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    assert _snapshot(kept, absorbed, later) == before


def test_rows_that_would_collide_once_moved_refuse_the_merge_and_leave_nothing_changed(pair, clerk, monkeypatch):
    """A row may be unique per household or person (one entitlement per distribution): two such
    rows cannot become one silently."""
    kept, absorbed, _bystander = pair
    later = household_saved(organisation=kept.organisation, registration_number="IOM-22-000009")
    _candidate(_member(absorbed, "Fatoumata"), _member(later, "Fatoumata"))
    _candidate(_member(kept, "Fatoumata"), _member(later, "Fatoumata"))  # the same pair once folded
    before = _snapshot(kept, absorbed, later)
    monkeypatch.setattr(merge_module, "_participants", {})
    with pytest.raises(ValidationFailed, match="Both households have match candidates that cannot be combined"):
        household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    assert _snapshot(kept, absorbed, later) == before
    assert not HouseholdMerge.objects.exists()


def test_a_pair_decided_by_a_merge_cannot_be_flipped_until_the_merge_is_undone(pair, clerk):
    kept, absorbed, _bystander = pair
    folded = _candidate(_member(absorbed, "Fatoumata"), _member(kept, "Fatoumata"))
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    folded.refresh_from_db()
    assert (folded.status, folded.decided_by_merge) == (CandidateStatus.SAME, merge)
    decisions = MatchDecision.objects.count()

    with pytest.raises(ValidationFailed) as refused:
        match_decide(actor=clerk, candidate=folded, decision="different", reason="Not the same after all")
    assert "undo the merge" in refused.value.errors["decision"][0]
    folded.refresh_from_db()
    assert (folded.status, folded.decided_by_merge) == (CandidateStatus.SAME, merge)
    assert MatchDecision.objects.count() == decisions

    household_merge_undo(actor=clerk, merge=merge, reason="Wrong pair")
    folded.refresh_from_db()
    assert (folded.status, folded.decided_by_merge) == (CandidateStatus.OPEN, None)
    match_decide(actor=clerk, candidate=folded, decision="different", reason="Two cousins of the same name")
    folded.refresh_from_db()
    assert folded.status == CandidateStatus.DIFFERENT


def test_the_database_refuses_a_merge_decision_that_is_not_same(pair, clerk):
    kept, absorbed, _bystander = pair
    folded = _candidate(_member(absorbed, "Fatoumata"), _member(kept, "Fatoumata"))
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    with pytest.raises(IntegrityError), transaction.atomic():
        MatchCandidate.objects.filter(pk=folded.pk).update(status=CandidateStatus.OPEN)
    assert MatchCandidate.objects.get(pk=folded.pk).decided_by_merge == merge


def test_pairs_decided_by_merges_before_the_field_existed_are_found_in_the_audit(pair, clerk):
    kept, absorbed, _bystander = pair
    folded = _candidate(_member(absorbed, "Fatoumata"), _member(kept, "Fatoumata"))
    merge = household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON, member_pairs=_pairs(kept, absorbed))
    MatchCandidate.objects.filter(pk=folded.pk).update(decided_by_merge=None)  # as stored before

    pair_migration.pairs_of_standing_merges(django_apps, None)

    assert MatchCandidate.objects.get(pk=folded.pk).decided_by_merge == merge


def test_a_merge_counts_one_more_version_on_both_households_and_none_on_a_bystander(pair, clerk):
    kept, absorbed, _bystander = pair  # IOM-22-000003, read back below
    household_merge(actor=clerk, keep=kept, absorb=absorbed, reason=REASON)
    versions = dict(Household.objects.values_list("registration_number", "version"))
    assert versions == {"IOM-22-000001": 1, "IOM-22-000002": 1, "IOM-22-000003": 0}
