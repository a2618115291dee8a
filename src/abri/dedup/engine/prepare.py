"""From a list as it comes (any columns) to the records the engine compares.

A `FieldMap` says which column holds which known field. `prepare` turns the frame into one
row per record with the same normalised columns whatever the source (a partner's XLSX, an
import batch, the registry): canonical names and their phonetic keys, sex, birth year and
exact date, phone, identity number, P-code levels, household and free-text columns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import polars as pl

from abri.dedup.engine import normalise
from abri.dedup.engine.variants import PARTICLES

KNOWN_FIELDS: tuple[str, ...] = (
    "given_name",
    "family_name",
    "full_name",
    "sex",
    "birth_date",
    "birth_year",
    "age",
    "phone",
    "id_number",
    "location",
    "household_id",
)

# Columns every prepared frame has, whatever was mapped.
RECORD_SCHEMA: dict[str, pl.DataType] = {
    "rid": pl.UInt32(),
    "source": pl.UInt8(),
    "record_id": pl.String(),
    "given": pl.String(),
    "family": pl.String(),
    "given_tokens": pl.List(pl.String()),
    "family_tokens": pl.List(pl.String()),
    "given_key": pl.String(),
    "family_key": pl.String(),
    "sex": pl.String(),
    "birth_year": pl.Int32(),
    "birth_date": pl.Date(),
    "phone": pl.String(),
    "id_number": pl.String(),
    "loc1": pl.String(),
    "loc2": pl.String(),
    "loc3": pl.String(),
    "household": pl.String(),
}

_FEMALE = ["f", "femme", "female", "feminin", "woman", "fille", "girl", "w"]
_MALE = ["m", "h", "homme", "male", "masculin", "man", "garcon", "boy"]


@dataclass(frozen=True)
class FieldMap:
    """Which column of a list holds which known field, which other columns to compare, and the id."""

    fields: Mapping[str, str] = field(default_factory=dict)
    compare: Sequence[str] = ()
    id_column: str | None = None

    def columns(self) -> list[str]:
        """Every column this map reads."""
        named = [*self.fields.values(), *self.compare]
        if self.id_column:
            named.append(self.id_column)
        return list(dict.fromkeys(named))


def compare_column_name(index: int) -> str:
    """Name of the prepared column for the `index`-th free-text column."""
    return f"text_{index}"


def _split_full_name(raw: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Given and family parts of a full name.

    "Moussa Ag Mohamed" → Moussa / Ag Mohamed (a particle starts the family part);
    "TRAORE Mamadou" → Mamadou / TRAORE (an upper-case first word is the family name);
    otherwise the last word is the family name. The engine compares both orders anyway.
    """
    words = raw.cast(pl.String).str.replace_all(r"[\s\-_'’]+", " ").str.strip_chars().str.split(" ")
    lowered = words.list.eval(normalise.clean_text(pl.element()).fill_null(""))
    particle_at = lowered.list.eval(
        pl.int_range(pl.len()).filter(pl.element().is_in(list(PARTICLES)) & (pl.int_range(pl.len()) > 0)).first()
    ).list.first()
    first = words.list.first()
    first_upper = (first == first.str.to_uppercase()) & first.str.contains(r"[A-Za-z]{2}")
    whole_upper = raw.cast(pl.String) == raw.cast(pl.String).str.to_uppercase()
    count = words.list.len()
    split_at = (
        pl.when(count <= 1)
        .then(count)
        .when(particle_at.is_not_null())
        .then(particle_at)
        .when(first_upper & ~whole_upper)
        .then(pl.lit(-1))
        .otherwise(count - 1)
    )
    family_first = split_at == -1
    given = (
        pl.when(family_first).then(words.list.slice(1)).otherwise(words.list.slice(0, split_at.clip(0))).list.join(" ")
    )
    family = (
        pl.when(family_first).then(words.list.slice(0, 1)).otherwise(words.list.slice(split_at.clip(0))).list.join(" ")
    )
    return given, family


def _column(mapping: FieldMap, name: str) -> pl.Expr:
    column = mapping.fields.get(name)
    return pl.col(column).cast(pl.String) if column else pl.lit(None, dtype=pl.String)


def _by_value(frame: pl.DataFrame, column: str, outputs: dict[str, pl.Expr]) -> pl.DataFrame:
    """Evaluate ``outputs`` once per distinct value of ``column`` and join them back.

    A registry of a million people has a few thousand distinct names and places: normalising
    each once is what keeps preparation to seconds.
    """
    distinct = frame.select(pl.col(column)).unique().filter(pl.col(column).is_not_null())
    return frame.join(distinct.with_columns(**outputs), on=column, how="left").drop(column)


def prepare(
    frame: pl.DataFrame,
    mapping: FieldMap,
    *,
    as_of_year: int,
    source: int = 0,
    first_rid: int = 0,
) -> pl.DataFrame:
    """Normalised records of ``frame`` (columns as in RECORD_SCHEMA plus text_0, text_1…)."""
    fields = mapping.fields
    given_raw = _column(mapping, "given_name")
    family_raw = _column(mapping, "family_name")
    if "full_name" in fields:
        split_given, split_family = _split_full_name(_column(mapping, "full_name"))
        if "given_name" in fields or "family_name" in fields:
            has_parts = given_raw.is_not_null() | family_raw.is_not_null()
            given_raw = pl.when(has_parts).then(given_raw).otherwise(split_given)
            family_raw = pl.when(has_parts).then(family_raw).otherwise(split_family)
        else:
            given_raw, family_raw = split_given, split_family
    record_id = (
        pl.col(mapping.id_column).cast(pl.String)
        if mapping.id_column
        else (pl.int_range(pl.len(), dtype=pl.UInt32) + 1).cast(pl.String)
    )
    text_columns = [compare_column_name(index) for index in range(len(mapping.compare))]
    staged = frame.select(
        (pl.int_range(pl.len(), dtype=pl.UInt32) + first_rid).alias("rid"),
        pl.lit(source, dtype=pl.UInt8).alias("source"),
        record_id.alias("record_id"),
        given_raw.alias("given_raw"),
        family_raw.alias("family_raw"),
        _column(mapping, "sex").alias("sex_raw"),
        _column(mapping, "birth_date").alias("birth_raw"),
        _column(mapping, "birth_year").alias("year_raw"),
        _column(mapping, "age").alias("age_raw"),
        _column(mapping, "phone").alias("phone_raw"),
        _column(mapping, "id_number").alias("id_raw"),
        _column(mapping, "location").alias("location_raw"),
        _column(mapping, "household_id").str.strip_chars().alias("household_raw"),
        *[
            pl.col(column).cast(pl.String).alias(f"{name}_raw")
            for name, column in zip(text_columns, mapping.compare, strict=True)
        ],
    )
    for part in ("given", "family"):
        tokens = normalise.name_tokens(pl.col(f"{part}_raw"))
        joined = normalise.joined_name(tokens)
        staged = _by_value(
            staged,
            f"{part}_raw",
            {f"{part}_tokens": tokens, part: joined, f"{part}_key": normalise.phonetic_key(joined)},
        )
    sex_text = normalise.clean_text(pl.col("sex_raw"))
    staged = _by_value(
        staged,
        "sex_raw",
        {"sex": pl.when(sex_text.is_in(_FEMALE)).then(pl.lit("f")).when(sex_text.is_in(_MALE)).then(pl.lit("m"))},
    )
    staged = _by_value(
        staged,
        "birth_raw",
        {
            "birth_parsed": normalise.birth_date(pl.col("birth_raw")),
            "birth_text_year": normalise.year_in_text(pl.col("birth_raw")),
        },
    )
    staged = _by_value(staged, "year_raw", {"year_given": normalise.year_in_text(pl.col("year_raw"))})
    staged = _by_value(
        staged,
        "age_raw",
        {"age": pl.col("age_raw").str.extract(r"([0-9]{1,3})", 1).cast(pl.Int32, strict=False)},
    )
    staged = _by_value(staged, "phone_raw", {"phone": normalise.phone_number(pl.col("phone_raw"))})
    staged = _by_value(staged, "id_raw", {"id_number": normalise.id_number(pl.col("id_raw"))})
    staged = _by_value(
        staged,
        "location_raw",
        {expr.meta.output_name(): expr for expr in normalise.location_levels(pl.col("location_raw"))},
    )
    for name in text_columns:
        staged = _by_value(staged, f"{name}_raw", {name: normalise.clean_text(pl.col(f"{name}_raw"))})

    # A date of 1 January is how most lists write "born in that year": treat it as a year.
    parsed = pl.col("birth_parsed")
    exact = pl.when((parsed.dt.month() == 1) & (parsed.dt.day() == 1)).then(None).otherwise(parsed)
    year_from_age = pl.when(pl.col("age").is_between(0, 120)).then(pl.lit(as_of_year, dtype=pl.Int32) - pl.col("age"))
    birth_year = pl.coalesce(parsed.dt.year().cast(pl.Int32), "birth_text_year", "year_given", year_from_age)
    household = pl.col("household_raw")
    prepared = staged.with_columns(
        exact.alias("birth_date"),
        pl.when(birth_year.is_between(1890, as_of_year)).then(birth_year).alias("birth_year"),
        pl.when(household.str.len_chars() > 0).then(pl.format("{}:{}", pl.lit(source), household)).alias("household"),
    )
    return (
        prepared.select(*RECORD_SCHEMA, *text_columns)
        .cast(RECORD_SCHEMA)  # type: ignore[arg-type]  # polars' stub wants a Schema; a dict of dtypes is what cast takes
        .sort("rid")
    )


def present_fields(records: pl.DataFrame) -> set[str]:
    """The prepared columns that hold at least one value (a comparison on the others is pointless)."""
    counts = records.select(pl.all().is_not_null().sum()).row(0, named=True)
    return {name for name, count in counts.items() if count}
