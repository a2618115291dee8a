"""Import batches belong to their uploader's scope: organisation × admin areas × programmes."""

import io

import openpyxl
import pytest
from django.urls import reverse

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, ProgrammeFactory
from abri.core.models import AuditEntry
from abri.intake import staging
from abri.intake.models import BatchStatus, ImportBatch
from abri.intake.tests.factories import family, household_row, kobo_workbook
from abri.registry.models import Household

pytestmark = pytest.mark.django_db


def _upload(client, path):
    with path.open("rb") as handle:
        return client.post(reverse("intake:batch_list"), {"upload": handle})


@pytest.fixture
def menaka(iom, areas):
    return MembershipFactory(organisation=iom, areas=[areas["ML10"]], user__username="registration.menaka").user


@pytest.fixture
def bandiagara(iom, areas):
    return MembershipFactory(organisation=iom, areas=[areas["ML0501"]], user__username="registration.bandiagara").user


@pytest.fixture
def menaka_batch(client, tmp_path, menaka):
    path = kobo_workbook(tmp_path / "menaka.xlsx", [household_row(1)], family(1))
    client.force_login(menaka)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.VALIDATED
    client.logout()
    return batch


def test_the_batch_records_the_uploaders_areas(menaka_batch):
    assert menaka_batch.scope_areas == ["ML10"]
    assert menaka_batch.scope_programmes == []


def test_an_officer_of_another_area_finds_none_of_the_batch_urls(client, menaka_batch, bandiagara):
    client.force_login(bandiagara)
    audit_before = AuditEntry.objects.count()
    pk = menaka_batch.pk
    for name in ("batch_detail", "batch_report"):
        assert client.get(reverse(f"intake:{name}", args=[pk])).status_code == 404, name
    progress = client.get(reverse("intake:batch_detail", args=[pk]) + "?was=running", HTTP_HX_REQUEST="true")
    assert progress.status_code == 404
    for name in ("batch_commit", "batch_discard", "batch_add", "batch_detail"):
        assert client.post(reverse(f"intake:{name}", args=[pk])).status_code == 404, name
    assert menaka_batch.pk not in [batch.pk for batch in client.get(reverse("intake:batch_list")).context["batches"]]

    menaka_batch.refresh_from_db()
    assert menaka_batch.status == BatchStatus.VALIDATED
    assert Household.objects.count() == 0
    assert AuditEntry.objects.count() == audit_before
    assert staging.frame_read(menaka_batch, "households") is not None


def test_a_grant_covering_every_area_of_the_batch_follows_it(client, menaka_batch, iom, areas):
    colleague = MembershipFactory(organisation=iom, areas=[areas["ML1001"]], user__username="ml1001").user
    manager = MembershipFactory(
        organisation=iom,
        role=Role.INFORMATION_MANAGEMENT_OFFICER,
        areas=[areas["ML10"], areas["ML0501"]],
        user__username="im.mali",
    ).user
    url = reverse("intake:batch_detail", args=[menaka_batch.pk])
    client.force_login(colleague)  # a district below the batch's region covers only part of it
    assert client.get(url).status_code == 404
    client.force_login(manager)
    assert client.get(url).status_code == 200
    assert menaka_batch.pk in [batch.pk for batch in client.get(reverse("intake:batch_list")).context["batches"]]


def test_a_batch_uploaded_for_every_area_is_only_for_grants_over_every_area(client, tmp_path, officer, menaka):
    path = kobo_workbook(tmp_path / "all.xlsx", [household_row(1)], family(1))
    client.force_login(officer)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.scope_areas == []
    client.force_login(menaka)
    assert client.get(reverse("intake:batch_detail", args=[batch.pk])).status_code == 404


@pytest.fixture
def manager(iom, areas):
    """An information management officer over Ménaka: may export personal data there."""
    return MembershipFactory(
        organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, areas=[areas["ML10"]], user__username="im.menaka"
    ).user


def test_a_role_without_the_export_permission_may_not_download_the_report(client, tmp_path, menaka):
    path = kobo_workbook(tmp_path / "menaka.xlsx", [household_row(1, **{"location/admin2": "ML9999"})], family(1))
    client.force_login(menaka)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    page = client.get(reverse("intake:batch_detail", args=[batch.pk]))
    assert "Code P inconnu : ML9999." in page.content.decode()
    assert reverse("intake:batch_report", args=[batch.pk]) not in page.content.decode()
    assert "no-store" in page["Cache-Control"]

    response = client.get(reverse("intake:batch_report", args=[batch.pk]))
    assert response.status_code == 403
    assert "données personnelles" in response.content.decode()  # the page speaks French, Abri's default
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEntry.objects.filter(action="import_batch.report_download").exists()


def test_the_report_download_is_audited_and_never_cached(client, tmp_path, menaka, manager):
    households = [household_row(1, **{"location/admin2": "ML9999"})]
    path = kobo_workbook(tmp_path / "menaka.xlsx", households, family(1, given_names="@SUM(1,2)"))
    client.force_login(menaka)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    client.force_login(manager)
    page = client.get(reverse("intake:batch_detail", args=[batch.pk]))
    assert reverse("intake:batch_report", args=[batch.pk]) in page.content.decode()

    response = client.get(reverse("intake:batch_report", args=[batch.pk]))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    entry = AuditEntry.objects.get(action="import_batch.report_download")
    assert entry.actor == manager
    assert entry.target_id == str(batch.pk)

    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [cell.value for row in workbook["members"].iter_rows() for cell in row]
    assert "'@SUM(1,2)" in values
    assert all(cell.data_type != "f" for row in workbook["members"].iter_rows() for cell in row)


def test_a_batch_uploaded_under_a_programme_is_for_grants_over_that_programme(client, tmp_path, iom, areas):
    nfi = ProgrammeFactory(code="MLI-MNK-NFI-2022", name="NFI Ménaka", organisation=iom)
    shelter = ProgrammeFactory(code="MLI-MNK-SHL-2022", name="Abris Ménaka", organisation=iom)
    uploader = MembershipFactory(organisation=iom, areas=[areas["ML10"]], programme_list=[nfi], user__username="u").user
    same = MembershipFactory(organisation=iom, areas=[areas["ML10"]], programme_list=[nfi], user__username="s").user
    other = MembershipFactory(
        organisation=iom, areas=[areas["ML10"]], programme_list=[shelter], user__username="o"
    ).user
    client.force_login(uploader)
    _upload(client, kobo_workbook(tmp_path / "nfi.xlsx", [household_row(1)], family(1)))
    batch = ImportBatch.objects.get()
    assert batch.scope_programmes == [nfi.pk]
    url = reverse("intake:batch_detail", args=[batch.pk])
    client.force_login(same)
    assert client.get(url).status_code == 200
    client.force_login(other)
    assert client.get(url).status_code == 404
    assert client.post(reverse("intake:batch_discard", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED


def test_an_uploader_with_two_grants_still_follows_the_batch(client, tmp_path, iom, areas):
    uploader = MembershipFactory(organisation=iom, areas=[areas["ML10"]], user__username="two").user
    MembershipFactory(
        organisation=iom, user=uploader, role=Role.INFORMATION_MANAGEMENT_OFFICER, areas=[areas["ML0501"]]
    )
    client.force_login(uploader)
    _upload(client, kobo_workbook(tmp_path / "two.xlsx", [household_row(1)], family(1)))
    batch = ImportBatch.objects.get()
    assert batch.scope_areas == ["ML10"]
    assert client.get(reverse("intake:batch_detail", args=[batch.pk])).status_code == 200
