"""Uploads that would exhaust memory or never end are refused before they are parsed, with a
reason naming the file and the bound; a job that stops on any error leaves its batch failed."""

import io
import json
import zipfile

import openpyxl
import pytest
from django.test import override_settings
from django.urls import reverse

from abri.intake.models import BatchStatus, ImportBatch
from abri.intake.parsers import files
from abri.intake.tests.factories import family, household_row, kobo_workbook
from abri.registry.models import Household

pytestmark = pytest.mark.django_db


def _upload(client, path):
    with path.open("rb") as handle:
        return client.post(reverse("intake:batch_list"), {"upload": handle})


def _failed_and_discardable(client, response):
    """The upload went to its batch page; the batch failed, says why, and can be discarded."""
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.FAILED
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert reverse("intake:batch_discard", args=[batch.pk]) in page.content.decode()
    message = batch.message
    client.post(reverse("intake:batch_discard", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == BatchStatus.DISCARDED
    assert Household.objects.count() == 0
    return message, page.content.decode()


@pytest.fixture(scope="module")
def zip_bomb(tmp_path_factory):
    """A small valid workbook plus a second sheet of 200 MB of zeros, compressed to a few hundred kB."""
    path = tmp_path_factory.mktemp("bomb") / "bombe.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.append(["a", "b"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            bomb.writestr(item, source.read(item))
        with bomb.open("xl/worksheets/sheet2.xml", "w") as sheet:
            zeros = b"0" * (1 << 20)
            for _megabyte in range(200):
                sheet.write(zeros)
    return path


@pytest.fixture
def never_parsed(monkeypatch):
    """Fail the test if the workbook reader is ever reached."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    monkeypatch.setattr(files.fastexcel, "read_excel", refuse)


def test_a_zip_bomb_is_refused_unopened_and_its_batch_fails(client, zip_bomb, areas, officer, never_parsed):
    assert zip_bomb.stat().st_size < 2_000_000
    client.force_login(officer)
    message, page = _failed_and_discardable(client, _upload(client, zip_bomb))
    assert "bombe.xlsx" in message
    assert "xl/worksheets/sheet2.xml" in message
    assert "bombe zip" in message
    assert "bombe.xlsx" in page


@override_settings(ABRI_IMPORT_MAX_COMPRESSION_RATIO=100_000, ABRI_IMPORT_MAX_UNCOMPRESSED_BYTES=50 * 1024 * 1024)
def test_a_workbook_larger_than_the_bound_once_uncompressed_is_refused(client, zip_bomb, areas, officer, never_parsed):
    client.force_login(officer)
    message, _page = _failed_and_discardable(client, _upload(client, zip_bomb))
    assert "bombe.xlsx" in message
    assert "52 Mo" in message or "52 MB" in message


def test_a_csv_of_3000_columns_is_refused_at_upload_and_at_the_mapping_builder(client, tmp_path, areas, officer):
    path = tmp_path / "large.csv"
    path.write_text(",".join(f"c{index}" for index in range(3000)) + "\n" + ",".join("x" * 3000) + "\n")
    client.force_login(officer)
    message, _page = _failed_and_discardable(client, _upload(client, path))
    assert message == "Le fichier large.csv contient 3\xa0000 colonnes ; Abri en accepte au plus 2\xa0000."

    with path.open("rb") as handle:
        builder = client.post(reverse("intake:mapping_list"), {"sample": handle})
    assert builder.status_code == 200
    assert "Le fichier large.csv contient 3\xa0000 colonnes" in builder.content.decode()
    assert "c2999" not in builder.content.decode()


@pytest.mark.parametrize("depth", [100, 200_000])
@override_settings(ABRI_IMPORT_MAX_JSON_DEPTH=64)
def test_json_nested_too_deep_is_refused_with_a_reason(client, tmp_path, areas, officer, depth):
    path = tmp_path / "kobo.json"
    path.write_text('{"results": [{"_uuid": "1", "x": ' + "[" * depth + "]" * depth + "}]}")
    client.force_login(officer)
    message, _page = _failed_and_discardable(client, _upload(client, path))
    assert "kobo.json" in message
    assert "64" in message


def test_json_within_the_depth_bound_still_imports(client, tmp_path, areas, officer):
    records = [{"_uuid": "1", "location": {"admin1": "ML10", "admin2": "ML1001"}, "members": [{"given_names": "A"}]}]
    path = tmp_path / "kobo.json"
    path.write_text(json.dumps({"results": records}))
    client.force_login(officer)
    _upload(client, path)
    assert ImportBatch.objects.get().status == BatchStatus.VALIDATED


@override_settings(ABRI_IMPORT_MAX_ROWS=3)
def test_a_csv_longer_than_the_row_bound_is_refused_not_cut_short(client, tmp_path, areas, officer):
    path = tmp_path / "long.csv"
    path.write_text("household,name\n" + "".join(f"{index},A\n" for index in range(5)))
    client.force_login(officer)
    message, _page = _failed_and_discardable(client, _upload(client, path))
    assert "long.csv" in message
    assert "3" in message


def test_any_error_in_the_job_leaves_the_batch_failed_and_discardable(client, tmp_path, areas, officer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a cell value that must not be shown")

    monkeypatch.setattr("abri.intake.services.validate", broken)
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1)], family(1))
    client.force_login(officer)
    message, _page = _failed_and_discardable(client, _upload(client, path))
    assert "RuntimeError" in message
    assert "must not be shown" not in message
    assert "Rien n'a été écrit" in message


def test_a_commit_job_that_stops_on_an_error_writes_nothing_and_leaves_the_batch_failed(
    client, tmp_path, areas, officer, monkeypatch
):
    path = kobo_workbook(tmp_path / "export.xlsx", [household_row(1)], family(1))
    client.force_login(officer)
    _upload(client, path)
    batch = ImportBatch.objects.get()
    assert batch.status == BatchStatus.VALIDATED

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("abri.intake.services.households_write_new", broken)
    response = client.post(reverse("intake:batch_commit", args=[batch.pk]))
    message, _page = _failed_and_discardable(client, response)
    assert "OSError" in message


def test_a_large_sample_for_the_mapping_builder_is_refused_unread(client, tmp_path, areas, officer, monkeypatch):
    monkeypatch.setattr("abri.intake.forms.SAMPLE_MAX_BYTES", 1000)
    path = tmp_path / "sample.csv"
    path.write_text("household,name\n" + "".join(f"{index},Aminata\n" for index in range(500)))
    client.force_login(officer)
    with path.open("rb") as handle:
        builder = client.post(reverse("intake:mapping_list"), {"sample": handle})
    assert builder.status_code == 200
    assert builder.context["form"] is None  # no column was read, so no mapping to build
    assert "L'échantillon sample.csv" in builder.context["sample_form"].errors["sample"][0]


def _nesting(value):
    if isinstance(value, list):
        return 1 + max((_nesting(item) for item in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_nesting(item) for item in value.values()), default=0)
    return 0


@pytest.mark.parametrize(
    "text",
    [
        '{"a": "[[[[", "b": [[]]}',
        '["\\\\", ["\\"]"]]',
        '"[[["',
        '[{"a\\\\\\"[": [1]}]',
        '{"note": "a {b} \\\\\\\\", "x": [{"y": ["]]]"]}]}',
        "[]",
        '"x"',
        "[[[[[]]]]]",
    ],
)
def test_the_depth_of_json_is_counted_outside_its_strings(text):
    assert files.json_depth(text.encode()) == _nesting(json.loads(text))
