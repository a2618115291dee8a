"""`abri dedupe-file` and `abri link-files` on small files, good and bad."""

from io import StringIO
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from abri.dedup.tests.conftest import COLUMNS, EXPECTED_PAIRS, REGISTRATIONS

MAP_OPTIONS = [
    "--map=given_name=given",
    "--map=family_name=family",
    "--map=sex=sex",
    "--map=birth_date=birth",
    "--map=phone=phone",
    "--map=location=commune",
    "--map=household_id=household",
]


def _write_csv(path: Path, rows: list[tuple[str, ...]], *, separator: str = ";", encoding: str = "utf-8") -> Path:
    lines = [separator.join(COLUMNS)] + [separator.join(row) for row in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _run(command: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(command, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _pairs(path: Path) -> set[tuple[str, str]]:
    frame = pl.read_csv(path, infer_schema=False)
    return set(frame.select("id_a", "id_b").iter_rows())


def test_dedupe_file_writes_pairs_with_evidence_clusters_and_households(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS)
    out, err = _run(
        "dedupe-file",
        str(source),
        f"--out={tmp_path / 'pairs.csv'}",
        "--id-column=id",
        *MAP_OPTIONS,
        f"--clusters={tmp_path / 'clusters.csv'}",
        f"--households={tmp_path / 'households.csv'}",
    )
    assert _pairs(tmp_path / "pairs.csv") == EXPECTED_PAIRS
    pairs = pl.read_csv(tmp_path / "pairs.csv", infer_schema=False)
    assert pairs.columns[:4] == ["id_a", "id_b", "match_probability", "match_weight"]
    assert {"given_name", "given_name_weight", "birth", "birth_weight", "household", "evidence"} <= set(pairs.columns)
    clusters = pl.read_csv(tmp_path / "clusters.csv", infer_schema=False)
    assert clusters.columns == ["record_id", "cluster", "cluster_size"]
    assert clusters.height == len(REGISTRATIONS)
    households = pl.read_csv(tmp_path / "households.csv", infer_schema=False)
    assert set(
        households.filter(pl.col("same_household") == "true").select("household_a", "household_b").iter_rows()
    ) == {
        ("M-001", "I-104"),
        ("M-002", "I-205"),
    }
    assert "7 pairs written" in out
    assert "candidate pairs" in err


def test_dedupe_file_reads_a_spreadsheet(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(COLUMNS)
    for row in REGISTRATIONS:
        sheet.append([value or None for value in row])
    workbook.save(tmp_path / "liste.xlsx")
    _run("dedupe-file", str(tmp_path / "liste.xlsx"), f"--out={tmp_path / 'pairs.csv'}", "--id-column=id", *MAP_OPTIONS)
    assert _pairs(tmp_path / "pairs.csv") == EXPECTED_PAIRS


def test_a_windows_1252_file_is_read_and_the_reader_told(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS, encoding="cp1252")
    _out, err = _run("dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", "--id-column=id", *MAP_OPTIONS)
    assert "is not UTF-8" in err
    assert _pairs(tmp_path / "pairs.csv") == EXPECTED_PAIRS


def test_link_files_pairs_records_of_the_first_list_with_the_second(tmp_path: Path) -> None:
    first = _write_csv(tmp_path / "a.csv", [row for row in REGISTRATIONS if row[0][0] in "ABC"], separator=",")
    second = _write_csv(tmp_path / "b.csv", [row for row in REGISTRATIONS if row[0][0] in "DE"], separator=",")
    _run(
        "link-files",
        str(first),
        str(second),
        f"--out={tmp_path / 'pairs.csv'}",
        "--id-column=id",
        *MAP_OPTIONS,
        f"--clusters={tmp_path / 'clusters.csv'}",
    )
    assert _pairs(tmp_path / "pairs.csv") == EXPECTED_PAIRS
    clusters = pl.read_csv(tmp_path / "clusters.csv", infer_schema=False)
    assert clusters.columns == ["list", "record_id", "cluster", "cluster_size"]
    assert set(clusters["list"]) == {"a.csv", "b.csv"}


def test_an_other_column_is_compared_as_free_text(tmp_path: Path) -> None:
    rows = [(*row, "Site de Ménaka" if row[7].startswith("ML10") else "Sévaré") for row in REGISTRATIONS]
    path = tmp_path / "liste.csv"
    path.write_text("\n".join([";".join([*COLUMNS, "site"]), *(";".join(row) for row in rows)]) + "\n")
    _run("dedupe-file", str(path), f"--out={tmp_path / 'pairs.csv'}", "--id-column=id", *MAP_OPTIONS, "--compare=site")
    pairs = pl.read_csv(tmp_path / "pairs.csv", infer_schema=False)
    assert "site (text)" in pairs.columns
    assert set(pairs["site (text)"]) == {"same"}


def test_a_mapped_column_that_does_not_exist_is_named_with_the_columns_there_are(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS)
    with pytest.raises(CommandError) as raised:
        _run("dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", "--map=phone=telephone")
    assert "has no column “telephone”" in str(raised.value)
    assert "“phone”" in str(raised.value)
    assert not (tmp_path / "pairs.csv").exists()


def test_an_unknown_field_is_refused_with_the_known_ones(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS)
    with pytest.raises(CommandError, match=r"“surname” is not a known field; known fields are: given_name"):
        _run("dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", "--map=surname=family")


def test_an_empty_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "vide.csv").write_bytes(b"")
    with pytest.raises(CommandError, match=r"vide\.csv is empty"):
        _run("dedupe-file", str(tmp_path / "vide.csv"), f"--out={tmp_path / 'pairs.csv'}", "--map=given_name=given")


def test_a_file_with_a_header_and_no_record_gives_an_empty_pairs_file(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", [])
    out, _err = _run("dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", *MAP_OPTIONS)
    assert "0 pairs written" in out
    assert pl.read_csv(tmp_path / "pairs.csv").height == 0


def test_a_file_with_one_record_gives_no_pair(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS[:1])
    out, _err = _run(
        "dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", f"--clusters={tmp_path / 'c.csv'}", *MAP_OPTIONS
    )
    assert "0 pairs written" in out
    assert pl.read_csv(tmp_path / "c.csv", infer_schema=False).rows() == [("1", "1", "1")]


def test_a_field_empty_in_every_record_is_reported_and_skipped(tmp_path: Path) -> None:
    rows = [(*row[:6], "", row[7]) for row in REGISTRATIONS]
    source = _write_csv(tmp_path / "liste.csv", rows)
    _out, err = _run("dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", "--id-column=id", *MAP_OPTIONS)
    assert "“phone” has no value in any record; it is not compared" in err
    assert "phone" not in pl.read_csv(tmp_path / "pairs.csv").columns
    assert _pairs(tmp_path / "pairs.csv") == EXPECTED_PAIRS


def test_repeated_ids_are_refused(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", [REGISTRATIONS[0], REGISTRATIONS[0]])
    with pytest.raises(CommandError, match="the id column “id” repeats values \\(A1\\)"):
        _run("dedupe-file", str(source), f"--out={tmp_path / 'pairs.csv'}", "--id-column=id", *MAP_OPTIONS)


@pytest.mark.parametrize("threshold", ["0", "1", "1.5", "-0.2"])
def test_a_threshold_outside_zero_and_one_is_refused(tmp_path: Path, threshold: str) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS)
    with pytest.raises(CommandError, match="--threshold must be a probability"):
        _run("dedupe-file", str(source), f"--out={tmp_path / 'p.csv'}", *MAP_OPTIONS, f"--threshold={threshold}")


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"nowhere\.csv does not exist"):
        _run("dedupe-file", str(tmp_path / "nowhere.csv"), f"--out={tmp_path / 'p.csv'}", *MAP_OPTIONS)


def test_nothing_mapped_is_refused(tmp_path: Path) -> None:
    source = _write_csv(tmp_path / "liste.csv", REGISTRATIONS)
    with pytest.raises(CommandError, match="Nothing to compare"):
        _run("dedupe-file", str(source), f"--out={tmp_path / 'p.csv'}")
