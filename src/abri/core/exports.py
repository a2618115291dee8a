"""The one writer of every CSV and XLSX file Abri hands out.

A spreadsheet opened by a partner runs what looks like a formula: a name typed as
``=HYPERLINK("http://…")`` or ``+cmd|' /C calc'!A0`` in a registration form would run on the
partner's machine. Every cell therefore goes through :func:`safe_cell`:

- CSV: text that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a
  leading apostrophe (the OWASP advice), unless it is a plain number such as ``-2`` or
  ``+22376123456``, which a spreadsheet reads as a number and never runs;
- XLSX: text cells are typed as text, so nothing is ever a formula, and the same prefix is
  applied so that the file stays safe when it is saved again as CSV; numbers, dates and
  booleans stay what they are.

Personal data in a download is the caller's decision (``registry.export_personal_data``);
this module only makes the file safe to open.
"""

from __future__ import annotations

import csv
import datetime
import decimal
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")
# Excel's sheet names: at most 31 characters, none of these.
_SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")

Cell = str | int | float | decimal.Decimal | bool | datetime.date | datetime.datetime | None


def safe_text(value: str) -> str:
    """``value``, with a leading apostrophe when a spreadsheet would read it as a formula."""
    if value.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def safe_cell(value: Any) -> Cell:
    """A value ready for a CSV or XLSX cell: numbers, dates and booleans as they are, anything else as safe text."""
    if value is None or isinstance(value, bool | int | float | decimal.Decimal | datetime.date):
        return value
    return safe_text(str(value))


def _csv_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)


def csv_write(stream: io.TextIOBase | Any, *, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write ``header`` and ``rows`` to the text ``stream`` as safe CSV; returns the number of rows written."""
    # The default line ending (CRLF) also makes the writer quote a value holding a lone CR or LF.
    writer = csv.writer(stream)
    writer.writerow([_csv_text(safe_cell(name)) for name in header])
    count = 0
    for row in rows:
        writer.writerow([_csv_text(safe_cell(value)) for value in row])
        count += 1
    return count


def safe_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every text column made safe as :func:`safe_text` does, column by column (no Python loop)."""
    triggers = "^[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"
    number = "^" + _PLAIN_NUMBER.pattern + "$"
    texts = [name for name, dtype in frame.schema.items() if dtype in (pl.String, pl.Categorical, pl.Enum)]
    return frame.with_columns(
        pl.when(
            pl.col(name).cast(pl.String).str.contains(triggers) & ~pl.col(name).cast(pl.String).str.contains(number)
        )
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in texts
    ).rename({name: str(safe_text(name)) for name in frame.columns})


def frame_csv_bytes(frame: pl.DataFrame) -> bytes:
    """The safe CSV of a polars ``frame``, written as :func:`csv_bytes` writes (UTF-8 with a byte-order mark)."""
    return "\ufeff".encode() + safe_frame(frame).write_csv(line_terminator="\r\n").encode("utf-8")


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """The safe CSV of ``header`` and ``rows`` as UTF-8 with a byte-order mark (so Excel reads the accents)."""
    stream = io.StringIO()
    csv_write(stream, header=header, rows=rows)
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its name, its column headers and its rows."""

    name: str
    header: Sequence[str]
    rows: Iterable[Sequence[Any]]


def sheet_name(name: str) -> str:
    """``name`` as Excel accepts it for a sheet: forbidden characters replaced, at most 31 characters."""
    cleaned = _SHEET_NAME_FORBIDDEN.sub("-", name).strip("'") or "Sheet"
    return cleaned[:31]


def _xlsx_cell(sheet: Any, value: Any, *, bold: bool = False) -> WriteOnlyCell:
    safe = safe_cell(value)
    cell = WriteOnlyCell(sheet, value=safe)
    if isinstance(safe, str):
        cell.data_type = "s"  # text, never a formula, whatever it starts with
    if bold:
        cell.font = Font(bold=True)
    return cell


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of ``sheets`` (streamed: rows are not held in memory), every cell made safe."""
    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for sheet_spec in sheets:
        name = sheet_name(sheet_spec.name)
        suffix = 2
        while name.lower() in used:
            name = sheet_name(f"{sheet_spec.name[:27]} ({suffix})")
            suffix += 1
        used.add(name.lower())
        sheet = workbook.create_sheet(title=name)
        sheet.append([_xlsx_cell(sheet, title, bold=True) for title in sheet_spec.header])
        for row in sheet_spec.rows:
            sheet.append([_xlsx_cell(sheet, value) for value in row])
    if not sheets:
        workbook.create_sheet(title="Sheet")
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
