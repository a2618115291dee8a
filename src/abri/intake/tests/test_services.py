"""Importing registrations: staged, validated cell by cell, committed all or nothing, re-imported
without doubling anyone."""

import json
import zipfile
from datetime import date

import pytest
from django.db import connection
from django.test import override_settings

from abri.core import crypto
from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.intake import staging
from abri.intake.models import BatchStatus, ImportedSubmission
from abri.intake.services import (
    batch_add_files,
    batch_commit,
    batch_commit_request,
    batch_create,
    batch_discard,
    batch_validate,
    mapping_save,
)
from abri.intake.tests.factories import family, household_row, kobo_workbook, member_row, submission_uuid
from abri.registry.models import Household, Individual
from abri.registry.tests.factories import household_saved

pytestmark = pytest.mark.django_db


def _validated(officer, organisation, path, name=None, mapping=None):
    batch = batch_create(actor=officer, organisation=organisation, files=[(path, name or path.name)], mapping=mapping)
    return batch_validate(batch_id=batch.pk)


def _committed(officer, batch, **options):
    batch = batch_commit_request(actor=officer, batch=batch)
    return batch_commit(batch_id=batch.pk, actor=officer, **options)


def _problems(batch):
    return list(batch.issues.order_by("id").values_list("severity", "sheet", "row", "column", "message"))


def test_kobo_export_is_validated_and_committed_with_members_heads_and_links(tmp_path, areas, iom, officer):
    bystander = household_saved(organisation=iom)
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1), household_row(2)], family(1) + family(2))
    batch = _validated(officer, iom, path)
    assert batch.status == BatchStatus.VALIDATED
    assert (batch.households_total, batch.individuals_total, batch.households_valid) == (2, 6, 2)
    assert _problems(batch) == []

    batch = _committed(officer, batch)
    assert batch.status == BatchStatus.COMMITTED
    assert batch.households_created == 2
    link = ImportedSubmission.objects.get(submission_id=submission_uuid(1))
    household = link.household
    assert household.registration_number == "IOM-22-000002"
    assert household.admin_area_id == "ML1001"
    assert household.origin_area_id == "ML1002"
    assert household.head.given_names == "Fatoumata"
    assert household.size == 3
    assert household.widow_headed is True
    assert household.member_with_disability is True
    assert crypto.decrypt(household.phone_encrypted) == "+22376123456"
    son = household.members.get(given_names="Ali")
    assert (son.birth_date_precision, son.relationship) == ("estimated_age", "child")
    grandmother = household.members.get(given_names="Aïssata")
    assert grandmother.birth_date == date(1950, 5, 2)  # written 02/05/1950: day first
    assert AuditEntry.objects.filter(action="household.create", changes__import_batch=batch.pk).count() == 2
    bystander.refresh_from_db()
    assert bystander.members.count() == 3


def test_reimport_of_the_same_submission_updates_and_records_what_changed(tmp_path, areas, iom, officer):
    first = kobo_workbook(tmp_path / "first.xlsx", [household_row(1)], family(1))
    _committed(officer, _validated(officer, iom, first))
    household = ImportedSubmission.objects.get().household
    member_ids = sorted(household.members.values_list("pk", flat=True))

    changed = family(1)
    changed[1]["given_names"] = "Alassane"
    again = kobo_workbook(tmp_path / "again.xlsx", [household_row(1, phone="76 00 00 01")], changed)
    batch = _validated(officer, iom, again)
    assert batch.households_update == 1
    batch = _committed(officer, batch)

    assert (batch.households_created, batch.households_updated) == (0, 1)
    assert Household.objects.count() == 1
    assert sorted(household.members.values_list("pk", flat=True)) == member_ids
    assert household.members.filter(given_names="Alassane").exists()
    entry = AuditEntry.objects.get(action="household.update", target_id=str(household.pk))
    assert entry.changes == {
        "fields": ["phone_hash"],
        "members_added": 0,
        "members_removed": 0,
        "members_changed": 1,
        "import_batch": batch.pk,
    }

    third = _committed(officer, _validated(officer, iom, again))
    assert (third.households_created, third.households_updated, third.households_unchanged) == (0, 0, 1)


def test_every_problem_is_placed_at_its_sheet_row_and_column(tmp_path, areas, iom, officer):
    households = [
        household_row(1, **{"location/admin2": "ML9999"}),
        household_row(2, departure_date="le 3 octobre"),
        household_row(3),
    ]
    members = [
        *family(1),
        member_row(2, age_years="trente", birth_date=None),
        member_row(3),
        member_row(3, given_names="Awa", relationship="head"),
        member_row(7, given_names="Orpheline"),
    ]
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "bad.xlsx", households, members))
    main = "Enregistrement des ménages"
    assert _problems(batch) == [
        ("error", main, 2, "location/admin2", "Unknown P-code: ML9999."),
        ("error", main, 3, "departure_date", "Not a date: le 3 octobre. Write dates as DD/MM/YYYY or YYYY-MM-DD."),
        ("error", main, 4, "", "Exactly one member must be the head of household (found 2)."),
        ("error", "members", 5, "age_years", "Not a whole number: trente."),
        ("error", "members", 5, "birth_date", "Give a date of birth, a year of birth or an estimated age."),
        (
            "error",
            "members",
            8,
            "_submission__uuid",
            f"This member's household ({submission_uuid(7)}) is not in the file.",
        ),
    ]
    assert (batch.households_valid, batch.households_invalid) == (0, 3)
    batch = _committed(officer, batch)
    assert batch.status == BatchStatus.PARTIALLY_COMMITTED
    assert Household.objects.count() == 0


def test_messages_are_in_the_language_of_the_batch(tmp_path, areas, iom, officer):
    path = kobo_workbook(tmp_path / "bad.xlsx", [household_row(1, **{"location/admin2": "ML9999"})], family(1))
    batch = batch_create(actor=officer, organisation=iom, files=[(path, "bad.xlsx")], language="en")
    batch = batch_validate(batch_id=batch.pk)
    assert batch.issues.get().message == "Unknown P-code: ML9999."


def test_fixing_rows_in_a_new_file_and_revalidating_commits_the_rest(tmp_path, areas, iom, officer):
    households = [household_row(1), household_row(2, consent="")]
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "a.xlsx", households, family(1) + family(2)))
    batch = _committed(officer, batch)
    assert batch.status == BatchStatus.PARTIALLY_COMMITTED
    assert Household.objects.count() == 1

    fixed = kobo_workbook(tmp_path / "fixed.xlsx", [household_row(2)], family(2))
    batch_add_files(actor=officer, batch=batch, files=[(fixed, "fixed.xlsx")])
    batch = batch_validate(batch_id=batch.pk)
    assert (batch.households_valid, batch.households_invalid, batch.households_update) == (2, 0, 1)
    batch = _committed(officer, batch)
    assert batch.status == BatchStatus.COMMITTED
    assert Household.objects.count() == 2
    assert ImportedSubmission.objects.count() == 2


def test_duplicates_by_submission_and_identity_number_are_flagged(tmp_path, areas, iom, officer):
    registered = household_saved(
        organisation=iom, registration_number="IOM-22-000900",
        members=[household_saved.__globals__["member_input"](id_document_type="national_id", id_number="ML 123")],
    )  # fmt: skip
    households = [household_row(1), household_row(1), household_row(2)]
    members = [
        *family(1),
        member_row(2, id_document_type="national_id", id_number="ml123"),
    ]
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "dup.xlsx", households, members))
    assert [(severity, row, message) for severity, _sheet, row, _column, message in _problems(batch)] == [
        ("error", 3, "A household has at least one member."),  # its members went to the first copy
        ("error", 3, "This submission appears more than once in the file (first at row 2)."),
        ("duplicate", 5, "This identity document number is already registered (household IOM-22-000900)."),
    ]
    assert (batch.households_valid, batch.households_invalid, batch.households_duplicate) == (1, 1, 1)
    batch = _committed(officer, batch)
    assert Household.objects.exclude(pk=registered.pk).count() == 1


@pytest.mark.parametrize(
    "case",
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "password-protected"),
        (b"", "is empty"),
    ],
)
def test_unreadable_files_fail_with_a_clear_message_and_write_nothing(tmp_path, areas, iom, officer, case):
    content, expected = case
    path = tmp_path / "registrations.xlsx"
    path.write_bytes(content)
    batch = _validated(officer, iom, path)
    assert batch.status == BatchStatus.FAILED
    assert expected in batch.message
    assert "registrations.xlsx" in batch.message
    assert Household.objects.count() == 0
    assert batch.issues.count() == 0


def test_truncated_workbook_fails_with_a_clear_message(tmp_path, areas, iom, officer):
    whole = kobo_workbook(tmp_path / "whole.xlsx", [household_row(1)], family(1)).read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: len(whole) // 2])
    batch = _validated(officer, iom, cut)
    assert batch.status == BatchStatus.FAILED
    assert batch.message.startswith("The file cut.xlsx is damaged or incomplete")


def test_file_over_the_size_limit_is_refused_before_anything_is_stored(tmp_path, areas, iom, officer):
    path = tmp_path / "big.csv"
    path.write_bytes(b"a;b\n" + b"1;2\n" * 20)
    with override_settings(ABRI_IMPORT_MAX_BYTES=50), pytest.raises(ValidationFailed) as refused:
        batch_create(actor=officer, organisation=iom, files=[(path, "big.csv")])
    assert "the largest file Abri accepts" in refused.value.errors["files"][0]


def test_latin1_semicolon_csv_with_a_mapping_and_value_translations(tmp_path, areas, iom, officer):
    mapping = mapping_save(
        actor=officer,
        organisation=iom,
        name="Partenaire ANA",
        spec={
            "layout": "rows",
            "household_key": "N° ménage",
            "columns": {
                "Prénom": "given_names", "Nom": "family_name", "Sexe": "sex", "Lien": "relationship",
                "Âge": "age_years", "Cercle": "admin_area", "Consentement": "consent", "Date": "consent_date",
                "Date naissance": "birth_date",
            },
            "values": {
                "sex": {"F": "female", "Femme": "female", "H": "male"},
                "relationship": {"Chef": "head", "Enfant": "child"},
                "consent": {"Oui": "given"},
            },
        },
    )  # fmt: skip
    text = (
        "N° ménage;Prénom;Nom;Sexe;Lien;Âge;Date naissance;Cercle;Consentement;Date\n"
        "M-001;Aïssata;Maïga;Femme;Chef;35 ans;;ML1001;Oui;20/11/2022\n"
        "M-001;Ousmane;Maïga;H;Enfant;;44835;ML1001;Oui;20/11/2022\n"
        "M-002;Fanta;Touré;F;Chef;;;ML1001;Oui;20/11/2022\n"
    )
    path = tmp_path / "partenaire.csv"
    path.write_bytes(text.encode("latin-1"))
    batch = _validated(officer, iom, path, mapping=mapping)
    assert _problems(batch) == [
        ("error", "partenaire", 4, "Date naissance", "Give a date of birth, a year of birth or an estimated age."),
    ]
    batch = _committed(officer, batch)
    household = ImportedSubmission.objects.get(submission_id="Partenaire ANA:M-001").household
    assert sorted(household.members.values_list("given_names", "sex", "birth_date_precision")) == [
        ("Aïssata", "female", "estimated_age"),
        ("Ousmane", "male", "exact"),
    ]
    assert household.members.get(given_names="Ousmane").birth_date == date(2022, 10, 1)  # Excel serial 44835


def test_formulas_are_never_run_and_a_warning_says_so(tmp_path, areas, iom, officer):
    path = kobo_workbook(tmp_path / "formula.xlsx", [household_row(1, phone='=HYPERLINK("x")')], family(1))
    batch = _validated(officer, iom, path)
    warnings = list(batch.issues.filter(severity="warning").values_list("message", flat=True))
    assert len(warnings) == 1
    assert "never runs formulas" in warnings[0]
    # openpyxl saved no value for the formula: the phone is empty, nothing was computed.
    assert batch.households_valid == 1


def test_commit_is_all_or_nothing(tmp_path, areas, iom, officer, monkeypatch):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1), household_row(2)], family(1) + family(2))
    batch = batch_commit_request(actor=officer, batch=_validated(officer, iom, path))

    def crash(**kwargs):
        raise RuntimeError("the machine went down")

    monkeypatch.setattr("abri.intake.services.households_bulk_update", crash)
    with pytest.raises(RuntimeError):
        batch_commit(batch_id=batch.pk, actor=officer)
    assert Household.objects.count() == 0
    assert Individual.objects.count() == 0
    assert ImportedSubmission.objects.count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.COMMITTING
    monkeypatch.undo()

    batch = batch_commit(batch_id=batch.pk, actor=officer)
    assert batch.households_created == 2
    again = batch_commit(batch_id=batch.pk, actor=officer)
    assert again.status == BatchStatus.COMMITTED
    assert Household.objects.count() == 2
    assert Individual.objects.count() == 6


def test_discard_removes_the_staged_files(tmp_path, areas, iom, officer):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1)], family(1))
    batch = _validated(officer, iom, path)
    folder = staging.batch_folder(batch)
    assert (folder / "households.parquet").exists()
    batch_discard(actor=officer, batch=batch)
    assert not (folder / "households.parquet").exists()
    assert Household.objects.count() == 0


def test_kobo_json_from_the_api_imports_like_the_xlsx(tmp_path, areas, iom, officer):
    record = {
        "_uuid": submission_uuid(5),
        "_submission_time": "2022-11-20T10:00:00",
        "_validation_status": {"uid": "validation_status_approved"},
        "location/admin1": "ML10",
        "location/admin2": "ML1001",
        "consent": "given",
        "consent_date": "2022-11-20",
        "today": "2022-11-20",
        "members": [
            {"members/given_names": "Hawa", "members/sex": "female", "members/relationship": "head",
             "members/birth_date": "1990-01-01"},
            {"members/given_names": "Sidi", "members/sex": "male", "members/relationship": "child",
             "members/age_years": "4"},
        ],
    }  # fmt: skip
    path = tmp_path / "data.json"
    path.write_text(json.dumps({"count": 1, "results": [record]}))
    batch = _committed(officer, _validated(officer, iom, path))
    assert batch.households_created == 1
    household = ImportedSubmission.objects.get(submission_id=submission_uuid(5)).household
    assert sorted(household.members.values_list("given_names", flat=True)) == ["Hawa", "Sidi"]


def test_truncated_csv_reports_the_cut_row(tmp_path, areas, iom, officer):
    mapping = mapping_save(
        actor=officer, organisation=iom, name="simple",
        spec={"layout": "rows", "household_key": "hh", "columns": {"name": "given_names", "sex": "sex",
              "rel": "relationship", "age": "age_years", "area": "admin_area", "consent": "consent",
              "date": "consent_date"}},
    )  # fmt: skip
    path = tmp_path / "cut.csv"
    path.write_text("hh,name,sex,rel,age,area,consent,date\nA,Awa,female,head,30,ML1001,given,2022-11-20\nB,Mo")
    batch = _validated(officer, iom, path, mapping=mapping)
    assert batch.status in {BatchStatus.VALIDATED, BatchStatus.FAILED}
    if batch.status == BatchStatus.VALIDATED:
        assert (batch.households_valid, batch.households_invalid) == (1, 1)
        assert any(row == 3 for _s, _sheet, row, _c, _m in _problems(batch))
    batch = _committed(officer, batch) if batch.status == BatchStatus.VALIDATED else batch
    assert Household.objects.count() == (1 if batch.status != BatchStatus.FAILED else 0)


def test_zip_that_is_not_a_workbook(tmp_path, areas, iom, officer):
    path = tmp_path / "notes.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("readme.txt", "hello")
    batch = _validated(officer, iom, path)
    assert batch.status == BatchStatus.FAILED
    assert "notes.xlsx" in batch.message
    assert connection.vendor in {"sqlite", "postgresql"}


def test_kobo_csv_exports_main_and_members_read_together(tmp_path, areas, iom, officer):
    main = tmp_path / "registration.csv"
    main.write_text(
        "today;location/admin1;location/admin2;consent;consent_date;_uuid;_index\n"
        f"2022-11-20;ML10;ML1001;given;20/11/2022;{submission_uuid(1)};1\n",
        encoding="utf-8-sig",
    )
    members = tmp_path / "members.csv"
    members.write_text(
        "given_names;sex;relationship;age_years;_index;_parent_index;_submission__uuid\n"
        f"Mariam;female;head;41;1;1;{submission_uuid(1)}\n"
        f"Bakary;male;child;12;2;1;{submission_uuid(1)}\n",
        encoding="utf-8",
    )
    batch = batch_create(actor=officer, organisation=iom, files=[(main, main.name), (members, members.name)])
    batch = _committed(officer, batch_validate(batch_id=batch.pk))
    assert batch.households_created == 1
    household = ImportedSubmission.objects.get(submission_id=submission_uuid(1)).household
    assert sorted(household.members.values_list("given_names", flat=True)) == ["Bakary", "Mariam"]
    assert household.consent_date == date(2022, 11, 20)


def test_staged_files_sit_in_folders_only_abris_account_may_open(tmp_path, areas, iom, officer):
    batch = _validated(officer, iom, kobo_workbook(tmp_path / "export.xlsx", [household_row(1)], family(1)))
    folder = staging.batch_folder(batch)
    assert any(folder.iterdir())  # the upload and the staged rows are there
    assert folder.stat().st_mode & 0o777 == 0o700
    assert folder.parent.stat().st_mode & 0o777 == 0o700
