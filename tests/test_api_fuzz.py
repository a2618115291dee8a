"""The API's OpenAPI document fuzzed with schemathesis: whatever a client sends, valid or not,
no operation answers with a server error, and every answer is one the document lists."""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import status_code_conformance

from abri.access.models import Role
from abri.access.services import token_create
from abri.access.tests.factories import MembershipFactory, UserFactory
from abri.registry.models import Household
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db

# Cases per operation: 15 in `make test` (about 20 s); ABRI_FUZZ_EXAMPLES=200 for a longer hunt.
EXAMPLES = int(os.environ.get("ABRI_FUZZ_EXAMPLES", "15"))


@pytest.fixture
def api_schema(areas, iom):
    household_saved(organisation=iom)
    # The WSGI application closes the database connection after each request, as a server
    # should; the test's own connection (its transaction) must stay open, as Django's test client keeps it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(areas, iom) -> dict[str, str]:
    officer = MembershipFactory(
        user=UserFactory(username="fuzz.officer"),
        organisation=iom,
        role=Role.ADMINISTRATOR,
        areas=[areas["ML10"]],
    ).user
    _, token = token_create(actor=None, user=officer, name="fuzz")
    return {"Authorization": f"Bearer {token}"}


def test_no_answer_is_a_server_error_or_undocumented(api_schema, bearer):
    failures = []
    for found in api_schema.get_all_operations():
        operation = found.ok()

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def fuzz(case):
            case.call_and_validate(headers=bearer, checks=[not_a_server_error, status_code_conformance])

        try:
            fuzz()
        except BaseException as error:
            if isinstance(error, KeyboardInterrupt):
                raise
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert failures == [], "\n\n".join(failures)


def test_a_number_too_large_for_the_database_is_refused_not_a_server_error(areas, iom, bearer):
    household_saved(organisation=iom)
    client = Client()
    body = {**_household_body(), "site_id": -1327361567356448526099808256}
    answer = client.post("/api/v1/households", json.dumps(body), content_type="application/json", **_meta(bearer))
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] in {"__all__", "site_id"}  # the database or the check, by backend
    assert Household.objects.count() == 1  # the fixture's household only: nothing written
    assert client.get("/api/v1/targeting/plans/99999999999999999999999", **_meta(bearer)).status_code in {404, 422}


def _meta(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def _household_body() -> dict[str, object]:
    return {
        "admin_area": "ML1001",
        "consent": "given",
        "consent_date": "2022-12-01",
        "registered_on": "2022-12-01",
        "members": [
            {"given_names": "Awa", "family_name": "Maïga", "sex": "female", "relationship": "head", "age_years": 30}
        ],
    }
