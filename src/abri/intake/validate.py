"""Validation of a staged batch: the registry's rules, unreadable cells, orphans and duplicates,
each problem placed at its sheet, row and column.

A household is "invalid" when it has an error, "duplicate" when it only has possible-duplicate
flags (held back unless the user commits them too), otherwise "valid".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import polars as pl
from django import forms
from django.db import connection
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.intake.models import ImportedSubmission, IssueSeverity
from abri.intake.parsers.coerce import coerce
from abri.intake.parsers.layout import PARENT_INDEX, PARENT_UUID, Staged
from abri.registry.bulk import households_check
from abri.registry.bulk.checks import id_number_expr
from abri.registry.bulk.prepare import blind_index_many
from abri.registry.models import Household, Individual
from abri.registry.validation import References

ISSUE_COLUMNS = {
    "_household_key": pl.Int64,
    "severity": pl.String,
    "sheet": pl.String,
    "row": pl.Int64,
    "column": pl.String,
    "field": pl.String,
    "message": pl.String,
}
_MARK = "\x00"
_AREA_SOURCES = {
    "admin_area": ("admin3", "admin2", "admin1", "admin_area"),
    "origin_area": ("origin_admin2", "origin_admin1", "origin_area"),
}


@dataclass
class Validated:
    households: pl.DataFrame  # typed + submission_id, _sheet, _row, verdict, existing_household_id
    members: pl.DataFrame  # typed + _sheet, _row (orphans left out)
    issues: pl.DataFrame  # ISSUE_COLUMNS + submission_id


def column_for(columns: dict[str, dict[str, str]], sheet: pl.Expr, field: pl.Expr) -> pl.Expr:
    """The source column of ``field`` on ``sheet`` ("" when the field came from no column)."""
    pairs: dict[str, str] = {}
    for sheet_name, sources in columns.items():
        for name, source in sources.items():
            pairs[f"{sheet_name}\x01{name}"] = source
        for area, candidates in _AREA_SOURCES.items():
            found = next((sources[name] for name in candidates if name in sources), None)
            if found:
                pairs.setdefault(f"{sheet_name}\x01{area}", found)
    lookup = pl.concat_str([sheet, pl.lit("\x01"), field])
    return lookup.replace_strict(pairs, default="", return_dtype=pl.String)


def named(field: pl.Expr, column: pl.Expr, message: pl.Expr) -> pl.Expr:
    """A message that would read the same for any field ("This field is required.") with the Abri
    field and the source column it is about: "consent, column consent_given: This field is required."."""
    with_column = _("%(field)s, column %(column)s: %(message)s")
    without_column = _("%(field)s (no column of the file gives it): %(message)s")

    def filled(template: str) -> pl.Expr:
        parts = re.split(r"(%\((?:field|column|message)\)s)", template)
        values = {"%(field)s": field, "%(column)s": column, "%(message)s": message}
        return pl.concat_str([values[part] if part in values else pl.lit(part) for part in parts if part])

    generic = [
        str(text)
        for text in (
            forms.Field.default_error_messages["required"],
            forms.DateField.default_error_messages["invalid"],
            forms.IntegerField.default_error_messages["invalid"],
            forms.DecimalField.default_error_messages["invalid"],
            forms.ChoiceField.default_error_messages["invalid_choice"],
        )
    ]
    choice_start = generic[-1].split("%(value)s")[0]
    said_alone = message.is_in(generic[:-1]) | message.str.starts_with(choice_start)
    field_given = field.fill_null("") != ""
    return (
        pl.when(~field_given | ~said_alone)
        .then(message)
        .when(column.fill_null("") != "")
        .then(filled(with_column))
        .otherwise(filled(without_column))
    )


def _templated(template: str, value: pl.Expr) -> pl.Expr:
    prefix, _separator, suffix = template.partition(_MARK)
    return pl.concat_str([pl.lit(prefix), value.cast(pl.String), pl.lit(suffix)])


def validate(staged: Staged, *, organisation: Organisation, today: date) -> Validated:
    """Check every household of ``staged``; nothing is written anywhere."""
    typed = coerce(staged.households, staged.members)
    households = typed.households
    members = typed.members
    issues: list[pl.DataFrame] = []
    columns = staged.columns

    def located(frame: pl.DataFrame, severity: str) -> pl.DataFrame:
        return frame.select(
            pl.col("_household_key").cast(pl.Int64),
            pl.lit(severity).alias("severity"),
            pl.col("_sheet").alias("sheet"),
            pl.col("_row").cast(pl.Int64).alias("row"),
            column_for(columns, pl.col("_sheet"), pl.col("field")).alias("column"),
            pl.col("field"),
            pl.col("message"),
        ).with_columns(named(pl.col("field"), pl.col("column"), pl.col("message")).alias("message"))

    issues.append(located(typed.issues, IssueSeverity.ERROR))
    orphans = members.filter(pl.col("household_key").is_null())
    if orphans.height:
        parent_column = PARENT_UUID if any(PARENT_UUID in sources for sources in columns.values()) else PARENT_INDEX
        template = _("This member's household (%(parent)s) is not in the file.") % {"parent": _MARK}
        issues.append(
            located(
                orphans.select(
                    pl.lit(None, dtype=pl.Int64).alias("_household_key"),
                    "_sheet",
                    "_row",
                    pl.lit(parent_column).alias("field"),
                    _templated(template, pl.col("_parent")).alias("message"),
                ),
                IssueSeverity.ERROR,
            ).with_columns(pl.lit(parent_column).alias("column"))
        )
        members = members.filter(pl.col("household_key").is_not_null())
    checked = households_check(households, members, references=References.load(), today=today)
    issues.append(_registry_issues(checked, households, members, located))
    issues.extend(_submission_duplicates(households, located))
    existing = _existing_submissions(organisation, households)
    issues.extend(_id_number_duplicates(households.join(existing, on="submission_id", how="left"), members, located))
    issue_frame = pl.concat(issues, how="vertical_relaxed").unique(maintain_order=True)
    per_household = (
        issue_frame.filter(pl.col("_household_key").is_not_null())
        .group_by("_household_key")
        .agg(
            (pl.col("severity") == IssueSeverity.ERROR).any().alias("_error"),
            (pl.col("severity") == IssueSeverity.DUPLICATE).any().alias("_duplicate"),
        )
    )
    households = (
        households.join(per_household, left_on="key", right_on="_household_key", how="left")
        .join(existing, on="submission_id", how="left")
        .with_columns(
            pl.when(pl.col("_error"))
            .then(pl.lit("invalid"))
            .when(pl.col("_duplicate"))
            .then(pl.lit("duplicate"))
            .otherwise(pl.lit("valid"))
            .alias("verdict")  # the row's verdict, never the household's status
        )
        .drop("_error", "_duplicate")
    )
    submission = households.select(pl.col("key").alias("_household_key"), "submission_id")
    issue_frame = issue_frame.join(submission, on="_household_key", how="left").with_columns(
        pl.col("submission_id").fill_null("")
    )
    return Validated(households=households, members=members, issues=issue_frame)


def _registry_issues(checked: pl.DataFrame, households: pl.DataFrame, members: pl.DataFrame, located) -> pl.DataFrame:
    parts = checked.with_columns(
        pl.col("field").str.extract(r"^members\[(\d+)\]\.", 1).cast(pl.Int32).alias("_position"),
        pl.col("field").str.replace(r"^members\[\d+\]\.", "").alias("_field"),
    )
    on_household = parts.filter(pl.col("_position").is_null()).join(
        households.select(pl.col("key"), "_sheet", "_row"), on="key", how="left"
    )
    on_member = parts.filter(pl.col("_position").is_not_null()).join(
        members.select(pl.col("household_key").alias("key"), pl.col("position").alias("_position"), "_sheet", "_row"),
        on=["key", "_position"],
        how="left",
    )
    frame = pl.concat(
        [
            on_household.select(
                pl.col("key").alias("_household_key"), "_sheet", "_row", pl.col("_field").alias("field"), "message"
            ),
            on_member.select(
                pl.col("key").alias("_household_key"), "_sheet", "_row", pl.col("_field").alias("field"), "message"
            ),
        ]
    )
    return located(frame, IssueSeverity.ERROR)


def _submission_duplicates(households: pl.DataFrame, located) -> list[pl.DataFrame]:
    with_id = households.filter(pl.col("submission_id") != "").with_columns(
        pl.col("_row").first().over("submission_id").alias("_first"),
        pl.int_range(pl.len()).over("submission_id").alias("_occurrence"),
    )
    later = with_id.filter(pl.col("_occurrence") > 0)
    if not later.height:
        return []
    template = _("This submission appears more than once in the file (first at row %(row)s).") % {"row": _MARK}
    return [
        located(
            later.select(
                pl.col("key").alias("_household_key"),
                "_sheet",
                "_row",
                pl.lit("submission_id").alias("field"),
                _templated(template, pl.col("_first")).alias("message"),
            ),
            IssueSeverity.ERROR,
        )
    ]


def _id_number_duplicates(households: pl.DataFrame, members: pl.DataFrame, located) -> list[pl.DataFrame]:
    numbered = members.filter(pl.col("id_number") != "").join(
        households.select(pl.col("key").alias("household_key"), "existing_household_id"), on="household_key", how="left"
    )
    if not numbered.height:
        return []
    normalised = numbered.select(id_number_expr(pl.col("id_number"))).to_series()
    distinct = normalised.filter(normalised != "").unique().to_list()
    hashes = dict(zip(distinct, blind_index_many(distinct, purpose="id_number"), strict=True))
    numbered = numbered.with_columns(
        normalised.replace_strict(hashes, default="", return_dtype=pl.String).alias("_hash")
    )
    found: list[pl.DataFrame] = []
    in_file = numbered.filter(pl.col("_hash") != "").with_columns(
        pl.col("household_key").n_unique().over("_hash").alias("_households"),
        pl.col("_row").min().over("_hash").alias("_first"),
    )
    repeated = in_file.filter((pl.col("_households") > 1) & (pl.col("_row") != pl.col("_first")))
    if repeated.height:
        template = _("The same identity document number is given in another household of this file (row %(row)s).") % {
            "row": _MARK
        }
        found.append(
            located(
                repeated.select(
                    pl.col("household_key").alias("_household_key"),
                    "_sheet",
                    "_row",
                    pl.lit("id_number").alias("field"),
                    _templated(template, pl.col("_first")).alias("message"),
                ),
                IssueSeverity.DUPLICATE,
            )
        )
    individual, household = Individual._meta.db_table, Household._meta.db_table
    registered = values_lookup(
        f"SELECT i.id_number_hash, h.registration_number, h.id FROM {individual} i "  # noqa: S608 -- model tables  # nosec B608
        f"JOIN {household} h ON h.id = i.household_id WHERE i.id_number_hash IN {{values}}",
        list(hashes.values()),
    )
    if registered:
        template = _("This identity document number is already registered (household %(number)s).") % {"number": _MARK}
        holders = pl.DataFrame(
            registered, schema={"_hash": pl.String, "_number": pl.String, "_holder": pl.Int64}, orient="row"
        ).unique("_hash", keep="first")
        # A re-imported submission finds its own members: they are not duplicates.
        known = in_file.join(holders, on="_hash").filter(
            pl.col("existing_household_id").is_null() | (pl.col("existing_household_id") != pl.col("_holder"))
        )
        found.append(
            located(
                known.select(
                    pl.col("household_key").alias("_household_key"),
                    "_sheet",
                    "_row",
                    pl.lit("id_number").alias("field"),
                    _templated(template, pl.col("_number")).alias("message"),
                ),
                IssueSeverity.DUPLICATE,
            )
        )
    return found


def _existing_submissions(organisation: Organisation, households: pl.DataFrame) -> pl.DataFrame:
    """submission_id → existing_household_id for submissions imported before."""
    return existing_submissions(organisation, households["submission_id"].to_list())


def values_lookup(sql: str, values: list[str], parameters: Sequence[int | str] = ()) -> list[tuple[Any, ...]]:
    """Run ``sql`` whose ``{values}`` stands for the set ``values``, passed as one parameter
    (an array on PostgreSQL, JSON on SQLite) rather than thousands of placeholders."""
    if not values:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.replace("IN {values}", "= ANY(%s)"), [*parameters, values])
        else:
            cursor.execute(
                sql.replace("{values}", "(SELECT value FROM json_each(%s))"), [*parameters, json.dumps(values)]
            )
        return cursor.fetchall()


def existing_submissions(organisation: Organisation, submission_ids: list[str]) -> pl.DataFrame:
    """submission_id → existing_household_id for those of ``submission_ids`` imported before."""
    table = ImportedSubmission._meta.db_table
    pairs = values_lookup(
        f"SELECT submission_id, household_id FROM {table} "  # noqa: S608 -- model table  # nosec B608
        "WHERE organisation_id = %s AND submission_id IN {values}",
        sorted({value for value in submission_ids if value}),
        [organisation.pk],
    )
    return pl.DataFrame(pairs, schema={"submission_id": pl.String, "existing_household_id": pl.Int64}, orient="row")
