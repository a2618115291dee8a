"""The checks of `abri.registry.validation.resolve_household`, applied to whole columns.

Input: a households frame (HOUSEHOLD_SCHEMA, one row per household, ``key`` unique) and a
members frame (MEMBER_SCHEMA, ``household_key`` and a 1-based ``position`` per household).
Output: one row per problem (``key``, ``field``, ``message``) with the field paths and the
messages the services give (``members[2].birth_date``), in the order they would list them.
Text columns hold "" for "not given"; dates, years and ages hold null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date

import polars as pl
from django.utils.translation import gettext as _

from abri.registry.flags import WG_FIELDS
from abri.registry.inputs import MEMBER_INPUT_FIELDS, HouseholdInput, IndividualInput
from abri.registry.models import (
    Consent,
    DisplacementCause,
    HouseholdStatus,
    IdDocumentType,
    MaritalStatus,
    PregnancyStatus,
    Relationship,
    Sex,
)
from abri.registry.models import Difficulty as DifficultyChoices
from abri.registry.normalise import PHONE_REFUSED, phone_normalise
from abri.registry.validation import CHILD_RELATIONSHIPS, MAX_AGE, MAX_MEMBERS, References

HOUSEHOLD_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "key": pl.Int64,
    "admin_area": pl.String,
    "origin_area": pl.String,
    "site_id": pl.Int64,
    "departure_date": pl.Date,
    "arrival_date": pl.Date,
    "displacement_cause": pl.String,
    "consent": pl.String,
    "consent_date": pl.Date,
    "phone": pl.String,
    "status": pl.String,
    "registered_on": pl.Date,
    "registration_number": pl.String,
}
# The members frame: a key, a position, then every field of `IndividualInput` (the one
# declaration of a member), each typed as its annotation says.
_POLARS_OF = {"str": pl.String, "int | None": pl.Int32, "date | None": pl.Date, "bool": pl.Boolean}
MEMBER_SCHEMA: dict[str, type[pl.DataType] | pl.DataType] = {
    "household_key": pl.Int64,
    "position": pl.Int32,
    **{item.name: _POLARS_OF[str(item.type)] for item in fields(IndividualInput) if item.name in MEMBER_INPUT_FIELDS},
}
ISSUE_SCHEMA = {"key": pl.Int64, "field": pl.String, "message": pl.String, "rule": pl.Int32}
_MARK = "\x00"


def _templated(template: str, value: pl.Expr) -> pl.Expr:
    """A message with one per-row value: ``template`` holds the marker where the value goes."""
    prefix, _separator, suffix = template.partition(_MARK)
    return pl.concat_str([pl.lit(prefix), value, pl.lit(suffix)])


class _Issues:
    """Collects (key, field, message) frames in the order the services would find them."""

    def __init__(self) -> None:
        self.frames: list[pl.DataFrame] = []
        self.rule = 0

    def add(self, frame: pl.DataFrame, condition: pl.Expr, key: pl.Expr, field: pl.Expr, message: pl.Expr) -> None:
        self.rule += 1
        found = frame.filter(condition).select(
            key.cast(pl.Int64).alias("key"),
            field.cast(pl.String).alias("field"),
            message.cast(pl.String).alias("message"),
            pl.lit(self.rule, dtype=pl.Int32).alias("rule"),
        )
        if found.height:
            self.frames.append(found)

    def choice(
        self,
        frame: pl.DataFrame,
        key: pl.Expr,
        field: pl.Expr,
        value: pl.Expr,
        choices: Iterable[str],
        *,
        required: bool = True,
    ) -> None:
        allowed = list(choices)
        if required:
            self.add(frame, value == "", key, field, pl.lit(_("This field is required.")))
        else:
            self.rule += 1
        template = _("%(value)s is not one of the allowed values: %(allowed)s.") % {
            "value": _MARK,
            "allowed": ", ".join(allowed),
        }
        self.add(frame, (value != "") & ~value.is_in(allowed), key, field, _templated(template, value))

    def result(self) -> pl.DataFrame:
        if not self.frames:
            return pl.DataFrame(schema=ISSUE_SCHEMA)
        # The services key errors by field and keep each field's messages in the order found.
        return pl.concat(self.frames).sort(["key", "rule"], maintain_order=True)


def age_on_expr(birth: pl.Expr, day: pl.Expr | date) -> pl.Expr:
    """`abri.registry.flags.age_on` on columns."""
    if isinstance(day, date):
        year, month, day_of_month = pl.lit(day.year), pl.lit(day.month), pl.lit(day.day)
    else:
        year, month, day_of_month = day.dt.year(), day.dt.month(), day.dt.day()
    before_birthday = (birth.dt.month() > month) | ((birth.dt.month() == month) & (birth.dt.day() > day_of_month))
    return (year.cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before_birthday.cast(pl.Int32)).cast(pl.Int32)


def resolved_birth_date(today: date) -> tuple[pl.Expr, pl.Expr]:
    """The stored date of birth and its precision, as the services derive them (null when invalid)."""
    birth_date, birth_year, age = pl.col("birth_date"), pl.col("birth_year"), pl.col("age_years")
    exact_ok = birth_date.is_not_null() & (birth_date <= today) & (age_on_expr(birth_date, today) <= MAX_AGE)
    year_ok = birth_date.is_null() & birth_year.is_between(today.year - MAX_AGE, today.year)
    age_ok = birth_date.is_null() & birth_year.is_null() & age.is_between(0, MAX_AGE)
    from_year = pl.min_horizontal(pl.date(birth_year, 7, 1), pl.lit(today))
    from_age = pl.date(pl.lit(today.year) - age, today.month, min(today.day, 28))
    value = pl.when(exact_ok).then(birth_date).when(year_ok).then(from_year).when(age_ok).then(from_age)
    precision = (
        pl.when(exact_ok)
        .then(pl.lit("exact"))
        .when(year_ok)
        .then(pl.lit("year"))
        .when(age_ok)
        .then(pl.lit("estimated_age"))
    )
    return value, precision


def phones_normalised(values: Iterable[str]) -> dict[str, str | None]:
    """Each distinct phone written as the services store it; None where it cannot be a phone number."""
    result: dict[str, str | None] = {}
    for raw in set(values):
        try:
            result[raw] = phone_normalise(raw)
        except ValueError:
            result[raw] = None
    return result


def phone_column(column: pl.Series) -> pl.Series:
    """`abri.registry.normalise.phone_normalise` on a column, each distinct value once: "" stays "",
    null where the value cannot be a phone number."""
    mapping = phones_normalised(column.fill_null("").unique().to_list())
    return column.fill_null("").replace_strict(mapping, default=None, return_dtype=pl.String)


def id_number_expr(column: pl.Expr) -> pl.Expr:
    """`abri.registry.normalise.id_number_normalise` on a column."""
    return column.str.to_uppercase().str.replace_all(r"[^0-9A-Z]+", "")


def _phone_column(households: pl.DataFrame) -> pl.Series:
    return phone_column(households["phone"])


def households_check(
    households: pl.DataFrame, members: pl.DataFrame, *, references: References, today: date
) -> pl.DataFrame:
    """Every problem `resolve_household` would report, for every household at once."""
    issues = _Issues()
    key = pl.col("key")
    unknown = _("Unknown P-code: %(pcode)s.") % {"pcode": _MARK}
    pcodes = list(references.pcodes)
    admin = pl.col("admin_area")
    issues.add(
        households,
        ~admin.is_in(pcodes),
        key,
        pl.lit("admin_area"),
        _templated(unknown, pl.when(admin == "").then(pl.lit("—")).otherwise(admin)),
    )
    origin = pl.col("origin_area")
    issues.add(
        households, (origin != "") & ~origin.is_in(pcodes), key, pl.lit("origin_area"), _templated(unknown, origin)
    )
    site_area = pl.col("site_id").replace_strict(references.site_areas, default=None, return_dtype=pl.String)
    has_site = pl.col("site_id").is_not_null()
    issues.add(households, has_site & site_area.is_null(), key, pl.lit("site_id"), pl.lit(_("Unknown site.")))
    outside = (
        has_site
        & site_area.is_not_null()
        & ~site_area.str.starts_with(pl.when(admin == "").then(pl.lit("\0")).otherwise(admin))
    )
    issues.add(
        households, outside, key, pl.lit("site_id"), pl.lit(_("This site is not in the household's admin area."))
    )
    issues.choice(households, key, pl.lit("consent"), pl.col("consent"), Consent.values)
    issues.choice(households, key, pl.lit("status"), pl.col("status"), HouseholdStatus.values)
    issues.choice(
        households,
        key,
        pl.lit("displacement_cause"),
        pl.col("displacement_cause"),
        DisplacementCause.values,
        required=False,
    )
    for name in ("consent_date", "departure_date", "arrival_date", "registered_on"):
        issues.add(households, pl.col(name) > today, key, pl.lit(name), pl.lit(_("This date is in the future.")))
    issues.add(
        households,
        pl.col("arrival_date") < pl.col("departure_date"),
        key,
        pl.lit("arrival_date"),
        pl.lit(_("The arrival date is before the departure date.")),
    )
    with_phone = households.with_columns(_phone_column(households).alias("_phone"))
    issues.add(
        with_phone,
        (pl.col("phone") != "") & pl.col("_phone").is_null(),
        key,
        pl.lit("phone"),
        pl.lit(str(PHONE_REFUSED)),
    )
    counts = members.group_by("household_key").agg(
        pl.len().alias("_count"), (pl.col("relationship") == Relationship.HEAD).sum().alias("_heads")
    )
    sized = households.join(counts, left_on="key", right_on="household_key", how="left").with_columns(
        pl.col("_count").fill_null(0), pl.col("_heads").fill_null(0)
    )
    issues.add(sized, pl.col("_count") == 0, key, pl.lit("members"), pl.lit(_("A household has at least one member.")))
    issues.add(
        sized,
        pl.col("_count") > MAX_MEMBERS,
        key,
        pl.lit("members"),
        pl.lit(_("A household has at most %(count)s members.") % {"count": MAX_MEMBERS}),
    )
    heads_template = _("Exactly one member must be the head of household (found %(count)s).") % {"count": _MARK}
    issues.add(
        sized,
        (pl.col("_count") > 0) & (pl.col("_heads") != 1),
        key,
        pl.lit("members"),
        _templated(heads_template, pl.col("_heads").cast(pl.String)),
    )
    _members_check(issues, members, households, today)
    return issues.result().select("key", "field", "message")


def _members_check(issues: _Issues, members: pl.DataFrame, households: pl.DataFrame, today: date) -> None:
    frame = members.join(
        households.select(pl.col("key").alias("household_key"), pl.col("arrival_date").alias("_arrival")),
        on="household_key",
        how="left",
    )
    key = pl.col("household_key")

    def path(name: str) -> pl.Expr:
        return pl.format("members[{}]." + name, pl.col("position"))

    issues.add(
        frame,
        pl.col("given_names").str.strip_chars() == "",
        key,
        path("given_names"),
        pl.lit(_("This field is required.")),
    )
    issues.choice(frame, key, path("sex"), pl.col("sex"), Sex.values)
    issues.choice(frame, key, path("relationship"), pl.col("relationship"), Relationship.values)
    issues.choice(frame, key, path("marital_status"), pl.col("marital_status"), MaritalStatus.values, required=False)
    for name in WG_FIELDS:
        issues.choice(frame, key, path(name), pl.col(name), DifficultyChoices.values, required=False)
    pregnancy = pl.when(pl.col("pregnancy") == "").then(pl.lit("no")).otherwise(pl.col("pregnancy"))
    issues.choice(frame, key, path("pregnancy"), pregnancy, PregnancyStatus.values)
    issues.choice(
        frame, key, path("id_document_type"), pl.col("id_document_type"), IdDocumentType.values, required=False
    )
    issues.add(
        frame,
        (pl.col("id_number") != "") & (pl.col("id_document_type") == ""),
        key,
        path("id_document_type"),
        pl.lit(_("Say which document this number is from.")),
    )
    _birth_check(issues, frame, key, path, today)
    issues.add(
        frame,
        (pregnancy != "no") & (pl.col("sex") == Sex.MALE),
        key,
        path("pregnancy"),
        pl.lit(_("Only a woman can be pregnant or lactating.")),
    )
    birth, _precision = resolved_birth_date(today)
    children: Sequence[str] = [str(value) for value in CHILD_RELATIONSHIPS]
    issues.add(
        frame,
        birth.is_not_null()
        & pl.col("_arrival").is_not_null()
        & (birth > pl.col("_arrival"))
        & ~pl.col("relationship").is_in(children),
        key,
        path("birth_date"),
        pl.lit(_("Born after the household arrived: only a child or grandchild can be born in displacement.")),
    )


def _birth_check(issues: _Issues, frame: pl.DataFrame, key: pl.Expr, path, today: date) -> None:
    birth_date, birth_year, age = pl.col("birth_date"), pl.col("birth_year"), pl.col("age_years")
    has_date, has_year, has_age = birth_date.is_not_null(), birth_year.is_not_null(), age.is_not_null()
    issues.add(
        frame,
        ~(has_date | has_year | has_age),
        key,
        path("birth_date"),
        pl.lit(_("Give a date of birth, a year of birth or an estimated age.")),
    )
    issues.add(
        frame, has_date & (birth_date > today), key, path("birth_date"), pl.lit(_("This date is in the future."))
    )
    issues.add(
        frame,
        has_date & (birth_date <= today) & (age_on_expr(birth_date, today) > MAX_AGE),
        key,
        path("birth_date"),
        pl.lit(_("This date makes the person older than 120 years.")),
    )
    low, high = today.year - MAX_AGE, today.year
    issues.add(
        frame,
        ~has_date & has_year & ~birth_year.is_between(low, high),
        key,
        path("birth_year"),
        pl.lit(_("The year of birth must be between %(low)s and %(high)s.") % {"low": low, "high": high}),
    )
    issues.add(
        frame,
        ~has_date & ~has_year & has_age & ~age.is_between(0, MAX_AGE),
        key,
        path("age_years"),
        pl.lit(_("The age must be between 0 and 120 years.")),
    )


def frames_from_inputs(households: Sequence[HouseholdInput]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The households and members frames for ``households`` (keys 1, 2, …), as the bulk path takes them."""
    household_rows = []
    member_rows = []
    for key, data in enumerate(households, start=1):
        household_rows.append(
            {
                "key": key,
                "admin_area": data.admin_area,
                "origin_area": data.origin_area,
                "site_id": data.site_id,
                "departure_date": data.departure_date,
                "arrival_date": data.arrival_date,
                "displacement_cause": data.displacement_cause,
                "consent": data.consent,
                "consent_date": data.consent_date,
                "phone": data.phone,
                "status": data.status,
                "registered_on": data.registered_on,
                "registration_number": data.registration_number,
            }
        )
        for position, member in enumerate(data.members, start=1):
            member_rows.append(
                {
                    "household_key": key,
                    "position": position,
                    **{
                        name: getattr(member, name)
                        for name in MEMBER_SCHEMA
                        if name not in {"household_key", "position"}
                    },
                }
            )
    return (
        pl.DataFrame(household_rows, schema=HOUSEHOLD_SCHEMA),
        pl.DataFrame(member_rows, schema=MEMBER_SCHEMA),
    )
