"""A registration officer finds that two registrations are one household, merges them, then undoes it."""

import re
from datetime import date

import pytest

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household, HouseholdStatus
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.e2e


@pytest.fixture
def registrations():
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM", name="International Organization for Migration")
    user = UserFactory(username="aminata")
    MembershipFactory(user=user, organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    kept = household_saved(organisation=iom, registration_number="IOM-22-000001")
    other = household_saved(
        organisation=iom,
        registration_number="IOM-22-000002",
        members=[
            member_input(),
            member_input(given_names="Oumar", sex="male", relationship="child", birth_date=date(2019, 5, 1)),
        ],
    )
    return kept, other


def test_merge_two_registrations_and_undo(page, registrations):
    kept, other = registrations
    page.goto("/accounts/login/")
    page.fill("#id_username", "aminata")
    page.fill("#id_password", "a-long-test-password")
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(re.compile(r"/$"))

    page.goto("/households/IOM-22-000001/")
    page.fill("#merge-with", "IOM-22-000002")
    page.get_by_role("button", name="Comparer et fusionner").click()
    page.wait_for_url(re.compile(r"/households/IOM-22-000001/merge/\?with=IOM-22-000002$"))
    head = kept.members.get(relationship="head")
    page.select_option(f"#id_pair_{head.pk}", str(other.members.get(relationship="head").pk))
    page.fill("#id_reason", "Enregistré deux fois, au site et en ville")
    page.get_by_role("button", name="Fusionner les deux ménages").click()

    page.wait_for_url(re.compile(r"/households/IOM-22-000001/$"))
    assert "Le ménage IOM-22-000002 a été fusionné dans le ménage IOM-22-000001." in page.content()
    assert page.locator("#h-members").inner_text() == "4 membres"
    page.goto("/households/IOM-22-000002/")
    page.wait_for_url(re.compile(r"/households/IOM-22-000001/$"))

    page.fill("input[name=reason]", "Deux familles voisines")
    page.get_by_role("button", name="Annuler la fusion").click()
    page.wait_for_url(re.compile(r"/households/IOM-22-000001/$"))
    assert "La fusion est annulée : le ménage IOM-22-000002 est de nouveau enregistré." in page.content()
    assert page.locator("#h-members").inner_text() == "3 membres"
    assert Household.objects.get(pk=other.pk).status == HouseholdStatus.REGISTERED
