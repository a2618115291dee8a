"""From the tables of a file to two text frames in Abri's field names: households and members.

Two shapes are understood:
- "kobo": a main table (one row per submission, ``_uuid`` / ``_index``) and a repeat table (one
  row per member, ``_submission__uuid`` / ``_parent_index``), as Kobo's XLSX export, Kobo's JSON
  and Abri's own registration form give. Group paths in headers (``location/admin1``) are dropped.
- "rows": one row per member, with a column naming the household (a partner's list).
A column mapping renames source columns to Abri fields and translates values ("F" → female).
Every row keeps where it came from: ``_sheet`` and ``_row`` (the spreadsheet row number).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.utils.translation import gettext as _

from abri.intake.parsers.files import Table, UnreadableFile, Workbook
from abri.registry.inputs import MEMBER_INPUT_FIELDS

HOUSEHOLD_FIELDS = (
    "submission_id",
    "admin1",
    "admin2",
    "admin3",
    "admin_area",
    "origin_admin1",
    "origin_admin2",
    "origin_area",
    "site_id",
    "departure_date",
    "arrival_date",
    "displacement_cause",
    "consent",
    "consent_date",
    "phone",
    "status",
    "registered_on",
    "registration_number",
)
MEMBER_FIELDS = MEMBER_INPUT_FIELDS
# Source names that mean an Abri field without any mapping (Kobo and ODK system columns).
ALIASES = {"today": "registered_on"}
# The columns that can name a submission, the steadiest first, and whether they carry the
# "uuid:" prefix to drop: Kobo's meta/rootUuid stays the same when a submission is edited and is
# _uuid otherwise; ODK Central's __id (OData) and KEY (CSV) keep their prefix, as Central gives them.
IDENTITY_SOURCES = (("rootUuid", True), ("_uuid", False), ("__id", False), ("KEY", False), ("instanceID", True))
PARENT_UUID = "_submission__uuid"
PARENT_INDEX = "_parent_index"
PARENT_TABLE = "_parent_table_name"
INDEX = "_index"
CENTRAL_PARENT = "PARENT_KEY"  # ODK Central's CSV: a repeat row's parent ("uuid:…" or "uuid:…/members[1]")
CENTRAL_KEY = "KEY"
LINK = "_link"  # what a repeat row's _submission__uuid points at: the submission's _uuid
REPORT_SHEET = "Abri problems"  # the list of problems in an error report, skipped when re-imported


@dataclass
class Staged:
    """Households and members as text in Abri's field names, plus where each came from."""

    households: pl.DataFrame  # _key, _sheet, _row, HOUSEHOLD_FIELDS
    members: pl.DataFrame  # _household_key (null: no household found), _position, _sheet, _row, _parent, MEMBER_FIELDS
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # sheet → Abri field → source column
    warnings: list[str] = field(default_factory=list)


def column_filter(spec: dict[str, Any] | None) -> Callable[[str], bool]:
    """Whether a source column can matter for an import with ``spec``: Abri fields, join keys,
    the mapping's columns and household number."""
    spec = spec or {}
    wanted = set(HOUSEHOLD_FIELDS) | set(MEMBER_FIELDS) | set(ALIASES) | {INDEX, PARENT_INDEX, PARENT_UUID}
    wanted |= {source for source, _strip in IDENTITY_SOURCES} | {PARENT_TABLE}
    wanted |= set(spec.get("columns", {})) | ({spec["household_key"]} if spec.get("household_key") else set())
    wanted |= {CENTRAL_PARENT}

    def kept(column: str) -> bool:
        # ODK Central's CSV joins group names with "-" (location-admin1).
        leaf = _leaf(column.replace("-", "/"))
        return column in wanted or _leaf(column) in wanted or leaf in wanted or _may_number_households(leaf)

    return kept


# Words in a column's name that may mean a household number shared by two sheets (the guess of
# linked_sheets looks at these columns only: the others are not read from a large workbook).
HOUSEHOLD_NUMBER_WORDS = ("household", "menage", "ménage", "foyer", "famil")


def _may_number_households(name: str) -> bool:
    folded = name.casefold()
    return folded.endswith("id") or any(word in folded for word in HOUSEHOLD_NUMBER_WORDS)


def _leaf(name: str) -> str:
    return name.rsplit("/", 1)[-1].strip()


def _rename(table: Table, mapping_columns: dict[str, str]) -> tuple[pl.DataFrame, dict[str, str]]:
    """Rename the table's columns to Abri fields; returns the frame and field → source column."""
    renames: dict[str, str] = {}
    sources: dict[str, str] = {}
    known = set(HOUSEHOLD_FIELDS) | set(MEMBER_FIELDS) | {INDEX, PARENT_INDEX, PARENT_UUID}
    for column in table.frame.columns:
        target = mapping_columns.get(column) or mapping_columns.get(_leaf(column))
        if target is None:
            leaf = _leaf(column)
            target = ALIASES.get(leaf, leaf) if ALIASES.get(leaf, leaf) in known else None
        if target is not None and target not in sources:
            renames[column] = target
            sources[target] = column
    selected = [pl.col(source).alias(target) for source, target in renames.items()]
    leaves = {_leaf(column): column for column in reversed(table.frame.columns)}
    if "submission_id" not in sources:
        for name, strip in IDENTITY_SOURCES:
            if name in leaves:
                identity = pl.col(leaves[name]).fill_null("")
                selected.append((identity.str.strip_prefix("uuid:") if strip else identity).alias("submission_id"))
                sources["submission_id"] = leaves[name]
                break
    if "_uuid" in leaves:
        selected.append(pl.col(leaves["_uuid"]).fill_null("").alias(LINK))
    elif "submission_id" in sources:
        selected.append(pl.col(sources["submission_id"]).fill_null("").alias(LINK))
    if PARENT_TABLE in leaves and PARENT_TABLE not in renames.values():
        selected.append(pl.col(leaves[PARENT_TABLE]).alias(PARENT_TABLE))
    frame = table.frame.select(selected)
    return frame, sources


def _translate(frame: pl.DataFrame, values: dict[str, dict[str, str]]) -> pl.DataFrame:
    """Apply the mapping's value translations ("Femme" → female), matching case-insensitively."""
    expressions = []
    for name, table in values.items():
        if name in frame.columns and table:
            lowered = {str(source).strip().casefold(): str(target) for source, target in table.items()}
            column = pl.col(name)
            expressions.append(
                column.str.to_lowercase().replace_strict(lowered, default=column, return_dtype=pl.String).alias(name)
            )
    return frame.with_columns(expressions) if expressions else frame


def _with_fields(frame: pl.DataFrame, names: tuple[str, ...]) -> pl.DataFrame:
    missing = [pl.lit("").alias(name) for name in names if name not in frame.columns]
    return frame.with_columns(missing) if missing else frame


def stage(workbook: Workbook, spec: dict[str, Any] | None = None, *, namespace: str = "") -> Staged:
    """Find households and members in ``workbook``, following ``spec`` (a column mapping) if given.

    A partner's household numbers are only unique within that partner's lists: with a
    ``namespace`` (the mapping's name) they become "namespace:number" submission IDs.
    """
    spec = spec or {}
    columns = spec.get("columns", {})
    values = spec.get("values", {})
    workbook = Workbook(
        tables=[table for table in workbook.tables if table.name != REPORT_SHEET],
        warnings=workbook.warnings,
        unmatched=workbook.unmatched,
    )
    if not workbook.tables and workbook.unmatched:
        sheet, headers = next(iter(workbook.unmatched.items()))
        raise UnreadableFile(_no_field_known(sheet, headers))
    if not workbook.tables:
        raise UnreadableFile(_("The file holds no table."))
    workbook = Workbook(tables=from_central(workbook.tables), warnings=workbook.warnings)
    layout = spec.get("layout") or ("kobo" if len(workbook.tables) > 1 else "rows")
    linked = False
    if layout == "kobo" and len(workbook.tables) > 1 and not any(_is_repeat(table) for table in workbook.tables):
        # Another system's template: a household sheet and a people sheet sharing a column.
        tables, linked = linked_sheets(workbook.tables, spec.get("household_key", "")), True
        staged = _stage_kobo(tables, columns, spec.get("roster", ""))
    elif layout == "kobo":
        staged = _stage_kobo(workbook.tables, columns, spec.get("roster", ""))
    else:
        staged = _stage_rows(workbook.tables[0], columns, spec.get("household_key", ""))
    if namespace and (layout == "rows" or linked):
        submission = pl.col("submission_id")
        staged.households = staged.households.with_columns(
            pl.when(submission != "")
            .then(pl.lit(namespace + ":") + submission)
            .otherwise(submission)
            .alias("submission_id")
        )
    staged.households = _translate(staged.households, values)
    staged.members = _translate(staged.members, values)
    staged.warnings.extend(workbook.warnings)
    return staged


def _is_repeat(table: Table) -> bool:
    return any(_leaf(column) in {PARENT_INDEX, PARENT_UUID, CENTRAL_PARENT} for column in table.frame.columns)


def linked_sheets(tables: list[Table], household_key: str = "") -> list[Table]:
    """A household sheet and a people sheet linked by a column both hold (``household_key``, or
    the shared column whose values are unique on one sheet and all found there from the other),
    laid out as Kobo's: the household sheet named by that column, each person pointing at it."""
    pairs = [(first, second) for first in tables for second in tables if first is not second]
    for households, people in pairs:
        shared = [column for column in households.frame.columns if column in people.frame.columns]
        for column in [household_key] if household_key else shared:
            if column in shared and _numbers_households(households, people, column, guessed=not household_key):
                return [
                    Table(name=households.name, frame=households.frame.with_columns(pl.col(column).alias("_uuid"))),
                    Table(name=people.name, frame=people.frame.with_columns(pl.col(column).alias(PARENT_UUID))),
                    *(table for table in tables if table is not households and table is not people),
                ]
    if household_key:
        raise UnreadableFile(
            _("The column %(column)s, chosen as the household number, is not on two sheets of the file.")
            % {"column": household_key}
        )
    raise UnreadableFile(
        _(
            "The file has %(count)s sheets, but Abri cannot tell how their rows belong together: choose the column "
            "the household sheet and the people sheet share (the household number) in the column mapping, "
            "or with --household-key COLUMN."
        )
        % {"count": len(tables)}
    )


def _numbers_households(households: Table, people: Table, column: str, *, guessed: bool) -> bool:
    """Whether ``column`` numbers the rows of ``households`` once each; a guess must also find
    every person's number there (a chosen column leaves the missing ones to be reported)."""
    keys = households.frame[column]
    if not (keys.ne("").all() and keys.n_unique() == keys.len()):
        return False
    wanted = people.frame[column].filter(people.frame[column] != "")
    return not guessed or bool(wanted.len() and wanted.is_in(keys.implode()).all())


def from_central(tables: list[Table]) -> list[Table]:
    """ODK Central's CSV export (a file for the form, one per repeat group, linked by KEY and
    PARENT_KEY, groups joined by "-") laid out as Kobo's: "/" in paths, each repeat row naming its
    submission (``_submission__uuid``, the root of its PARENT_KEY) and its parent table."""
    main = next(
        (table for table in tables if CENTRAL_KEY in table.frame.columns and CENTRAL_PARENT not in table.frame.columns),
        None,
    )
    if main is None or not any(CENTRAL_PARENT in table.frame.columns for table in tables):
        return tables
    laid_out = []
    for table in tables:
        frame = table.frame.rename({column: column.replace("-", "/") for column in table.frame.columns})
        if CENTRAL_PARENT in frame.columns:
            parent = pl.col(CENTRAL_PARENT).fill_null("")
            frame = frame.with_columns(
                parent.str.split("/").list.first().alias(PARENT_UUID),
                pl.when(parent.str.contains("/"))
                .then(parent.str.extract(r"/([^/\[]+)\[\d+\]$"))
                .otherwise(pl.lit(main.name))
                .alias(PARENT_TABLE),
            )
        laid_out.append(Table(name=table.name, frame=frame))
    return laid_out


def _numbered(frame: pl.DataFrame, sheet: str) -> pl.DataFrame:
    return frame.with_columns(pl.lit(sheet).alias("_sheet"), (pl.int_range(pl.len()) + 2).cast(pl.Int64).alias("_row"))


def _stage_kobo(tables: list[Table], mapping_columns: dict[str, str], roster: str = "") -> Staged:
    renamed = [(table, *_rename(table, mapping_columns)) for table in tables]
    main = next(
        (
            (table, frame, sources)
            for table, frame, sources in renamed
            if PARENT_INDEX not in frame.columns and PARENT_UUID not in frame.columns and frame.width
        ),
        None,
    )
    if main is None:
        raise UnreadableFile(_("No sheet with one row per household was found."))
    main_table, households, main_sources = main
    households = _numbered(households, main_table.name).with_columns(
        pl.int_range(pl.len()).cast(pl.Int64).alias("_key")
    )
    if INDEX not in households.columns:
        households = households.with_columns((pl.col("_key") + 1).cast(pl.String).alias(INDEX))
    if LINK not in households.columns:
        households = households.with_columns(pl.lit("").alias(LINK))
    households = _with_fields(households, HOUSEHOLD_FIELDS)
    columns = {main_table.name: main_sources}
    repeats = [
        (table, frame, sources)
        for table, frame, sources in renamed
        if PARENT_INDEX in frame.columns or PARENT_UUID in frame.columns
    ]
    if not repeats:
        raise UnreadableFile(
            _(
                "No sheet of household members was found (a sheet with a %(parent)s or %(uuid)s column). "
                "Export the form with its repeat groups (XLSX), or add the members file."
            )
            % {"parent": PARENT_INDEX, "uuid": PARENT_UUID}
        )
    chosen = _roster(repeats, roster)
    repeat_table, members, member_sources = chosen
    columns[repeat_table.name] = member_sources
    warnings = [
        _(
            "The repeat group %(name)s (%(rows)s rows) is not the household roster: its rows stay in the batch's "
            "copy of the file and are not imported as members. Choose the roster in the column mapping if it is."
        )
        % {"name": table.name, "rows": table.frame.height}
        for table, _frame, _sources in repeats
        if table is not repeat_table
    ]
    members = _numbered(members, repeat_table.name)
    members = _linked(members, households, main_table.name)
    members = _positions(_with_fields(members, MEMBER_FIELDS))
    return Staged(households=households, members=members, columns=columns, warnings=warnings)


def _roster(
    repeats: list[tuple[Table, pl.DataFrame, dict[str, str]]], roster: str
) -> tuple[Table, pl.DataFrame, dict[str, str]]:
    """The repeat group that lists the household's members: the one the mapping names, else the
    one that answers the most member questions (the first of them on a tie)."""
    if roster:
        for repeat in repeats:
            name = repeat[0].name
            if roster in {name, _leaf(name), name.rsplit("-", 1)[-1]}:  # Central: form-repeat.csv
                return repeat
        raise UnreadableFile(
            _("The column mapping names %(roster)s as the household roster, but the file has no such repeat group.")
            % {"roster": roster}
        )
    member_fields = set(MEMBER_FIELDS)
    return max(repeats, key=lambda repeat: len(member_fields & set(repeat[1].columns)))


def _linked(members: pl.DataFrame, households: pl.DataFrame, main_name: str) -> pl.DataFrame:
    """Each member's household: by the submission's _uuid where the row names it, else by the
    household row's _index (only for rows of a repeat directly under the main sheet)."""
    by_uuid = pl.lit(None, dtype=pl.Int64)
    if PARENT_UUID in members.columns and households[LINK].ne("").any():
        lookup = (
            households.filter(pl.col(LINK) != "")
            .unique(LINK, keep="first")
            .select(pl.col(LINK).alias(PARENT_UUID), pl.col("_key").alias("_by_uuid"))
        )
        members = members.join(lookup, on=PARENT_UUID, how="left", coalesce=True)
        by_uuid = pl.col("_by_uuid")
    by_index = pl.lit(None, dtype=pl.Int64)
    if PARENT_INDEX in members.columns:
        lookup = households.unique(INDEX, keep="first").select(
            pl.col(INDEX).alias(PARENT_INDEX), pl.col("_key").alias("_by_index")
        )
        members = members.join(lookup, on=PARENT_INDEX, how="left", coalesce=True)
        under_main = (
            (pl.col(PARENT_TABLE).fill_null("").is_in(["", main_name])) if PARENT_TABLE in members.columns else True
        )
        by_index = pl.when(under_main).then(pl.col("_by_index"))
    uuid_given = pl.col(PARENT_UUID).fill_null("") != "" if PARENT_UUID in members.columns else pl.lit(False)
    parent = (
        pl.when(uuid_given).then(pl.col(PARENT_UUID)).otherwise(pl.col(PARENT_INDEX))
        if PARENT_INDEX in members.columns and PARENT_UUID in members.columns
        else pl.col(PARENT_UUID if PARENT_UUID in members.columns else PARENT_INDEX)
    )
    members = members.with_columns(
        pl.when(uuid_given).then(by_uuid).otherwise(by_index).alias("_household_key"), parent.alias("_parent")
    )
    return members.drop([name for name in ("_by_uuid", "_by_index") if name in members.columns])


def _positions(members: pl.DataFrame) -> pl.DataFrame:
    if not members["_row"].is_sorted():  # sorting copies every column: only when needed
        members = members.sort("_row")
    return members.with_columns(pl.int_range(pl.len()).over("_household_key").cast(pl.Int32).add(1).alias("_position"))


def _no_field_known(sheet: str, headers: list[str]) -> str:
    shown = ", ".join(headers[:8]) + (", …" if len(headers) > 8 else "")
    return _(
        "No column of %(sheet)s is a field Abri knows (%(columns)s). Say what each column holds in a column "
        "mapping, then read the batch again with it."
    ) % {"sheet": sheet, "columns": shown}


def _stage_rows(table: Table, mapping_columns: dict[str, str], household_key: str) -> Staged:
    frame, sources = _rename(table, mapping_columns)
    if not sources and not household_key:
        raise UnreadableFile(_no_field_known(table.name, table.frame.columns))
    key_column = household_key or ("submission_id" if "submission_id" in frame.columns else "")
    if not key_column or (key_column not in table.frame.columns and key_column not in frame.columns):
        raise UnreadableFile(
            _(
                "Abri cannot tell which rows belong to the same household: choose the household number column "
                "in the column mapping."
            )
        )
    key_values = table.frame[key_column] if key_column in table.frame.columns else frame[key_column]
    frame = _numbered(frame, table.name).with_columns(key_values.alias("_group"))
    if "submission_id" not in frame.columns:
        frame = frame.with_columns(pl.col("_group").alias("submission_id"))
        sources["submission_id"] = key_column
    frame = _with_fields(frame, HOUSEHOLD_FIELDS + MEMBER_FIELDS)
    groups = frame.filter(pl.col("_group") != "").unique("_group", keep="first", maintain_order=True)
    groups = groups.with_columns(pl.int_range(pl.len()).cast(pl.Int64).alias("_key"))
    households = groups.select("_key", "_sheet", "_row", *HOUSEHOLD_FIELDS)
    members = frame.join(groups.select("_group", pl.col("_key").alias("_household_key")), on="_group", how="left")
    # One row per member holds the household's answers too: kept, so the error report shows whole rows.
    members = _positions(
        members.with_columns(pl.col("_group").alias("_parent")).select(
            "_household_key", "_sheet", "_row", "_parent", *MEMBER_FIELDS, *HOUSEHOLD_FIELDS
        )
    )
    return Staged(households=households, members=members, columns={table.name: sources})
