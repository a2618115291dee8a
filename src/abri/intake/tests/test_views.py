"""The import pages as a registration officer uses them (jobs run inline in tests)."""

import io

import openpyxl
import pytest
from django.urls import reverse

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.core import crypto
from abri.intake import staging
from abri.intake.models import BatchStatus, ColumnMapping, ImportBatch
from abri.intake.tests.factories import family, household_row, kobo_workbook, submission_uuid
from abri.registry.models import Household

pytestmark = pytest.mark.django_db


@pytest.fixture
def exporter(iom):
    """An information management officer of the organisation: the role that may export personal data."""
    return MembershipFactory(
        organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True, user__username="im.all"
    ).user


def _upload(client, path):
    with path.open("rb") as handle:
        return client.post(reverse("intake:batch_list"), {"upload": handle})


@pytest.mark.french
def test_upload_validate_review_and_commit_through_the_pages(client, tmp_path, areas, officer, exporter):
    households = [household_row(1), household_row(2, **{"location/admin2": "ML9999"})]
    path = kobo_workbook(tmp_path / "export.xlsx", households, family(1) + family(2))
    client.force_login(officer)
    response = _upload(client, path)
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:batch_detail", args=[batch.pk])

    page = client.get(response["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert "Code P inconnu : ML9999." in text
    assert page["Vary"].count("HX-Request") == 1

    fragment = client.get(response["Location"] + "?was=running", HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"
    assert "<h1>" not in fragment.content.decode()

    client.force_login(exporter)
    report = client.get(reverse("intake:batch_report", args=[batch.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(report.content))
    assert workbook.sheetnames == ["Enregistrement des ménages", "members", "Abri problems"]
    main = list(workbook["Enregistrement des ménages"].iter_rows(values_only=True))
    assert main[0][-1] == "Problèmes"
    assert len(main) == 2  # the header and the one household with an error
    assert main[1][-1] == "Code P inconnu : ML9999."
    assert submission_uuid(2) in main[1]

    client.force_login(officer)
    client.post(reverse("intake:batch_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.PARTIALLY_COMMITTED
    assert Household.objects.count() == 1


def test_report_never_writes_formulas(client, tmp_path, areas, officer, exporter):
    households = [household_row(1, consent="=cmd|' /C calc'!A0")]
    path = kobo_workbook(tmp_path / "export.xlsx", households, family(1))
    client.force_login(officer)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    client.force_login(exporter)
    report = client.get(reverse("intake:batch_report", args=[batch.pk]))
    workbook = openpyxl.load_workbook(io.BytesIO(report.content))
    cells = [cell for row in workbook["Enregistrement des ménages"].iter_rows() for cell in row]
    assert all(cell.data_type != "f" for cell in cells)


def test_another_organisation_cannot_see_the_batch_and_a_colleague_can_follow_it(client, tmp_path, areas, iom, officer):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1)], family(1))
    client.force_login(officer)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    colleague = MembershipFactory(
        organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True, user__username="im"
    ).user
    stranger = MembershipFactory(organisation=OrganisationFactory(acronym="NRC"), user__username="nrc").user
    viewer = MembershipFactory(organisation=iom, role=Role.PARTNER_VIEWER, user__username="viewer").user
    url = reverse("intake:batch_detail", args=[batch.pk])
    client.force_login(colleague)
    assert client.get(url).status_code == 200
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.post(reverse("intake:batch_commit", args=[batch.pk])).status_code == 404
    client.force_login(viewer)
    assert client.get(reverse("intake:batch_list")).status_code == 404
    batch.refresh_from_db()
    assert batch.status == BatchStatus.VALIDATED
    assert Household.objects.count() == 0


def test_mapping_builder_reads_the_headers_and_saves_the_mapping(client, tmp_path, areas, iom, officer):
    client.force_login(officer)
    sample = tmp_path / "liste.csv"
    sample.write_text("Ménage;Prénom;Sexe\nM-1;Awa;F\n", encoding="utf-8")
    with sample.open("rb") as handle:
        page = client.post(reverse("intake:mapping_list"), {"sample": handle})
    text = page.content.decode()
    assert "Prénom" in text
    response = client.post(
        reverse("intake:mapping_list"),
        {
            "headers": '["Ménage", "Prénom", "Sexe"]',
            "name": "Liste partenaire",
            "layout": "rows",
            "household_key": "Ménage",
            "column_1": "given_names",
            "column_2": "sex",
            "values": "sex: F = female\nsex: H = male",
        },
    )
    assert response.status_code == 302
    mapping = ColumnMapping.objects.get(name="Liste partenaire")
    assert mapping.organisation == iom
    assert mapping.spec == {
        "layout": "rows",
        "household_key": "Ménage",
        "columns": {"Prénom": "given_names", "Sexe": "sex"},
        "values": {"sex": {"F": "female", "H": "male"}},
    }


@pytest.mark.french
def test_a_running_batch_says_its_phase_in_french_with_the_engine_stage(client, tmp_path, areas, iom, officer):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1)], family(1))
    client.force_login(officer)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(status=BatchStatus.VALIDATING)
    staging.progress_write(batch.pk, phase="duplicates: batch scoring", done=2, total=4)

    fragment = client.get(reverse("intake:batch_detail", args=[batch.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "Recherche des personnes déjà enregistrées · dans le lot · Calcul des scores des paires" in fragment
    assert "duplicates:" not in fragment


def test_a_corrected_report_imports_the_values_as_they_were_before_neutralising(
    client, tmp_path, areas, officer, exporter
):
    households = [household_row(1, **{"location/admin2": "ML9999"})]
    path = kobo_workbook(tmp_path / "export.xlsx", households, family(1, given_names="@Fatou"))
    client.force_login(officer)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    client.force_login(exporter)
    report = openpyxl.load_workbook(io.BytesIO(client.get(reverse("intake:batch_report", args=[batch.pk])).content))
    main = report["Enregistrement des ménages"]
    header = [cell.value for cell in main[1]]
    assert main.cell(row=2, column=header.index("phone") + 1).value == "'+223 76 12 34 56"
    main.cell(row=2, column=header.index("location/admin2") + 1).value = "ML1001"
    corrected = tmp_path / "corrected.xlsx"
    report.save(corrected)

    with corrected.open("rb") as handle:
        client.post(reverse("intake:batch_add", args=[batch.pk]), {"upload": handle})
    client.post(reverse("intake:batch_commit", args=[batch.pk]))
    household = Household.objects.get()
    assert household.head.given_names == "@Fatou"
    assert household.admin_area_id == "ML1001"
    assert crypto.decrypt(household.phone_encrypted) == "+22376123456"
