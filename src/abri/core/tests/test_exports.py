"""The shared writer: a formula typed into a name never runs in the partner's spreadsheet."""

import csv
import datetime
import io
import zipfile

import polars as pl
import pytest
from openpyxl import load_workbook

from abri.core import exports

DANGEROUS = [
    '=HYPERLINK("http://example.org/x","clic")',
    "=1+1",
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A2)",
    "-2+3",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("value", DANGEROUS)
def test_a_formula_is_written_as_text_in_csv(value):
    data = exports.csv_bytes(header=["Nom"], rows=[[value]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows == [["Nom"], ["'" + value]]


@pytest.mark.parametrize("value", ["-2", "+22376123456", "12.5", "Aminata", "Ag Alhassane", ""])
def test_plain_numbers_and_names_are_kept_as_typed(value):
    data = exports.csv_bytes(header=["Valeur"], rows=[[value]])
    assert list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))[1] == [value]


def test_a_formula_in_the_header_is_neutralised_too():
    data = exports.csv_bytes(header=["=1+1"], rows=[])
    assert data.decode("utf-8-sig") == "'=1+1\r\n"


def test_a_polars_frame_is_written_with_the_same_rule_as_rows():
    values = [*DANGEROUS, "-2", "+22376123456", "Maïga", None]
    frame = pl.DataFrame({"nom": values, "=score": [0.5] * len(values), "id": list(range(len(values)))})
    from_frame = list(csv.reader(io.StringIO(exports.frame_csv_bytes(frame).decode("utf-8-sig"), newline="")))
    from_rows = exports.csv_bytes(header=frame.columns, rows=frame.iter_rows())
    assert from_frame == list(csv.reader(io.StringIO(from_rows.decode("utf-8-sig"), newline="")))
    assert from_frame[0] == ["nom", "'=score", "id"]
    assert [row[0] for row in from_frame[1:]] == ["'" + value for value in DANGEROUS] + [
        "-2",
        "+22376123456",
        "Maïga",
        "",
    ]


def test_csv_keeps_accents_for_excel_and_writes_dates_and_empty_cells():
    data = exports.csv_bytes(header=["Nom", "Date", "Vide"], rows=[["Maïga", datetime.date(2022, 12, 2), None]])
    assert data.startswith("\ufeff".encode())
    assert data.decode("utf-8-sig") == "Nom,Date,Vide\r\nMaïga,2022-12-02,\r\n"


def test_xlsx_cells_are_text_never_formulas_and_numbers_stay_numbers():
    data = exports.xlsx_bytes(
        [
            exports.Sheet(
                name="Liste",
                header=["Nom", "Quantité", "Date"],
                rows=[[v, -3, datetime.date(2022, 12, 2)] for v in DANGEROUS],
            )
        ]
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml  # no formula anywhere in the file
    sheet = load_workbook(io.BytesIO(data))["Liste"]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == ("Nom", "Quantité", "Date")
    # XML keeps a carriage return as a line feed: what matters is the apostrophe in front.
    assert [row[0] for row in values[1:]] == ["'" + value.replace("\r", "\n") for value in DANGEROUS]
    assert {row[1] for row in values[1:]} == {-3}
    assert values[1][2] == datetime.datetime(2022, 12, 2)  # noqa: DTZ001  openpyxl reads dates back naive


def test_sheet_names_excel_refuses_are_cleaned_and_kept_apart():
    data = exports.xlsx_bytes(
        [
            exports.Sheet(name="Ménaka: liste/1 [2022] très très longue", header=["a"], rows=[]),
            exports.Sheet(name="Ménaka: liste/1 [2022] très très longue", header=["a"], rows=[]),
        ]
    )
    names = load_workbook(io.BytesIO(data)).sheetnames
    assert len(names) == 2
    assert len(set(names)) == 2
    assert all(len(name) <= 31 and not set(name) & set("[]:*?/\\") for name in names)
