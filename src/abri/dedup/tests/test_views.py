"""The review pages: runs and their progress, the queue and groups in scope, one pair side by side, decisions."""

import re
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from abri.access import roles
from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import PermissionDenied
from abri.core.models import AuditEntry
from abri.dedup.models import CandidateStatus, DeduplicationRun, MatchCandidate, MatchDecision, RunStatus
from abri.dedup.services import registry_deduplicate, registry_run_start
from abri.dedup.tasks import registry_deduplicate_job
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household
from abri.registry.services import household_update
from abri.registry.tests.factories import household_input, household_saved, maiga_second_registration, member_input

pytestmark = pytest.mark.django_db

PAIR_LINK = re.compile(r'href="/duplicates/pairs/(\d+)/"')
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend", "QUEUES": ["default"]}}


@pytest.fixture
def registry():
    """The Maïga household registered in Ménaka and again in Inékar; a Traoré household twice in Bandiagara."""
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    first = household_saved(
        organisation=iom,
        phone="76 12 34 56",
        members=[
            member_input(id_document_type="national_id", id_number="NINA44172231"),
            member_input(given_names="Moussa", family_name="Ag Mohamed", sex="male", relationship="spouse"),
            member_input(given_names="Aïssata", relationship="child", birth_year=2015, birth_date=None),
        ],
    )
    second = household_saved(
        organisation=iom, admin_area="ML1003", phone="+223 76123456", members=maiga_second_registration()
    )
    traore = [
        member_input(given_names="Mamadou", family_name="Traoré", sex="male", birth_date=date(1975, 2, 1)),
        member_input(given_names="Awa", family_name="Traoré", relationship="spouse", birth_date=date(1982, 5, 3)),
    ]
    bandiagara = [
        household_saved(organisation=iom, admin_area="ML0501", origin_area="", members=traore) for _ in range(2)
    ]
    registry_deduplicate(actor=None)
    return {"areas": areas, "iom": iom, "first": first, "second": second, "bandiagara": bandiagara}


def _login(registry, role, *, username, areas=("ML10",), language="en") -> Client:
    user = UserFactory(username=username)
    MembershipFactory(
        user=user, organisation=registry["iom"], role=role, areas=[registry["areas"][code] for code in areas]
    )
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def reviewer(registry) -> Client:
    """IOM's registration officer in the Ménaka region: reviews duplicates there, reads personal data."""
    return _login(registry, Role.REGISTRATION_OFFICER, username="aminata")


def _menaka_pairs() -> list[MatchCandidate]:
    return list(MatchCandidate.objects.filter(household_a__admin_area__pk__startswith="ML10"))


def _bandiagara_pair() -> MatchCandidate:
    return MatchCandidate.objects.filter(household_a__admin_area_id="ML0501").first()


def _queued(client: Client) -> list[int]:
    return [int(found) for found in PAIR_LINK.findall(client.get("/duplicates/queue/").content.decode())]


# The queue and the groups


def test_the_queue_lists_the_pairs_in_scope_most_likely_first(registry, reviewer):
    menaka = sorted(_menaka_pairs(), key=lambda pair: (-pair.match_probability, pair.pk))
    assert len(menaka) == 3
    response = reviewer.get("/duplicates/queue/")
    assert response.status_code == 200
    assert _queued(reviewer) == [pair.pk for pair in menaka]
    page = response.content.decode()
    assert registry["first"].registration_number in page
    assert registry["second"].registration_number in page
    for household in registry["bandiagara"]:
        assert household.registration_number not in page


def test_a_pair_outside_the_scope_answers_404_like_a_missing_one(registry, reviewer):
    assert reviewer.get(f"/duplicates/pairs/{_bandiagara_pair().pk}/").status_code == 404
    assert reviewer.get("/duplicates/pairs/999999/").status_code == 404
    response = reviewer.post(
        f"/duplicates/pairs/{_bandiagara_pair().pk}/", {"decision": "same", "reason": "looks alike"}
    )
    assert response.status_code == 404
    assert not MatchDecision.objects.exists()


def test_pages_answer_404_to_a_role_that_reviews_no_duplicates(registry, reviewer):
    targeting = _login(registry, Role.TARGETING_OFFICER, username="targeting")
    pair = _menaka_pairs()[0]
    for url in ("/duplicates/", "/duplicates/queue/", "/duplicates/clusters/", f"/duplicates/pairs/{pair.pk}/"):
        assert targeting.get(url).status_code == 404, url
    assert targeting.post("/duplicates/runs/").status_code == 404
    assert DeduplicationRun.objects.count() == 1  # the fixture's run only
    # The menu offers the page only to those who may review.
    assert 'href="/duplicates/"' not in targeting.get("/").content.decode()
    assert 'href="/duplicates/"' in reviewer.get("/").content.decode()


def test_the_queue_is_paginated_twenty_five_a_page(registry, reviewer):
    MatchCandidate.objects.all().delete()
    first = household_saved(
        organisation=registry["iom"],
        members=[member_input(given_names=f"Membre{n}", relationship="head" if n == 0 else "child") for n in range(6)],
    )
    second = household_saved(
        organisation=registry["iom"],
        members=[member_input(given_names=f"Autre{n}", relationship="head" if n == 0 else "child") for n in range(6)],
    )
    for number, (left, right) in enumerate(
        (left, right) for left in first.members.order_by("id") for right in second.members.order_by("id")
    ):
        if number == 30:
            break
        MatchCandidate.objects.create(
            individual_a=left,
            individual_b=right,
            household_a=first,
            household_b=second,
            match_probability=0.6 + number / 100,
            match_weight=1.0,
            fingerprint="f",
        )
    page_one = _queued(reviewer)
    page_two = [int(found) for found in PAIR_LINK.findall(reviewer.get("/duplicates/queue/?page=2").content.decode())]
    assert len(page_one) == 25
    assert len(page_two) == 5
    probabilities = dict(MatchCandidate.objects.values_list("pk", "match_probability"))
    ordered = [probabilities[pk] for pk in page_one + page_two]
    assert ordered == sorted(ordered, reverse=True)


def test_clusters_group_households_linked_through_another_most_likely_first(registry, reviewer):
    MatchCandidate.objects.all().delete()
    households = [household_saved(organisation=registry["iom"]) for _ in range(5)]
    heads = [household.members.order_by("id").first() for household in households]

    def link(left: int, right: int, probability: float) -> None:
        MatchCandidate.objects.create(
            individual_a=heads[left],
            individual_b=heads[right],
            household_a=households[left],
            household_b=households[right],
            match_probability=probability,
            match_weight=1.0,
            fingerprint="f",
        )

    link(0, 1, 0.8)
    link(1, 2, 0.6)  # 0 and 2 are linked through 1
    link(3, 4, 0.95)
    page = reviewer.get("/duplicates/clusters/").content.decode()
    groups = re.findall(r'<ul class="cluster-households">(.*?)</ul>', page, re.S)
    numbers = [re.findall(r'<span class="mono">([^<]+)</span>', group) for group in groups]
    registration = [household.registration_number for household in households]
    assert numbers == [sorted(registration[3:5]), sorted(registration[0:3])]


# One pair


def test_the_pair_page_shows_both_households_aligned_members_evidence_and_other_pairs(registry, reviewer):
    pair = MatchCandidate.objects.get(individual_a__given_names="Moussa")
    response = reviewer.get(f"/duplicates/pairs/{pair.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    assert registry["first"].registration_number in page
    assert registry["second"].registration_number in page
    # Members side by side: Moussa Ag Mohamed on the same line as Moussa Ag-Mohamed.
    rows = re.findall(r'<li class="aligned-row[^"]*">(.*?)</li>', page, re.S)
    assert len(rows) == 3
    focus = next(row for row in rows if "Moussa Ag Mohamed" in row)
    assert "Moussa Ag-Mohamed" in focus
    assert "Fatimata Mayga" in next(row for row in rows if "Fatoumata Maïga" in row)
    # Personal data in clear for a role that may read it.
    assert "+223 76 12 34 56" in page
    assert "NINA44172231" in page
    assert "03/14/1980" in page  # Fatimata's date of birth, written the English way
    # The evidence: one bar per field, with the agreement in words and the weight in bits.
    assert "given name" in page.lower()
    assert "same name" in page
    assert page.count('class="evidence-bar"') == len(pair.evidence)
    # The two other open pairs between these households are offered.
    others = {candidate.pk for candidate in _menaka_pairs()} - {pair.pk}
    section = page.split('id="h-others"')[1]
    assert {int(found) for found in PAIR_LINK.findall(section)} == others
    # Merging starts on the registry's merge page for these two households.
    first, second = pair.household_a.registration_number, pair.household_b.registration_number
    assert f'href="/households/{first}/merge/?with={second}"' in page


def test_the_pair_page_shows_no_phone_id_number_or_name_to_a_role_without_personal_data(registry, monkeypatch):
    monkeypatch.setitem(
        roles.PERMISSIONS, Role.PARTNER_VIEWER, frozenset({roles.VIEW_HOUSEHOLD, roles.REVIEW_DUPLICATES})
    )
    partner = _login(registry, Role.PARTNER_VIEWER, username="partner")
    pair = MatchCandidate.objects.get(individual_a__given_names="Fatoumata")
    response = partner.get(f"/duplicates/pairs/{pair.pk}/")
    page = response.content.decode()
    assert response.status_code == 200
    for secret in ("76123456", "76 12 34 56", "NINA44172231", "Fatoumata", "Mayga", "14/03/1980", "1980"):
        assert secret not in page, secret
    assert "National identity card" not in page  # even the kind of document is personal
    assert "hidden for your role" in page
    assert "name hidden" in page
    assert "same name" in page  # the evidence is levels and weights, never values


# Decisions


def test_a_decision_is_recorded_with_who_and_why_and_opens_the_next_pair(registry, reviewer):
    queue = _queued(reviewer)
    response = reviewer.post(
        f"/duplicates/pairs/{queue[0]}/", {"decision": "different", "reason": "Two cousins, seen at the site"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/duplicates/pairs/{queue[1]}/"
    decision = MatchDecision.objects.get()
    assert (decision.candidate_id, decision.decision, decision.reason) == (
        queue[0],
        "different",
        "Two cousins, seen at the site",
    )
    assert decision.decided_by.username == "aminata"
    assert MatchCandidate.objects.get(pk=queue[0]).status == CandidateStatus.DIFFERENT
    assert AuditEntry.objects.filter(action="dedup.pair_decided", actor__username="aminata").count() == 1
    assert _queued(reviewer) == queue[1:]
    # The pair's page keeps the decision: who, and why.
    page = reviewer.get(f"/duplicates/pairs/{queue[0]}/").content.decode()
    decided = page.split('class="audit decisions"')[1]
    assert "aminata" in decided
    assert "Two cousins, seen at the site" in decided
    assert "Different people" in decided


def test_the_last_pair_decided_leads_back_to_the_queue(registry, reviewer):
    for pair in _menaka_pairs()[1:]:
        pair.status = CandidateStatus.SAME
        pair.save()
    [last] = _queued(reviewer)
    response = reviewer.post(f"/duplicates/pairs/{last}/", {"decision": "same", "reason": "Same NINA card"})
    assert response["Location"] == "/duplicates/queue/"


def test_a_decision_without_a_reason_is_refused_and_nothing_is_recorded(registry, reviewer):
    pair = _menaka_pairs()[0]
    response = reviewer.post(f"/duplicates/pairs/{pair.pk}/", {"decision": "same", "reason": "  "})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert not MatchDecision.objects.exists()
    assert MatchCandidate.objects.get(pk=pair.pk).status == CandidateStatus.OPEN


def test_a_pair_judged_different_is_not_shown_again_after_a_new_run_unless_its_data_changed(registry, reviewer):
    moussa = MatchCandidate.objects.get(individual_a__given_names="Moussa")
    reviewer.post(f"/duplicates/pairs/{moussa.pk}/", {"decision": "different", "reason": "Two brothers"})
    assert reviewer.post("/duplicates/runs/").status_code == 302  # the job runs at once in tests
    run = DeduplicationRun.objects.order_by("-id").first()
    assert (run.status, run.pairs_remembered) == (RunStatus.DONE, 1)
    assert moussa.pk not in _queued(reviewer)
    assert len(_queued(reviewer)) == 2

    # Moussa's exact date of birth is now known in the second registration: the data compared changed.
    second = Household.objects.get(pk=registry["second"].pk)
    ids = list(second.members.order_by("id").values_list("id", flat=True))
    members = maiga_second_registration(birth_date=date(1979, 6, 2), birth_year=None)
    members = [replace(member, id=pk) for member, pk in zip(members, ids, strict=True)]
    household_update(
        actor=None,
        household=second,
        data=household_input(admin_area="ML1003", phone="+223 76123456", members=members),
    )
    reviewer.post("/duplicates/runs/")
    assert moussa.pk in _queued(reviewer)


# Runs and their progress


@override_settings(TASKS=DUMMY_TASKS)
def test_a_running_search_and_its_progress_are_seen_by_a_colleague(registry, reviewer):
    colleague = _login(registry, Role.INFORMATION_MANAGEMENT_OFFICER, username="seydou", areas=("ML10", "ML0501"))
    assert reviewer.post("/duplicates/runs/").status_code == 302
    run = DeduplicationRun.objects.get(status=RunStatus.RUNNING)
    assert run.started_by.username == "aminata"

    page = colleague.get("/duplicates/").content.decode()
    assert "A search is running" in page
    assert "started by aminata" in page
    assert "Waiting for the background worker" in page
    assert 'hx-trigger="every 2s"' in page
    assert "Look for duplicates now" not in page  # one search at a time

    # A second search is refused while the first runs.
    refused = colleague.post("/duplicates/runs/", follow=True)
    assert "already running" in refused.content.decode()
    assert DeduplicationRun.objects.filter(status=RunStatus.RUNNING).count() == 1

    # The worker takes the job: each stage shows on the colleague's page as it comes.
    seen: dict[str, str] = {}

    def peek(stage: str, done: int, total: int) -> None:
        if stage == "comparison":
            seen["fragment"] = colleague.get(
                "/duplicates/?was=running", headers={"HX-Request": "true"}
            ).content.decode()

    registry_deduplicate(actor=run.started_by, run=run, progress=peek)
    assert "Comparing the pairs field by field" in seen["fragment"]
    assert "step 5 of 10" in seen["fragment"]
    assert "<progress" in seen["fragment"]

    # Finished: the next poll asks for the whole page, which shows the run's figures.
    finished = colleague.get("/duplicates/?was=running", headers={"HX-Request": "true"})
    assert finished["HX-Refresh"] == "true"
    run.refresh_from_db()
    assert run.status == RunStatus.DONE
    assert "Look for duplicates now" in colleague.get("/duplicates/").content.decode()


def test_the_run_job_records_its_figures_on_the_run_asked_for(registry, reviewer):
    with override_settings(TASKS=DUMMY_TASKS):
        reviewer.post("/duplicates/runs/")
    run = DeduplicationRun.objects.get(status=RunStatus.RUNNING)
    registry_deduplicate_job.call(actor_id=run.started_by_id, run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.individuals, run.pairs_found, run.pairs_new) == (RunStatus.DONE, 10, 5, 0)
    assert DeduplicationRun.objects.count() == 2


# French, the default


def test_the_pages_speak_french_by_default(registry):
    french = _login(registry, Role.REGISTRATION_OFFICER, username="aminata", language="")
    overview = french.get("/duplicates/").content.decode()
    assert "Doublons dans le registre" in overview
    assert "Chercher les doublons maintenant" in overview
    assert "paires à examiner" in overview
    pair = MatchCandidate.objects.get(individual_a__given_names="Moussa")
    page = french.get(f"/duplicates/pairs/{pair.pk}/").content.decode()
    assert "Même personne dans" in page
    assert "Raison" in page
    assert "Fusionner ces ménages" in page
    assert "même nom" in page  # the agreement level, in words
    assert "Membres côte à côte" in page
    assert "14/03/1980" in page  # Fatimata's date of birth, written the French way


@override_settings(TASKS=DUMMY_TASKS)
def test_a_run_silent_for_hours_is_abandoned_when_the_next_starts(registry, reviewer):
    stuck = DeduplicationRun.objects.create(threshold=0.5, stage="blocking")
    DeduplicationRun.objects.filter(pk=stuck.pk).update(updated_at=timezone.now() - timedelta(hours=7))
    assert reviewer.post("/duplicates/runs/").status_code == 302
    stuck.refresh_from_db()
    assert (stuck.status, stuck.stage) == (RunStatus.FAILED, "abandoned")
    assert DeduplicationRun.objects.get(status=RunStatus.RUNNING).started_by.username == "aminata"
    assert AuditEntry.objects.filter(action="dedup.run_abandoned", target_id=str(stuck.pk)).exists()


def test_only_a_role_that_reviews_duplicates_may_start_a_run(registry):
    targeting = UserFactory(username="targeting")
    MembershipFactory(user=targeting, organisation=registry["iom"], role=Role.TARGETING_OFFICER, all_areas=True)
    with pytest.raises(PermissionDenied):
        registry_run_start(actor=targeting)
    with pytest.raises(PermissionDenied):
        registry_run_start(actor=None)
    assert DeduplicationRun.objects.count() == 1  # the fixture's run only


def test_a_pair_inside_one_household_lists_each_member_once(registry, reviewer):
    first = registry["first"]
    fatoumata, _moussa, aissata = first.members.order_by("id")
    pair = MatchCandidate.objects.create(
        individual_a=fatoumata,
        individual_b=aissata,
        household_a=first,
        household_b=first,
        match_probability=0.55,
        match_weight=0.3,
        fingerprint="f",
    )
    page = reviewer.get(f"/duplicates/pairs/{pair.pk}/").content.decode()
    rows = re.findall(r'<li class="aligned-row[^"]*">(.*?)</li>', page, re.S)
    assert len(rows) == 2  # Fatoumata beside Aïssata, then Moussa alone
    assert "Fatoumata Maïga" in rows[0]
    assert "Aïssata Maïga" in rows[0]
    assert page.count("Moussa Ag Mohamed") == 1


def test_the_queue_and_groups_read_the_same_number_of_queries_for_more_pairs(registry, reviewer):
    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert reviewer.get(url).status_code == 200
        return len(captured)

    before = {url: queries(url) for url in ("/duplicates/queue/", "/duplicates/clusters/")}
    for _ in range(4):
        extra = household_saved(organisation=registry["iom"])
        head = extra.members.order_by("id").first()
        MatchCandidate.objects.create(
            individual_a=registry["first"].members.order_by("id").first(),
            individual_b=head,
            household_a=registry["first"],
            household_b=extra,
            match_probability=0.7,
            match_weight=1.0,
            fingerprint="f",
        )
    after = {url: queries(url) for url in before}
    assert after == before
