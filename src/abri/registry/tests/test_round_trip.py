"""Reading a household and sending it back unchanged changes nothing: through the API (GET then
PUT) and through the edit form (open it, save it). Dates of birth known by year or by an estimated
age stay as they were, never turned into an exact date Abri would have invented."""

from __future__ import annotations

import json
from datetime import timedelta
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from abri.access.models import Role
from abri.access.services import token_create
from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.core import crypto
from abri.registry.models import Household, Individual
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

# Written by each save whatever it holds: when, the count of writes, and the encrypted values'
# random nonce (the values are compared decrypted).
EVERY_SAVE = {"updated_at", "version", "id_number_encrypted", "phone_encrypted"}


@pytest.fixture
def household(areas):
    iom = OrganisationFactory(acronym="IOM")
    return household_saved(
        organisation=iom,
        phone="+223 76 12 34 56",
        members=[
            member_input(id_document_type="national_id", id_number="NINA44172231", wg_walking="some_difficulty"),
            member_input(
                given_names="Moussa",
                family_name="Ag Mohamed",
                sex="male",
                relationship="spouse",
                birth_date=None,
                birth_year=1975,
            ),
            member_input(given_names="Aïssata", relationship="child", marital_status="", birth_date=None, age_years=9),
        ],
    )


@pytest.fixture
def officer(areas, household):
    membership = MembershipFactory(
        organisation=household.organisation, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]
    )
    return membership.user


def stored(household: Household) -> dict[str, Any]:
    """Every column of the household and its members, encrypted values decrypted."""
    fresh = Household.objects.get(pk=household.pk)
    values = {field.attname: getattr(fresh, field.attname) for field in Household._meta.concrete_fields}
    values["phone"] = crypto.decrypt(fresh.phone_encrypted)
    members = []
    for member in Individual.objects.filter(household=fresh).order_by("id"):
        row = {field.attname: getattr(member, field.attname) for field in Individual._meta.concrete_fields}
        row["id_number"] = crypto.decrypt(member.id_number_encrypted)
        members.append({key: value for key, value in row.items() if key not in EVERY_SAVE})
    return {"household": {key: value for key, value in values.items() if key not in EVERY_SAVE}, "members": members}


def test_precisions_are_as_registered(household):
    precisions = sorted(household.members.values_list("given_names", "birth_date_precision"))
    assert precisions == [("Aïssata", "estimated_age"), ("Fatoumata", "exact"), ("Moussa", "year")]


def test_an_api_get_then_put_changes_nothing(household, officer):
    before = stored(household)
    _token, plain = token_create(actor=None, user=officer, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    client = Client()
    path = f"/api/v1/households/{household.registration_number}"
    read = client.get(path, **auth)
    assert read.status_code == 200
    response = client.put(path, data=read.content, content_type="application/json", **auth)
    assert response.status_code == 200, response.content
    assert stored(household) == before
    again = response.json()
    assert [member["birth_date_precision"] for member in again["members"]] == ["exact", "year", "estimated_age"]


def test_an_api_put_with_an_unknown_precision_is_refused_and_writes_nothing(household, officer):
    before = stored(household)
    _token, plain = token_create(actor=None, user=officer, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    client = Client()
    path = f"/api/v1/households/{household.registration_number}"
    body = json.loads(client.get(path, **auth).content)
    body["members"][1]["birth_date_precision"] = "roughly"
    response = client.put(path, data=json.dumps(body), content_type="application/json", **auth)
    assert response.status_code in (400, 422)
    assert "members[2].birth_date_precision" in response.content.decode()
    assert "roughly" in response.content.decode()
    assert stored(household) == before


def test_an_api_put_of_a_new_year_changes_the_year_only(household, officer):
    _token, plain = token_create(actor=None, user=officer, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {plain}"}
    client = Client()
    path = f"/api/v1/households/{household.registration_number}"
    body = json.loads(client.get(path, **auth).content)
    body["members"][1]["birth_date"] = "1977-07-01"
    response = client.put(path, data=json.dumps(body), content_type="application/json", **auth)
    assert response.status_code == 200, response.content
    moussa = Individual.objects.get(household=household, given_names="Moussa")
    assert (moussa.birth_date.year, moussa.birth_date_precision) == (1977, "year")


class _FormReader(HTMLParser):
    """The values a browser would send for each form of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, str]] = []
        self._select: str | None = None
        self._select_first: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append({})
        if not self.forms:
            return
        form, name = self.forms[-1], found.get("name", "")
        if tag == "input" and name:
            kind = found.get("type", "text")
            if kind in {"checkbox", "radio"}:
                if "checked" in found:
                    form[name] = found.get("value", "on")
            elif kind not in {"submit", "button", "reset"}:
                form[name] = found.get("value", "")
        elif tag == "select":
            self._select, self._select_first = name, None
        elif tag == "option" and self._select:
            if self._select_first is None:
                self._select_first = found.get("value", "")
                form.setdefault(self._select, self._select_first)
            if "selected" in found:
                form[self._select] = found.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            form[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea and self.forms:
            self.forms[-1][self._textarea] += data


def test_opening_the_edit_form_and_saving_it_changes_nothing(household, officer):
    before = stored(household)
    client = Client()
    client.force_login(officer)
    path = f"/households/{household.registration_number}/edit/"
    reader = _FormReader()
    reader.feed(client.get(path).content.decode())
    form = next(form for form in reader.forms if "members-TOTAL_FORMS" in form)
    assert form["members-1-birth_mode"] == "year"
    assert form["members-2-birth_mode"] == "age"
    response = client.post(path, {**form, "save": "1"})
    assert response.status_code == 302, response.content.decode()
    assert stored(household) == before


def test_the_edit_form_keeps_an_estimated_age_registered_on_another_day(household, officer):
    """An age estimated on another day, and still the same today, keeps its date of birth."""
    aissata = Individual.objects.get(household=household, given_names="Aïssata")
    Individual.objects.filter(pk=aissata.pk).update(birth_date=aissata.birth_date - timedelta(days=1))
    before = stored(household)
    client = Client()
    client.force_login(officer)
    path = f"/households/{household.registration_number}/edit/"
    reader = _FormReader()
    reader.feed(client.get(path).content.decode())
    form = next(form for form in reader.forms if "members-TOTAL_FORMS" in form)
    assert client.post(path, {**form, "save": "1"}).status_code == 302
    assert stored(household) == before
