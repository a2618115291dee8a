"""A change made from an old read is refused, with nothing written: in the edit form and in the API.
Every write of a household counts one more version."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from abri.access.models import Role
from abri.access.services import token_create
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core.errors import Conflict
from abri.registry.models import Household, Individual
from abri.registry.services import household_set_status, household_update
from abri.registry.tests.factories import household_input, household_saved

pytestmark = pytest.mark.django_db


@pytest.fixture
def iom(areas):
    return OrganisationFactory(acronym="IOM")


@pytest.fixture
def officer(areas, iom):
    return MembershipFactory(
        user=UserFactory(username="officer"), organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]
    ).user


def stored(household: Household) -> dict[str, Any]:
    fresh = Household.objects.get(pk=household.pk)
    return {
        "household": {field.attname: getattr(fresh, field.attname) for field in Household._meta.concrete_fields},
        "members": list(Individual.objects.filter(household=fresh).order_by("id").values()),
    }


def test_every_write_counts_one_more_version(iom, officer):
    household = household_saved(organisation=iom)
    other = household_saved(organisation=iom)
    assert Household.objects.get(pk=household.pk).version == 0
    household_set_status(actor=None, household=household, status="relocated")
    assert Household.objects.get(pk=household.pk).version == 1
    household_set_status(actor=None, household=household, status="returned")
    assert Household.objects.values_list("version", flat=True).get(pk=household.pk) == 2
    assert Household.objects.values_list("version", flat=True).get(pk=other.pk) == 0  # a bystander


def test_an_update_from_an_old_version_writes_nothing(iom):
    household = household_saved(organisation=iom)
    household_set_status(actor=None, household=household, status="relocated")  # version 1 now
    before = stored(household)
    with pytest.raises(Conflict) as refused:
        household_update(actor=None, household=household, data=household_input(status="relocated"), version=0)
    assert household.registration_number in str(refused.value)
    assert stored(household) == before


def _api(user) -> tuple[Client, dict[str, str]]:
    _token, plain = token_create(actor=None, user=user, name="test")
    return Client(), {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


def test_the_api_refuses_a_put_from_an_old_read_with_409(iom, officer):
    household = household_saved(organisation=iom)
    client, auth = _api(officer)
    path = f"/api/v1/households/{household.registration_number}"
    body = json.loads(client.get(path, **auth).content)
    assert body["version"] == 0
    household_set_status(actor=None, household=household, status="relocated")  # someone else, meanwhile
    before = stored(household)
    body["members"] = body["members"][:1]  # this read would drop two people
    response = client.put(path, data=json.dumps(body), content_type="application/json", **auth)
    assert response.status_code == 409
    assert "modifié entre-temps" in response.json()["detail"]  # French by default
    assert stored(household) == before


def test_the_api_refuses_a_put_without_a_version(iom, officer):
    household = household_saved(organisation=iom)
    client, auth = _api(officer)
    path = f"/api/v1/households/{household.registration_number}"
    body = json.loads(client.get(path, **auth).content)
    del body["version"]
    before = stored(household)
    response = client.put(path, data=json.dumps(body), content_type="application/json", **auth)
    assert response.status_code == 422
    assert response.json()["detail"][0]["field"] == "version"
    assert stored(household) == before


def test_the_edit_form_refuses_a_save_from_an_old_page_in_french(iom, officer):
    household = household_saved(organisation=iom)
    client = Client()
    client.force_login(officer)
    client.cookies["django_language"] = "fr"
    path = f"/households/{household.registration_number}/edit/"
    page = client.get(path).content.decode()
    assert 'name="version" value="0"' in page
    # The page stays open while someone else changes the household (a merge would do the same).
    household_set_status(actor=None, household=household, status="relocated")
    before = stored(household)
    data = {
        "region": "ML10",
        "cercle": "ML1001",
        "consent": "given",
        "consent_date": "2022-11-20",
        "status": "registered",
        "version": "0",
        "save": "1",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "60",
    }
    head = household.members.order_by("id").first()
    data |= {
        "members-0-id": str(head.pk),
        "members-0-given_names": head.given_names,
        "members-0-family_name": head.family_name,
        "members-0-sex": head.sex,
        "members-0-relationship": "head",
        "members-0-birth_mode": "date",
        "members-0-birth_date": head.birth_date.isoformat(),
        "members-0-pregnancy": "no",
    }
    response = client.post(path, data)
    assert response.status_code == 200
    assert "Ce ménage a été modifié entre-temps" in response.content.decode()
    assert stored(household) == before
    assert Individual.objects.filter(household=household).count() == 3
