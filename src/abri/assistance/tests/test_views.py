"""The handover point (find by token, number or name, record, refusals shown), printing and the
reconciliation downloads, through the pages."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory
from abri.assistance.models import Distribution, Entitlement, Handover
from abri.assistance.sync import entitlements_bind
from abri.assistance.tests.factories import setting
from abri.assistance.tokens import token_display
from abri.geo.models import AdminArea

pytestmark = pytest.mark.django_db


@pytest.fixture
def found():
    return setting(today=timezone.localdate())


def _client(user) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # pages follow the language switch, not the browser
    client.force_login(User.objects.get(pk=user.pk))
    return client


def _page(client: Client, code: str, data: dict) -> str:
    response = client.post(f"/distributions/{code}/handover/", data)
    assert response.status_code == 200
    return response.content.decode()


def test_the_point_finds_an_entitlement_by_token_number_or_name_and_records_it(found):
    client = _client(found.officer)
    code = found.distribution.code
    entitlement, household = found.entitlements[0], found.households[0]
    for search in (token_display(entitlement.token).lower(), household.registration_number, "FatoumataA"):
        page = _page(client, code, {"search": search})
        assert token_display(entitlement.token) in page, search
        assert "FatoumataA Maïga" in page
        assert "FatoumataB" not in page
    page = _page(
        client, code, {"action": "record", "token": entitlement.token, "receiver": "head", "point": "Site Nord"}
    )
    assert "Recorded" in page
    assert Handover.objects.get().point.name == "Site Nord"
    again = _page(client, code, {"action": "record", "token": entitlement.token, "receiver": "head"})
    assert "Already handed over" in again
    assert Handover.objects.count() == 1
    handover = Handover.objects.get()
    client.post(f"/distributions/{code}/handovers/{handover.pk}/cancel/", {"reason": ""})
    assert Handover.objects.get().status == "recorded"  # no reason: refused
    client.post(f"/distributions/{code}/handovers/{handover.pk}/cancel/", {"reason": "Mauvaise carte"})
    assert Handover.objects.get().status == "cancelled"
    assert Handover.objects.get().cancellation.reason == "Mauvaise carte"


def test_a_bound_entitlement_is_handed_over_at_its_own_point_only(found):
    officer = found.officer
    entitlements_bind(actor=officer, scope=scope_for(user=officer), distribution=found.distribution)
    entitlement = Entitlement.objects.select_related("point").get(pk=found.entitlements[0].pk)
    other = found.distribution.points.exclude(pk=entitlement.point_id).get()
    client, code = _client(officer), found.distribution.code
    page = _page(
        client, code, {"action": "record", "token": entitlement.token, "receiver": "head", "point": other.name}
    )
    assert f"is handed over at {entitlement.point.name}, not here" in page
    assert not Handover.objects.exists()
    page = _page(
        client,
        code,
        {"action": "record", "token": entitlement.token, "receiver": "head", "point": entitlement.point.name},
    )
    assert "Recorded" in page
    assert Handover.objects.get().point == entitlement.point


def test_the_point_loads_its_scanner_from_a_static_file(found):
    page = _client(found.officer).get(f"/distributions/{found.distribution.code}/handover/").content.decode()
    assert "assistance/scan.js" in page
    assert "<script>" not in page  # the Content-Security-Policy forbids inline scripts
    assert 'name="viewport"' in page


def test_cards_and_list_print_tokens_and_heads(found):
    client = _client(found.officer)
    token = token_display(found.entitlements[0].token)
    for name in ("cards.pdf", "list.pdf"):
        response = client.get(f"/distributions/{found.distribution.code}/{name}")
        assert response["Content-Type"] == "application/pdf"
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        assert token in text
        assert "FatoumataA Maïga" in text
    text = "".join(
        page.extract_text()
        for page in PdfReader(
            io.BytesIO(client.get(f"/distributions/{found.distribution.code}/list.pdf").content)
        ).pages
    )
    assert "Signature or thumbprint" in text


def test_the_reconciliation_downloads_hold_the_counts(found):
    client = _client(found.officer)
    _page(client, found.distribution.code, {"action": "record", "token": found.entitlements[0].token})
    response = client.get(f"/distributions/{found.distribution.code}/reconciliation.xlsx")
    workbook = load_workbook(io.BytesIO(response.content))
    totals = list(workbook["Totals"].iter_rows(values_only=True))
    assert totals[1] == (3, 1, 2, 3, 0, 0)
    text = (
        PdfReader(io.BytesIO(client.get(f"/distributions/{found.distribution.code}/reconciliation.pdf").content))
        .pages[0]
        .extract_text()
    )
    assert "Reconciliation" in text


def test_a_distribution_is_planned_given_kits_and_opened_through_the_pages(found):
    client = _client(found.officer)
    response = client.post(
        "/distributions/new/",
        {
            "code": "mnk-nfi-2023-01",
            "name": "Deuxième tour",
            "programme": found.programme.pk,
            "admin_area": found.distribution.admin_area_id,
            "starts_on": "2023-01-10",
            "ends_on": "2023-01-09",
            "kit": found.distribution.kit_version.kit_id,
            "warehouse": found.distribution.warehouse_id,
            "points": "École\nMarché",
        },
    )
    assert response.status_code == 200  # the last day before the first: refused, shown on the form
    assert "The last day comes on or after the first day." in response.content.decode()
    assert not Distribution.objects.filter(code="MNK-NFI-2023-01").exists()
    response = client.post(
        "/distributions/new/",
        {
            "code": "mnk-nfi-2023-01",
            "name": "Deuxième tour",
            "programme": found.programme.pk,
            "admin_area": found.distribution.admin_area_id,
            "starts_on": "2023-01-10",
            "ends_on": "2023-01-11",
            "kit": found.distribution.kit_version.kit_id,
            "warehouse": found.distribution.warehouse_id,
            "points": "École\nMarché",
        },
    )
    assert response.status_code == 302
    planned = Distribution.objects.get(code="MNK-NFI-2023-01")
    assert list(planned.points.values_list("name", flat=True)) == ["École", "Marché"]
    assert client.post(f"/distributions/{planned.code}/dispatch/", {"kits": 2}).status_code == 403  # not a keeper
    client.post(f"/distributions/{planned.code}/witnesses/", {"name": "Préfet", "kind": "authority"})
    client.post(f"/distributions/{planned.code}/open/")
    planned.refresh_from_db()
    assert (planned.status, list(planned.witnesses.values_list("name", flat=True))) == ("open", ["Préfet"])


def test_the_page_offers_the_witness_form_to_managers_and_dispatch_to_warehouse_officers(found):
    code = found.distribution.code
    manager_page = _client(found.officer).get(f"/distributions/{code}/").content.decode()
    assert 'name="name"' in manager_page  # the witness form has its fields
    assert 'name="kind"' in manager_page
    assert f"/distributions/{code}/dispatch/" not in manager_page  # a distribution officer moves no stock
    keeper = MembershipFactory(
        organisation=found.iom,
        role=Role.WAREHOUSE_OFFICER,
        areas=[AdminArea.objects.get(pcode="ML10")],
        programme_list=[found.programme],
        user__username="warehouse.menaka",
    ).user
    keeper_page = _client(keeper).get(f"/distributions/{code}/").content.decode()
    assert f"/distributions/{code}/dispatch/" in keeper_page
    assert 'name="kind"' not in keeper_page  # a warehouse officer does not manage the distribution
