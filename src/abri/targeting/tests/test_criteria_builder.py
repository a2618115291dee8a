"""The criteria builder: a targeting officer writes a plan's rules as rows, without JSON."""

from datetime import date

import pytest
from django.test import Client

from abri.access.models import Role
from abri.access.tests.factories import OrganisationFactory
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved
from abri.targeting.criteria import criteria_parse
from abri.targeting.models import TargetingPlan
from abri.targeting.services import plan_run
from abri.targeting.tests.factories import login, plan_saved, programme_saved, widow

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft():
    mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    programme = programme_saved(organisation=iom)
    officer = login(organisation=iom, role=Role.TARGETING_OFFICER, programmes=[programme])
    secretary = login(organisation=iom, role=Role.COMMITTEE_SECRETARY, programmes=[programme])
    household_saved(organisation=iom, members=widow())
    household_saved(organisation=iom)
    household_saved(organisation=iom)
    plan = plan_saved(actor=officer, programme=programme, quota=1)
    return plan, officer, secretary


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _rows(*rows, quota=2, **extra):
    data = {"quota": str(quota), **extra}
    for index, (kind, field, op, value, weight) in enumerate(rows):
        data |= {
            f"rule_{index}_kind": kind,
            f"rule_{index}_field": field,
            f"rule_{index}_op": op,
            f"rule_{index}_value": value,
            f"rule_{index}_weight": weight,
        }
    return data


def test_the_builder_shows_the_plans_rules_as_rows(draft):
    plan, officer, _secretary = draft
    page = _client(officer).get(f"/targeting/{plan.pk}/criteria/").content.decode()
    first = criteria_parse(plan.criteria).scoring[0]
    assert f'<option value="{first.field}" selected>' in page
    assert 'name="rule_0_kind"' in page


def test_rows_become_the_plans_criteria_and_the_ranking_follows(draft):
    plan, officer, _secretary = draft
    data = _rows(
        ("must", "size", "between", "1; 20", ""),
        ("score", "widow_headed", "", "oui", "5"),
        ("score", "size", "ge", "4", "1,5"),
        ("", "", "", "", ""),
        tie_breaks=["size_desc"],
    )
    response = _client(officer).post(f"/targeting/{plan.pk}/criteria/", data)
    assert response.status_code == 302
    plan.refresh_from_db()
    criteria = criteria_parse(plan.criteria)
    assert [(rule.mode, rule.field, rule.op, rule.value) for rule in criteria.eligibility] == [
        ("must", "size", "between", [1, 20])
    ]
    assert [(rule.field, rule.op, rule.value, rule.weight) for rule in criteria.scoring] == [
        ("widow_headed", "is", True, 5.0),
        ("size", "ge", 4, 1.5),
    ]
    assert criteria.tie_breaks == ["size_desc"]
    assert plan.quota == 2
    run = plan_run(actor=officer, plan=plan, on=date(2022, 12, 1))
    assert run.households == 3


def test_a_wrong_row_is_named_and_nothing_is_saved(draft):
    plan, officer, _secretary = draft
    before = TargetingPlan.objects.get(pk=plan.pk).criteria
    client = _client(officer)
    for data, said in (
        (_rows(("score", "widow_headed", "", "peut-être", "5")), "Ligne 1"),
        (_rows(("must", "size", "between", "4", "")), "Ligne 1"),
        (_rows(("must", "size", "ge", "3", ""), ("score", "size", "ge", "3", "")), "Ligne 2"),
        (_rows(("must", "arrival_date", "before", "hier", "")), "hier"),
    ):
        response = client.post(f"/targeting/{plan.pk}/criteria/", data)
        assert response.status_code == 200
        assert said in response.content.decode()
    assert TargetingPlan.objects.get(pk=plan.pk).criteria == before


def test_only_who_builds_plans_changes_the_criteria(draft):
    plan, _officer, secretary = draft
    client = _client(secretary)
    assert client.get(f"/targeting/{plan.pk}/criteria/").status_code == 403
    assert client.post(f"/targeting/{plan.pk}/criteria/", _rows(("must", "size", "ge", "3", ""))).status_code == 403
