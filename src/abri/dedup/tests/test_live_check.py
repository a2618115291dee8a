"""The live duplicate check of the register form: who in the registry the person being typed may be."""

import re
import time
from collections.abc import Iterator

import pytest
from django.test import Client

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.dedup.live.check import LiveRegistry, live_check, live_registry
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

URL = "/households/-/live-check/"


@pytest.fixture(autouse=True)
def fresh_index() -> Iterator[None]:
    """The index lives as long as the process: each test starts from its own registry."""
    live_registry().reset()
    yield
    live_registry().reset()


@pytest.fixture
def nrc():
    return OrganisationFactory(acronym="NRC", name="Norwegian Refugee Council")


@pytest.fixture
def maiga(areas, iom):
    """Fatoumata Maïga (born 14 March 1980), Moussa Ag Mohamed and Aïssata, registered by IOM in Ménaka."""
    return household_saved(organisation=iom, phone="+223 76 12 34 56")


def _client(*memberships, username: str) -> Client:
    user = UserFactory(username=username)
    for organisation, role, areas in memberships:
        MembershipFactory(user=user, organisation=organisation, role=role, areas=areas)
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def _typed(*members: dict[str, str], region: str = "ML10", cercle: str = "ML1001", phone: str = "") -> dict:
    data = {
        "region": region,
        "cercle": cercle,
        "phone": phone,
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
    }
    for index, member in enumerate(members):
        data.update({f"members-{index}-{name}": value for name, value in member.items()})
    return data


FATIMATA = {
    "given_names": "Fatimata",
    "family_name": "Maiga",
    "sex": "female",
    "birth_mode": "date",
    "birth_date": "1980-03-14",
}


def _panel(response, number: int) -> str:
    found = re.search(
        rf'<div class="live-matches" id="member-{number}-matches".*?</div>', response.content.decode(), re.S
    )
    assert found, response.content.decode()
    return found.group(0)


def test_a_person_registered_before_is_found_under_another_spelling(areas, iom, maiga):
    clerk = _client((iom, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="clerk")
    response = clerk.post(URL, _typed(FATIMATA), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    panel = _panel(response, 1)
    assert maiga.registration_number in panel
    assert "Fatoumata Maïga" in panel
    assert "Ménaka (ML1001)" in panel
    assert "family name: " in panel  # the evidence names the fields that agree, never their values


def test_a_household_registered_a_moment_ago_is_found(areas, iom, maiga):
    clerk = _client((iom, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="clerk")
    clerk.post(URL, _typed(FATIMATA))  # the index is built now
    later = household_saved(
        organisation=iom,
        members=[
            member_input(given_names="Hamadoun", family_name="Dicko", sex="male", birth_date=None, birth_year=1962)
        ],
    )
    typed = {
        "given_names": "Hamadou",
        "family_name": "Dicko",
        "sex": "male",
        "birth_mode": "year",
        "birth_year": "1962",
    }
    panel = _panel(clerk.post(URL, _typed(typed)), 1)
    assert later.registration_number in panel
    assert "Hamadoun Dicko" in panel


def test_several_typed_members_of_one_registered_household_give_a_household_hint(areas, iom, maiga):
    clerk = _client((iom, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="clerk")
    moussa = {
        "given_names": "Mousa",
        "family_name": "Ag Mohamed",
        "sex": "male",
        "birth_mode": "date",
        "birth_date": "1980-03-14",
    }
    response = clerk.post(URL, _typed(FATIMATA, moussa))
    hint = response.content.decode().split('<div class="live-matches"')[0]
    assert "live-household" in hint
    assert maiga.registration_number in hint
    assert "members 1, 2" in hint


def test_a_household_outside_the_scope_is_not_mentioned(areas, iom, nrc, maiga):
    other = _client((nrc, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="nrc-clerk")
    response = other.post(URL, _typed(FATIMATA))
    assert response.status_code == 200
    assert maiga.registration_number not in response.content.decode()
    assert "Fatoumata" not in response.content.decode()
    assert _panel(response, 1).count('live-match"') == 0


def test_without_personal_data_rights_the_match_shows_area_and_number_but_no_name(areas, iom, nrc, maiga):
    # Registers for NRC; may only view IOM's households (partner viewer), not their personal data.
    clerk = _client(
        (nrc, Role.REGISTRATION_OFFICER, [areas["ML10"]]),
        (iom, Role.PARTNER_VIEWER, [areas["ML10"]]),
        username="partner",
    )
    panel = _panel(clerk.post(URL, _typed(FATIMATA)), 1)
    assert "A person registered in Ménaka (ML1001), household" in panel
    assert maiga.registration_number in panel
    assert "Fatoumata" not in panel
    assert "same" not in panel  # no evidence either: it would tell the registered person's numbers


def test_an_empty_form_gets_no_match(areas, iom, maiga):
    clerk = _client((iom, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="clerk")
    response = clerk.post(URL, _typed({"given_names": "", "family_name": "", "sex": ""}))
    assert response.status_code == 200
    assert 'live-match"' not in response.content.decode()
    assert maiga.registration_number not in response.content.decode()
    # The panel is left empty, so that the page hides it rather than show an empty box.
    assert re.search(r'<div class="live-matches" id="member-1-matches"[^>]*></div>', response.content.decode())


def test_the_check_refuses_get_and_needs_a_login_and_the_right_to_register(areas, iom, maiga):
    clerk = _client((iom, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="clerk")
    assert clerk.get(URL, {"members-0-given_names": "Fatimata"}).status_code == 405
    anonymous = Client().post(URL, _typed(FATIMATA))
    assert anonymous.status_code == 302
    assert anonymous.headers["Location"].startswith("/accounts/login/")
    viewer = _client((iom, Role.PARTNER_VIEWER, [areas["ML10"]]), username="viewer")
    assert viewer.post(URL, _typed(FATIMATA)).status_code == 403


def test_the_register_form_asks_for_the_check_by_post_and_the_edit_form_does_not(areas, iom, maiga):
    clerk = _client((iom, Role.REGISTRATION_OFFICER, [areas["ML10"]]), username="clerk")
    page = clerk.get("/households/new/").content.decode()
    assert f'hx-post="{URL}"' in page
    assert 'id="member-1-matches"' in page
    edit = clerk.get(f"/households/{maiga.registration_number}/edit/").content.decode()
    assert URL not in edit


@pytest.mark.django_db(transaction=True)
def test_a_large_registry_is_indexed_in_the_background_and_the_panel_says_so_meanwhile(areas, iom, maiga):
    # Past the inline limit (here: everyone), the first check starts the build and answers "not ready".
    registry = LiveRegistry(inline_limit=0)
    scope = scope_for(user=MembershipFactory(organisation=iom, areas=[areas["ML10"]]).user)
    fatimata = {"given_names": "Fatimata", "family_name": "Maiga", "sex": "female", "birth_date": "1980-03-14"}
    first = live_check(scope=scope, members=[fatimata], registry=registry)
    assert (first.ready, first.members) == (False, [[]])
    deadline = time.monotonic() + 60
    while registry.current() == (None, None) and time.monotonic() < deadline:
        time.sleep(0.1)
    later = live_check(scope=scope, members=[fatimata], registry=registry)
    assert later.ready
    assert [match.registration_number for match in later.members[0]] == [maiga.registration_number]


@pytest.mark.django_db(transaction=True)  # the rebuild runs in a thread of its own, which reads what was committed
def test_after_a_key_rotation_the_index_is_built_again_with_the_new_keyed_hashes(areas, iom, maiga, settings):
    from abri.core import crypto  # noqa: PLC0415 -- only this test changes the keys
    from abri.core.key_rotation import reencrypt_all  # noqa: PLC0415

    registry = LiveRegistry()
    main, _delta = registry.current()
    assert main is not None
    before = main.keys
    settings.ABRI_FIELD_KEY = f"{crypto.new_key()},{settings.ABRI_FIELD_KEY}"
    reencrypt_all()

    deadline = time.monotonic() + 60
    while (registry.current()[0] is main or registry.current()[0] is None) and time.monotonic() < deadline:
        time.sleep(0.1)
    rebuilt = registry.current()[0]
    assert rebuilt is not None
    assert rebuilt.keys == crypto.ring_id() != before
    # A typed phone is hashed under the new key: it still agrees with the registered one.
    scope = scope_for(user=MembershipFactory(organisation=iom, areas=[areas["ML10"]]).user)
    fatimata = {"given_names": "Fatimata", "family_name": "Maiga", "sex": "female", "birth_date": "1980-03-14"}
    found = live_check(scope=scope, members=[fatimata], phone="+223 76 12 34 56", registry=registry)
    best = found.members[0][0]
    assert best.registration_number == maiga.registration_number
    assert "phone: same number" in best.evidence
