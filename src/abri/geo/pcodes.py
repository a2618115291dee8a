"""Reading the HDX global P-code list format, and the Mali P-codes Abri ships.

The format: ``Location,Admin Level,P-Code,Name,Parent P-Code,Valid from date`` (one row per
area; level 1 areas have the country code as parent), or the codes-only variant without
``Name``. An HXL hashtag row under the header (``#country+code,...``) is skipped. Rows of
other countries are ignored, so the global file can be read as it is.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from abri.core.errors import ValidationFailed

DATA_DIR = Path(__file__).resolve().parent / "data"
# Names first, then the codes-only list that adds the communes (admin 3).
SHIPPED_FILES: dict[str, tuple[Path, ...]] = {
    "MLI": (DATA_DIR / "mli_pcodes_adm1_adm2.csv", DATA_DIR / "mli_pcodes_adm3_codes_only.csv"),
}

COLUMN_LOCATION = "Location"
COLUMN_LEVEL = "Admin Level"
COLUMN_PCODE = "P-Code"
COLUMN_NAME = "Name"
COLUMN_PARENT = "Parent P-Code"
COLUMN_VALID_FROM = "Valid from date"
REQUIRED_COLUMNS = (COLUMN_LOCATION, COLUMN_LEVEL, COLUMN_PCODE, COLUMN_PARENT)
OPTIONAL_COLUMNS = (COLUMN_NAME, COLUMN_VALID_FROM)

MAX_LEVEL = 5
MAX_ERRORS = 50
_PCODE = re.compile(r"^[A-Z0-9]{2,20}$")

# French display names (with their accents) of the Mali areas, by OCHA P-code.
FRENCH_NAMES: dict[str, str] = {
    "ML01": "Kayes",
    "ML02": "Koulikoro",
    "ML03": "Sikasso",
    "ML04": "Ségou",
    "ML05": "Mopti",
    "ML06": "Tombouctou",
    "ML07": "Gao",
    "ML08": "Kidal",
    "ML09": "Bamako",
    "ML10": "Ménaka",
    "ML0101": "Bafoulabé",
    "ML0102": "Diéma",
    "ML0103": "Kayes",
    "ML0104": "Kéniéba",
    "ML0105": "Kita",
    "ML0106": "Nioro du Sahel",
    "ML0107": "Yélimané",
    "ML0201": "Banamba",
    "ML0202": "Dioïla",
    "ML0203": "Kangaba",
    "ML0204": "Kati",
    "ML0205": "Kolokani",
    "ML0206": "Koulikoro",
    "ML0207": "Nara",
    "ML0301": "Bougouni",
    "ML0302": "Kadiolo",
    "ML0303": "Kolondiéba",
    "ML0304": "Koutiala",
    "ML0305": "Sikasso",
    "ML0306": "Yanfolila",
    "ML0307": "Yorosso",
    "ML0401": "Barouéli",
    "ML0402": "Bla",
    "ML0403": "Macina",
    "ML0404": "Niono",
    "ML0405": "San",
    "ML0406": "Ségou",
    "ML0407": "Tominian",
    "ML0501": "Bandiagara",
    "ML0502": "Bankass",
    "ML0503": "Djenné",
    "ML0504": "Douentza",
    "ML0505": "Koro",
    "ML0506": "Mopti",
    "ML0507": "Ténenkou",
    "ML0508": "Youwarou",
    "ML0601": "Diré",
    "ML0602": "Goundam",
    "ML0603": "Gourma-Rharous",
    "ML0604": "Niafunké",
    "ML0605": "Tombouctou",
    "ML0701": "Ansongo",
    "ML0702": "Bourem",
    "ML0703": "Gao",
    "ML0801": "Abeïbara",
    "ML0802": "Kidal",
    "ML0803": "Tessalit",
    "ML0804": "Tin-Essako",
    "ML0901": "Bamako",
    "ML1001": "Ménaka",
    "ML1002": "Anderamboukane",
    "ML1003": "Inékar",
    "ML1004": "Tidermène",
}

# English names, only where English differs from the French display name.
ENGLISH_NAMES: dict[str, str] = {"ML06": "Timbuktu", "ML0605": "Timbuktu"}


@dataclass(frozen=True)
class AreaRow:
    """One area as read from a P-code file; ``name`` is None in the codes-only variant."""

    pcode: str
    level: int
    parent_pcode: str | None
    name: str | None
    valid_from: datetime.date | None
    file_name: str
    row_number: int


def _cell_error(file_name: str, row_number: int, column: str, message: str) -> str:
    return _("%(file)s, row %(row)d, column “%(column)s”: %(message)s") % {
        "file": file_name,
        "row": row_number,
        "column": column,
        "message": message,
    }


def _parse_date(raw: str) -> datetime.date:
    # HDX writes ISO dates, sometimes with a time part (2021-12-20T00:00:00).
    return datetime.date.fromisoformat(raw[:10])


def _read_frame(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8")
    except FileNotFoundError as error:
        raise ValidationFailed({"file": [_("%(file)s: no such file.") % {"file": path.name}]}) from error
    except (pl.exceptions.PolarsError, UnicodeDecodeError) as error:
        message = _("%(file)s: not a readable CSV file in UTF-8 (%(error)s).") % {"file": path.name, "error": error}
        raise ValidationFailed({"file": [message]}) from error
    return frame.rename({column: column.strip() for column in frame.columns})


def read_pcode_file(path: Path, *, country: str) -> list[AreaRow]:
    """Read the rows of ``country`` from a file in the HDX global P-code list format.

    Raises ValidationFailed naming the file, row and column of every problem found
    (up to 50), so the file can be fixed in one go.
    """
    file_name = path.name
    frame = _read_frame(path)
    missing = [column for column in REQUIRED_COLUMNS if column not in frame.columns]
    if missing:
        message = _("%(file)s: missing column(s) %(columns)s; expected the HDX P-code list header %(header)s.") % {
            "file": file_name,
            "columns": ", ".join(f"“{column}”" for column in missing),
            "header": ",".join((*REQUIRED_COLUMNS[:3], COLUMN_NAME, COLUMN_PARENT, COLUMN_VALID_FROM)),
        }
        raise ValidationFailed({"file": [message]})
    has_names = COLUMN_NAME in frame.columns
    has_dates = COLUMN_VALID_FROM in frame.columns
    first_line = 2
    if frame.height and (frame[COLUMN_LOCATION][0] or "").startswith("#"):  # HXL hashtag row
        frame = frame.slice(1)
        first_line = 3
    frame = frame.with_row_index("line", offset=first_line).filter(pl.col(COLUMN_LOCATION).str.strip_chars() == country)
    if frame.is_empty():
        raise ValidationFailed(
            {"file": [_("%(file)s: no row for the country %(country)s.") % {"file": file_name, "country": country}]}
        )
    errors: list[str] = []
    rows: list[AreaRow] = []
    for record in frame.iter_rows(named=True):
        row = _parse_row(record, file_name=file_name, country=country, has_names=has_names, has_dates=has_dates)
        if isinstance(row, AreaRow):
            rows.append(row)
        else:
            errors.extend(row)
        if len(errors) >= MAX_ERRORS:
            break
    if errors:
        raise ValidationFailed({"file": errors[:MAX_ERRORS]})
    return rows


def _parent_error(*, level: int, pcode: str, parent: str, country: str) -> str | None:
    if level == 1:
        if parent not in {"", country}:
            return _("a level 1 area has the country code %(country)s as parent.") % {"country": country}
        return None
    if not parent:
        return _("missing; only level 1 areas have no parent area.")
    if not pcode.startswith(parent) or pcode == parent:
        # Scopes rely on it: an area covers the P-codes that start with its own.
        return _("“%(parent)s” is not a prefix of the P-code %(pcode)s.") % {"parent": parent, "pcode": pcode}
    return None


def _name_error(name: str) -> str | None:
    if not name:
        return _("missing.")
    if len(name) > 200:
        return _("longer than 200 characters.")
    return None


def _parse_row(
    record: dict[str, str | None], *, file_name: str, country: str, has_names: bool, has_dates: bool
) -> AreaRow | list[str]:
    line = int(record["line"] or 0)
    problems: list[tuple[str, str | None]] = []
    pcode = (record[COLUMN_PCODE] or "").strip()
    if not _PCODE.match(pcode):
        message = _("“%(value)s” is not a P-code (2 to 20 capital letters and digits).") % {"value": pcode}
        problems.append((COLUMN_PCODE, message))
    raw_level = (record[COLUMN_LEVEL] or "").strip()
    level = int(raw_level) if raw_level.isdigit() else 0
    if not 1 <= level <= MAX_LEVEL:
        problems.append((COLUMN_LEVEL, _("“%(value)s” is not a level from 1 to 5.") % {"value": raw_level}))
    else:
        parent = (record[COLUMN_PARENT] or "").strip()
        problems.append((COLUMN_PARENT, _parent_error(level=level, pcode=pcode, parent=parent, country=country)))
    name = (record[COLUMN_NAME] or "").strip() if has_names else None
    if name is not None:
        problems.append((COLUMN_NAME, _name_error(name)))
    valid_from: datetime.date | None = None
    raw_date = (record[COLUMN_VALID_FROM] or "").strip() if has_dates else ""
    if raw_date:
        try:
            valid_from = _parse_date(raw_date)
        except ValueError:
            problems.append((COLUMN_VALID_FROM, _("“%(value)s” is not a date (YYYY-MM-DD).") % {"value": raw_date}))
    errors = [_cell_error(file_name, line, column, message) for column, message in problems if message]
    if errors:
        return errors
    return AreaRow(
        pcode=pcode,
        level=level,
        parent_pcode=None if level == 1 else (record[COLUMN_PARENT] or "").strip(),
        name=name,
        valid_from=valid_from,
        file_name=file_name,
        row_number=line,
    )


def check_hierarchy(rows: Iterable[AreaRow], *, known_levels: dict[str, int]) -> list[str]:
    """Errors for duplicate P-codes in a file and parents that are missing or of the wrong level.

    ``known_levels`` maps P-codes already in the database (or in earlier files) to their level.
    """
    errors: list[str] = []
    levels = dict(known_levels)
    seen: dict[tuple[str, str], int] = {}
    rows = list(rows)
    for row in rows:
        key = (row.file_name, row.pcode)
        if key in seen:
            errors.append(
                _cell_error(
                    row.file_name,
                    row.row_number,
                    COLUMN_PCODE,
                    _("%(pcode)s already appears on row %(row)d.") % {"pcode": row.pcode, "row": seen[key]},
                )
            )
        seen[key] = row.row_number
        levels[row.pcode] = row.level
    for row in rows:
        if row.parent_pcode is None:
            continue
        parent_level = levels.get(row.parent_pcode)
        if parent_level is None:
            message = _("%(parent)s is neither in the file nor already loaded.") % {"parent": row.parent_pcode}
            errors.append(_cell_error(row.file_name, row.row_number, COLUMN_PARENT, message))
        elif parent_level != row.level - 1:
            message = _(
                "%(parent)s is a level %(parent_level)d area; a level %(level)d area needs level %(expected)d."
            ) % {
                "parent": row.parent_pcode,
                "parent_level": parent_level,
                "level": row.level,
                "expected": row.level - 1,
            }
            errors.append(_cell_error(row.file_name, row.row_number, COLUMN_PARENT, message))
    return errors[:MAX_ERRORS]
