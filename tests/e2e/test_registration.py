"""A registration officer logs in, registers a household of two, finds it by name, switches to English."""

import re

import pytest

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.geo.tests.factories import SiteFactory, mali_areas
from abri.registry.models import Household

pytestmark = pytest.mark.e2e


@pytest.fixture
def officer():
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM", name="International Organization for Migration")
    SiteFactory(name="Site de Ménaka Est", admin_area=areas["ML1001"])
    user = UserFactory(username="aminata")
    MembershipFactory(user=user, organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    return user


def _choose(page, select: str, value: str) -> None:
    """Pick an option that reloads the location block, and wait for the new block."""
    with page.expect_response(re.compile(r"/households/-/location/")):
        page.select_option(select, value)
    page.wait_for_selector(f"{select}:not(.htmx-request)")


def test_register_find_and_switch_language(page, officer):
    page.goto("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "fr"
    page.fill("#id_username", "aminata")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))

    page.click("a[href='/households/new/']")
    _choose(page, "#id_region", "ML10")
    _choose(page, "#id_cercle", "ML1001")
    page.select_option("#id_site", label="Site de Ménaka Est · Site planifié")
    page.select_option("#id_origin_area", "ML1002")
    page.check("input[name=consent][value=given]")
    page.fill("#id_phone", "76 12 34 56")

    page.fill("#id_members-0-given_names", "Fadimata")
    page.fill("#id_members-0-family_name", "Walet Mohamed")
    page.check("input[name='members-0-sex'][value=female]")
    page.select_option("#id_members-0-marital_status", "widowed")
    page.check("input[name='members-0-birth_mode'][value=age]")
    page.fill("#id_members-0-age_years", "58")

    page.click("button[name=add_member]")
    page.wait_for_selector("#id_members-1-given_names")
    page.fill("#id_members-1-given_names", "Mohamed")
    page.fill("#id_members-1-family_name", "Ag Assaleh")
    page.check("input[name='members-1-sex'][value=male]")
    page.select_option("#id_members-1-relationship", "child")
    page.check("input[name='members-1-birth_mode'][value=year]")
    page.fill("#id_members-1-birth_year", "2012")
    page.click("button[name=save]")

    page.wait_for_url(re.compile(r"/households/IOM-\d\d-000001/$"))
    household = Household.objects.get()
    assert household.size == 2
    assert household.site is not None
    assert household.widow_headed
    assert household.registration_number in page.locator("h1").inner_text()
    assert page.get_by_text("Fadimata Walet Mohamed").is_visible()
    assert page.get_by_text("+223 76 12 34 56").is_visible()

    page.click("nav.mainnav a[href='/households/']")
    page.fill("#id_q", "assaleh MOHAMED")
    page.wait_for_selector("#results a.number")
    assert page.locator("#results a.number").all_inner_texts() == [household.registration_number]
    assert "assaleh" not in page.url.lower()

    page.get_by_role("button", name="EN").click()
    page.wait_for_selector("html[lang=en]")
    assert page.locator("h1").inner_text() == "Households"
