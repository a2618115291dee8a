"""A reviewer opens the queue of duplicates, opens the likeliest pair, judges it different and lands on the next."""

import re

import pytest

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.dedup.models import CandidateStatus, MatchCandidate, MatchDecision
from abri.dedup.services import registry_deduplicate
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved, maiga_second_registration

pytestmark = pytest.mark.e2e


@pytest.fixture
def reviewer():
    """The Maïga household registered in Ménaka, then again in Inékar; the search has run."""
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM", name="International Organization for Migration")
    household_saved(organisation=iom, phone="76 12 34 56")
    household_saved(
        organisation=iom,
        admin_area="ML1003",
        phone="+223 76123456",
        members=maiga_second_registration(),
    )
    registry_deduplicate(actor=None)
    user = UserFactory(username="aminata")
    MembershipFactory(user=user, organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    return user


def test_review_the_first_pair_as_different_and_land_on_the_next(page, reviewer):
    queue = list(MatchCandidate.objects.order_by("-match_probability", "id").values_list("id", flat=True))
    assert len(queue) == 3

    page.goto("/accounts/login/")
    page.fill("#id_username", "aminata")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))

    page.click("nav.mainnav a[href='/duplicates/']")
    page.get_by_role("link", name="Paires à examiner", exact=True).click()
    page.wait_for_url(re.compile(r"/duplicates/queue/$"))
    assert page.locator("a.review").count() == 3
    page.locator("a.review").first.click()
    page.wait_for_url(re.compile(rf"/duplicates/pairs/{queue[0]}/$"))
    assert "Même personne dans" in page.locator("h1").inner_text()
    assert page.locator(".aligned-row.focus").count() == 1
    assert page.locator("td.evidence-bar").count() > 0

    page.get_by_label("Personnes différentes").check()
    page.get_by_label("Raison").fill("Deux cousins : vus tous les deux au site")
    page.get_by_role("button", name="Enregistrer et passer à la paire suivante").click()

    page.wait_for_url(re.compile(rf"/duplicates/pairs/{queue[1]}/$"))
    assert "Décision enregistrée" in page.locator(".messages").inner_text()
    decision = MatchDecision.objects.get()
    assert (decision.candidate_id, decision.decision, decision.decided_by.username) == (
        queue[0],
        "different",
        "aminata",
    )
    assert decision.reason == "Deux cousins : vus tous les deux au site"
    assert MatchCandidate.objects.get(pk=queue[0]).status == CandidateStatus.DIFFERENT
