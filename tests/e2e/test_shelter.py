"""A shelter officer opens the sites, the planned site with its plan and a shelter, and allocates it,
on a 360-pixel phone screen."""

import re

import pytest

from abri.access.tests.factories import OrganisationFactory
from abri.geo.tests.factories import mali_areas
from abri.shelter.models import Allocation
from abri.shelter.services import plots_lay_out
from abri.shelter.tests.factories import household_at, officer, scope_of, site, unit_completed

pytestmark = pytest.mark.e2e


@pytest.fixture
def planned_site():
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    user = officer(organisation=iom, area=areas["ML0501"], name="kadidia")
    planned = site(area=areas["ML0501"], organisation=iom, name="Site de relocalisation de Bandiagara", capacity=500)
    plots = plots_lay_out(actor=user, scope=scope_of(user), site=planned, blocks=["A", "B"], per_block=10)
    unit = unit_completed(user=user, at=planned, code="S-A-01")
    unit.plot = plots[0]
    unit.save()
    household = household_at(organisation=iom, at=planned)
    return planned, unit, household


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_sites_site_plan_and_allocation_on_a_phone(page, planned_site):
    planned, unit, household = planned_site
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/accounts/login/")
    page.fill("#id_username", "kadidia")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Abris").click()
    page.wait_for_url(re.compile(r"/shelter/$"))
    _fits(page)
    page.get_by_role("link", name="Site de relocalisation de Bandiagara").click()
    page.wait_for_url(re.compile(rf"/shelter/sites/{planned.pk}/$"))
    _fits(page)
    assert (
        page.locator("svg[role=img] rect[fill='#8fc98f']").count() == 1
    )  # S-A-01 completed; 19 plots without a shelter
    page.goto(f"/shelter/units/{unit.pk}/")
    _fits(page)
    page.fill("#id_household", household.registration_number)
    page.fill("#id_witness_name", "Moussa Guindo")
    with page.expect_navigation():
        page.get_by_role("button", name="Attribuer", exact=True).click()
    assert page.locator(".messages").inner_text() == f"Abri S-A-01 attribué au ménage {household.registration_number}."
    _fits(page)
    assert Allocation.objects.filter(unit=unit, household=household).count() == 1
