"""The error report of a batch as an XLSX workbook: the households still in the batch, sheet by
sheet with their original headers and a column of problems, then every problem in a list.

Fix the cells, then add the workbook to the batch: its rows replace the same submissions.
The report holds personal data (names, phones, identity numbers, disabilities): only a role
with ``registry.export_personal_data`` over the whole scope of the batch may download it, each
download is audited, and the file goes through `abri.core.exports` (formulas neutralised).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import polars as pl
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils.translation import gettext as _

from abri.access.roles import EXPORT_PERSONAL_DATA
from abri.access.selectors import scope_for
from abri.core.errors import PermissionDenied
from abri.core.exports import Sheet, xlsx_bytes
from abri.core.services import audit_record
from abri.intake import staging
from abri.intake.models import ImportBatch
from abri.intake.parsers.layout import REPORT_SHEET
from abri.intake.selectors import batch_in_scope

SYSTEM_COLUMNS = ("_index", "_parent_index", "_submission__uuid")


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _rows(frame: pl.DataFrame, columns: Sequence[str], by_row: dict[tuple[str, int], list[str]]) -> Iterator[list[str]]:
    sheet_name = frame["_sheet"][0]
    for values in frame.select([*columns, "_row"]).iter_rows():
        messages = by_row.get((sheet_name, values[-1]), [])
        yield [*(_text(value) for value in values[:-1]), " ".join(messages)]


def batch_report(batch: ImportBatch) -> bytes:
    """The report workbook's bytes (every cell written as text, never as a formula)."""
    households = staging.households_read(batch)
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
    sheets: list[Sheet] = []
    if households is not None and raw_households is not None and raw_members is not None:
        held = households.filter(pl.col("verdict").is_in(["invalid", "duplicate"]))["key"]
        frames: list[tuple[pl.DataFrame, str | None]] = [
            (raw_households.filter(pl.col("_key").is_in(held)), "_key"),
            (raw_members.filter(pl.col("_household_key").is_in(held) | pl.col("_household_key").is_null()), None),
        ]
        one_sheet = raw_households["_sheet"].head(1).to_list() == raw_members["_sheet"].head(1).to_list()
        for frame, key in frames:
            if frame.height == 0 or (one_sheet and key is not None):
                continue  # one row per member: the members' rows carry the household's columns
            sheet_name = frame["_sheet"][0]
            sources = columns.get(sheet_name, {})
            fields = [name for name in sources if name in frame.columns]
            system = [name for name in SYSTEM_COLUMNS if name in frame.columns and name not in sources]
            sheets.append(
                Sheet(
                    name=sheet_name,
                    header=[sources[name] for name in fields] + system + [_("Problems")],
                    rows=_rows(frame, [*fields, *system], by_row),
                )
            )
    sheets.append(
        Sheet(
            name=REPORT_SHEET,
            header=[_("Severity"), _("Sheet"), _("Row"), _("Column"), _("Message")],
            rows=(
                [severity, sheet_name, row or "", column, message]
                for severity, sheet_name, row, column, message in problems
            ),
        )
    )
    return xlsx_bytes(sheets)


def may_download_report(*, user: User | AnonymousUser, batch: ImportBatch) -> bool:
    """Whether ``user`` may export the personal data of the whole batch (its report)."""
    return batch_in_scope(scope_for(user=user), batch, EXPORT_PERSONAL_DATA)


def batch_report_download(*, actor: User | AnonymousUser, batch: ImportBatch) -> bytes:
    """The report of ``batch`` for ``actor``, recorded in the audit log; PermissionDenied without the export right."""
    if not may_download_report(user=actor, batch=batch):
        raise PermissionDenied(
            _(
                "The problems report holds the personal data of the households in this import. "
                "Your role does not allow exporting personal data for its admin areas: ask an information "
                "management officer or an administrator to download it."
            )
        )
    content = batch_report(batch)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="import_batch.report_download",
            target=batch,
            changes={"problems": batch.issues.count(), "bytes": len(content)},
        )
    return content
