"""Kobo and ODK Central pulls run as background jobs with progress, like validation."""

import httpx
import pytest
from django.test import Client

from abri.intake import pulls, staging
from abri.intake.models import BatchSource, BatchStatus, ImportBatch
from abri.intake.pulls import batch_pull_odk, batch_pull_start
from abri.intake.services import batch_validate
from abri.intake.tasks import ODK_PASSWORD, batch_pull_odk_job
from abri.intake.tests.test_connectors import FakeSubmissions, _kobo_record
from abri.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def client(officer) -> Client:
    client = Client()
    client.force_login(officer)
    client.cookies["django_language"] = "en"
    return client


@pytest.fixture
def kobo_server(monkeypatch):
    """The Kobo server (the outside world) answers through httpx's mock transport; what it saw is kept."""
    seen = []

    def answer(request):
        seen.append(request.headers["Authorization"])
        if request.headers["Authorization"] != "Token secret-token":
            return httpx.Response(401, json={"detail": "Invalid token."})
        return httpx.Response(200, json={"count": 2, "next": None, "results": [_kobo_record(1), _kobo_record(2)]})

    pull = pulls.kobo_pull
    monkeypatch.setattr(
        pulls, "kobo_pull", lambda **options: pull(**{**options, "transport": httpx.MockTransport(answer)})
    )
    return seen


def test_a_kobo_pull_runs_as_a_job_then_validates_and_keeps_no_token(client, areas, iom, officer, kobo_server):
    response = client.post(
        "/imports/kobo/", {"base_url": "https://kobo.example.org", "token": "secret-token", "asset_uid": "aXyZ"}
    )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response.headers["Location"] == f"/imports/{batch.pk}/"
    assert kobo_server == ["Token secret-token"]
    assert (batch.source, batch.status, batch.households_total, batch.households_valid) == (
        BatchSource.KOBO_API,
        BatchStatus.VALIDATED,
        2,
        2,
    )
    assert batch.file_name == "Kobo aXyZ"
    folder = staging.batch_folder(batch)
    assert not list(folder.glob("*.secret"))
    assert "secret-token" not in "".join(path.read_text(errors="ignore") for path in folder.glob("*.json"))
    assert staging.progress_read(batch)["phase"] == "validated"
    # The pulled submissions were written encrypted from the first page on: no clear copy is left.
    assert [path.name for path in folder.iterdir() if path.name.startswith("kobo") or path.suffix == ".tmp"] == []
    assert staging.is_encrypted(folder / "source-1.json")


def test_a_refused_kobo_token_fails_the_batch_with_the_reason(client, areas, iom, officer, kobo_server):
    client.post("/imports/kobo/", {"base_url": "https://kobo.example.org", "token": "wrong", "asset_uid": "aXyZ"})
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    assert batch.message == "The Kobo server refused the token: check it and its rights on the form."
    assert Household.objects.count() == 0
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "The Kobo server refused the token" in page


def test_an_odk_pull_reports_its_progress_and_its_batch_validates(areas, iom, officer):
    batch = batch_pull_start(actor=officer, organisation=iom, source=BatchSource.ODK_CENTRAL, name="ODK 4/registration")
    assert batch.status == BatchStatus.UPLOADED
    steps = []
    batch = batch_pull_odk(
        batch_id=batch.pk,
        submissions=FakeSubmissions(),
        form_id="abri_household_registration",
        project_id=4,
        progress=lambda phase, done, total: steps.append((phase, done, total)),
    )
    assert steps == [("pulling", 0, 0), ("pulling", 2, 2)]
    assert [entry["name"] for entry in staging.source_entries(batch)] == ["odk-4-abri_household_registration.json"]
    batch = batch_validate(batch_id=batch.pk)
    assert (batch.households_total, batch.households_valid) == (2, 2)


def test_an_odk_job_whose_password_is_gone_fails_clearly(areas, iom, officer):
    batch = batch_pull_start(actor=officer, organisation=iom, source=BatchSource.ODK_CENTRAL, name="ODK 4/form")
    staging.secret_keep(batch, ODK_PASSWORD, "p@ss")
    assert staging.secret_take(batch, ODK_PASSWORD) == "p@ss"  # taken once: a second run finds nothing
    batch_pull_odk_job.enqueue(
        batch_id=batch.pk, base_url="https://central.example.org", username="me@example.org", project_id=4, form_id="f"
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.message == "The password is no longer kept: pull the form again."


def test_the_import_page_offers_both_pulls(client, areas, iom):
    page = client.get("/imports/").content.decode()
    assert 'action="/imports/kobo/"' in page
    assert 'action="/imports/odk/"' in page
    assert 'name="password"' in page


def test_an_odk_server_that_cannot_be_reached_fails_the_batch_instead_of_leaving_it_waiting(areas, iom, officer):
    batch = batch_pull_start(actor=officer, organisation=iom, source=BatchSource.ODK_CENTRAL, name="ODK 4/form")
    staging.secret_keep(batch, ODK_PASSWORD, "p@ss")
    batch_pull_odk_job.enqueue(
        batch_id=batch.pk, base_url="http://127.0.0.1:9", username="me@example.org", project_id=4, form_id="f"
    )
    batch.refresh_from_db()
    assert batch.status == BatchStatus.FAILED
    assert batch.message.startswith("The pull stopped on an unexpected error (")
    assert "p@ss" not in batch.message
    assert not list(staging.batch_folder(batch).glob("*.secret"))
