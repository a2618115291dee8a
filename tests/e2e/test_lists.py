"""An information management officer uploads a partner list, accepts the guessed columns and sees the pairs."""

import re
from pathlib import Path

import pytest

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.dedup.tests.conftest import REGISTRATIONS
from abri.dedup.tests.lists_fixtures import csv_bytes

pytestmark = pytest.mark.e2e


@pytest.fixture
def im_officer():
    user = UserFactory(username="im.mali")
    MembershipFactory(
        user=user,
        organisation=OrganisationFactory(acronym="IOM"),
        role=Role.INFORMATION_MANAGEMENT_OFFICER,
        all_areas=True,
    )
    return user


def test_upload_a_list_and_see_the_pairs(page, im_officer, tmp_path: Path):
    source = tmp_path / "liste-menaka.csv"
    source.write_bytes(csv_bytes(REGISTRATIONS))
    page.goto("/accounts/login/")
    page.fill("#id_username", "im.mali")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))

    page.click("nav.mainnav a[href='/lists/']")
    page.set_input_files("#id_first", str(source))
    page.get_by_role("button", name="Charger et associer les colonnes").click()
    page.wait_for_url(re.compile(r"/lists/[0-9a-f-]{36}/map/$"))
    assert page.locator("select[name=role_2]").input_value() == "given_name"  # "Prénom", guessed
    assert "Moussa" in page.locator("table.mapping").inner_text()

    page.get_by_role("button", name="Trouver les doublons").click()
    page.wait_for_url(re.compile(r"/lists/[0-9a-f-]{36}/$"), timeout=90_000)  # the run is inline in tests
    page.wait_for_selector("ol.pairs")
    pairs = page.locator("ol.pairs .ids").all_inner_texts()
    assert len(pairs) == 7
    assert "A1 ↔ D2" in pairs
    assert "B1 ↔ E1" in pairs
    assert "C1" not in " ".join(pairs)  # the other Mamadou Traoré, 24 years younger
    assert page.locator("svg.histogram").is_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Paires (CSV)").click()
    assert download.value.suggested_filename.startswith("pairs-")
    assert "Moussa" not in page.url
