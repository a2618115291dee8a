"""What the services derive before saving, on whole columns: dates of birth, names for search,
keyed hashes and encrypted numbers, household size and vulnerability flags.

Only households that passed `households_check` may be prepared.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import polars as pl

from abri.core import crypto
from abri.registry.bulk.checks import age_on_expr, id_number_expr, phone_column, resolved_birth_date
from abri.registry.flags import ADULT_AGE, ELDERLY_AGE, FLAG_FIELDS, LARGE_HOUSEHOLD_SIZE, SEVERE_DIFFICULTY, WG_FIELDS
from abri.registry.normalise import fold


@dataclass(frozen=True)
class Prepared:
    """Households and members ready to store, with every derived column filled."""

    households: pl.DataFrame
    members: pl.DataFrame


def protect_many(groups: Sequence[tuple[Sequence[str], str]]) -> list[tuple[list[str], list[str]]]:
    """For each (values, purpose): `crypto.encrypt` and `crypto.blind_index` of every value, in bulk."""
    return [
        (crypto.encrypt_many(values), crypto.blind_index_many(values, purpose=purpose)) for values, purpose in groups
    ]


def blind_index_many(values: Sequence[str], *, purpose: str) -> list[str]:
    """`abri.core.crypto.blind_index` of each value."""
    return crypto.blind_index_many(values, purpose=purpose)


def search_names(full_names: pl.Series) -> pl.Series:
    """`abri.registry.normalise.fold` of each name: in polars for plain ASCII, in Python otherwise.

    For ASCII text, casefold is lower-casing and NFKD changes nothing, so the two agree exactly.
    """
    is_ascii = full_names.str.contains(r"^[\x00-\x7f]*$")
    fast = full_names.str.to_lowercase().str.replace_all(r"[^0-9a-z]+", " ").str.strip_chars()
    others = full_names.filter(~is_ascii).unique().to_list()
    folded = {name: fold(name) for name in others}
    slow = full_names.replace_strict(folded, default=None, return_dtype=pl.String) if folded else fast
    return pl.select(pl.when(is_ascii).then(fast).otherwise(slow)).to_series()


def map_distinct(values: pl.Series, function: Callable[[str], str]) -> pl.Series:
    """``function`` applied once per distinct non-empty value ("" stays "")."""
    distinct = values.filter(values != "").unique().to_list()
    if not distinct:
        return values
    mapping = {value: function(value) for value in distinct}
    mapping[""] = ""
    return values.replace_strict(mapping, return_dtype=pl.String)


def _protected(columns: Sequence[tuple[pl.Series, str]]) -> list[tuple[pl.Series, pl.Series]]:
    """Encrypted value and keyed hash of each non-empty value of each column ("" stays "")."""
    present = [(values.filter(values != "").to_list(), purpose) for values, purpose in columns]
    protected = protect_many(present)
    results = []
    for (values, _purpose), (encrypted_values, hashes) in zip(columns, protected, strict=True):
        positions = (values != "").arg_true()
        encrypted = pl.Series(values=[""] * len(values), dtype=pl.String)
        hashed = pl.Series(values=[""] * len(values), dtype=pl.String)
        if len(positions):
            encrypted = encrypted.scatter(positions, pl.Series(encrypted_values, dtype=pl.String))
            hashed = hashed.scatter(positions, pl.Series(hashes, dtype=pl.String))
        results.append((encrypted, hashed))
    return results


def households_prepare(households: pl.DataFrame, members: pl.DataFrame, *, today: date) -> Prepared:
    """Derive every stored column of valid ``households`` and their ``members``."""
    birth, precision = resolved_birth_date(today)
    member_frame = members.with_columns(
        pl.col("given_names").str.strip_chars(),
        pl.col("family_name").str.strip_chars(),
        birth.alias("birth_date"),
        precision.alias("birth_date_precision"),
        pl.when(pl.col("pregnancy") == "").then(pl.lit("no")).otherwise(pl.col("pregnancy")).alias("pregnancy"),
    ).sort(["household_key", "position"])
    full_names = member_frame.select(
        pl.concat_str([pl.col("given_names"), pl.col("family_name")], separator=" ")
    ).to_series()
    member_frame = member_frame.with_columns(search_names(full_names).alias("search_name"))
    id_numbers = member_frame.select(id_number_expr(pl.col("id_number"))).to_series()
    phones = phone_column(households["phone"]).fill_null("")
    (id_encrypted, id_hash), (phone_encrypted, phone_hash) = _protected([(id_numbers, "id_number"), (phones, "phone")])
    member_frame = member_frame.with_columns(
        id_encrypted.alias("id_number_encrypted"), id_hash.alias("id_number_hash")
    ).drop("id_number", "birth_year", "age_years")

    household_frame = households.with_columns(
        pl.col("registered_on").fill_null(today),
        phone_encrypted.alias("phone_encrypted"),
        phone_hash.alias("phone_hash"),
    ).drop("phone")
    household_frame = household_frame.join(
        household_flags_frame(household_frame, member_frame), on="key", how="left"
    ).with_columns(pl.col("size").fill_null(0), *(pl.col(name).fill_null(False) for name in FLAG_FIELDS))
    return Prepared(households=household_frame, members=member_frame)


def household_flags_frame(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """`abri.registry.flags.household_flags` for every household: key, size and the nine flags."""
    frame = members.join(
        households.select(pl.col("key").alias("household_key"), pl.col("registered_on").alias("_on")),
        on="household_key",
    ).with_columns(age_on_expr(pl.col("birth_date"), pl.col("_on")).alias("_age"))
    head = pl.col("relationship") == "head"
    child = pl.col("_age") < ADULT_AGE
    severe = list(SEVERE_DIFFICULTY)
    return (
        frame.group_by("household_key")
        .agg(
            pl.len().cast(pl.Int32).alias("size"),
            (head & (pl.col("sex") == "female")).any().alias("female_headed"),
            (head & (pl.col("sex") == "female") & (pl.col("marital_status") == "widowed")).any().alias("widow_headed"),
            (head & (pl.col("_age") >= ELDERLY_AGE)).any().alias("elderly_head"),
            (
                head.any()
                & ~(pl.col("relationship") == "spouse").any()
                & ~(head & (pl.col("marital_status") == "married")).any()
                & (child & (pl.col("relationship") == "child")).any()
            ).alias("single_parent"),
            pl.any_horizontal(*(pl.col(name).is_in(severe) for name in WG_FIELDS))
            .any()
            .alias("member_with_disability"),
            (head & (pl.col("_age") < ADULT_AGE)).any().alias("child_headed"),
            (child & pl.col("relationship").is_in(["other_relative", "non_relative"]))
            .any()
            .alias("unaccompanied_or_separated_child"),
            (pl.len() >= LARGE_HOUSEHOLD_SIZE).alias("large_household"),
            pl.col("pregnancy").is_in(["pregnant", "lactating"]).any().alias("pregnant_or_lactating_woman"),
        )
        .rename({"household_key": "key"})
    )
