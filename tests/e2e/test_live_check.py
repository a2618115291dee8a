"""A registration officer types the name of a person the demo registered: the likely match appears beside the row."""

import re

import pytest
from django.utils import timezone, translation

from abri.dedup.live.check import live_registry
from abri.registry.models import Individual
from abri.synth.demo import DEMO_PASSWORD, demo_load

pytestmark = pytest.mark.e2e


@pytest.fixture
def demo(transactional_db):
    with translation.override("en"):
        demo_load(today=timezone.localdate())
    live_registry().reset()
    yield
    live_registry().reset()


def test_typing_a_registered_person_shows_the_likely_match(page, demo):
    head = (
        Individual.objects.filter(relationship="head", household__admin_area__pcode__startswith="ML10")
        .select_related("household")
        .order_by("id")
        .first()
    )
    page.goto("/accounts/login/")
    page.fill("#id_username", "registration.menaka")
    page.fill("#id_password", DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/households/new/")
    with page.expect_response(re.compile(r"/households/-/location/")):
        page.select_option("#id_region", "ML10")
    with page.expect_response(re.compile(r"/households/-/live-check/")) as answer:
        page.fill("#id_members-0-given_names", head.given_names)
        page.fill("#id_members-0-family_name", head.family_name)
        page.check(f"input[name='members-0-sex'][value={head.sex}]")
        page.check("input[name='members-0-birth_mode'][value=year]")
        page.fill("#id_members-0-birth_year", str(head.birth_date.year))
    assert answer.value.request.method == "POST"
    assert head.given_names not in answer.value.request.url
    panel = page.locator("#member-1-matches")
    panel.locator(".live-match").first.wait_for()
    assert head.household.registration_number in panel.inner_text()
    assert head.given_names in panel.inner_text()
    assert panel.locator("svg.probability").count() >= 1
