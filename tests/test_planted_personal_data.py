"""Planted personal data: a phone and an identity number, written through every door, never found in clear
in the logs, the audit log or a dump of the database; the names never in the logs."""

from __future__ import annotations

import json
import logging
import os
import subprocess

import pytest
from django.db import connection
from django.test import Client

from abri.access.models import Role
from abri.access.services import token_create
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.core.models import AuditEntry
from abri.registry.models import Household

pytestmark = pytest.mark.django_db(transaction=True)  # a dump reads what was committed

PHONE_TYPED = "+223 76 54 32 10"
PHONE_FORMS = ["76543210", "+22376543210", "76 54 32 10", "0022376543210"]
ID_NUMBER = "PL4NT3D9Q7"
NAMES = ["Zeinabou", "Wallet Intazoumt"]


def _planted(text: str) -> list[str]:
    return [secret for secret in [*PHONE_FORMS, ID_NUMBER] if secret in text]


def _member(prefix: str, **extra: str) -> dict[str, str]:
    values = {
        "given_names": NAMES[0],
        "family_name": NAMES[1],
        "sex": "female",
        "relationship": "head",
        "marital_status": "widowed",
        "birth_mode": "age",
        "age_years": "41",
        "pregnancy": "no",
        "id_document_type": "national_id",
        "id_number": ID_NUMBER,
        **extra,
    }
    return {f"{prefix}-{name}": value for name, value in values.items()}


def _form(**extra: str) -> dict[str, str]:
    return {
        "region": "ML10",
        "cercle": "ML1001",
        "site": "",
        "origin_area": "ML1003",
        "departure_date": "2022-10-02",
        "arrival_date": "2022-10-09",
        "displacement_cause": "armed_conflict",
        "phone": PHONE_TYPED,
        "consent": "given",
        "consent_date": "2022-11-20",
        "registered_on": "2022-11-20",
        "status": "registered",
        "save": "1",
        "members-TOTAL_FORMS": "1",
        "members-INITIAL_FORMS": "0",
        "members-MIN_NUM_FORMS": "0",
        "members-MAX_NUM_FORMS": "60",
        **_member("members-0"),
        **extra,
    }


def _dump() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    settings = connection.settings_dict
    environment = {**os.environ, "PGPASSWORD": settings.get("PASSWORD") or ""}
    command = ["pg_dump", "--no-owner", "-h", settings["HOST"] or "127.0.0.1", "-p", str(settings["PORT"] or 5432)]
    command += ["-U", settings["USER"], settings["NAME"]]
    return subprocess.run(command, env=environment, capture_output=True, text=True, check=True).stdout  # noqa: S603


def test_a_phone_and_an_identity_number_never_appear_in_clear_in_logs_audit_or_dump(areas, iom, caplog):
    caplog.set_level(logging.DEBUG)
    officer = MembershipFactory(
        user=UserFactory(username="officer"), organisation=iom, role=Role.REGISTRATION_OFFICER, areas=[areas["ML10"]]
    ).user
    browser = Client()
    browser.force_login(officer)

    # The register form: once refused (a wrong date), then accepted.
    refused = browser.post("/households/new/", _form(arrival_date="2022-13-40"))
    assert refused.status_code == 200
    assert browser.post("/households/new/", _form()).status_code == 302
    household = Household.objects.get()
    # The page and a search by phone show the number to whoever may see it.
    page = browser.get(f"/households/{household.registration_number}/").content.decode()
    assert _planted(page)  # what looks for the numbers finds them where they belong
    assert "+223 76 54 32 10" in page
    found = browser.post("/households/", {"q": "76543210"}).content.decode()
    assert household.registration_number in found

    # The API: created once more, read back, and a refused body naming the planted values.
    _, token = token_create(actor=None, user=officer, name="planted")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {
        "admin_area": "ML1001",
        "consent": "given",
        "consent_date": "2022-12-01",
        "registered_on": "2022-12-01",
        "arrival_date": "2022-11-20",
        "displacement_cause": "armed_conflict",
        "phone": PHONE_TYPED,
        "members": [
            {
                "given_names": NAMES[0],
                "family_name": NAMES[1],
                "sex": "female",
                "relationship": "head",
                "age_years": 41,
                "id_document_type": "national_id",
                "id_number": ID_NUMBER,
            }
        ],
    }
    api = Client()
    created = api.post("/api/v1/households", json.dumps(body), content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    assert api.get(f"/api/v1/households/{created.json()['registration_number']}", **auth).json()["phone"]
    bad = {**body, "phone": "76 54 32 10 99 99", "members": [{**body["members"][0], "sex": "unknown"}]}
    assert api.post("/api/v1/households", json.dumps(bad), content_type="application/json", **auth).status_code == 422

    logged = caplog.text
    assert _planted(logged) == []
    assert [name for name in NAMES if name in logged] == []
    audit = json.dumps(list(AuditEntry.objects.values()), default=str)
    assert _planted(audit) == []
    assert [name for name in NAMES if name in audit] == []

    dump = _dump()
    assert household.registration_number in dump  # the dump holds the registry ...
    assert _planted(dump) == []  # ... and the numbers only encrypted and hashed
