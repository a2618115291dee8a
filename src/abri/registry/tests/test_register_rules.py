"""Registering and changing a household: the services check everything and raise every problem at once."""

from datetime import date

import pytest
from django.utils import translation

from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.registry.models import Household
from abri.registry.services import household_change, household_check, household_register
from abri.registry.tests.factories import household_input, household_saved, member_input

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def menaka_scope(areas, iom):
    membership = MembershipFactory(organisation=iom, areas=[areas["ML10"]], user__username="clerk.menaka")
    return scope_for(user=membership.user)


def test_register_finds_the_organisation_from_the_scope_and_writes_the_household(menaka_scope, iom):
    household = household_register(actor=None, scope=menaka_scope, data=household_input())
    assert (household.organisation, household.admin_area_id, household.size) == (iom, "ML1001", 3)


def test_an_area_outside_the_scope_is_refused_with_every_field_problem_at_once(menaka_scope):
    data = household_input(admin_area="ML0501", consent_date=None, members=[member_input(sex="")])
    with pytest.raises(PermissionDenied) as refused:
        household_register(actor=None, scope=menaka_scope, data=data)
    assert "ML0501" in refused.value.errors["admin_area"][0]
    assert refused.value.errors["consent_date"] == ["This field is required."]
    assert refused.value.errors["members[1].sex"] == ["This field is required."]
    assert Household.objects.count() == 0


def test_field_problems_alone_are_one_validation_error(menaka_scope):
    data = household_input(consent_date=None, departure_date=date(2022, 10, 9), arrival_date=date(2022, 10, 2))
    with pytest.raises(ValidationFailed) as refused:
        household_register(actor=None, scope=menaka_scope, data=data)
    assert set(refused.value.errors) == {"consent_date", "arrival_date"}
    assert Household.objects.count() == 0


def test_a_move_outside_the_scope_and_a_missing_version_are_refused_together(menaka_scope, iom):
    household = household_saved(organisation=iom)
    before = (household.admin_area_id, household.version)
    with pytest.raises(PermissionDenied) as refused:
        household_change(
            actor=None, scope=menaka_scope, household=household, data=household_input(admin_area="ML0501"), version=None
        )
    assert set(refused.value.errors) == {"admin_area", "version"}
    household.refresh_from_db()
    assert (household.admin_area_id, household.version) == before


def test_another_organisation_is_refused_for_a_change(menaka_scope, iom):
    household = household_saved(organisation=iom)
    with pytest.raises(ValidationFailed) as refused:
        household_change(
            actor=None, scope=menaka_scope, household=household, data=household_input(), version=household.version,
            acronym="UNHCR",
        )  # fmt: skip
    assert refused.value.errors == {"organisation": ["A household stays with the organisation that registered it."]}


def test_the_check_writes_nothing_and_passes_what_registering_would_take(menaka_scope):
    household_check(scope=menaka_scope, data=household_input())
    assert Household.objects.count() == 0
