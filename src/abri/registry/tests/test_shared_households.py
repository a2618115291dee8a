"""Households shared by a data sharing agreement: counted and listed by the receiving organisation,
their personal fields shown only at the "personal" level to a role that reads them, never changed."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.utils import timezone

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import AgreementFactory, MembershipFactory, UserFactory
from abri.core.errors import PermissionDenied
from abri.registry.access import access_household_for_change
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db

NAMES = ("Fatoumata", "Maïga", "Moussa", "Ag Mohamed")  # the members of `household_input`


@pytest.fixture
def households(areas, iom):
    return {
        "menaka": household_saved(organisation=iom, admin_area="ML1001"),
        "bandiagara": household_saved(organisation=iom, admin_area="ML0501", origin_area="ML1002"),
    }


def member(unhcr, areas, role: str, username: str) -> Client:
    user = MembershipFactory(
        user=UserFactory(username=username), organisation=unhcr, role=role, areas=[areas["ML10"]], all_programmes=True
    ).user
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def share(iom, unhcr, areas, **kwargs):
    return AgreementFactory(providing_organisation=iom, receiving_organisation=unhcr, areas=[areas["ML10"]], **kwargs)


def seen(client: Client, number: str) -> dict[str, str]:
    """The household page, and the API's household and members as text (accents unescaped)."""
    return {
        "page": client.get(f"/households/{number}/").content.decode(),
        "api": json.dumps(client.get(f"/api/v1/households/{number}").json(), ensure_ascii=False),
        "members": json.dumps(client.get(f"/api/v1/individuals?household={number}").json(), ensure_ascii=False),
    }


def test_figures_show_the_shared_household_and_none_of_its_personal_fields(iom, unhcr, areas, households):
    share(iom, unhcr, areas)
    number = households["menaka"].registration_number
    for role in (Role.PARTNER_VIEWER, Role.INFORMATION_MANAGEMENT_OFFICER):  # the officer reads names in IOM…
        client = member(unhcr, areas, role, role)
        assert client.get("/api/v1/households").json()["count"] == 1
        for where, text in seen(client, number).items():
            assert number in text, where
            for name in NAMES:
                assert name not in text, (role, where, name)  # …never under a figures agreement
        assert client.get(f"/api/v1/households/{number}").json()["phone"] is None
        # A search by name reaches only the households whose names the user may read; by number, any.
        assert number not in client.post("/households/", {"q": "Maïga"}).content.decode()
        assert number in client.post("/households/", {"q": number}).content.decode()


def test_what_is_not_shared_is_not_found(iom, unhcr, areas, households):
    share(iom, unhcr, areas)
    client = member(unhcr, areas, Role.PARTNER_VIEWER, "viewer")
    number = households["bandiagara"].registration_number
    assert client.get(f"/households/{number}/").status_code == 404
    assert client.get(f"/api/v1/households/{number}").status_code == 404


def test_an_agreement_that_ended_yesterday_shows_nothing(iom, unhcr, areas, households):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    share(iom, unhcr, areas, valid_from=yesterday - datetime.timedelta(days=90), valid_to=yesterday)
    client = member(unhcr, areas, Role.PARTNER_VIEWER, "viewer")
    number = households["menaka"].registration_number
    assert client.get(f"/households/{number}/").status_code == 404
    assert client.get(f"/api/v1/households/{number}").status_code == 404
    assert client.get("/api/v1/households").json()["count"] == 0


def test_personal_data_reaches_the_officer_and_never_the_viewer(iom, unhcr, areas, households):
    share(iom, unhcr, areas, level="personal")
    number = households["menaka"].registration_number
    officer = seen(member(unhcr, areas, Role.INFORMATION_MANAGEMENT_OFFICER, "analyst"), number)
    viewer = seen(member(unhcr, areas, Role.PARTNER_VIEWER, "viewer"), number)
    for where in ("page", "api", "members"):
        assert all(name in officer[where] for name in NAMES), where
        assert not any(name in viewer[where] for name in NAMES), where


def test_the_receiving_organisation_never_changes_a_shared_household(iom, unhcr, areas, households):
    share(iom, unhcr, areas, level="personal")
    household = households["menaka"]
    number = household.registration_number
    client = member(unhcr, areas, Role.INFORMATION_MANAGEMENT_OFFICER, "analyst")
    body = client.get(f"/api/v1/households/{number}").json()
    assert client.get(f"/households/{number}/edit/").status_code == 403
    response = client.put(f"/api/v1/households/{number}", body, content_type="application/json")
    assert response.status_code == 403
    response = client.post(f"/api/v1/households/{number}/status", {"status": "closed"}, content_type="application/json")
    assert response.status_code == 403
    user = UserFactory(username="analyst")
    with pytest.raises(PermissionDenied):
        access_household_for_change(scope=scope_for(user=user), number=number)
    fresh = Household.objects.get(pk=household.pk)
    assert (fresh.version, fresh.status, fresh.updated_at) == (
        household.version,
        household.status,
        household.updated_at,
    )
