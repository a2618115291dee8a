"""Partner lists without importing them: read a CSV or XLSX, check the column map, run the engine.

Information management officers dedupe partner lists every week; the lists come as they
come (semicolons, Windows-1252 accents, an empty sheet). Every problem with the file or the
columns is reported as `ValidationFailed` with a message that says what and where; nothing
is written to the registry.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from abri.core.errors import ValidationFailed
from abri.dedup.engine import linkage
from abri.dedup.engine.linkage import Progress, Result, Settings
from abri.dedup.engine.prepare import KNOWN_FIELDS, FieldMap, prepare, present_fields

SPREADSHEET_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xls", ".ods"})
# Encodings tried in turn: UTF-8 (with or without its mark), then the Windows code page
# French-language Excel writes CSV in.
_ENCODINGS = ("utf-8-sig", "cp1252")


@dataclass
class Table:
    """A list read from a file: every column as text, and what reading it had to guess."""

    frame: pl.DataFrame
    notes: list[str] = field(default_factory=list)


def _decode(raw: bytes, name: str, notes: list[str]) -> str:
    for encoding in _ENCODINGS:
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            continue
        if encoding != _ENCODINGS[0]:
            notes.append(_("%(file)s is not UTF-8; it was read as Windows-1252 (Western European).") % {"file": name})
        return text
    # cp1252 leaves five bytes undefined; latin-1 maps every byte, so this cannot fail.
    notes.append(_("%(file)s is not UTF-8; it was read as Latin-1.") % {"file": name})
    return raw.decode("latin-1")


def _delimiter(sample: str) -> str:
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def read_table(path: Path, *, sheet: str | None = None) -> Table:
    """The list in ``path`` (CSV, TSV or a spreadsheet) with every column as text."""
    name = path.name
    if not path.exists():
        raise ValidationFailed({"file": [_("%(file)s does not exist.") % {"file": str(path)}]})
    if path.is_dir():
        raise ValidationFailed({"file": [_("%(file)s is a folder, not a file.") % {"file": str(path)}]})
    notes: list[str] = []
    if path.suffix.lower() in SPREADSHEET_SUFFIXES:
        frame = _read_spreadsheet(path, sheet=sheet)
    else:
        raw = path.read_bytes()
        if not raw.strip():
            raise ValidationFailed(
                {"file": [_("%(file)s is empty: it has no header and no records.") % {"file": name}]}
            )
        text = _decode(raw, name, notes)
        try:
            frame = pl.read_csv(
                io.StringIO(text),
                separator=_delimiter(text[:20_000]),
                infer_schema=False,
                truncate_ragged_lines=True,
            )
        except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as error:
            raise ValidationFailed(
                {"file": [_("%(file)s could not be read as CSV: %(reason)s") % {"file": name, "reason": error}]}
            ) from error
    frame = frame.rename({column: column.strip() for column in frame.columns})
    # Empty cells and cells of spaces are missing values, not values.
    frame = frame.with_columns(
        pl.when(pl.col(column).str.strip_chars() != "").then(pl.col(column)).alias(column) for column in frame.columns
    )
    return Table(frame=frame, notes=notes)


def _read_spreadsheet(path: Path, *, sheet: str | None) -> pl.DataFrame:
    try:
        if sheet:
            frame = pl.read_excel(path, sheet_name=sheet, infer_schema_length=0)
        else:
            frame = pl.read_excel(path, sheet_id=1, infer_schema_length=0)
    except Exception as error:  # fastexcel raises its own types for every kind of bad workbook
        raise ValidationFailed(
            {
                "file": [
                    _("%(file)s could not be read as a spreadsheet: %(reason)s") % {"file": path.name, "reason": error}
                ]
            }
        ) from error
    return frame.select(pl.all().cast(pl.String))


def parse_map(pairs: Sequence[str]) -> dict[str, str]:
    """``["given_name=Prénom", …]`` → {"given_name": "Prénom"}; unknown fields are refused."""
    mapping: dict[str, str] = {}
    for item in pairs:
        known, sep, column = item.partition("=")
        known, column = known.strip(), column.strip()
        if not sep or not known or not column:
            raise ValidationFailed({"map": [_("“%(item)s” is not FIELD=COLUMN.") % {"item": item}]})
        if known not in KNOWN_FIELDS:
            raise ValidationFailed(
                {
                    "map": [
                        _("“%(field)s” is not a known field; known fields are: %(fields)s.")
                        % {"field": known, "fields": ", ".join(KNOWN_FIELDS)}
                    ]
                }
            )
        mapping[known] = column
    return mapping


def check_columns(table: Table, mapping: FieldMap, *, name: str) -> None:
    """Refuse a map naming a column the file does not have, or an id column with repeated values."""
    missing = [column for column in mapping.columns() if column not in table.frame.columns]
    if missing:
        raise ValidationFailed(
            {
                "columns": [
                    _("%(file)s has no column %(missing)s; its columns are: %(columns)s.")
                    % {
                        "file": name,
                        "missing": ", ".join(f"“{column}”" for column in missing),
                        "columns": ", ".join(f"“{column}”" for column in table.frame.columns),
                    }
                ]
            }
        )
    if mapping.id_column:
        ids = table.frame[mapping.id_column]
        if ids.null_count():
            raise ValidationFailed(
                {
                    "id_column": [
                        _("%(file)s: the id column “%(column)s” is empty on %(count)d row(s).")
                        % {"file": name, "column": mapping.id_column, "count": ids.null_count()}
                    ]
                }
            )
        repeated = ids.filter(ids.is_duplicated()).unique().sort().head(3).to_list()
        if repeated:
            raise ValidationFailed(
                {
                    "id_column": [
                        _("%(file)s: the id column “%(column)s” repeats values (%(values)s).")
                        % {"file": name, "column": mapping.id_column, "values": ", ".join(repeated)}
                    ]
                }
            )
    if not mapping.fields and not mapping.compare:
        raise ValidationFailed({"map": [_("Nothing to compare: map at least one field or give a --compare column.")]})


def empty_fields(records: pl.DataFrame, mapping: FieldMap) -> list[str]:
    """Mapped fields (and compared columns) in which no record has a value: they are not compared."""
    present = present_fields(records)
    prepared = {
        "given_name": "given",
        "family_name": "family",
        "full_name": "given",
        "sex": "sex",
        "birth_date": "birth_year",
        "birth_year": "birth_year",
        "age": "birth_year",
        "phone": "phone",
        "id_number": "id_number",
        "location": "loc3",
        "household_id": "household",
    }
    empty = [known for known in mapping.fields if prepared[known] not in present]
    empty += [column for index, column in enumerate(mapping.compare) if f"text_{index}" not in present]
    return empty


@dataclass
class FileRun:
    """A run over files: the engine's result and the notes for the person who asked."""

    result: Result
    notes: list[str]
    compare: list[str]


def _year(as_of_year: int | None) -> int:
    return as_of_year or datetime.datetime.now(tz=datetime.UTC).year


_COMPARED = ("given", "family", "sex", "birth_year", "birth_date", "phone", "id_number", "loc1", "loc2", "loc3")


def all_alike(records: pl.DataFrame) -> bool:
    """Whether every record (two or more) has the same values in every compared field."""
    if records.height < 2:
        return False
    columns = [column for column in records.columns if column in _COMPARED or column.startswith("text_")]
    counts = records.select(pl.col(column).n_unique() for column in columns).row(0)
    return all(count <= 1 for count in counts)


def _notes_for(records: pl.DataFrame, mapping: FieldMap, name: str) -> list[str]:
    notes = [
        _("%(file)s: “%(field)s” has no value in any record; it is not compared.") % {"file": name, "field": field}
        for field in empty_fields(records, mapping)
    ]
    if all_alike(records):
        notes.append(
            _(
                "%(file)s: all %(count)d records have the same values in every field compared: nothing tells "
                "them apart, so none is paired. Are the rows copies of one record?"
            )
            % {"file": name, "count": records.height}
        )
    return notes


def deduplicate_file(
    path: Path,
    mapping: FieldMap,
    *,
    settings: Settings,
    sheet: str | None = None,
    as_of_year: int | None = None,
    progress: Progress,
) -> FileRun:
    """Duplicates inside the list in ``path``."""
    table = read_table(path, sheet=sheet)
    check_columns(table, mapping, name=path.name)
    records = prepare(table.frame, mapping, as_of_year=_year(as_of_year))
    notes = [*table.notes, *_notes_for(records, mapping, path.name)]
    progress("read", len(records), len(records))
    result = linkage.deduplicate(records, compare_columns=list(mapping.compare), settings=settings, progress=progress)
    return FileRun(result=result, notes=notes, compare=list(mapping.compare))


def link_files(
    path_a: Path,
    path_b: Path,
    mapping: FieldMap,
    *,
    settings: Settings,
    sheet: str | None = None,
    as_of_year: int | None = None,
    progress: Progress,
) -> FileRun:
    """The same people across the lists in ``path_a`` and ``path_b`` (the same column names in both)."""
    table_a = read_table(path_a, sheet=sheet)
    table_b = read_table(path_b, sheet=sheet)
    check_columns(table_a, mapping, name=path_a.name)
    check_columns(table_b, mapping, name=path_b.name)
    year = _year(as_of_year)
    records_a = prepare(table_a.frame, mapping, as_of_year=year, source=0)
    records_b = prepare(table_b.frame, mapping, as_of_year=year, source=1, first_rid=len(records_a))
    combined = pl.concat([records_a, records_b], how="vertical_relaxed")
    notes = [*table_a.notes, *table_b.notes]
    notes += _notes_for(combined, mapping, f"{path_a.name} + {path_b.name}")
    progress("read", len(combined), len(combined))
    result = linkage.link(
        records_a, records_b, compare_columns=list(mapping.compare), settings=settings, progress=progress
    )
    return FileRun(result=result, notes=notes, compare=list(mapping.compare))


def pairs_for_output(run: FileRun) -> pl.DataFrame:
    """PAIRS.csv: id_a, id_b, match_probability, match_weight, each field's level and weight, the evidence line."""
    pairs = run.result.pairs
    renames = {}
    for index, column in enumerate(run.compare):
        renames[f"text_{index}"] = f"{column} (text)"
        renames[f"text_{index}_weight"] = f"{column} (text)_weight"
    fields = [name for c in run.result.comparisons for name in (c.name, f"{c.name}_weight")]
    return pairs.select("id_a", "id_b", "match_probability", "match_weight", *fields, "evidence").rename(
        {old: new for old, new in renames.items() if old in pairs.columns}
    )


def clusters_for_output(run: FileRun, *, link: bool, names: Mapping[int, str] | None = None) -> pl.DataFrame:
    """One row per record: its id, its list when linking, its cluster and the cluster's size."""
    clusters = run.result.clusters
    if link and names:
        clusters = clusters.with_columns(pl.col("source").replace_strict(names, return_dtype=pl.String).alias("list"))
        return clusters.select("list", "record_id", "cluster", "cluster_size")
    return clusters.select("record_id", "cluster", "cluster_size")
