"""Kobo API v2 JSON as Kobo writes it: every system field of a record, as the KoboToolbox API
documentation (``/api/v2/assets/{uid}/data/``) lists them, around the form's own answers."""

import json

import pytest

from abri.intake.models import BatchStatus, ImportedSubmission
from abri.intake.parsers.files import UnreadableFile, read_file
from abri.intake.parsers.layout import stage
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate
from abri.intake.tests.factories import submission_uuid
from abri.registry.models import Household, Individual

pytestmark = pytest.mark.django_db


def _member(given, sex, relationship, age):
    return {"members/given_names": given, "members/family_name": "Ag Ahmed", "members/sex": sex,
            "members/relationship": relationship, "members/age_years": str(age)}  # fmt: skip


def kobo_record(number, *, root=None, members=None, **overrides):
    """A submission as the Kobo API gives it: system fields before and after the answers."""
    uuid = submission_uuid(number)
    record = {
        "_id": 2000 + number,
        "formhub/uuid": "3b1b6e5c4f6d4d0a9a8e5b1c2d3e4f50",
        "start": "2022-11-20T09:12:03.120+00:00",
        "end": "2022-11-20T09:31:44.504+00:00",
        "today": "2022-11-20",
        "deviceid": "collect:Xq3cN8bQ2m",
        "location/admin1": "ML10",
        "location/admin2": "ML1001",
        "consent": "given",
        "consent_date": "2022-11-20",
        "members": members if members is not None else [
            _member("Fadimata", "female", "head", 41), _member("Alhassane", "male", "child", 9)
        ],
        "__version__": "vRZ3kdNqzKb7X9qjVhZ5mT",
        "meta/instanceID": f"uuid:{uuid}",
        "meta/rootUuid": f"uuid:{root or uuid}",
        "_xform_id_string": "aXyZ3kdNqzKb7X9qj",
        "_uuid": uuid,
        "_attachments": [
            {"download_url": "https://kf.kobotoolbox.org/api/v2/assets/aXyZ/data/1/attachments/55/",
             "mimetype": "image/jpeg", "filename": "enum/attachments/aXyZ/photo-9_31_2.jpg",
             "instance": 2000 + number, "xform": 12, "id": 55, "question_xpath": "photo", "uid": "attQ5sUk"},
        ],
        "_status": "submitted_via_web",
        "_geolocation": [15.9246, 2.4015],
        "_submission_time": "2022-11-20T10:00:00",
        "_tags": ["menaka", "round-1"],
        "_notes": [{"id": 4, "note": "Checked by phone", "date_created": "2022-11-21T08:00:00", "user": "im"}],
        "_validation_status": {"timestamp": 1669017600, "uid": "validation_status_approved",
                               "by_whom": "im.mali", "color": "#00c", "label": "Approved"},
        "_submitted_by": "enumerator1",
    }  # fmt: skip
    record.update(overrides)
    return record


def _write(tmp_path, records, name="kobo.json"):
    path = tmp_path / name
    path.write_text(json.dumps({"count": len(records), "next": None, "previous": None, "results": records}))
    return path


def _validated(tmp_path, iom, officer, records, name="kobo.json"):
    path = _write(tmp_path, records, name)
    batch = batch_create(actor=officer, organisation=iom, files=[(path, name)])
    return batch_validate(batch_id=batch.pk)


def test_every_member_finds_their_household_though_meta_instance_id_comes_first(tmp_path, areas, iom, officer):
    batch = _validated(tmp_path, iom, officer, [kobo_record(1), kobo_record(2)])
    assert list(batch.issues.values_list("message", flat=True)) == []
    assert (batch.households_total, batch.individuals_total, batch.households_valid) == (2, 4, 2)
    batch = batch_commit(batch_id=batch_commit_request(actor=officer, batch=batch).pk, actor=officer)
    assert batch.status == BatchStatus.COMMITTED
    assert sorted(ImportedSubmission.objects.values_list("submission_id", flat=True)) == [
        submission_uuid(1),
        submission_uuid(2),
    ]
    assert Individual.objects.filter(household__isnull=False).count() == 4


def test_system_fields_are_metadata_never_a_repeat_or_a_member(tmp_path):
    workbook = read_file(_write(tmp_path, [kobo_record(1)]))
    assert [table.name for table in workbook.tables] == ["submissions", "members"]
    main = workbook.tables[0].frame.row(0, named=True)
    assert main["_geolocation"] == "15.9246 2.4015"
    assert main["_tags"] == "menaka round-1"
    assert json.loads(main["_attachments"])[0]["filename"] == "enum/attachments/aXyZ/photo-9_31_2.jpg"
    assert json.loads(main["_notes"])[0]["note"] == "Checked by phone"
    assert main["_validation_status"] == "validation_status_approved"
    assert workbook.tables[1].frame["members/given_names"].to_list() == ["Fadimata", "Alhassane"]


def test_a_record_without_uuid_is_named_by_its_instance_id_without_the_prefix(tmp_path, areas, iom, officer):
    record = kobo_record(3)
    del record["_uuid"], record["meta/rootUuid"]
    batch = _validated(tmp_path, iom, officer, [record])
    assert (batch.households_valid, batch.individuals_total) == (1, 2)
    batch_commit(batch_id=batch_commit_request(actor=officer, batch=batch).pk, actor=officer)
    assert ImportedSubmission.objects.get().submission_id == submission_uuid(3)


def test_an_edited_submission_updates_its_household_instead_of_adding_one(tmp_path, areas, iom, officer):
    first = _validated(tmp_path, iom, officer, [kobo_record(4)], "first.json")
    batch_commit(batch_id=batch_commit_request(actor=officer, batch=first).pk, actor=officer)
    household = Household.objects.get()
    # Kobo gives an edited submission a new _uuid and instanceID, and keeps meta/rootUuid.
    edited = kobo_record(5, root=submission_uuid(4), **{"meta/deprecatedID": f"uuid:{submission_uuid(4)}"})
    edited["members"].append(_member("Mariama", "female", "child", 3))
    second = _validated(tmp_path, iom, officer, [edited], "edited.json")
    assert (second.households_total, second.households_update, second.individuals_total) == (1, 1, 3)
    second = batch_commit(batch_id=batch_commit_request(actor=officer, batch=second).pk, actor=officer)
    assert (second.households_created, second.households_updated) == (0, 1)
    assert list(Household.objects.values_list("pk", flat=True)) == [household.pk]
    assert household.members.count() == 3


def test_repeat_rows_without_a_submission_uuid_find_their_household_by_index(tmp_path):
    workbook = read_file(_write(tmp_path, [kobo_record(1), kobo_record(2)]))
    members = workbook.tables[1]
    members.frame = members.frame.with_columns(members.frame["_submission__uuid"].set(
        members.frame["_parent_index"] == "2", ""))  # fmt: skip
    staged = stage(workbook)
    keys = staged.members["_household_key"].to_list()
    assert keys == [0, 0, 1, 1]


def test_the_roster_is_the_repeat_of_members_and_the_other_repeats_are_named(tmp_path):
    record = kobo_record(1, livestock=[{"livestock/animal": "goat", "livestock/count": "3"}])
    staged = stage(read_file(_write(tmp_path, [record])))
    assert staged.members["given_names"].to_list() == ["Fadimata", "Alhassane"]
    assert staged.columns["members"]["given_names"] == "members/given_names"
    assert any("livestock (1 rows)" in warning for warning in staged.warnings)


def test_the_mapping_chooses_the_roster_and_a_roster_the_file_lacks_is_a_clear_message(tmp_path):
    record = kobo_record(1, people=[{"people/name": "Hawa", "people/sex": "female"}])
    workbook = read_file(_write(tmp_path, [record]))
    staged = stage(workbook, {"roster": "people", "columns": {"people/name": "given_names"}})
    assert staged.members["given_names"].to_list() == ["Hawa"]
    assert any("members (2 rows)" in warning for warning in staged.warnings)
    with pytest.raises(UnreadableFile, match="names roster as the household roster"):
        stage(workbook, {"roster": "roster"})


def test_nested_repeats_get_their_own_table_linked_to_their_parent_row(tmp_path):
    members = [dict(_member("Fadimata", "female", "head", 41),
                    **{"members/documents": [{"members/documents/type": "nina"},
                                             {"members/documents/type": "birth_certificate"}]})]  # fmt: skip
    workbook = read_file(_write(tmp_path, [kobo_record(1, members=members)]))
    tables = {table.name: table.frame for table in workbook.tables}
    assert set(tables) == {"submissions", "members", "documents"}
    documents = tables["documents"]
    assert documents["members/documents/type"].to_list() == ["nina", "birth_certificate"]
    assert set(documents["_parent_table_name"]) == {"members"}
    assert set(documents["_parent_index"]) == {"1"}
    assert stage(workbook).members["given_names"].to_list() == ["Fadimata"]


def test_two_groups_asking_the_same_question_both_keep_their_answer(tmp_path):
    record = kobo_record(1, **{"head/name": "Fadimata", "spouse/name": "Moussa"})
    main = read_file(_write(tmp_path, [record])).tables[0].frame.row(0, named=True)
    assert (main["head/name"], main["spouse/name"]) == ("Fadimata", "Moussa")
