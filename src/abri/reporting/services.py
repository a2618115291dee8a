"""Writes of the reporting app: partners' 5W rows imported from a spreadsheet, all or nothing.

A partner's file has the shape of Abri's 5W export: its columns are found by their HXL
hashtag row (or, without one, by the French or English header). Each row is checked on its
own and every problem is named with its row and column; one refused row refuses the file,
and nothing is written. A file imported again under the same name replaces its earlier rows.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from abri.access.roles import IMPORT_ACTIVITIES
from abri.access.selectors import Scope
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import AdminArea
from abri.intake.parsers.files import UnreadableFile, read_file
from abri.reporting.exports import Column, activity_columns
from abri.reporting.fivew import age_groups, breakdown_keys
from abri.reporting.models import SHELTER_NFI, ActivityStatus, Modality, PartnerActivity

REQUIRED = ("organisation", "activity", "adm1_code", "status", "start_date", "households", "people")
COUNTS = ("households", "people", "idps", "with_disabilities")
_DAY_FIRST = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int


def _normalise(text: str) -> str:
    return " ".join(text.lower().replace("+", " +").split())


def _column_positions(header: list[str], rows: list[list[str]], columns: list[Column]) -> tuple[dict[str, int], int]:
    """Where each known column is, and the number of rows (after the header) that are more header rows."""
    by_hashtag = {_normalise(column.hashtag): column.key for column in columns}
    by_title = {_normalise(title): column.key for column in columns for title in (column.french, column.english)}
    lines = [header, *rows[:2]]
    for index, line in enumerate(lines):
        found = {
            by_hashtag[_normalise(cell)]: position
            for position, cell in enumerate(line)
            if _normalise(cell) in by_hashtag
        }
        if found:
            return found, index
    found = {
        by_title[_normalise(cell)]: position for position, cell in enumerate(header) if _normalise(cell) in by_title
    }
    extra = 0
    for line in rows[:2]:  # an English header row under the French one
        if any(_normalise(cell) in by_title for cell in line):
            extra += 1
    return found, extra


def _choice(value: str, choices: Any) -> str | None:
    wanted = value.strip().lower()
    for choice in choices:
        if wanted in {choice.value, str(choice.label).lower(), choice.value.replace("_", " ")}:
            return str(choice.value)
    return None


def _date(value: str) -> datetime.date | None:
    text = value.strip()
    day_first = _DAY_FIRST.fullmatch(text)
    try:
        if day_first:
            day, month, year = (int(part) for part in day_first.groups())
            return datetime.date(year, month, day)
        return datetime.date.fromisoformat(text[:10])
    except ValueError:
        return None


def _count(value: str) -> int | None:
    text = value.strip().replace("\u202f", "").replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    return int(text) if re.fullmatch(r"-?\d+", text) else None


Problem = Callable[[str, str], None]


def _check_areas(cells: dict[str, str], areas: dict[str, AdminArea], problem: Problem) -> AdminArea | None:
    """The deepest admin area the row names, each P-code known at its level and inside the one above."""
    area: AdminArea | None = None
    for level, key in ((1, "adm1_code"), (2, "adm2_code"), (3, "adm3_code")):
        code = cells.get(key, "").strip()
        if not code:
            continue
        found = areas.get(code)
        if found is None or found.level != level:
            problem(key, _("unknown P-code %(code)s") % {"code": code})
        elif area is not None and not code.startswith(area.pcode):
            problem(key, _("%(code)s is not in %(parent)s") % {"code": code, "parent": area.pcode})
        else:
            area = found
    return area


def _check_counts(cells: dict[str, str], keys: list[str], problem: Problem) -> dict[str, int]:
    """The counts of the row: whole, not negative, the sex-and-age breakdown adding up to the people."""
    counts: dict[str, int] = {}
    for key in (*COUNTS, *keys):
        text = cells.get(key, "").strip()
        value = _count(text) if text else 0
        if value is None:
            problem(key, _("%(value)s is not a whole number") % {"value": text})
        elif value < 0:
            problem(key, _("a count cannot be negative (%(value)s)") % {"value": value})
        else:
            counts[key] = value
    people = counts.get("people")
    if people is None:
        return counts
    breakdown = [counts.get(key) for key in keys]
    if all(value is not None for value in breakdown) and any(breakdown):
        total = sum(value for value in breakdown if value is not None)
        if total != people:
            problem(
                "people",
                _("the people by sex and age add up to %(total)s, not %(people)s") % {"total": total, "people": people},
            )
    for key in ("idps", "with_disabilities"):
        if counts.get(key, 0) > people:
            problem(key, _("more than the people reached (%(people)s)") % {"people": people})
    return counts


def _check_choices_and_dates(cells: dict[str, str], problem: Problem) -> dict[str, Any]:
    """The status, the modality and the dates of the row."""
    fields: dict[str, Any] = {}
    for key, choices, default in (("status", ActivityStatus, None), ("modality", Modality, Modality.IN_KIND)):
        text = cells.get(key, "").strip()
        fields[key] = _choice(text, choices) if text else default
        if text and fields[key] is None:
            problem(key, _("unknown value %(value)s") % {"value": text})
    for key in ("start_date", "end_date"):
        text = cells.get(key, "").strip()
        fields[key] = _date(text) if text else None
        if text and fields[key] is None:
            problem(key, _("%(value)s is not a date (YYYY-MM-DD)") % {"value": text})
    if fields["start_date"] and fields["end_date"] and fields["end_date"] < fields["start_date"]:
        problem("end_date", _("before the start date"))
    return fields


def _check_row(
    cells: dict[str, str], areas: dict[str, AdminArea], keys: list[str], scope: Scope
) -> tuple[dict[str, Any], list[str], int | None]:
    """The fields of one row, its problems (each naming its column), and the organisation answering for it."""
    problems: list[str] = []
    columns = {column.key: column for column in activity_columns()}

    french = (get_language() or "").startswith("fr")

    def problem(key: str, message: str) -> None:
        column = columns[key]
        problems.append(f"{column.hashtag} ({column.french if french else column.english}): {message}")

    for key in REQUIRED:
        if not cells.get(key, "").strip():
            problem(key, _("required"))
    area = _check_areas(cells, areas, problem)
    fields: dict[str, Any] = {**_check_counts(cells, keys, problem), **_check_choices_and_dates(cells, problem)}
    organisation_id = None
    if area is not None:
        organisation_id = next(
            (grant.organisation_id for grant in scope.grants_for(IMPORT_ACTIVITIES) if grant.covers_area(area.pcode)),
            None,
        )
        if organisation_id is None:
            problem("adm1_code", _("%(code)s is not in your areas") % {"code": area.pcode})
    fields.update(
        reporting_organisation=cells.get("organisation", "").strip(),
        implementing_partner=cells.get("implementing_partner", "").strip(),
        funder=cells.get("funder", "").strip(),
        cluster=cells.get("cluster", "").strip() or SHELTER_NFI,
        activity=cells.get("activity", "").strip(),
        item=cells.get("item", "").strip(),
        site_name=cells.get("site", "").strip(),
        admin_area=area,
    )
    return fields, problems, organisation_id


def partner_activities_import(*, actor: User | AnonymousUser, scope: Scope, path: Path, file_name: str) -> ImportResult:
    """Import a partner's 5W rows from the spreadsheet at ``path``; every row checked, all or nothing.

    Raises ValidationFailed with one entry per refused row ("row N": its problems), or for the file.
    """
    if not scope.allows(IMPORT_ACTIVITIES):
        raise PermissionDenied(_("You may not import 5W rows."))
    try:
        workbook = read_file(path, original_name=file_name)
    except UnreadableFile as error:
        raise ValidationFailed({"file": error.message}) from error
    if not workbook.tables:
        raise ValidationFailed({"file": _("The file %(name)s has no sheet with rows.") % {"name": file_name}})
    frame = workbook.tables[0].frame
    header = [str(name) for name in frame.columns]
    rows = [list(row) for row in frame.iter_rows()]
    columns = activity_columns()
    positions, skip = _column_positions(header, rows, columns)
    missing = [column.hashtag for column in columns if column.key in REQUIRED and column.key not in positions]
    if missing:
        raise ValidationFailed(
            {
                "file": _("The file %(name)s has no column %(columns)s.")
                % {"name": file_name, "columns": ", ".join(missing)}
            }
        )
    keys = breakdown_keys(age_groups())
    data = rows[skip:]
    codes = {
        str(row[positions[key]]).strip()
        for row in data
        for key in ("adm1_code", "adm2_code", "adm3_code")
        if key in positions
    }
    areas = {area.pcode: area for area in AdminArea.objects.filter(pcode__in=codes)}
    first_row = 2 + skip  # the header is row 1 of the sheet
    checked: list[tuple[int, dict[str, Any], int]] = []
    errors: dict[str, list[str]] = {}
    for offset, row in enumerate(data):
        cells = {key: str(row[position] or "") for key, position in positions.items()}
        fields, problems, organisation_id = _check_row(cells, areas, keys, scope)
        number = first_row + offset
        if problems or organisation_id is None:
            errors[_("row %(number)s") % {"number": number}] = problems or [_("not in your areas")]
        else:
            checked.append((number, fields, organisation_id))
    if errors:
        raise ValidationFailed(errors)
    if not checked:
        raise ValidationFailed({"file": _("The file %(name)s has no 5W row.") % {"name": file_name}})
    with transaction.atomic():
        organisations = {organisation_id for _number, _fields, organisation_id in checked}
        earlier = PartnerActivity.objects.filter(source_file=file_name, organisation_id__in=organisations)
        replaced, _deleted = earlier.delete()
        created = PartnerActivity.objects.bulk_create(
            PartnerActivity(
                organisation_id=organisation_id,
                source_file=file_name,
                source_row=number,
                imported_by=actor if actor.is_authenticated else None,
                people_by_sex_and_age={key: fields.pop(key) for key in keys},
                **fields,
            )
            for number, fields, organisation_id in checked
        )
        for first in created[:1]:
            audit_record(
                actor=actor,
                action="partner_activities.import",
                target=first,
                changes={"file": file_name, "rows": len(created), "replaced": replaced},
            )
    return ImportResult(created=len(created), replaced=replaced)
