"""Reads an uploaded file into tables of text, or says clearly why it cannot.

Every cell is read as text (dates as Excel stored them, numbers as written), so nothing is
guessed here: `abri.intake.parsers.coerce` turns text into dates and numbers with messages.
Formulas are never run: Excel's last saved value is read (never the formula), and a warning says
so. CSV files may be UTF-8 or Latin-1 / Windows-1252, separated by commas, semicolons or tabs.

Before anything is parsed, the shape of the file is checked against Abri's bounds (`Limits`, from
the ``ABRI_IMPORT_MAX_*`` settings): the declared uncompressed size and compression ratio of every
part of an XLSX (a zip bomb is refused unopened), the columns and rows a sheet declares, the
columns of a CSV header, the nesting depth of JSON. Each refusal names the file and the bound.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import fastexcel
import numpy as np
import polars as pl
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeElementTree
from django.conf import settings
from django.utils.formats import number_format
from django.utils.translation import gettext as _

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted (password) XLSX and old .xls files
ZIP_MAGIC = b"PK\x03\x04"


class UnreadableFile(Exception):
    """The file cannot be imported; ``message`` says why and what to do, in the user's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Table:
    """One sheet (or CSV file) as text: ``frame`` has one String column per header."""

    name: str
    frame: pl.DataFrame


@dataclass
class Workbook:
    tables: list[Table]
    warnings: list[str] = field(default_factory=list)
    # Sheets none of whose columns was read (none is a field Abri knows): sheet → its headers.
    unmatched: dict[str, list[str]] = field(default_factory=dict)


# A part smaller than this is never refused for its compression ratio: a short, repetitive XML
# part compresses far, and costs nothing to read.
RATIO_FLOOR_BYTES = 1 << 20


@dataclass(frozen=True)
class Limits:
    """The bounds an uploaded file must keep before it is parsed."""

    uncompressed_bytes: int
    compression_ratio: int
    columns: int
    rows: int
    json_depth: int

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            uncompressed_bytes=int(settings.ABRI_IMPORT_MAX_UNCOMPRESSED_BYTES),
            compression_ratio=int(settings.ABRI_IMPORT_MAX_COMPRESSION_RATIO),
            columns=int(settings.ABRI_IMPORT_MAX_COLUMNS),
            rows=int(settings.ABRI_IMPORT_MAX_ROWS),
            json_depth=int(settings.ABRI_IMPORT_MAX_JSON_DEPTH),
        )


def _number(value: int) -> str:
    """A count written the way of the user's language: 10 000 in French, 10,000 in English."""
    return number_format(value, force_grouping=True)


def _too_many_columns(name: str, count: int, limits: Limits, sheet: str = "") -> UnreadableFile:
    where = name if not sheet else f"{name} ({sheet})"
    return UnreadableFile(
        _("The file %(name)s has %(count)s columns; Abri accepts at most %(limit)s.")
        % {"name": where, "count": _number(count), "limit": _number(limits.columns)}
    )


def _too_many_rows(name: str, limits: Limits, sheet: str = "") -> UnreadableFile:
    where = name if not sheet else f"{name} ({sheet})"
    return UnreadableFile(
        _(
            "The file %(name)s has more than %(limit)s rows; Abri accepts at most %(limit)s. "
            "Split it into several files."
        )
        % {"name": where, "limit": _number(limits.rows)}
    )


def _check_shape(tables: list[Table], name: str, limits: Limits) -> None:
    for table in tables:
        if table.frame.width > limits.columns:
            raise _too_many_columns(name, table.frame.width, limits, table.name)
        if table.frame.height > limits.rows:
            raise _too_many_rows(name, limits, table.name)


def read_file(
    path: Path,
    *,
    original_name: str = "",
    max_bytes: int | None = None,
    keep_column: Callable[[str], bool] | None = None,
    limits: Limits | None = None,
    sample: bool = False,
) -> Workbook:
    """Read ``path`` (XLSX, CSV or Kobo JSON) into text tables, within ``limits`` (the settings' by default).

    ``keep_column`` (a header → bool test) lets a large workbook be read without the columns
    nobody will use, which saves much of the memory of reading it. ``sample`` reads only the
    headers and the first rows (the mapping builder).
    """
    name = original_name or path.name
    size = path.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise UnreadableFile(
            _("The file %(name)s is %(size).1f MB; the largest file Abri accepts is %(limit).0f MB.")
            % {"name": name, "size": size / 1e6, "limit": max_bytes / 1e6}
        )
    if size == 0:
        raise UnreadableFile(_("The file %(name)s is empty.") % {"name": name})
    with path.open("rb") as handle:
        head = handle.read(8)
    suffix = Path(name).suffix.lower()
    if head.startswith(OLE2_MAGIC):
        raise UnreadableFile(
            _(
                "The file %(name)s is password-protected or an old Excel 97 (.xls) file. "
                "Remove the password and save it as .xlsx, then upload it again."
            )
            % {"name": name}
        )
    bounds = limits or Limits.from_settings()
    if suffix == ".zip":
        _check_archive(path, name, bounds)
        workbook = _read_zip(path, name, bounds, n_rows=SAMPLE_ROWS if sample else None)
    elif head.startswith(ZIP_MAGIC) or suffix in {".xlsx", ".xlsm"}:
        _check_archive(path, name, bounds)
        workbook = _read_xlsx(path, name, keep_column, n_rows=SAMPLE_ROWS if sample else None)
    elif suffix == ".json":
        workbook = _read_json(path, name, bounds)
    else:
        workbook = _read_csv(path, name, bounds, n_rows=SAMPLE_ROWS if sample else None)
    _check_shape(workbook.tables, name, bounds)
    return workbook


SAMPLE_ROWS = 20  # what the mapping builder reads of a sample: its headers and a few rows


def _damaged(name: str) -> UnreadableFile:
    return UnreadableFile(
        _(
            "The file %(name)s is damaged or incomplete (it may have been cut off while uploading). "
            "Export it again and upload it once more."
        )
        % {"name": name}
    )


_DIMENSION = re.compile(rb'<dimension\s+ref="[A-Z]*\d*:?([A-Z]+)(\d+)"')


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - ord("A") + 1)
    return number


def _check_archive(path: Path, name: str, limits: Limits) -> None:
    """Refuse a zip bomb from what its directory declares, before any part is uncompressed;
    then the columns and rows each sheet declares (its ``<dimension>``), read from its first bytes."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = 0
            for member in members:
                total += member.file_size
                if member.file_size > limits.uncompressed_bytes or total > limits.uncompressed_bytes:
                    raise UnreadableFile(
                        _(
                            "The file %(name)s holds more than %(limit).0f MB once uncompressed (at its part "
                            "%(part)s); Abri accepts at most %(limit).0f MB. Split it into several files."
                        )
                        % {"name": name, "part": member.filename, "limit": limits.uncompressed_bytes / 1e6}
                    )
                ratio = member.file_size / max(member.compress_size, 1)
                if member.file_size > RATIO_FLOOR_BYTES and ratio > limits.compression_ratio:
                    raise UnreadableFile(
                        _(
                            "The part %(part)s of the file %(name)s is compressed %(ratio)s times; Abri accepts "
                            "at most %(limit)s times (a file compressed further is refused as a zip bomb)."
                        )
                        % {
                            "name": name,
                            "part": member.filename,
                            "ratio": _number(int(ratio)),
                            "limit": _number(limits.compression_ratio),
                        }
                    )
            for member in members:
                if member.filename.startswith("xl/worksheets/") and member.filename.endswith(".xml"):
                    with archive.open(member) as handle:
                        found = _DIMENSION.search(handle.read(64 << 10))
                    if found is None:
                        continue
                    sheet = Path(member.filename).stem
                    columns, rows = _column_number(found.group(1)), int(found.group(2))
                    if columns > limits.columns:
                        raise _too_many_columns(name, columns, limits, sheet)
                    if rows > limits.rows + 1:  # the header row
                        raise _too_many_rows(name, limits, sheet)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as error:
        raise _damaged(name) from error


def _load_sheet(
    reader: fastexcel.ExcelReader, sheet_name: str, keep: Callable[[str], bool] | None, n_rows: int | None = None
) -> pl.DataFrame:
    columns = (lambda column: keep(str(column.name))) if keep is not None else None
    try:
        # Eager loading borrows the cells instead of copying them: about a quarter less memory.
        # The stub of load_sheet_eager lists only names, but it takes the callable as load_sheet does.
        batch = reader.load_sheet_eager(sheet_name, dtypes="string", use_columns=columns, n_rows=n_rows)  # type: ignore[arg-type]  # the stub lists names only (see above)
        return pl.DataFrame(pl.from_arrow(batch))
    except ImportError:  # pyarrow missing
        return reader.load_sheet(sheet_name, dtypes="string", use_columns=columns, n_rows=n_rows).to_polars()


def _read_xlsx(
    path: Path, name: str, keep: Callable[[str], bool] | None = None, *, n_rows: int | None = None
) -> Workbook:
    damaged = _damaged(name).message
    # The search for formulas (zlib, which lets go of the interpreter lock) runs beside the
    # reading. The sheets are read one after the other: the reader holds a whole sheet as cells,
    # and two at once would double the peak memory of a large import.
    with ThreadPoolExecutor(max_workers=1) as pool:
        formulas = pool.submit(_has_formulas, path)
        try:
            reader = fastexcel.read_excel(path)
            sizes = _sheet_sizes(path)
            # The largest sheet first, while the process is smallest: a lower peak.
            order = sorted(reader.sheet_names, key=lambda sheet: -sizes.get(sheet, 0))
            frames = {sheet: _load_sheet(reader, sheet, keep, n_rows) for sheet in order}
            tables = [
                Table(name=sheet, frame=_clean(frames.pop(sheet)))
                for sheet in reader.sheet_names
                if frames[sheet].width
            ]
            unmatched = {
                sheet: headers for sheet in frames if keep is not None and (headers := _headers(reader, sheet))
            }
        except (fastexcel.FastExcelError, RuntimeError, ValueError) as error:
            raise UnreadableFile(damaged) from error
        try:
            has_formulas = formulas.result()
        except (zipfile.BadZipFile, EOFError, OSError, zlib.error) as error:
            raise UnreadableFile(damaged) from error
    warnings = []
    if has_formulas:
        warnings.append(
            _(
                "The file %(name)s contains formulas. Abri read the values Excel last saved and never runs "
                "formulas; a formula cell with no saved value is read as empty."
            )
            % {"name": name}
        )
    return Workbook(tables=tables, warnings=warnings, unmatched=unmatched)


def _headers(reader: fastexcel.ExcelReader, sheet: str) -> list[str]:
    """The header row of a sheet, without its cells below."""
    return [str(column).strip() for column in _load_sheet(reader, sheet, None, 0).columns if str(column).strip()]


def _sheet_sizes(path: Path) -> dict[str, int]:
    """Uncompressed size of each sheet's XML, by sheet name ({} when the workbook is unusual)."""
    relationships = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
    try:
        with zipfile.ZipFile(path) as archive:
            # defusedxml refuses entity declarations and external references outright.
            workbook = SafeElementTree.fromstring(archive.read("xl/workbook.xml"))
            links = SafeElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
            targets = {link.get("Id"): str(link.get("Target", "")).lstrip("/") for link in links}
            sizes = {item.filename: item.file_size for item in archive.infolist()}
            return {
                str(sheet.get("name")): sizes.get(_in_xl(targets.get(sheet.get(relationships), "")), 0)
                for sheet in workbook.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheet")
            }
    except (KeyError, zipfile.BadZipFile, ParseError, DefusedXmlException, OSError):
        return {}


def _in_xl(target: str) -> str:
    return target if target.startswith("xl/") else f"xl/{target}"


def _has_formulas(path: Path) -> bool:
    with zipfile.ZipFile(path) as archive:
        sheets = [item for item in archive.namelist() if item.startswith("xl/worksheets/sheet")]
        return any(_contains_formula(archive, sheet) for sheet in sheets)


def _contains_formula(archive: zipfile.ZipFile, member: str) -> bool:
    with archive.open(member) as handle:
        tail = b""
        while chunk := handle.read(4 << 20):
            seam = tail + chunk[:3]  # a tag cut between two chunks
            if b"<f>" in chunk or b"<f " in chunk or b"<f>" in seam or b"<f " in seam:
                return True
            tail = chunk[-3:]
    return False


def _clean(frame: pl.DataFrame) -> pl.DataFrame:
    """Text columns, headers stripped, empty cells as "" and fully empty rows dropped.

    The apostrophe Abri's downloads put before a value a spreadsheet would run as a formula
    (`abri.core.exports`) is taken off again, so a corrected report imports the values as they were.
    """
    frame = frame.rename({column: str(column).strip() for column in frame.columns})
    frame = frame.select(
        pl.all().cast(pl.String).fill_null("").str.replace(r"^'([=+\-@\t\r\n])", "${1}").str.strip_chars()
    )
    filled = frame.select(pl.any_horizontal(pl.all() != "")).to_series()
    return frame if filled.all() else frame.filter(filled)  # no copy of a large sheet with no empty row


def _encoding(path: Path | bytes) -> str:
    """utf-8 when the whole file decodes as UTF-8, else Windows-1252 (a superset of Latin-1's letters)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") if isinstance(path, Path) else io.BytesIO(path) as handle:
        try:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _separator(first_line: str) -> str:
    counts = {separator: first_line.count(separator) for separator in (",", ";", "\t")}
    return max(counts, key=lambda separator: counts[separator])


def _read_zip(path: Path, name: str, limits: Limits, *, n_rows: int | None = None) -> Workbook:
    """The CSV files of a zip (ODK Central's export: the form's file and one per repeat group),
    read from memory: nothing of them is written to disk in clear."""
    tables: list[Table] = []
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                inner = Path(member.filename)
                if member.is_dir() or inner.suffix.lower() != ".csv" or inner.name.startswith("."):
                    continue
                data = archive.read(member)
                tables.extend(_read_csv(data, f"{name}/{inner.name}", limits, n_rows=n_rows, table=inner.stem).tables)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as error:
        raise _damaged(name) from error
    if not tables:
        raise UnreadableFile(
            _("The zip file %(name)s holds no CSV file (ODK Central's export holds one per form and repeat group).")
            % {"name": name}
        )
    return Workbook(tables=tables)


def _read_csv(path: Path | bytes, name: str, limits: Limits, *, n_rows: int | None = None, table: str = "") -> Workbook:
    encoding = _encoding(path)
    source: Path | io.BytesIO = path if isinstance(path, Path) else io.BytesIO(path)
    if encoding != "utf-8" or not isinstance(path, Path):
        # Converted in memory: the file may be the clear content of an encrypted staged file.
        raw = path.read_bytes() if isinstance(path, Path) else path
        source = io.BytesIO(raw.decode(encoding, errors="replace").encode("utf-8"))
        first_line = source.readline().decode("utf-8").lstrip("\ufeff")
        source.seek(0)
    else:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first_line = handle.readline()
    separator = _separator(first_line)
    header = next(csv.reader([first_line], delimiter=separator), [])
    if len(header) > limits.columns:
        raise _too_many_columns(name, len(header), limits)
    try:
        frame = pl.read_csv(
            source,
            separator=separator,
            infer_schema=False,
            encoding="utf8",
            truncate_ragged_lines=False,
            n_rows=n_rows if n_rows is not None else limits.rows + 1,  # one more: a longer file is refused
        )
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
        raise UnreadableFile(
            _(
                "The file %(name)s is not a readable CSV table (%(reason)s). Check that it was exported completely, "
                "with one header row."
            )
            % {"name": name, "reason": str(error).splitlines()[0][:200]}
        ) from error
    if n_rows is None and frame.height > limits.rows:  # refused, never cut short
        raise _too_many_rows(name, limits)
    first = frame.columns[0] if frame.columns else ""
    if first.startswith("\ufeff"):
        frame = frame.rename({first: first.lstrip("\ufeff")})
    return Workbook(tables=[Table(name=table or Path(name).stem, frame=_clean(frame))])


_JSON_KEPT = b'"[]{}'
_JSON_DROPPED = bytes(code for code in range(256) if code not in _JSON_KEPT)


def json_depth(data: bytes) -> int:
    """The deepest nesting of lists and objects in the JSON ``data``, without parsing it.

    Escaped backslashes, then escaped quotes, are taken out; only quotes and brackets are kept;
    a bracket is inside a string when an odd number of quotes come before it; the depth is the
    highest running sum of the others (+1 for ``[`` and ``{``, -1 for ``]`` and ``}``).
    Vectorised: about 1.5 s for 90 MB (json.loads itself takes 2.6 s).
    """
    kept = data.replace(b"\\\\", b"").replace(b'\\"', b"").translate(None, _JSON_DROPPED)
    codes = np.frombuffer(kept, dtype=np.uint8)
    outside = np.cumsum(codes == ord('"'), dtype=np.int64) % 2 == 0
    brackets = codes[outside & (codes != ord('"'))]
    if not brackets.size:
        return 0
    steps = np.where((brackets == ord("[")) | (brackets == ord("{")), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def json_depth_check(data: bytes, *, name: str, limit: int) -> None:
    """Refuse JSON nested deeper than ``limit`` before it is parsed (no recursion, however deep)."""
    if data.count(b"[") + data.count(b"{") > limit and json_depth(data) > limit:
        raise UnreadableFile(
            _(
                "The file %(name)s nests its lists and objects more than %(limit)s levels deep; "
                "Abri accepts at most %(limit)s. Export the submissions again as a flat list."
            )
            % {"name": name, "limit": limit}
        )


def _read_json(path: Path, name: str, limits: Limits) -> Workbook:
    invalid = _("The file %(name)s is not valid JSON: it may be incomplete.") % {"name": name}
    data = path.read_bytes()
    json_depth_check(data, name=name, limit=limits.json_depth)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UnreadableFile(invalid) from error
    del data
    try:
        payload = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise UnreadableFile(invalid) from error
    records = payload.get("results", payload.get("value", payload)) if isinstance(payload, dict) else payload
    if not isinstance(records, list):
        raise UnreadableFile(_("The file %(name)s holds no list of submissions.") % {"name": name})
    if not all(isinstance(record, dict) for record in records):
        raise UnreadableFile(_("The file %(name)s holds no list of submissions.") % {"name": name})
    if len(records) > limits.rows:
        raise _too_many_rows(name, limits)
    return records_to_workbook(records)


def _leaf(path: str) -> str:
    return path.rsplit("/", 1)[-1]


# Kobo's and ODK Central's system fields: metadata of a submission, never a repeat or a member
# (Kobo API v2: _attachments, _geolocation, _notes, _tags, _validation_status …; Central's
# OData: __id, __system; both: the meta group, formhub/uuid).
def is_system_field(key: str) -> bool:
    """Whether ``key`` (a JSON key or a column) names a Kobo or ODK system field."""
    return key.startswith("_") or key.split("/", 1)[0] in {"meta", "formhub"} or "@odata" in key


def submission_id_of(record: dict[str, Any]) -> str:
    """The identity of a submission that stays the same across its edits and exports.

    Kobo: ``meta/rootUuid`` (kept when the submission is edited), else ``_uuid``, else
    ``meta/instanceID`` without its "uuid:" prefix; ODK Central: ``__id``.
    """
    meta: dict[str, Any] = record["meta"] if isinstance(record.get("meta"), dict) else {}
    for value, strip in (
        (record.get("meta/rootUuid") or meta.get("rootUuid"), True),
        (record.get("_uuid"), False),
        (record.get("__id"), False),
        (record.get("meta/instanceID") or meta.get("instanceID"), True),
    ):
        text = _text(value)
        if text:
            return text.removeprefix("uuid:") if strip else text
    return ""


@dataclass
class _Repeat:
    """The rows of one repeat group, by its path in the form ("members", "household/members")."""

    parent: str  # the path of the table its rows belong to
    rows: list[dict[str, str]]


def records_to_workbook(records: list[dict[str, Any]], *, main_sheet: str = "submissions") -> Workbook:
    """Submissions as JSON (Kobo API v2: group paths joined by "/"; ODK Central OData: groups as
    nested objects, repeats expanded), into a main table and one table per repeat group, as
    Kobo's XLSX export lays them out: each repeat row carries ``_index``, ``_parent_index``,
    ``_parent_table_name`` and ``_submission__uuid``. Nested repeats get their own tables."""
    main_rows: list[dict[str, str]] = []
    repeats: dict[str, _Repeat] = {}
    for index, record in enumerate(records, start=1):
        submission = submission_id_of(record)
        row: dict[str, str] = {"_index": str(index)}
        if submission:
            row["_uuid"] = submission
        found: list[tuple[str, list[dict[str, Any]]]] = []
        _flatten(record, row, found, path="", top=True)
        main_rows.append(row)
        _repeat_rows(found, parent=main_sheet, parent_index=str(index), submission=submission, repeats=repeats)
    tables = [Table(name=main_sheet, frame=_frame(main_rows))]
    names = _repeat_names(list(repeats))
    tables.extend(Table(name=names[path], frame=_frame(repeat.rows)) for path, repeat in repeats.items())
    for table, repeat in zip(tables[1:], repeats.values(), strict=True):
        if repeat.parent != main_sheet:
            table.frame = table.frame.with_columns(pl.lit(names[repeat.parent]).alias("_parent_table_name"))
    return Workbook(tables=tables)


def _repeat_rows(
    found: list[tuple[str, list[dict[str, Any]]]],
    *,
    parent: str,
    parent_index: str,
    submission: str,
    repeats: dict[str, _Repeat],
) -> None:
    for path, items in found:
        repeat = repeats.setdefault(path, _Repeat(parent=parent, rows=[]))
        for item in items:
            member: dict[str, str] = {}
            nested: list[tuple[str, list[dict[str, Any]]]] = []
            _flatten(item, member, nested, path=path, top=False)
            index = str(len(repeat.rows) + 1)
            member.update(
                {
                    "_index": index,
                    "_parent_index": parent_index,
                    "_parent_table_name": parent,
                    "_submission__uuid": submission,
                }
            )
            repeat.rows.append(member)
            _repeat_rows(nested, parent=path, parent_index=index, submission=submission, repeats=repeats)


def _repeat_names(paths: list[str]) -> dict[str, str]:
    """A table per repeat, named by the repeat's name (its path where two share a name)."""
    leaves = [_leaf(path) for path in paths]
    return {path: leaf if leaves.count(leaf) == 1 else path for path, leaf in zip(paths, leaves, strict=True)}


def _flatten(
    record: dict[str, Any],
    row: dict[str, str],
    repeats: list[tuple[str, list[dict[str, Any]]]],
    *,
    path: str,
    top: bool,
) -> None:
    for key, value in record.items():
        if key.startswith("__system") or "@odata" in key:
            continue
        full = key if "/" in key or not path else f"{path}/{key}"
        if key == "_validation_status" and isinstance(value, dict):
            row[key] = _text(value.get("uid", ""))
        elif top and is_system_field(key) and isinstance(value, (dict, list)) and key != "meta":
            # A system field keeps its value as metadata: lists of attachments, notes, tags.
            row.setdefault(key, _system_text(value))
        elif isinstance(value, dict):
            _flatten(value, row, repeats, path=full, top=top and key == "meta")
        elif isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
            repeats.append((full, value))
        else:
            # The whole path names the column, as in Kobo's exports with group names: two groups
            # asking a question of the same name (head/name, spouse/name) keep both answers.
            row.setdefault(full, _text(value))


def _system_text(value: object) -> str:
    if isinstance(value, dict):
        return "" if not value else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, list) and all(not isinstance(item, (dict, list)) for item in value):
        return " ".join(_text(item) for item in value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else ""


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return " ".join(_text(item) for item in value)
    return str(value).strip()


def _frame(rows: list[dict[str, str]]) -> pl.DataFrame:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    return pl.DataFrame(
        {column: [row.get(column, "") for row in rows] for column in columns}, schema=dict.fromkeys(columns, pl.String)
    )
