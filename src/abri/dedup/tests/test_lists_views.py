"""The partner-list pages as an information management officer uses them (jobs run inline in tests)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.core.management import call_command
from django.urls import reverse

from abri.core.models import AuditEntry
from abri.dedup.lists import storage as lists_storage
from abri.dedup.models import ListRun, ListRunStatus
from abri.dedup.tests.conftest import EXPECTED_PAIRS, REGISTRATIONS
from abri.dedup.tests.lists_fixtures import CLI_OPTIONS, GUESSED, HEADER, accept_guesses, csv_bytes, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("data_dir")]


def _pairs_in(content: bytes) -> set[tuple[str, str]]:
    return set(pl.read_csv(io.BytesIO(content), infer_schema=False).select("id_a", "id_b").iter_rows())


def test_upload_map_run_and_read_the_pairs(logged_in):
    response = upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("lists:map", args=[run.uuid])
    assert run.status == ListRunStatus.UPLOADED

    page = logged_in.get(response["Location"])
    form = page.context["form"]
    guesses = {column.name: form.fields[f"role_{i}"].initial for i, column in enumerate(form.columns)}
    assert guesses == GUESSED
    text = page.content.decode()
    assert "Moussa" in text  # sample values beside each column
    assert "16 records" in text

    response = accept_guesses(logged_in, run)
    assert response.status_code == 302
    assert response["Location"] == reverse("lists:detail", args=[run.uuid])
    run.refresh_from_db()
    assert run.status == ListRunStatus.DONE
    assert (run.records, run.pairs_found, run.clusters_found) == (16, 7, 7)
    assert sum(run.histogram) == 7

    page = logged_in.get(response["Location"])
    text = page.content.decode()
    shown = [(pair.id_a, pair.id_b) for pair in page.context["pairs"]]
    assert set(shown) == EXPECTED_PAIRS
    probabilities = [pair.probability for pair in page.context["pairs"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert '<svg class="histogram"' in text
    first = page.context["pairs"][0]
    assert [item["label"] for item in first.evidence][:2] == ["given name", "family name"]
    assert ("Prénom", "Mohamed", "Mouhamed") in first.values
    assert page["Vary"].count("HX-Request") == 1


def test_progress_fragment_polls_while_running_and_refreshes_when_done(logged_in):
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    ListRun.objects.filter(pk=run.pk).update(status=ListRunStatus.RUNNING, stage="comparison")
    fragment = logged_in.get(reverse("lists:detail", args=[run.uuid]), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert "<h1>" not in text
    assert "Comparing the pairs field by field" in text
    assert 'hx-trigger="every 1s"' in text
    assert "HX-Refresh" not in fragment
    ListRun.objects.filter(pk=run.pk).update(status=ListRunStatus.DONE)
    fragment = logged_in.get(reverse("lists:detail", args=[run.uuid]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"


@pytest.mark.django_db(transaction=True)  # the worker closes its connection after the job, as in production
def test_on_the_job_queue_the_page_waits_then_the_worker_runs_it(logged_in, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    accept_guesses(logged_in, run)
    run.refresh_from_db()
    assert run.status == ListRunStatus.QUEUED
    fragment = logged_in.get(reverse("lists:detail", args=[run.uuid]), HTTP_HX_REQUEST="true")
    assert "Waiting for the background worker" in fragment.content.decode()
    call_command("db_worker", "--batch", "--no-startup-delay", stdout=io.StringIO(), stderr=io.StringIO())
    run.refresh_from_db()
    assert run.status == ListRunStatus.DONE
    assert run.pairs_found == 7
    fragment = logged_in.get(reverse("lists:detail", args=[run.uuid]), HTTP_HX_REQUEST="true")
    assert fragment["HX-Refresh"] == "true"


def test_link_two_lists_finds_the_people_they_share(logged_in):
    first = [row for row in REGISTRATIONS if row[0][0] in "ABC"]
    second = [row for row in REGISTRATIONS if row[0][0] in "DE"]
    upload(logged_in, ("menaka.csv", csv_bytes(first)), ("inekar.csv", csv_bytes(second)))
    run = ListRun.objects.get()
    assert run.mode == "link"
    accept_guesses(logged_in, run)
    run.refresh_from_db()
    assert run.status == ListRunStatus.DONE
    page = logged_in.get(reverse("lists:detail", args=[run.uuid]))
    assert {(pair.id_a, pair.id_b) for pair in page.context["pairs"]} == EXPECTED_PAIRS
    assert "menaka.csv + inekar.csv" in page.content.decode()
    clusters = pl.read_csv(io.BytesIO(logged_in.get(reverse("lists:clusters", args=[run.uuid])).content))
    assert clusters.columns == ["list", "record_id", "cluster", "cluster_size"]
    assert set(clusters["list"]) == {"menaka.csv", "inekar.csv"}


@pytest.mark.parametrize("link", [False, True], ids=["dedupe-file", "link-files"])
def test_downloads_are_what_the_command_line_writes(logged_in, tmp_path: Path, link: bool):
    if link:
        files = [
            ("a.csv", csv_bytes([row for row in REGISTRATIONS if row[0][0] in "ABC"])),
            ("b.csv", csv_bytes([row for row in REGISTRATIONS if row[0][0] in "DE"])),
        ]
    else:
        files = [("liste.csv", csv_bytes(REGISTRATIONS))]
    upload(logged_in, *files)
    run = ListRun.objects.get()
    accept_guesses(logged_in, run)
    pairs = logged_in.get(reverse("lists:pairs", args=[run.uuid]))
    clusters = logged_in.get(reverse("lists:clusters", args=[run.uuid]))
    assert pairs["Content-Type"] == "text/csv; charset=utf-8"
    assert pairs["Content-Disposition"].startswith('attachment; filename="pairs-')

    paths = []
    for name, content in files:
        (tmp_path / name).write_bytes(content)
        paths.append(str(tmp_path / name))
    call_command(
        "link-files" if link else "dedupe-file",
        *paths,
        f"--out={tmp_path / 'pairs.csv'}",
        f"--clusters={tmp_path / 'clusters.csv'}",
        *CLI_OPTIONS,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert _pairs_in(pairs.content) == EXPECTED_PAIRS
    assert pairs.content == (tmp_path / "pairs.csv").read_bytes()
    assert clusters.content == (tmp_path / "clusters.csv").read_bytes()
    downloads = AuditEntry.objects.filter(action="list_run.download", target_id=str(run.pk))
    assert sorted(entry.changes["file"] for entry in downloads) == ["clusters.csv", "pairs.csv"]


def test_formulas_in_a_list_come_back_as_text_in_both_downloads(logged_in):
    formulas = {
        "A1": '=HYPERLINK("http://example.org","x")',
        "A2": "=1+1",
        "D1": "+cmd|' /C calc'!A0",
        "D2": "@SUM(A1)",
    }
    rows = [(formulas.get(row[0], row[0]), *row[1:]) for row in REGISTRATIONS]
    rows[4] = ("-2+3", *rows[4][1:])  # B1
    upload(logged_in, ("liste.csv", csv_bytes(rows)))
    run = ListRun.objects.get()
    accept_guesses(logged_in, run)

    pairs = pl.read_csv(io.BytesIO(logged_in.get(reverse("lists:pairs", args=[run.uuid])).content), infer_schema=False)
    assert ("'" + formulas["A1"], "'" + formulas["D2"]) in set(pairs.select("id_a", "id_b").iter_rows())
    clusters = pl.read_csv(io.BytesIO(logged_in.get(reverse("lists:clusters", args=[run.uuid])).content))
    ids = set(clusters["record_id"].cast(pl.String))
    assert {"'" + value for value in formulas.values()} | {"'-2+3"} <= ids
    for frame in (pairs, clusters):
        for column in frame.columns:
            cells = frame[column].cast(pl.String).drop_nulls()
            assert not cells.str.contains(r"^[=+@\t]").any(), column
            assert not cells.str.contains(r"^-\d+\+").any(), column


def test_a_windows_1252_list_is_read_and_the_reader_told(logged_in):
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS, encoding="cp1252")))
    run = ListRun.objects.get()
    page = logged_in.get(reverse("lists:map", args=[run.uuid]))
    assert "liste.csv is not UTF-8; it was read as Windows-1252 (Western European)." in page.content.decode()
    assert "Ménage" in page.content.decode()
    accept_guesses(logged_in, run)
    page = logged_in.get(reverse("lists:detail", args=[run.uuid]))
    assert {(pair.id_a, pair.id_b) for pair in page.context["pairs"]} == EXPECTED_PAIRS
    assert "is not UTF-8" in page.content.decode()


def _refusal(response) -> str:
    assert response.status_code == 200
    return " ".join(str(error) for error in response.context["form"].non_field_errors())


def test_an_empty_file_is_refused_and_nothing_kept(logged_in):
    message = _refusal(upload(logged_in, ("vide.csv", b"")))
    assert message == "vide.csv is empty: it has no header and no records."
    assert not ListRun.objects.exists()
    assert not any(lists_storage.lists_root().iterdir())


def test_a_header_without_records_is_refused(logged_in):
    message = _refusal(upload(logged_in, ("entete.csv", csv_bytes([]))))
    assert message == "entete.csv has a header but no records."


def test_a_single_record_is_refused(logged_in):
    message = _refusal(upload(logged_in, ("un.csv", csv_bytes(REGISTRATIONS[:1]))))
    assert message == "un.csv holds only one record: there is nothing to compare it with."
    assert not ListRun.objects.exists()


def test_a_password_protected_workbook_is_refused_with_how_to_fix_it(logged_in):
    # An encrypted workbook is an OLE compound file, whatever its .xlsx name says.
    protected = bytes.fromhex("d0cf11e0a1b11ae1") + bytes(504)
    message = _refusal(upload(logged_in, ("protege.xlsx", protected)))
    assert message.startswith("protege.xlsx is protected by a password.")
    assert "remove the password" in message


def test_a_broken_workbook_and_a_pdf_are_refused(logged_in):
    message = _refusal(upload(logged_in, ("casse.xlsx", b"PK\x03\x04 not really a workbook")))
    assert message.startswith("casse.xlsx could not be read as a spreadsheet")
    message = _refusal(upload(logged_in, ("rapport.pdf", b"%PDF-1.4")))
    assert message == "rapport.pdf is not a list Abri reads: give a CSV file or an Excel workbook (.xlsx)."


def test_a_spreadsheet_is_read_like_a_csv(logged_in):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in REGISTRATIONS:
        sheet.append([value or None for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    upload(logged_in, ("liste.xlsx", buffer.getvalue()))
    run = ListRun.objects.get()
    accept_guesses(logged_in, run)
    run.refresh_from_db()
    assert run.pairs_found == 7


def test_a_column_missing_in_the_second_list_is_named(logged_in):
    second_header = [column if column != "Téléphone" else "Tel." for column in HEADER]
    upload(
        logged_in,
        ("a.csv", csv_bytes(REGISTRATIONS[:9])),
        ("b.csv", csv_bytes(REGISTRATIONS[9:], header=second_header)),
    )
    run = ListRun.objects.get()
    page = logged_in.get(reverse("lists:map", args=[run.uuid]))
    assert "missing in b.csv" in page.content.decode()
    response = accept_guesses(logged_in, run)
    message = _refusal(response)
    assert message.startswith("b.csv has no column “Téléphone”; its columns are: “ID”, “Ménage”")
    run.refresh_from_db()
    assert run.status == ListRunStatus.UPLOADED


def test_twenty_free_text_columns_are_refused(logged_in):
    header = [*HEADER, *(f"Remarque {number}" for number in range(20))]
    rows = [(*row, *(f"note {number}" for number in range(20))) for row in REGISTRATIONS]
    upload(logged_in, ("large.csv", csv_bytes(rows, header=header)))
    run = ListRun.objects.get()
    response = accept_guesses(logged_in, run, **{f"Remarque {number}": "compare" for number in range(20)})
    assert _refusal(response).startswith("20 columns are chosen to compare as free text; choose at most 5")
    run.refresh_from_db()
    assert run.status == ListRunStatus.UPLOADED


def test_one_field_from_two_columns_and_nothing_to_compare_are_refused(logged_in):
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    response = accept_guesses(logged_in, run, Nom="given_name")
    errors = response.context["form"].errors
    assert errors["role_3"] == ["“Prénom” already holds this field (Given name); a field comes from one column."]
    response = accept_guesses(logged_in, run, **dict.fromkeys(HEADER, ""))
    assert _refusal(response).startswith("Nothing to compare")


def test_an_id_column_with_repeated_values_is_refused(logged_in):
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()
    response = accept_guesses(logged_in, run, ID="", Ménage="id")
    assert _refusal(response).startswith("liste.csv: the id column “Ménage” repeats values (I-104, I-205, M-001)")


def test_a_failure_in_the_run_is_shown_on_the_page(logged_in, monkeypatch):
    upload(logged_in, ("liste.csv", csv_bytes(REGISTRATIONS)))
    run = ListRun.objects.get()

    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr("abri.dedup.lists.services.deduplicate_file", broken)
    accept_guesses(logged_in, run)
    page = logged_in.get(reverse("lists:detail", args=[run.uuid]))
    assert page.status_code == 200
    assert "The run failed unexpectedly (MemoryError)." in page.content.decode()
    run.refresh_from_db()
    assert run.status == ListRunStatus.FAILED
    response = accept_guesses(logged_in, run)  # and can be run again
    run.refresh_from_db()
    assert run.status == ListRunStatus.FAILED
    assert response.status_code == 302


def test_the_pages_answer_in_french_by_default(client, im_officer):
    client.force_login(im_officer)
    assert "Doublons dans les listes des partenaires" in client.get(reverse("lists:home")).content.decode()
    message = _refusal(upload(client, ("un.csv", csv_bytes(REGISTRATIONS[:1]))))
    assert message == "un.csv ne contient qu’un enregistrement : il n’y a rien à comparer."
