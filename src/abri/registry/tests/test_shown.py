"""What each role sees of a household, on the page and in the API: personal fields in clear only
with ``registry.view_personal_data``, masked everywhere else, the same on both."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client
from django.utils import timezone

from abri.access.models import Role
from abri.access.services import token_create
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.registry.flags import age_on
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

# What a role without the right to personal data must never read, on the page or in the API.
SECRETS = {
    "name": "Zeinabou",
    "family name": "Haïdara",
    "exact birth date (English)": "07/21/1985",
    "exact birth date (ISO)": "1985-07-21",
    "birth year of a member born in 1985": "1985",
    "birth year of a member known by year only": "1962",
    "phone": "65 43 21 09",
    "phone digits": "65432109",
    "identity number": "PA7788990",
}
# Shown on the page as labels, in the API as codes (the API's pregnancy is checked field by field:
# the household's derived flags, shown to every role, name a pregnant or lactating woman).
PAGE_SECRETS = {
    "marital status": ">Widowed<",
    "pregnancy": ">Pregnant<",
    "illness": ">Chronic illness<",
    "document": ">Passport<",
    "Washington Group": ">Difficulty walking or climbing steps<",
}
API_SECRETS = {"marital status": "widowed", "document": "passport", "Washington Group": "a_lot_of_difficulty"}
PERSONAL_MEMBER_FIELDS = (
    "given_names",
    "family_name",
    "birth_date",
    "marital_status",
    "wg_seeing",
    "wg_hearing",
    "wg_walking",
    "wg_cognition",
    "wg_self_care",
    "wg_communication",
    "pregnancy",
    "chronic_illness",
    "id_document_type",
    "id_number",
)


def _household(organisation, admin_area):
    return household_saved(
        organisation=organisation,
        admin_area=admin_area,
        origin_area="",
        phone="+223 65 43 21 09",
        members=[
            member_input(
                given_names="Zeinabou",
                family_name="Haïdara",
                birth_date=date(1985, 7, 21),
                marital_status="widowed",
                wg_walking="a_lot_of_difficulty",
                pregnancy="pregnant",
                chronic_illness=True,
                id_document_type="passport",
                id_number="PA7788990",
            ),
            member_input(
                given_names="Hamma",
                family_name="Haïdara",
                sex="male",
                relationship="parent",
                birth_date=None,
                birth_year=1962,
                marital_status="widowed",
            ),
        ],
    )


@pytest.fixture
def households(areas, iom, unhcr):
    """Like the demo: an IOM household in Ménaka, a UNHCR household in Bandiagara."""
    return {"iom": _household(iom, "ML1001"), "unhcr": _household(unhcr, "ML0501")}


def _user(role, organisation, areas_, username):
    membership = MembershipFactory(
        user=UserFactory(username=username), organisation=organisation, role=role, areas=areas_
    )
    return membership.user


@pytest.fixture
def roles_(areas, iom, unhcr):
    """The demo's auditor.iom (every area), partner.unhcr (Bandiagara) and registration.menaka (Ménaka)."""
    auditor = _user(Role.AUDITOR, iom, [], "auditor.iom")
    auditor.memberships.update(all_areas=True)
    return {
        "auditor.iom": (auditor, "iom"),
        "partner.unhcr": (_user(Role.PARTNER_VIEWER, unhcr, [areas["ML0501"]], "partner.unhcr"), "unhcr"),
        "registration.menaka": (_user(Role.REGISTRATION_OFFICER, iom, [areas["ML10"]], "registration.menaka"), "iom"),
    }


def _page(user, number: str) -> str:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    response = client.get(f"/households/{number}/")
    assert response.status_code == 200
    return response.content.decode()


def _api(user, number: str) -> tuple[str, dict]:
    _token, plain = token_create(actor=None, user=user, name="test")
    response = Client().get(f"/api/v1/households/{number}", HTTP_AUTHORIZATION=f"Bearer {plain}")
    assert response.status_code == 200, response.content
    body = json.loads(response.content)
    return json.dumps(body, ensure_ascii=False), body  # accented names as written, not \u escapes


@pytest.mark.parametrize("username", ["auditor.iom", "partner.unhcr"])
def test_roles_without_personal_data_read_none_of_it_on_the_page(roles_, households, username):
    user, which = roles_[username]
    page = _page(user, households[which].registration_number)
    for what, secret in (SECRETS | PAGE_SECRETS).items():
        assert secret not in page, what
    # What is not personal is still there: the age, the relationship, the flags.
    assert "Father or mother" in page
    assert "hidden" in page


@pytest.mark.parametrize("username", ["auditor.iom", "partner.unhcr"])
def test_roles_without_personal_data_read_none_of_it_in_the_api(roles_, households, username):
    user, which = roles_[username]
    raw, body = _api(user, households[which].registration_number)
    for what, secret in (SECRETS | API_SECRETS).items():
        assert secret not in raw, what
    assert body["personal_data"] is False
    assert body["phone"] is None
    for member in body["members"]:
        assert {name: member[name] for name in PERSONAL_MEMBER_FIELDS} == dict.fromkeys(PERSONAL_MEMBER_FIELDS)
    # The age in years is not personal: it stays, as does how the birth date is known.
    zeinabou = next(member for member in body["members"] if member["relationship"] == "head")
    assert zeinabou["age_years"] == age_on(date(1985, 7, 21), timezone.localdate())
    assert sorted(member["birth_date_precision"] for member in body["members"]) == ["exact", "year"]


def test_a_registration_officer_reads_it_all_on_the_page_and_in_the_api(roles_, households):
    user, which = roles_["registration.menaka"]
    number = households[which].registration_number
    page = _page(user, number)
    for what, secret in (SECRETS | PAGE_SECRETS).items():
        if what not in {"exact birth date (ISO)", "phone digits"}:  # the page writes the date the English way
            assert secret in page, what
    raw, body = _api(user, number)
    for what, secret in (SECRETS | API_SECRETS).items():
        if what not in {"exact birth date (English)", "phone", "birth year of a member known by year only"}:
            assert secret in raw, what
    assert body["personal_data"] is True
    assert body["phone"] == "+22365432109"
    zeinabou = next(member for member in body["members"] if member["given_names"] == "Zeinabou")
    assert zeinabou["birth_date"] == "1985-07-21"
    assert zeinabou["chronic_illness"] is True
    assert zeinabou["id_number"] == "PA7788990"
