"""An information management officer reads the 5W and the operation dashboard on a phone."""

import os

import pytest

from abri.reporting.tests.factories import reached_setting

pytestmark = pytest.mark.e2e

PAGES = ("/reporting/", "/reporting/dashboard/", "/reporting/import/")


def test_the_reporting_pages_fit_a_phone(page):
    reached_setting()
    page.set_default_timeout(30_000)  # a shared, slow machine: the first page compiles the templates
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto("/accounts/login/")
    page.fill("#id_username", "im.mali")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Se connecter").click()
    page.get_by_role("navigation", name="Menu principal").get_by_role("link", name="Rapports").click()
    assert page.get_by_role("heading", name="5W : qui fait quoi, où, quand, pour qui").is_visible()
    assert page.get_by_text("Distribution de Kit ANA").first.is_visible()
    for address in PAGES:
        page.goto(address)
        if folder := os.environ.get("ABRI_SCREENSHOTS"):
            page.screenshot(path=f"{folder}/{address.strip('/').replace('/', '-')}.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, address
    page.goto("/reporting/dashboard/")
    assert page.get_by_text("ménages atteints").first.is_visible()
    assert page.locator("svg.bars").count() >= 3
