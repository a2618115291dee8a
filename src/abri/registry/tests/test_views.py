"""The household pages as a user drives them: list, filters, search, detail, register, edit, scope."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test import Client

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory, UserFactory
from abri.core import crypto
from abri.core.models import AuditEntry
from abri.geo.tests.factories import SiteFactory
from abri.registry import views
from abri.registry.models import Household, Individual
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

NUMBER_LINK = re.compile(r'class="number" href="/households/([^/]+)/"')


@pytest.fixture
def nrc():
    return OrganisationFactory(acronym="NRC", name="Norwegian Refugee Council")


@pytest.fixture
def site(areas):
    return SiteFactory(name="Site de Ménaka Est", admin_area=areas["ML1001"])


@pytest.fixture
def households(areas, iom, nrc, site):
    """Two IOM households in Ménaka, one IOM household in Bandiagara, one NRC household in Ménaka."""
    return {
        "maiga": household_saved(organisation=iom, phone="+223 76 12 34 56", site_id=site.pk),
        "toure": household_saved(
            organisation=iom,
            admin_area="ML1002",
            members=[
                member_input(given_names="Ibrahim", family_name="Touré", sex="male", marital_status="married"),
                member_input(given_names="Mariam", family_name="Cissé", relationship="spouse"),
            ],
        ),
        "bandiagara": household_saved(organisation=iom, admin_area="ML0501", origin_area=""),
        "nrc": household_saved(organisation=nrc),
    }


def _client(role: str, organisation, areas: list, *, username: str, language: str = "") -> Client:
    membership = MembershipFactory(
        user=UserFactory(username=username), organisation=organisation, role=role, areas=areas
    )
    client = Client()
    client.force_login(membership.user)
    if language:
        client.cookies["django_language"] = language
    return client


@pytest.fixture
def clerk(iom, areas) -> Client:
    """A registration officer of IOM working in the Ménaka region, reading English."""
    return _client(Role.REGISTRATION_OFFICER, iom, [areas["ML10"]], username="clerk", language="en")


@pytest.fixture
def viewer(iom, areas) -> Client:
    """A partner viewer of IOM in Ménaka: sees households, not personal data, changes nothing."""
    return _client(Role.PARTNER_VIEWER, iom, [areas["ML10"]], username="viewer", language="en")


def listed(response) -> list[str]:
    return NUMBER_LINK.findall(response.content.decode())


# The list


def test_list_shows_only_the_households_in_the_user_scope(clerk, households):
    response = clerk.get("/households/")
    assert response.status_code == 200
    assert listed(response) == [households["maiga"].registration_number, households["toure"].registration_number]
    assert "2 households" in response.content.decode()


def test_pages_with_personal_data_are_kept_by_no_cache(clerk, households):
    for url in ("/households/", f"/households/{households['maiga'].registration_number}/", "/households/new/"):
        response = clerk.get(url)
        assert "no-store" in response.headers["Cache-Control"]
        # htmx's own history cache (browser storage) is switched off too.
        assert '"historyCacheSize": 0' in response.content.decode()


def test_a_history_restore_request_gets_the_whole_page(clerk, households):
    response = clerk.get("/households/", HTTP_HX_REQUEST="true", HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()


def test_list_filters_by_area_site_flag_and_status(clerk, households, site):
    maiga, toure = households["maiga"].registration_number, households["toure"].registration_number
    assert listed(clerk.get("/households/?area=ML1002")) == [toure]
    assert listed(clerk.get("/households/?area=ML10")) == [maiga, toure]
    assert listed(clerk.get(f"/households/?site={site.pk}")) == [maiga]
    assert listed(clerk.get("/households/?flag=female_headed")) == [maiga]
    assert listed(clerk.get("/households/?status=registered&flag=female_headed")) == [maiga]
    assert listed(clerk.get("/households/?status=inactive")) == []


def test_a_filter_outside_the_scope_is_dropped_not_obeyed(clerk, households):
    # Bandiagara is not in the clerk's scope: the filter is ignored, and Bandiagara stays hidden.
    response = clerk.get("/households/?area=ML0501")
    assert listed(response) == [households["maiga"].registration_number, households["toure"].registration_number]


@pytest.mark.parametrize(
    "term",
    ["maiga fatoumata", "FATOUMATA Maïga", "aïssata", "ag moham"],
)
def test_search_by_member_name_folded_in_any_order(clerk, households, term):
    response = clerk.post("/households/", {"q": term})
    assert listed(response) == [households["maiga"].registration_number]


def test_search_by_registration_number_and_by_phone(clerk, households):
    maiga = households["maiga"].registration_number
    assert listed(clerk.post("/households/", {"q": maiga})) == [maiga]
    assert listed(clerk.post("/households/", {"q": maiga.lower()})) == [maiga]
    assert listed(clerk.post("/households/", {"q": "0022376123456"})) == [maiga]
    assert listed(clerk.post("/households/", {"q": "76 12 34 56"})) == [maiga]
    assert listed(clerk.post("/households/", {"q": "76 12 34 57"})) == []


def test_search_never_finds_outside_the_scope(clerk, households):
    nrc = households["nrc"].registration_number
    assert listed(clerk.post("/households/", {"q": nrc})) == []
    # The NRC household has the same member names as IOM's Maïga household: only IOM's is found.
    assert listed(clerk.post("/households/", {"q": "fatoumata"})) == [households["maiga"].registration_number]


def test_search_term_is_not_read_from_the_url(clerk, households):
    response = clerk.get("/households/?q=toure")
    assert listed(response) == [households["maiga"].registration_number, households["toure"].registration_number]


def test_htmx_search_returns_the_fragment_and_keeps_the_term_out_of_the_address(clerk, households):
    response = clerk.post("/households/", {"q": "toure", "area": "ML10", "flag": ""}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'id="results"' in body
    assert listed(response) == [households["toure"].registration_number]
    assert response.headers["HX-Push-Url"] == "/households/?area=ML10"
    assert "HX-Request" in response.headers["Vary"]
    assert "toure" not in response.headers["HX-Push-Url"]


def test_partner_viewer_searches_by_number_only_and_sees_no_names(viewer, households):
    maiga = households["maiga"].registration_number
    assert listed(viewer.post("/households/", {"q": "fatoumata"})) == []
    assert listed(viewer.post("/households/", {"q": "76123456"})) == []
    response = viewer.post("/households/", {"q": maiga})
    assert listed(response) == [maiga]
    assert "Fatoumata" not in response.content.decode()


def test_names_show_and_match_only_where_the_role_may_see_personal_data(iom, nrc, areas, households):
    # A partner viewer at IOM who is also a registration officer at NRC.
    user = UserFactory(username="two-hats")
    MembershipFactory(user=user, organisation=iom, role=Role.PARTNER_VIEWER, areas=[areas["ML10"]])
    MembershipFactory(user=user, organisation=nrc, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]])
    client = Client()
    client.force_login(user)
    # Both Maïga households have a Fatoumata; only NRC's may be found by her name.
    assert listed(client.post("/households/", {"q": "fatoumata"})) == [households["nrc"].registration_number]
    assert listed(client.post("/households/", {"q": "76123456"})) == []
    body = client.get("/households/").content.decode()
    assert body.count("Fatoumata Maïga") == 1  # NRC's head; IOM's heads are hidden
    assert set(listed(client.get("/households/"))) == {
        households["maiga"].registration_number,
        households["toure"].registration_number,
        households["nrc"].registration_number,
    }


def test_a_superuser_sees_every_household_with_names(households):
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True))
    response = client.post("/households/", {"q": "fatoumata"})
    assert listed(response) == [
        households["maiga"].registration_number,
        households["bandiagara"].registration_number,
        households["nrc"].registration_number,
    ]
    assert response.content.decode().count("Fatoumata Maïga") == 3


def test_list_is_paginated_fifty_a_page(clerk, iom, areas):
    for _ in range(51):
        household_saved(organisation=iom, members=[member_input()])
    first = clerk.get("/households/")
    second = clerk.get("/households/?page=2")
    assert len(listed(first)) == 50
    assert len(listed(second)) == 1
    assert "page 2 of 2" in second.content.decode()


def test_a_search_matching_many_asks_for_another_word_rather_than_counting_them_all(
    clerk, iom, households, monkeypatch
):
    monkeypatch.setattr(views.CappedPaginator, "cap", 2)
    for _ in range(3):
        household_saved(organisation=iom)
    body = clerk.post("/households/", {"q": "fatoumata"}).content.decode()
    assert "More than 2 households match: add a word or a filter." in body
    assert NUMBER_LINK.findall(body)[0] == households["maiga"].registration_number  # the first ones still show


def test_list_query_count_does_not_grow_with_rows(clerk, iom, households, django_assert_num_queries):
    # session, user, has an authenticator?, scope (memberships, their areas, their programmes),
    # filter choices (areas, sites), count, the page's keys, the page's rows, their members, current membership.
    with django_assert_num_queries(13):
        clerk.get("/households/")
    for _ in range(10):
        household_saved(organisation=iom)
    # On SQLite a name search reads the households the name index finds once, up front.
    with django_assert_num_queries(14 if connection.vendor == "sqlite" else 13):
        response = clerk.post("/households/", {"q": "fatoumata"})
    assert len(listed(response)) == 11


# The detail page


def test_detail_shows_members_flags_and_the_decrypted_phone(clerk, households):
    maiga = households["maiga"]
    response = clerk.get(f"/households/{maiga.registration_number}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "+223 76 12 34 56" in body
    for name in ("Fatoumata Maïga", "Moussa Ag Mohamed", "Aïssata Maïga"):
        assert name in body
    assert "Female-headed" in body
    assert "Site de Ménaka Est" in body
    assert "3 members" in body


def test_detail_by_primary_key_too(clerk, households):
    maiga = households["maiga"]
    response = clerk.get(f"/households/{maiga.pk}/")
    assert response.status_code == 200
    assert maiga.registration_number in response.content.decode()


def test_detail_masks_personal_data_for_a_role_without_it(viewer, households):
    response = viewer.get(f"/households/{households['maiga'].registration_number}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "76123456" not in body
    assert "Fatoumata" not in body
    assert "hidden for your role" in body
    assert "Female-headed" in body


@pytest.mark.parametrize("which", ["nrc", "bandiagara"])
def test_a_household_outside_the_scope_answers_404_like_a_missing_one(clerk, households, which):
    outside = clerk.get(f"/households/{households[which].registration_number}/")
    missing = clerk.get("/households/IOM-22-999999/")
    assert outside.status_code == 404
    assert missing.status_code == 404
    assert clerk.get(f"/households/{households[which].pk}/").status_code == 404
    assert clerk.get(f"/households/{households[which].registration_number}/edit/").status_code == 404


def test_audit_history_only_for_roles_that_may_see_it(clerk, iom, areas, households):
    number = households["maiga"].registration_number
    assert 'id="h-audit"' not in clerk.get(f"/households/{number}/").content.decode()
    auditor = _client(Role.AUDITOR, iom, [areas["ML10"]], username="auditor", language="en")
    body = auditor.get(f"/households/{number}/").content.decode()
    assert '<h2 id="h-audit">History</h2>' in body
    assert "Registered" in body
    assert "76123456" not in body  # an auditor reads the history, not personal data


def test_detail_query_count(clerk, households, django_assert_num_queries):
    # session, user, has an authenticator?, scope (memberships, their areas, their programmes),
    # household, members, the audit entry of the view, merges that kept it, current membership.
    with django_assert_num_queries(11):
        clerk.get(f"/households/{households['maiga'].registration_number}/")


# Registering and editing


def member_row(**values) -> dict[str, str]:
    row = {
        "given_names": "Mariam",
        "family_name": "Walet Ahmed",
        "sex": "female",
        "relationship": "head",
        "marital_status": "widowed",
        "birth_mode": "age",
        "age_years": "52",
        "pregnancy": "no",
    }
    row.update(values)
    return row


def form_data(members: list[dict[str, str]], **household: str) -> dict[str, str]:
    data = {
        "region": "ML10",
        "cercle": "ML1002",
        "site": "",
        "origin_area": "ML1003",
        "departure_date": "2022-10-02",
        "arrival_date": "2022-10-09",
        "displacement_cause": "armed_conflict",
        "phone": "66 55 44 33",
        "consent": "given",
        "consent_date": "2022-11-20",
        "registered_on": "2022-11-20",
        "status": "registered",
        "save": "1",
        "members-TOTAL_FORMS": str(len(members)),
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "60",
    }
    data.update(household)
    for index, member in enumerate(members):
        for name, value in member.items():
            data[f"members-{index}-{name}"] = value
    return data


TWO_MEMBERS = [
    member_row(),
    member_row(
        given_names="Ousmane",
        sex="male",
        relationship="child",
        marital_status="single",
        birth_mode="year",
        age_years="",
        birth_year="2014",
        wg_walking="a_lot_of_difficulty",
    ),
]


def test_register_a_household_with_two_members(clerk, iom, households):
    before = Household.objects.count()
    response = clerk.post("/households/new/", form_data(TWO_MEMBERS))

    household = Household.objects.exclude(pk__in=[item.pk for item in households.values()]).get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/households/{household.registration_number}/"
    assert Household.objects.count() == before + 1
    assert household.organisation == iom
    assert household.admin_area_id == "ML1002"
    assert household.size == 2
    assert household.widow_headed
    assert household.member_with_disability
    assert crypto.decrypt(household.phone_encrypted) == "+22366554433"
    members = {member.given_names: member for member in household.members.all()}
    assert members["Mariam"].birth_date_precision == "estimated_age"
    assert members["Ousmane"].birth_date == date(2014, 7, 1)
    assert members["Ousmane"].wg_walking == "a_lot_of_difficulty"
    assert AuditEntry.objects.filter(target_id=str(household.pk), action="household.create").count() == 1
    page = clerk.get(response.headers["Location"]).content.decode()
    assert f"Household {household.registration_number} registered." in page


def test_register_shows_each_error_on_its_member_field_and_writes_nothing(clerk, households):
    counts = (Household.objects.count(), Individual.objects.count(), AuditEntry.objects.count())
    members = [
        member_row(),
        member_row(given_names="", sex="male", relationship="spouse", pregnancy="pregnant"),
        member_row(given_names="Awa", relationship="child", birth_mode="age", age_years=""),
    ]
    response = clerk.post("/households/new/", form_data(members, phone="12"))
    body = response.content.decode()

    assert response.status_code == 200
    assert "Nothing was saved." in body
    assert (
        '<ul class="errorlist" id="id_members-1-pregnancy-errors"><li>Only a woman can be pregnant or lactating.</li>'
        in body
    )
    assert '<ul class="errorlist" id="id_members-1-given_names-errors"><li>This field is required.</li>' in body
    assert (
        '<ul class="errorlist" id="id_members-2-age_years-errors"><li>'
        "Give a date of birth, a year of birth or an estimated age.</li>"
    ) in body
    assert '<ul class="errorlist" id="id_phone-errors"><li>This is not a phone number' in body
    assert "id_members-0-given_names-errors" not in body  # the head's row is fine
    assert 'value="Awa"' in body  # what was typed is kept
    assert (Household.objects.count(), Individual.objects.count(), AuditEntry.objects.count()) == counts


def test_errors_follow_the_users_language(households, iom, areas):
    french = _client(Role.REGISTRATION_OFFICER, iom, [areas["ML10"]], username="greffier")
    members = [member_row(), member_row(given_names="Moussa", sex="male", relationship="spouse", pregnancy="lactating")]
    body = french.post("/households/new/", form_data(members)).content.decode()
    assert "Seule une femme peut être enceinte ou allaitante." in body


def test_register_refuses_an_area_outside_the_scope_and_a_missing_consent_date(clerk, households):
    count = Household.objects.count()
    response = clerk.post("/households/new/", form_data(TWO_MEMBERS, region="ML05", cercle="ML0501", consent_date=""))
    body = response.content.decode()
    assert response.status_code == 200
    assert "id_region-errors" in body  # Mopti is not offered to a clerk of Ménaka
    assert '<ul class="errorlist" id="id_consent_date-errors"><li>This field is required.</li>' in body
    assert Household.objects.count() == count


def test_blank_member_rows_are_ignored(clerk, households):
    blank = {"given_names": "", "sex": "", "relationship": "", "birth_mode": "", "pregnancy": "no"}
    response = clerk.post("/households/new/", form_data([*TWO_MEMBERS, blank]))
    assert response.status_code == 302
    number = response.headers["Location"].split("/")[2]
    assert Household.objects.get(registration_number=number).size == 2


def test_edit_changes_the_household_adds_a_member_and_leaves_others_alone(clerk, households):
    maiga, toure = households["maiga"], households["toure"]
    toure_before = (toure.updated_at, toure.size)
    form = clerk.get(f"/households/{maiga.registration_number}/edit/")
    assert form.status_code == 200
    assert 'value="+22376123456"' in form.content.decode()  # the phone is there to keep or change

    members = [
        {**member_row(), "id": str(member.pk), "given_names": member.given_names, "family_name": member.family_name}
        for member in maiga.members.order_by("id")
    ]
    members[0].update(marital_status="married", sex="female", relationship="head")
    members[1].update(sex="male", relationship="spouse", marital_status="married")
    members[2].update(relationship="child", marital_status="", birth_mode="year", birth_year="2015")
    members.append(
        member_row(given_names="Bintou", relationship="child", marital_status="", birth_year="2020", birth_mode="year")
    )
    response = clerk.post(
        f"/households/{maiga.registration_number}/edit/",
        form_data(members, cercle="ML1001", phone="+223 70 00 00 01", version=str(maiga.version)),
    )

    assert response.status_code == 302
    maiga.refresh_from_db()
    toure.refresh_from_db()
    assert maiga.size == 4
    assert crypto.decrypt(maiga.phone_encrypted) == "+22370000001"
    assert sorted(maiga.members.values_list("given_names", flat=True)) == ["Aïssata", "Bintou", "Fatoumata", "Moussa"]
    assert AuditEntry.objects.filter(target_id=str(maiga.pk), action="household.update").count() == 1
    assert (toure.updated_at, toure.size) == toure_before


def test_edit_cannot_move_a_household_out_of_the_scope(clerk, households):
    maiga = households["maiga"]
    members = [
        {**member_row(), "id": str(member.pk), "relationship": member.relationship, "sex": member.sex}
        for member in maiga.members.order_by("id")
    ]
    response = clerk.post(
        f"/households/{maiga.registration_number}/edit/", form_data(members, region="ML05", cercle="")
    )
    assert response.status_code == 200
    assert 'id="id_region-errors"' in response.content.decode()
    maiga.refresh_from_db()
    assert maiga.admin_area_id == "ML1001"


def test_a_role_without_change_cannot_register_or_edit(viewer, households):
    number = households["maiga"].registration_number
    count = Household.objects.count()
    assert viewer.get("/households/new/").status_code == 403
    assert viewer.post("/households/new/", form_data(TWO_MEMBERS)).status_code == 403
    assert viewer.get(f"/households/{number}/edit/").status_code == 403
    assert viewer.post(f"/households/{number}/edit/", form_data(TWO_MEMBERS)).status_code == 403
    assert Household.objects.count() == count
    assert households["maiga"].members.count() == 3
    assert "/edit/" not in viewer.get(f"/households/{number}/").content.decode()


def test_add_member_row_by_htmx_returns_the_row_and_the_new_total(clerk, households):
    data = form_data(TWO_MEMBERS)
    data.pop("save")
    data["add_member"] = "1"
    response = clerk.post("/households/new/", data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'name="members-2-given_names"' in body
    assert 'name="members-1-given_names"' not in body
    assert (
        '<input type="hidden" name="members-TOTAL_FORMS" value="3" id="id_members-TOTAL_FORMS" hx-swap-oob="true">'
        in body
    )
    assert Household.objects.count() == len(households)


def test_remove_member_renumbers_the_rows_and_keeps_what_was_typed(clerk, households):
    data = form_data([*TWO_MEMBERS, member_row(given_names="Awa", relationship="child")])
    data.pop("save")
    data["remove_member"] = "1"
    response = clerk.post("/households/new/", data, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert 'name="members-TOTAL_FORMS" value="2"' in body
    assert re.search(r'name="members-0-given_names" value="Mariam"', body)
    assert re.search(r'name="members-1-given_names" value="Awa"', body)
    assert "Ousmane" not in body
    assert Household.objects.count() == len(households)


def test_without_javascript_add_member_rerenders_the_whole_form(clerk, households):
    data = form_data(TWO_MEMBERS)
    data.pop("save")
    data["add_member"] = "1"
    body = clerk.post("/households/new/", data).content.decode()
    assert "<html" in body
    assert 'name="members-2-given_names"' in body
    assert 'value="66 55 44 33"' in body


def test_location_cascade_offers_the_cercles_and_sites_of_the_chosen_region(clerk, site, areas):
    response = clerk.get("/households/-/location/?region=ML10")
    body = response.content.decode()
    for cercle in ("ML1001", "ML1002", "ML1003"):
        assert f'value="{cercle}"' in body
    assert 'value="ML0501"' not in body
    assert "Site de Ménaka Est" in body
    narrowed = clerk.get("/households/-/location/?region=ML10&cercle=ML1002").content.decode()
    assert "Site de Ménaka Est" not in narrowed


def test_pages_need_a_login(client, households):
    number = households["maiga"].registration_number
    for url in ("/households/", f"/households/{number}/", "/households/new/", f"/households/{number}/edit/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/accounts/login/")
