"""ODK Central's exports as its documentation describes them: the CSV export (a file for the form
and one per repeat group, linked by KEY / PARENT_KEY, group names joined by "-"), alone or in the
zip Central gives, and the OData JSON with its repeats expanded."""

import csv
import io
import json
import zipfile

import pytest

from abri.intake.models import BatchStatus, ImportedSubmission
from abri.intake.parsers.files import read_file
from abri.intake.parsers.layout import stage
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate
from abri.intake.tests.factories import submission_uuid
from abri.registry.models import Household, Individual

pytestmark = pytest.mark.django_db

FORM = "menaka_registration"
MAIN = [
    "SubmissionDate", "today", "location-admin1", "location-admin2", "location-gps-Latitude",
    "location-gps-Longitude", "location-gps-Altitude", "location-gps-Accuracy", "consent", "consent_date",
    "head-name", "spouse-name", "meta-instanceID", "KEY", "SubmitterID", "SubmitterName", "AttachmentsPresent",
    "AttachmentsExpected", "Status", "ReviewState", "DeviceID", "Edits", "FormVersion",
]  # fmt: skip
MEMBERS = ["members-given_names", "members-sex", "members-relationship", "members-age_years", "PARENT_KEY", "KEY"]
DOCUMENTS = ["members-documents-type", "PARENT_KEY", "KEY"]


def _key(number):
    return f"uuid:{submission_uuid(number)}"


def _csv(header, rows):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def central_files():
    """The three CSV files of Central's export for two submissions, a nested repeat in the first."""
    main = [
        ["2022-11-20T10:00:00.000Z", "2022-11-20", "ML10", "ML1001", "15.9246", "2.4015", "312", "4.5", "given",
         "2022-11-20", "Fadimata", "Moussa", _key(number), _key(number), "5", "enumerator1", "0", "0", "",
         "approved", "collect:Xq3cN8bQ2m", "0", "2022112001"]
        for number in (1, 2)
    ]  # fmt: skip
    members = [
        ["Fadimata", "female", "head", "41", _key(1), f"{_key(1)}/members[1]"],
        ["Alhassane", "male", "child", "9", _key(1), f"{_key(1)}/members[2]"],
        ["Hawa", "female", "head", "35", _key(2), f"{_key(2)}/members[1]"],
        ["Ousmane", "male", "child", "4", _key(2), f"{_key(2)}/members[2]"],
    ]
    documents = [["nina", f"{_key(1)}/members[1]", f"{_key(1)}/members[1]/documents[1]"]]
    return {
        f"{FORM}.csv": _csv(MAIN, main),
        f"{FORM}-members.csv": _csv(MEMBERS, members),
        f"{FORM}-documents.csv": _csv(DOCUMENTS, documents),
    }


def _zip(tmp_path):
    path = tmp_path / f"{FORM}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in central_files().items():
            archive.writestr(name, content)
        archive.writestr("media/photo-10_1_2.jpg", b"\xff\xd8\xff\xe0 not read")
    return path


def _commit(batch, officer):
    return batch_commit(batch_id=batch_commit_request(actor=officer, batch=batch).pk, actor=officer)


def test_the_zip_central_gives_imports_with_every_member_in_their_household(tmp_path, areas, iom, officer):
    path = _zip(tmp_path)
    batch = batch_validate(batch_id=batch_create(actor=officer, organisation=iom, files=[(path, path.name)]).pk)
    # The nested repeat of documents is named, not dropped in silence.
    assert [(issue.severity, issue.message.split(" is not")[0]) for issue in batch.issues.all()] == [
        ("warning", "The repeat group menaka_registration-documents (1 rows)")
    ]
    assert (batch.households_total, batch.individuals_total, batch.households_valid) == (2, 4, 2)
    assert _commit(batch, officer).status == BatchStatus.COMMITTED
    # Central's KEY names the submission, as its OData __id does: the same household either way.
    assert sorted(ImportedSubmission.objects.values_list("submission_id", flat=True)) == [_key(1), _key(2)]
    assert sorted(Individual.objects.values_list("given_names", flat=True)) == [
        "Alhassane", "Fadimata", "Hawa", "Ousmane"
    ]  # fmt: skip


def test_the_csv_files_uploaded_side_by_side_import_as_the_zip_does(tmp_path, areas, iom, officer):
    files = []
    for name, content in central_files().items():
        (tmp_path / name).write_bytes(content)
        files.append((tmp_path / name, name))
    batch = batch_validate(batch_id=batch_create(actor=officer, organisation=iom, files=files).pk)
    assert (batch.households_total, batch.individuals_total, batch.households_valid) == (2, 4, 2)


def test_central_tables_keep_groups_as_paths_and_name_each_repeat_and_its_parent(tmp_path):
    staged_tables = {table.name: table for table in read_file(_zip(tmp_path)).tables}
    assert set(staged_tables) == {FORM, f"{FORM}-members", f"{FORM}-documents"}
    staged = stage(read_file(_zip(tmp_path)))
    assert staged.members["given_names"].to_list() == ["Fadimata", "Alhassane", "Hawa", "Ousmane"]
    assert staged.members["_household_key"].to_list() == [0, 0, 1, 1]
    assert staged.households["admin2"].to_list() == ["ML1001", "ML1001"]
    assert staged.columns[FORM]["admin1"] == "location/admin1"
    assert any("menaka_registration-documents (1 rows)" in warning for warning in staged.warnings)


def test_odata_json_with_expanded_repeats_imports_and_keeps_both_groups_answers(tmp_path, areas, iom, officer):
    def submission(number, members):
        return {
            "__id": _key(number),
            "__system": {"submissionDate": "2022-11-20T10:00:00.000Z", "submitterId": "5", "reviewState": None},
            "meta": {"instanceID": _key(number)},
            "today": "2022-11-20",
            "location": {"admin1": "ML10", "admin2": "ML1001"},
            "consent": "given",
            "consent_date": "2022-11-20",
            "head": {"name": "Fadimata"},
            "spouse": {"name": "Moussa"},
            "members@odata.navigationLink": f"Submissions('{_key(number)}')/members",
            "members": [
                {"__id": f"m{number}{index}", "given_names": given, "sex": sex, "relationship": relationship,
                 "age_years": age}
                for index, (given, sex, relationship, age) in enumerate(members)
            ],
        }  # fmt: skip

    payload = {
        "@odata.context": f"https://central.example.org/v1/projects/1/forms/{FORM}.svc/$metadata#Submissions",
        "value": [
            submission(1, [("Fadimata", "female", "head", 41), ("Alhassane", "male", "child", 9)]),
            submission(2, [("Hawa", "female", "head", 35)]),
        ],
    }
    path = tmp_path / "submissions.json"
    path.write_text(json.dumps(payload))
    main = read_file(path).tables[0].frame.row(0, named=True)
    assert (main["head/name"], main["spouse/name"]) == ("Fadimata", "Moussa")
    batch = batch_validate(batch_id=batch_create(actor=officer, organisation=iom, files=[(path, path.name)]).pk)
    assert (batch.households_total, batch.individuals_total, batch.households_valid) == (2, 3, 2)
    _commit(batch, officer)
    assert Household.objects.count() == 2
    assert sorted(ImportedSubmission.objects.values_list("submission_id", flat=True)) == [_key(1), _key(2)]


def test_a_repeat_row_whose_parent_is_missing_is_named_at_its_row(tmp_path, areas, iom, officer):
    files = central_files()
    files[f"{FORM}-members.csv"] += f"Kadidia,female,head,30,{_key(9)},{_key(9)}/members[1]\r\n".encode()
    for name, content in files.items():
        (tmp_path / name).write_bytes(content)
    batch = batch_create(actor=officer, organisation=iom, files=[(tmp_path / name, name) for name in files])
    batch = batch_validate(batch_id=batch.pk)
    issue = batch.issues.get(severity="error")
    assert (issue.sheet, issue.row) == (f"{FORM}-members", 6)
    assert _key(9) in issue.message
    assert batch.households_valid == 2
