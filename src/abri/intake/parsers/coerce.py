"""Text cells to typed columns, with a message for every cell that cannot be read.

Dates: YYYY-MM-DD (with or without a time), DD/MM/YYYY (also with "-" or "."), or an Excel date
serial number (44835 = 2022-10-01). Whole numbers may carry a unit ("35 ans"). Yes/no answers
may be yes/no, oui/non, true/false, 1/0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl
from django.utils.translation import gettext as _

from abri.registry.bulk import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA

EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL = r"^\d{4,5}(\.0+)?$"
_WHOLE = r"^(\d{1,4})(?:[.,]0+)?\s*(?:ans?|years?|yrs?|y)?\.?$"
YES = ("yes", "oui", "true", "vrai", "1", "y", "o")
NO = ("no", "non", "false", "faux", "0", "n", "")
_MARK = "\x00"


@dataclass
class Typed:
    households: pl.DataFrame  # HOUSEHOLD_SCHEMA + submission_id, _sheet, _row
    members: pl.DataFrame  # MEMBER_SCHEMA + _sheet, _row
    issues: pl.DataFrame  # _household_key, _sheet, _row, field, message


def _message(template: str, value: pl.Expr) -> pl.Expr:
    prefix, _separator, suffix = template.partition(_MARK)
    return pl.concat_str([pl.lit(prefix), value, pl.lit(suffix)])


def date_expr(name: str) -> pl.Expr:
    """The date written in text column ``name`` (null when empty or unreadable)."""
    text = pl.col(name).str.strip_chars()
    serial = (
        pl.when(text.str.contains(_SERIAL))
        .then(pl.lit(EXCEL_EPOCH) + pl.duration(days=text.str.replace(r"\.0+$", "").cast(pl.Int64, strict=False)))
        .otherwise(None)
    )
    return pl.coalesce(
        text.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%d/%m/%Y", strict=False),
        text.str.to_date("%d-%m-%Y", strict=False),
        text.str.to_date("%d.%m.%Y", strict=False),
        serial.cast(pl.Date),
    )


def whole_expr(name: str) -> pl.Expr:
    text = pl.col(name).str.strip_chars().str.to_lowercase()
    return text.str.extract(_WHOLE, 1).cast(pl.Int32, strict=False)


def _deepest(*names: str) -> pl.Expr:
    """The most precise P-code given: admin 3, else admin 2, else admin 1."""
    return pl.coalesce(*(pl.when(pl.col(name) != "").then(pl.col(name)) for name in names), pl.lit(""))


def _problems(frame: pl.DataFrame, key: str, checks: list[tuple[str, pl.Expr, pl.Expr]]) -> list[pl.DataFrame]:
    found = []
    for field, condition, message in checks:
        rows = frame.filter(condition)
        if rows.height:
            found.append(
                rows.select(
                    pl.col(key).cast(pl.Int64).alias("_household_key"),
                    "_sheet",
                    "_row",
                    pl.lit(field).alias("field"),
                    message.cast(pl.String).alias("message"),
                )
            )
    return found


def coerce(households: pl.DataFrame, members: pl.DataFrame) -> Typed:
    """Typed households and members (Abri's bulk schemas) and the cells that could not be read."""
    not_date = _("Not a date: %(value)s. Write dates as DD/MM/YYYY or YYYY-MM-DD.") % {"value": _MARK}
    not_whole = _("Not a whole number: %(value)s.") % {"value": _MARK}
    not_yes_no = _("Answer yes or no (found %(value)s).") % {"value": _MARK}
    household_dates = ("departure_date", "arrival_date", "consent_date", "registered_on")
    typed_households = households.with_columns(
        pl.col("_key").alias("key"),
        _deepest("admin3", "admin2", "admin1", "admin_area").alias("admin_area"),
        _deepest("origin_admin2", "origin_admin1", "origin_area").alias("origin_area"),
        whole_expr("site_id").cast(pl.Int64).alias("site_id"),
        *(date_expr(name).alias(name) for name in household_dates),
        pl.when(pl.col("status") == "").then(pl.lit("registered")).otherwise(pl.col("status")).alias("status"),
    )
    checks = [
        (name, (pl.col(name) != "") & date_expr(name).is_null(), _message(not_date, pl.col(name)))
        for name in household_dates
    ]
    checks.append(
        ("site_id", (pl.col("site_id") != "") & whole_expr("site_id").is_null(), _message(not_whole, pl.col("site_id")))
    )
    checks.append(("consent_date", pl.col("consent_date") == "", pl.lit(_("This field is required."))))
    issues = _problems(households, "_key", checks)
    member_numbers = ("birth_year", "age_years")
    illness = pl.col("chronic_illness").str.strip_chars().str.to_lowercase()
    typed_members = members.with_columns(
        pl.col("_household_key").alias("household_key"),
        pl.col("_position").alias("position"),
        date_expr("birth_date").alias("birth_date"),
        *(whole_expr(name).alias(name) for name in member_numbers),
        illness.is_in(YES).alias("chronic_illness"),
    )
    member_checks = [
        (
            "birth_date",
            (pl.col("birth_date") != "") & date_expr("birth_date").is_null(),
            _message(not_date, pl.col("birth_date")),
        ),
        *(
            (name, (pl.col(name) != "") & whole_expr(name).is_null(), _message(not_whole, pl.col(name)))
            for name in member_numbers
        ),
        ("chronic_illness", ~illness.is_in(YES + NO), _message(not_yes_no, pl.col("chronic_illness"))),
    ]
    issues.extend(_problems(members, "_household_key", member_checks))
    issue_frame = (
        pl.concat(issues)
        if issues
        else pl.DataFrame(
            schema={
                "_household_key": pl.Int64,
                "_sheet": pl.String,
                "_row": pl.Int64,
                "field": pl.String,
                "message": pl.String,
            }
        )
    )
    household_columns = [pl.col(name).cast(dtype) for name, dtype in HOUSEHOLD_SCHEMA.items()]
    member_columns = [pl.col(name).cast(dtype) for name, dtype in MEMBER_SCHEMA.items()]
    return Typed(
        households=typed_households.select(*household_columns, "submission_id", "_sheet", "_row"),
        members=typed_members.select(*member_columns, "_sheet", "_row", "_parent"),
        issues=issue_frame,
    )
