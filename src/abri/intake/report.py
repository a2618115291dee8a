"""The error report of a batch as an XLSX workbook: the households still in the batch, sheet by
sheet with their original headers and a column of problems, then every problem in a list.

Fix the cells, then add the workbook to the batch: its rows replace the same submissions.
Cell values are always written as text, so a value such as "=1+1" stays text, never a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO
from typing import Any

import polars as pl
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from abri.intake import staging
from abri.intake.models import ImportBatch
from abri.intake.parsers.layout import REPORT_SHEET

SYSTEM_COLUMNS = ("_index", "_parent_index", "_submission__uuid")


def _text_cell(sheet: WriteOnlyWorksheet, value: Any) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"  # never a formula, whatever the text starts with
    return cell


def _append(sheet: WriteOnlyWorksheet, values: Iterable[Any]) -> None:
    sheet.append([_text_cell(sheet, value) for value in values])


def batch_report(batch: ImportBatch) -> bytes:
    """The report workbook's bytes."""
    workbook = Workbook(write_only=True)
    households = staging.frame_read(batch, "households")
    raw_households = staging.frame_read(batch, "raw_households")
    raw_members = staging.frame_read(batch, "raw_members")
    columns = staging.columns_read(batch)
    problems: list[tuple[str, str, int | None, str, str]] = list(
        batch.issues.order_by("id").values_list("severity", "sheet", "row", "column", "message")
    )
    by_row: dict[tuple[str, int], list[str]] = {}
    for _severity, sheet_name, row, _column, message in problems:
        if row is not None:
            by_row.setdefault((sheet_name, row), []).append(message)
    if households is not None and raw_households is not None and raw_members is not None:
        held = households.filter(pl.col("status").is_in(["invalid", "duplicate"]))["key"]
        sheets: list[tuple[pl.DataFrame, str | None]] = [
            (raw_households.filter(pl.col("_key").is_in(held)), "_key"),
            (raw_members.filter(pl.col("_household_key").is_in(held) | pl.col("_household_key").is_null()), None),
        ]
        one_sheet = raw_households["_sheet"].head(1).to_list() == raw_members["_sheet"].head(1).to_list()
        for frame, key in sheets:
            if frame.height == 0 or (one_sheet and key is not None):
                continue  # one row per member: the members' rows carry the household's columns
            sheet_name = frame["_sheet"][0]
            sources = columns.get(sheet_name, {})
            fields = [name for name in sources if name in frame.columns]
            system = [name for name in SYSTEM_COLUMNS if name in frame.columns and name not in sources]
            sheet = workbook.create_sheet(sheet_name[:31])
            _append(sheet, [sources[name] for name in fields] + system + [_("Problems")])
            for values in frame.select([*fields, *system, "_row"]).iter_rows():
                messages = by_row.get((sheet_name, values[-1]), [])
                _append(sheet, [*values[:-1], " ".join(messages)])
    listing = workbook.create_sheet(REPORT_SHEET)
    _append(listing, [_("Severity"), _("Sheet"), _("Row"), _("Column"), _("Message")])
    for severity, sheet_name, row, column, message in problems:
        _append(listing, [severity, sheet_name, row or "", column, message])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
