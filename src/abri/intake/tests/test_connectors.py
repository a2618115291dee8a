"""Pulling from a Kobo server (httpx, mocked transport) and from ODK Central (pyodk, mocked)."""

import tempfile
from pathlib import Path

import httpx
import pytest

from abri.core.errors import ValidationFailed
from abri.intake.connectors.odk import odk_client
from abri.intake.models import BatchSource, BatchStatus, ImportedSubmission
from abri.intake.pulls import batch_create_from_kobo, batch_create_from_odk
from abri.intake.services import batch_commit, batch_commit_request, batch_validate
from abri.intake.tests.factories import submission_uuid
from abri.registry.models import Household

pytestmark = pytest.mark.django_db


def _kobo_record(number):
    return {
        "_id": number,
        "_uuid": submission_uuid(number),
        "_submission_time": "2022-11-20T10:00:00",
        "_validation_status": {},
        "today": "2022-11-20",
        "location/admin1": "ML10",
        "location/admin2": "ML1001",
        "consent": "given",
        "consent_date": "2022-11-20",
        "members": [
            {"members/given_names": f"Hawa {number}", "members/sex": "female", "members/relationship": "head",
             "members/age_years": "40"},
        ],
    }  # fmt: skip


def test_kobo_pull_follows_pages_with_the_token_and_imports(areas, iom, officer):
    seen = []

    def server(request):
        seen.append((request.url.path, request.headers["Authorization"], dict(request.url.params)))
        if request.url.params.get("start") == "2":
            return httpx.Response(200, json={"count": 3, "next": None, "results": [_kobo_record(3)]})
        return httpx.Response(
            200,
            json={
                "count": 3,
                "next": "https://kobo.example.org/api/v2/assets/aXyZ/data/?format=json&limit=2&start=2",
                "results": [_kobo_record(1), _kobo_record(2)],
            },
        )

    batch = batch_create_from_kobo(
        actor=officer,
        organisation=iom,
        base_url="https://kobo.example.org/",
        token="secret-token",
        asset_uid="aXyZ",
        transport=httpx.MockTransport(server),
    )
    assert batch.source == BatchSource.KOBO_API
    assert [path for path, _auth, _params in seen] == ["/api/v2/assets/aXyZ/data/"] * 2
    assert {auth for _path, auth, _params in seen} == {"Token secret-token"}
    assert seen[1][2] == {"format": "json", "limit": "2", "start": "2"}
    batch = batch_validate(batch_id=batch.pk)
    assert (batch.households_total, batch.households_valid) == (3, 3)
    batch = batch_commit(batch_id=batch_commit_request(actor=officer, batch=batch).pk, actor=officer)
    assert batch.status == BatchStatus.COMMITTED
    assert ImportedSubmission.objects.filter(submission_id=submission_uuid(3)).exists()
    assert "secret-token" not in str(list(batch.issues.values())) + batch.file_name


def test_kobo_refused_token_is_a_clear_message_and_creates_nothing(areas, iom, officer):
    transport = httpx.MockTransport(lambda request: httpx.Response(401, json={"detail": "Invalid token."}))
    with pytest.raises(ValidationFailed) as refused:
        batch_create_from_kobo(
            actor=officer, organisation=iom, base_url="https://kobo.example.org", token="bad", asset_uid="a",
            transport=transport,
        )  # fmt: skip
    assert refused.value.errors == {
        "token": ["The Kobo server refused the token: check it and its rights on the form."]
    }
    assert Household.objects.count() == 0


class FakeSubmissions:
    """ODK Central's OData answer as pyodk returns it (groups nested, repeats expanded)."""

    def __init__(self):
        self.calls = []

    def get_table(self, *, form_id, project_id, expand, skip, top, count):
        self.calls.append((form_id, project_id, expand, skip))
        records = [
            {
                "__id": f"uuid:{submission_uuid(number)}",
                "__system": {"submitterName": "enqueteur"},
                "today": "2022-11-20",
                "location": {"admin1": "ML10", "admin2": "ML1001"},
                "consent": "given",
                "consent_date": "2022-11-20",
                "members@odata.navigationLink": "Submissions('x')/members",
                "members": [
                    {"given_names": "Moussa", "sex": "male", "relationship": "head", "birth_date": "1970-01-01",
                     "__id": "abc"},
                ],
            }
            for number in (1, 2)
        ][skip : skip + top]  # fmt: skip
        return {"value": records, "@odata.count": 2}


def test_odk_central_pull_with_pyodk_imports_with_instance_ids(areas, iom, officer):
    submissions = FakeSubmissions()
    batch = batch_create_from_odk(
        actor=officer, organisation=iom, submissions=submissions, form_id="abri_household_registration", project_id=4
    )
    assert submissions.calls == [("abri_household_registration", 4, "*", 0)]
    batch = batch_validate(batch_id=batch.pk)
    assert (batch.households_total, batch.households_valid, batch.individuals_total) == (2, 2, 2)
    batch_commit(batch_id=batch_commit_request(actor=officer, batch=batch).pk, actor=officer)
    household = ImportedSubmission.objects.get(submission_id=f"uuid:{submission_uuid(2)}").household
    assert household.head.given_names == "Moussa"


def test_odk_client_is_configured_and_leaves_no_password_on_disk():
    client = odk_client(
        base_url="https://central.example.org", username="me@example.org", password='p@ss"word', project_id=4
    )
    assert client.config.central.base_url == "https://central.example.org"
    assert client.config.central.password == 'p@ss"word'
    assert client.project_id == 4
    assert not list(Path(tempfile.gettempdir()).glob("abri-odk-*/config.toml"))
