"""The household and individual API, through HTTP: scope, personal data, writes, errors, query counts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from abri.access.models import ApiToken, Role
from abri.access.services import token_create, token_revoke
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.core.models import AuditEntry
from abri.geo.tests.factories import SiteFactory
from abri.registry.models import Household, Individual
from abri.registry.tests.factories import household_saved, member_input

pytestmark = pytest.mark.django_db

HEAD_PHONE = "+223 76 12 34 56"
HEAD_ID_NUMBER = "12 345-ab"


@pytest.fixture
def site(areas):
    return SiteFactory(name="Site de Ménaka", admin_area=areas["ML1001"])


@pytest.fixture
def households(areas, iom, unhcr, site):
    """IOM in two Ménaka cercles (one on a site) and in Bandiagara; UNHCR in Ménaka cercle."""
    return {
        "iom_menaka": household_saved(
            organisation=iom,
            admin_area="ML1001",
            site_id=site.pk,
            phone=HEAD_PHONE,
            members=[
                member_input(id_document_type="national_id", id_number=HEAD_ID_NUMBER, marital_status="widowed"),
                member_input(given_names="Aïssata", relationship="child", birth_year=2015, birth_date=None),
            ],
        ),
        "iom_anderamboukane": household_saved(organisation=iom, admin_area="ML1002"),
        "iom_bandiagara": household_saved(organisation=iom, admin_area="ML0501", origin_area="ML1002"),
        "unhcr_menaka": household_saved(organisation=unhcr, admin_area="ML1001"),
    }


def bearer(user) -> dict[str, str]:
    _, plain = token_create(actor=None, user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {plain}"}


@pytest.fixture
def officer(areas, iom):
    """IOM registration officer in the Ménaka region (ML10)."""
    return MembershipFactory(organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]).user


def member_of(role, organisation, *areas_):
    return MembershipFactory(organisation=organisation, role=role, areas=list(areas_)).user


def get(client: Client, path: str, auth: dict[str, str], **extra: Any):
    return client.get(path, **auth, **extra)


def send(client: Client, method: str, path: str, auth: dict[str, str], body: Any, **extra: Any):
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json", **auth, **extra)


def snapshot(household: Household) -> dict[str, Any]:
    """Everything stored about a household and its members, to prove it stayed untouched."""
    fresh = Household.objects.get(pk=household.pk)
    fields = {field.attname: getattr(fresh, field.attname) for field in Household._meta.concrete_fields}
    members = list(Individual.objects.filter(household=fresh).order_by("id").values())
    return {"household": fields, "members": members}


def new_household_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "admin_area": "ML1003",
        "consent": "given",
        "consent_date": "2022-12-01",
        "registered_on": "2022-12-01",
        "arrival_date": "2022-11-20",
        "displacement_cause": "armed_conflict",
        "phone": "0022365000000",
        "members": [
            {
                "given_names": "Mariam",
                "family_name": "Walet",
                "sex": "female",
                "relationship": "head",
                "birth_date": "1950-05-05",
                "marital_status": "widowed",
            },
            {"given_names": "Ousmane", "sex": "male", "relationship": "grandchild", "age_years": 8},
        ],
    }
    body.update(overrides)
    return body


# --- authentication ---------------------------------------------------------------------------


def test_no_credentials_answers_401_and_names_the_scheme(client, households):
    english = {"HTTP_ACCEPT_LANGUAGE": "en"}
    for response in (
        client.get("/api/v1/households", **english),
        client.get(f"/api/v1/households/{households['iom_menaka'].registration_number}", **english),
        client.post("/api/v1/households", data="{}", content_type="application/json", **english),
    ):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="abri"'
        assert response.json() == {"detail": "Authentication required: send a valid API token, or log in."}


def test_unknown_revoked_and_expired_tokens_answer_401(client, officer, households):
    assert get(client, "/api/v1/households", {"HTTP_AUTHORIZATION": "Bearer abri_unknown"}).status_code == 401

    revoked, revoked_plain = token_create(actor=None, user=officer, name="revoked")
    token_revoke(actor=None, token=revoked)
    assert get(client, "/api/v1/households", {"HTTP_AUTHORIZATION": f"Bearer {revoked_plain}"}).status_code == 401

    expired, expired_plain = token_create(actor=None, user=officer, name="expired", days=1)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert get(client, "/api/v1/households", {"HTTP_AUTHORIZATION": f"Bearer {expired_plain}"}).status_code == 401

    assert get(client, "/api/v1/households", bearer(officer)).status_code == 200


def test_session_reads_and_writes_with_csrf(officer, households):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(officer)
    assert browser.get("/api/v1/households").json()["count"] == 2

    refused = send(browser, "post", "/api/v1/households", {}, new_household_body())
    assert refused.status_code == 403
    assert Household.objects.count() == 4

    browser.get("/accounts/login/")  # any page with a form sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    created = send(browser, "post", "/api/v1/households", {"HTTP_X_CSRFTOKEN": csrf}, new_household_body())
    assert created.status_code == 201
    assert Household.objects.count() == 5


def test_anonymous_write_without_session_is_401_not_a_csrf_failure(households):
    browser = Client(enforce_csrf_checks=True)
    response = send(browser, "post", "/api/v1/households", {}, new_household_body())
    assert response.status_code == 401
    assert Household.objects.count() == 4


# --- reading ----------------------------------------------------------------------------------


def test_registration_officer_lists_exactly_the_households_of_iom_in_menaka(client, officer, households):
    response = get(client, "/api/v1/households", bearer(officer), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert (body["page"], body["page_size"]) == (1, 50)
    assert [item["registration_number"] for item in body["items"]] == [
        households["iom_menaka"].registration_number,
        households["iom_anderamboukane"].registration_number,
    ]
    first = body["items"][0]
    assert first["organisation"] == "IOM"
    assert first["admin_area"] == "ML1001"
    assert first["personal_data"] is True
    assert first["phone"] == "+22376123456"
    assert first["flags"] == ["female_headed", "widow_headed", "single_parent"]
    head, child = first["members"]
    assert (head["given_names"], head["family_name"], head["id_number"]) == ("Fatoumata", "Maïga", "12345AB")
    assert head["birth_date"] == "1980-03-14"
    assert first["head_id"] == head["id"]
    assert (child["given_names"], child["birth_date_precision"]) == ("Aïssata", "year")


def test_list_filters(client, officer, households, site):
    auth = bearer(officer)
    menaka = households["iom_menaka"].registration_number
    anderamboukane = households["iom_anderamboukane"].registration_number

    def numbers(query: str) -> list[str]:
        response = get(client, f"/api/v1/households?{query}", auth)
        assert response.status_code == 200, response.content
        return [item["registration_number"] for item in response.json()["items"]]

    assert numbers("admin_area=ML1002") == [anderamboukane]
    assert numbers("admin_area=ML10") == [menaka, anderamboukane]
    assert numbers("admin_area=ML05") == []  # IOM's Bandiagara household stays outside the scope
    assert numbers(f"site={site.pk}") == [menaka]
    assert numbers("flag=widow_headed") == [menaka]
    assert numbers("flag=widow_headed&flag=elderly_head") == []
    assert numbers("status=registered") == [menaka, anderamboukane]
    assert numbers("status=relocated") == []
    assert numbers("page_size=1&page=2") == [anderamboukane]


def test_a_page_far_past_the_end_is_refused_not_a_server_error(client, officer, households):
    auth = bearer(officer)
    for path in ("/api/v1/households", "/api/v1/individuals"):
        response = get(client, f"{path}?page=9223372036854775807", auth, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 422, path
        assert response.json() == {"detail": [{"field": "page", "message": "Enter a value of at most 100000."}]}
    response = get(client, "/api/v1/households?page=100000", auth)
    assert response.status_code == 200
    assert response.json()["items"] == []
    response = get(client, "/api/v1/households?page=9223372036854775807", auth, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.json()["detail"][0]["message"] == "Saisissez une valeur d'au plus 100000."


def test_list_filter_errors_name_the_field(client, officer, households):
    response = get(client, "/api/v1/households?flag=poor&page=0", bearer(officer), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json() == {"detail": [{"field": "page", "message": "Enter a value of at least 1."}]}
    response = get(client, "/api/v1/households?flag=poor&status=gone", bearer(officer), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["detail"]] == ["flag", "status"]
    assert response.json()["detail"][0]["message"].startswith("poor is not one of the allowed values: female_headed")


def test_partner_viewer_gets_households_without_personal_data(client, areas, iom, households):
    viewer = member_of(Role.PARTNER_VIEWER, iom, areas["ML10"])
    response = get(client, "/api/v1/households", bearer(viewer))

    body = response.json()
    assert body["count"] == 2
    first = body["items"][0]
    assert first["personal_data"] is False
    assert first["phone"] is None
    assert first["size"] == 2
    assert first["flags"] == ["female_headed", "widow_headed", "single_parent"]
    head = first["members"][0]
    assert {key: head[key] for key in ("sex", "relationship", "birth_date_precision")} == {
        "sex": "female",
        "relationship": "head",
        "birth_date_precision": "exact",
    }
    assert head["age_years"] >= 42
    assert all(head[key] is None for key in ("given_names", "family_name", "birth_date", "id_number", "wg_walking"))
    text = response.content.decode()
    for secret in ("Fatoumata", "Maïga", "Ma\\u00efga", "76123456", "12345AB", "1980-03-14"):
        assert secret not in text


def test_warehouse_officer_sees_no_household(client, areas, iom, households):
    keeper = MembershipFactory(organisation=iom, role=Role.WAREHOUSE_OFFICER, all_areas=True).user
    assert get(client, "/api/v1/households", bearer(keeper)).json() == {
        "count": 0,
        "page": 1,
        "page_size": 50,
        "items": [],
    }
    number = households["iom_menaka"].registration_number
    assert get(client, f"/api/v1/households/{number}", bearer(keeper)).status_code == 404


def test_retrieve_own_household(client, officer, households):
    number = households["iom_anderamboukane"].registration_number
    response = get(client, f"/api/v1/households/{number}", bearer(officer))
    assert response.status_code == 200
    assert response.json()["registration_number"] == number
    assert [member["given_names"] for member in response.json()["members"]] == ["Fatoumata", "Moussa", "Aïssata"]


def test_another_organisations_household_is_404_like_a_missing_one(client, officer, households):
    auth = bearer(officer)
    hidden = households["unhcr_menaka"].registration_number
    outside = households["iom_bandiagara"].registration_number

    for number in (hidden, outside, "IOM-22-999999"):
        response = get(client, f"/api/v1/households/{number}", auth, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == 404
        assert response.json() == {"detail": f"No household {number}."}


def test_individuals(client, areas, iom, officer, households):
    auth = bearer(officer)
    response = get(client, "/api/v1/individuals?admin_area=ML1001", auth)
    assert response.json()["count"] == 2
    assert {item["given_names"] for item in response.json()["items"]} == {"Fatoumata", "Aïssata"}
    assert {item["household"] for item in response.json()["items"]} == {households["iom_menaka"].registration_number}

    everyone = get(client, "/api/v1/individuals", auth).json()
    assert everyone["count"] == 5

    other = households["unhcr_menaka"].head_id
    assert get(client, f"/api/v1/individuals/{other}", auth).status_code == 404
    mine = households["iom_menaka"].head_id
    assert get(client, f"/api/v1/individuals/{mine}", auth).json()["id_number"] == "12345AB"

    viewer = member_of(Role.PARTNER_VIEWER, iom, areas["ML10"])
    seen = get(client, f"/api/v1/individuals/{mine}", bearer(viewer)).json()
    assert (seen["personal_data"], seen["given_names"], seen["id_number"]) == (False, None, None)


# --- writing ----------------------------------------------------------------------------------


def test_create_registers_for_the_officers_organisation(client, officer, households):
    bystanders = {key: snapshot(household) for key, household in households.items()}
    response = send(client, "post", "/api/v1/households", bearer(officer), new_household_body())

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["registration_number"] == "IOM-22-000004"
    assert (body["organisation"], body["admin_area"], body["size"]) == ("IOM", "ML1003", 2)
    assert body["flags"] == ["female_headed", "widow_headed", "elderly_head"]
    assert body["phone"] == "+22365000000"
    household = Household.objects.get(registration_number="IOM-22-000004")
    assert household.consent_recorded_by == officer
    entry = AuditEntry.objects.get(target_type="registry.household", target_id=str(household.pk))
    assert (entry.actor, entry.action, entry.changes) == (officer, "household.create", {"members": 2})
    assert {key: snapshot(household) for key, household in households.items()} == bystanders


def test_create_outside_the_scope_is_refused_and_writes_nothing(client, areas, iom, officer, households):
    outside = send(client, "post", "/api/v1/households", bearer(officer), new_household_body(admin_area="ML0501"))
    assert outside.status_code == 403

    other_organisation = send(
        client, "post", "/api/v1/households", bearer(officer), new_household_body(organisation="UNHCR")
    )
    assert other_organisation.status_code == 403

    viewer = member_of(Role.PARTNER_VIEWER, iom, areas["ML10"])
    assert send(client, "post", "/api/v1/households", bearer(viewer), new_household_body()).status_code == 403

    assert Household.objects.count() == 4
    assert Individual.objects.count() == 2 + 3 + 3 + 3
    assert AuditEntry.objects.filter(target_type="registry.household").count() == 4


def test_create_validation_errors_point_at_the_field_in_the_callers_language(client, officer, households):
    body = new_household_body()
    body["members"][1] = {"given_names": "", "sex": "male", "relationship": "child", "birth_date": "2099-01-01"}

    english = send(client, "post", "/api/v1/households", bearer(officer), body, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 422
    assert english.json() == {
        "detail": [
            {"field": "members[2].given_names", "message": "This field is required."},
            {"field": "members[2].birth_date", "message": "This date is in the future."},
        ]
    }
    french = send(client, "post", "/api/v1/households", bearer(officer), body, HTTP_ACCEPT_LANGUAGE="fr")
    assert french.json()["detail"][0] == {"field": "members[2].given_names", "message": "Ce champ est obligatoire."}
    assert french.headers["Content-Language"] == "fr"

    malformed = new_household_body(consent_date="01/12/2022")
    malformed["members"][0]["birth_date"] = "1950-13-01"
    response = send(client, "post", "/api/v1/households", bearer(officer), malformed, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {"field": "consent_date", "message": "Enter a valid date (YYYY-MM-DD)."},
            {"field": "members[1].birth_date", "message": "Enter a valid date (YYYY-MM-DD)."},
        ]
    }
    assert Household.objects.count() == 4


def test_superuser_must_name_the_organisation(client, households):
    superuser = UserFactory(is_superuser=True)
    response = send(client, "post", "/api/v1/households", bearer(superuser), new_household_body())
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["detail"]] == ["organisation"]
    named = send(client, "post", "/api/v1/households", bearer(superuser), new_household_body(organisation="UNHCR"))
    assert named.status_code == 201
    assert named.json()["registration_number"] == "UNHCR-22-000002"


def update_body(household: Household, **overrides: Any) -> dict[str, Any]:
    """The household as the API shows it, turned back into an input."""
    members = [
        {
            "id": member.pk,
            "given_names": member.given_names,
            "family_name": member.family_name,
            "sex": member.sex,
            "relationship": member.relationship,
            "birth_date": member.birth_date.isoformat(),
            "marital_status": member.marital_status,
        }
        for member in household.members.order_by("id")
    ]
    body: dict[str, Any] = {
        "admin_area": household.admin_area_id,
        "origin_area": household.origin_area_id or "",
        "consent": household.consent,
        "consent_date": household.consent_date.isoformat(),
        "registered_on": household.registered_on.isoformat(),
        "departure_date": household.departure_date.isoformat(),
        "arrival_date": household.arrival_date.isoformat(),
        "displacement_cause": household.displacement_cause,
        "version": Household.objects.get(pk=household.pk).version,
        "members": members,
    }
    body.update(overrides)
    return body


def test_update_changes_one_household_only(client, officer, households):
    target = households["iom_anderamboukane"]
    bystanders = {key: snapshot(household) for key, household in households.items() if key != "iom_anderamboukane"}
    body = update_body(target, admin_area="ML1003", arrival_date="2022-10-12")
    body["members"] = body["members"][:2]  # the child leaves the household

    response = send(client, "put", f"/api/v1/households/{target.registration_number}", bearer(officer), body)

    assert response.status_code == 200, response.content
    assert (response.json()["admin_area"], response.json()["arrival_date"], response.json()["size"]) == (
        "ML1003",
        "2022-10-12",
        2,
    )
    target.refresh_from_db()
    assert target.members.count() == 2
    entry = AuditEntry.objects.get(action="household.update")
    assert entry.actor == officer
    assert entry.changes == {
        "fields": ["admin_area_id", "arrival_date", "size"],
        "members_added": 0,
        "members_removed": 1,
    }
    assert {key: snapshot(households[key]) for key in bystanders} == bystanders


def test_update_keeps_status_and_registration_date_when_left_out(client, officer, households):
    target = households["iom_menaka"]
    send(
        client,
        "post",
        f"/api/v1/households/{target.registration_number}/status",
        bearer(officer),
        {"status": "relocated"},
    )
    body = update_body(target)
    del body["registered_on"]

    response = send(client, "put", f"/api/v1/households/{target.registration_number}", bearer(officer), body)

    assert response.status_code == 200, response.content
    assert (response.json()["status"], response.json()["registered_on"]) == ("relocated", "2022-11-20")


def test_update_refusals_write_nothing(client, areas, iom, officer, households):
    auth = bearer(officer)
    mine = households["iom_anderamboukane"]
    theirs = households["unhcr_menaka"]
    before = {key: snapshot(household) for key, household in households.items()}

    moved_out = send(
        client, "put", f"/api/v1/households/{mine.registration_number}", auth, update_body(mine, admin_area="ML0501")
    )
    assert moved_out.status_code == 403
    hidden = send(client, "put", f"/api/v1/households/{theirs.registration_number}", auth, update_body(theirs))
    assert hidden.status_code == 404
    viewer = member_of(Role.PARTNER_VIEWER, iom, areas["ML10"])
    read_only = send(client, "put", f"/api/v1/households/{mine.registration_number}", bearer(viewer), update_body(mine))
    assert read_only.status_code == 403
    stranger = send(
        client, "put", f"/api/v1/households/{mine.registration_number}", auth, update_body(mine, organisation="UNHCR")
    )
    assert stranger.status_code == 422

    assert {key: snapshot(household) for key, household in households.items()} == before
    assert not AuditEntry.objects.filter(action="household.update").exists()


def test_set_status(client, areas, iom, officer, households):
    number = households["iom_menaka"].registration_number
    path = f"/api/v1/households/{number}/status"
    bystander = snapshot(households["iom_anderamboukane"])

    response = send(client, "post", path, bearer(officer), {"status": "relocated"})
    assert response.status_code == 200
    assert response.json()["status"] == "relocated"
    assert Household.objects.get(registration_number=number).status == "relocated"
    assert AuditEntry.objects.get(action="household.set_status").changes == {"status": ["registered", "relocated"]}

    unknown = send(client, "post", path, bearer(officer), {"status": "gone"}, HTTP_ACCEPT_LANGUAGE="en")
    assert unknown.status_code == 422
    assert unknown.json() == {"detail": [{"field": "status", "message": "Unknown status: gone."}]}

    viewer = member_of(Role.PARTNER_VIEWER, iom, areas["ML10"])
    assert send(client, "post", path, bearer(viewer), {"status": "returned"}).status_code == 403
    hidden = households["unhcr_menaka"].registration_number
    assert (
        send(client, "post", f"/api/v1/households/{hidden}/status", bearer(officer), {"status": "returned"}).status_code
        == 404
    )

    assert Household.objects.get(registration_number=number).status == "relocated"
    assert Household.objects.get(pk=households["unhcr_menaka"].pk).status == "registered"
    assert snapshot(households["iom_anderamboukane"]) == bystander


def test_audit_trail_for_roles_that_read_it(client, areas, iom, officer, households):
    number = households["iom_menaka"].registration_number
    send(client, "post", f"/api/v1/households/{number}/status", bearer(officer), {"status": "relocated"})
    administrator = member_of(Role.ADMINISTRATOR, iom, areas["ML10"])

    response = get(client, f"/api/v1/households/{number}/audit", bearer(administrator))
    assert response.status_code == 200
    assert [(entry["action"], entry["actor"], entry["changes"]) for entry in response.json()] == [
        ("household.set_status", officer.username, {"status": ["registered", "relocated"]}),
        ("household.create", None, {"members": 2}),
    ]
    assert get(client, f"/api/v1/households/{number}/audit", bearer(officer)).status_code == 403
    hidden = households["unhcr_menaka"].registration_number
    assert get(client, f"/api/v1/households/{hidden}/audit", bearer(administrator)).status_code == 404


# --- query counts -----------------------------------------------------------------------------


def more_households(organisation, count: int) -> None:
    for _ in range(count):
        household_saved(organisation=organisation, admin_area="ML1002")


@pytest.mark.parametrize("extra", [0, 20])
@pytest.mark.usefixtures("households")
def test_list_query_count_does_not_grow_with_households(client, django_assert_num_queries, officer, iom, extra):
    more_households(iom, extra)
    auth = bearer(officer)
    # token, its last use, memberships, their areas, their programmes, count, page, members,
    # the audit entry of who was shown them (one insert for the page)
    with django_assert_num_queries(9):
        response = get(client, "/api/v1/households", auth)
    assert response.json()["count"] == 2 + extra
    with django_assert_num_queries(8):  # the token's last use is recent: not written again
        get(client, "/api/v1/households", auth)


def test_list_query_count_for_a_session(client, django_assert_num_queries, officer, households):
    client.force_login(officer)
    # session, user, has an authenticator?, memberships, their areas, their programmes, count, page, members,
    # the audit entry of the view
    with django_assert_num_queries(10):
        assert client.get("/api/v1/households").json()["count"] == 2


def test_individual_list_query_count(client, django_assert_num_queries, officer, iom, households):
    more_households(iom, 5)
    auth = bearer(officer)
    get(client, "/api/v1/individuals", auth)
    # token, memberships, their areas, their programmes, count, page (with households), the audit entry
    with django_assert_num_queries(7):
        assert get(client, "/api/v1/individuals", auth).json()["count"] == 5 + 15


# --- the document -----------------------------------------------------------------------------


def test_openapi_document_and_docs_are_served(client):
    document = client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    paths = document.json()["paths"]
    assert set(paths) >= {
        "/api/v1/households",
        "/api/v1/households/{registration_number}",
        "/api/v1/households/{registration_number}/status",
        "/api/v1/individuals",
    }
    assert set(paths["/api/v1/households"]) == {"get", "post"}
    assert document.json()["components"]["securitySchemes"] == {
        "ApiTokenAuth": {"type": "http", "scheme": "bearer"},
        "SessionCsrfAuth": {"type": "apiKey", "in": "cookie", "name": "sessionid"},
    }
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    # Served from Abri itself, not a CDN: field offices work on poor or filtered connections.
    assert 'src="/static/ninja/swagger-ui-bundle.js"' in docs.content.decode()
