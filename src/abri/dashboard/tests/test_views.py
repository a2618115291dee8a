"""The dashboard: counts within the user's scope, drawn as bars; French first, English one click away."""

import re

import pytest
from django.test import Client

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_client():
    """IOM's registration officer in Ménaka; IOM has 2 households there and 1 in Mopti, NRC 1 in Ménaka."""
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    nrc = OrganisationFactory(acronym="NRC")
    household_saved(organisation=iom)  # 3 members, female-headed, in ML1001
    household_saved(organisation=iom, admin_area="ML1002", members=[member_input(sex="male")])
    household_saved(organisation=iom, admin_area="ML0501", origin_area="")
    household_saved(organisation=nrc)
    membership = MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    client = Client()
    client.force_login(membership.user)
    return client


def bar_rows(body: str) -> list[tuple[str, str]]:
    """(label, 'households · individuals') for each bar of the charts."""
    return re.findall(
        r'<text x="\d+" y="14">([^<]+)</text>\s*<text x="100%" y="14" text-anchor="end">([^<]+)</text>', body
    )


def test_dashboard_counts_only_the_scope_by_area_and_by_flag(clerk_client):
    client = clerk_client
    client.cookies["django_language"] = "en"
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<b>2</b>households" in body
    assert "<b>4</b>individuals" in body
    rows = bar_rows(body)
    assert rows[:3] == [("Ménaka", "2 · 4"), ("Ménaka", "1 · 3"), ("Anderamboukane", "1 · 1")]
    assert ("Female-headed", "1 · 3") in rows
    assert ("Large household", "0 · 0") in rows
    assert "Mopti" not in body
    assert 'href="/households/?area=ML1002"' in body
    assert 'href="/households/?flag=female_headed"' in body
    assert "Register a household" in body


def test_dashboard_of_a_user_without_a_role_shows_no_count(client):
    client.force_login(UserFactory(username="newcomer"))
    client.cookies["django_language"] = "en"
    body = client.get("/").content.decode()
    assert "Your account has no role yet, so there is nothing to open." in body
    assert "<svg" not in body


def test_french_by_default_and_english_after_the_switch(clerk_client):
    client = clerk_client
    french = client.get("/households/").content.decode()
    assert '<html lang="fr">' in french
    assert "<h1>Ménages</h1>" in french
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/households/"}, follow=True)
    english = response.content.decode()
    assert '<html lang="en">' in english
    assert "<h1>Households</h1>" in english
    assert response.redirect_chain == [("/households/", 302)]


def test_a_warehouse_officer_is_told_what_the_role_does_not_that_there_is_no_household(client):
    areas = mali_areas()
    keeper = MembershipFactory(
        organisation=OrganisationFactory(acronym="IOM"), role=Role.WAREHOUSE_OFFICER, areas=[areas["ML10"]]
    ).user
    client.force_login(keeper)
    client.cookies["django_language"] = "en"
    body = client.get("/").content.decode()
    assert "What you can do" in body
    assert 'href="/stock/"' in body
    assert 'href="/distributions/"' in body
    assert "No household" not in body
    assert 'href="/households/"' not in body  # neither in the menu nor on the page
    assert 'href="/imports/"' not in body
