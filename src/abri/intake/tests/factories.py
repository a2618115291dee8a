"""Small Kobo-shaped workbooks and CSV files for intake tests (synthetic people only)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

MAIN_HEADERS = [
    "today", "location/admin1", "location/admin2", "origin_admin1", "origin_admin2", "departure_date",
    "arrival_date", "displacement_cause", "consent", "consent_date", "phone", "_uuid", "_submission_time", "_index",
]  # fmt: skip
MEMBER_HEADERS = [
    "given_names", "family_name", "sex", "relationship", "birth_date", "age_years", "marital_status",
    "wg_seeing", "wg_walking", "pregnancy", "chronic_illness", "id_document_type", "id_number",
    "_index", "_parent_index", "_parent_table_name", "_submission__uuid",
]  # fmt: skip


def submission_uuid(number: int) -> str:
    return str(uuid.UUID(int=number, version=4))


def household_row(number: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "today": date(2022, 11, 20),
        "location/admin1": "ML10",
        "location/admin2": "ML1001",
        "origin_admin1": "ML10",
        "origin_admin2": "ML1002",
        "departure_date": date(2022, 10, 2),
        "arrival_date": date(2022, 10, 9),
        "displacement_cause": "armed_conflict",
        "consent": "given",
        "consent_date": date(2022, 11, 20),
        "phone": "+223 76 12 34 56",
        "_uuid": submission_uuid(number),
        "_submission_time": "2022-11-20T10:00:00",
        "_index": number,
    }
    row.update(overrides)
    return row


def member_row(household: int, **overrides: Any) -> dict[str, Any]:
    row = {
        "given_names": "Fatoumata",
        "family_name": "Maïga",
        "sex": "female",
        "relationship": "head",
        "birth_date": date(1980, 3, 14),
        "age_years": None,
        "marital_status": "widowed",
        "wg_seeing": "no_difficulty",
        "wg_walking": "",
        "pregnancy": "no",
        "chronic_illness": "no",
        "id_document_type": "",
        "id_number": "",
        "_parent_index": household,
        "_parent_table_name": "Enregistrement",
        "_submission__uuid": submission_uuid(household),
    }
    row.update(overrides)
    return row


def family(household: int, **head: Any) -> list[dict[str, Any]]:
    """A head, her son (age 9, written as text) and her mother."""
    return [
        member_row(household, **head),
        member_row(household, given_names="Ali", sex="male", relationship="child", birth_date=None, age_years="9 ans",
                   marital_status="single"),
        member_row(household, given_names="Aïssata", relationship="parent", birth_date="02/05/1950",
                   wg_walking="a_lot_of_difficulty"),
    ]  # fmt: skip


def kobo_workbook(
    path: Path,
    households: Sequence[dict[str, Any]],
    members: Sequence[dict[str, Any]],
    *,
    main_sheet: str = "Enregistrement des ménages",
) -> Path:
    """Write a Kobo-shaped XLSX export: the main sheet and the ``members`` repeat sheet."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = main_sheet
    sheet.append(MAIN_HEADERS)
    for row in households:
        sheet.append([row.get(name) for name in MAIN_HEADERS])
    repeat = workbook.create_sheet("members")
    repeat.append(MEMBER_HEADERS)
    for index, row in enumerate(members, start=1):
        repeat.append([index if name == "_index" else row.get(name) for name in MEMBER_HEADERS])
    workbook.save(path)
    return path
