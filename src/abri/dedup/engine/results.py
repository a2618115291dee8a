"""Shaping what the engine found for people: evidence per pair, household links."""

from __future__ import annotations

import polars as pl

from abri.dedup.engine.comparisons import Comparison

HOUSEHOLD_LINK_SCHEMA: dict[str, pl.DataType] = {
    "household_a": pl.String(),
    "household_b": pl.String(),
    "members_matched": pl.UInt32(),
    "size_a": pl.UInt32(),
    "size_b": pl.UInt32(),
    "share": pl.Float64(),
    "mean_probability": pl.Float64(),
    "same_household": pl.Boolean(),
}


def evidence(pairs: pl.DataFrame, comparisons: list[Comparison]) -> pl.DataFrame:
    """Level labels in place of level numbers, weights rounded, and one readable evidence line per pair."""
    labelled = []
    for comparison in comparisons:
        labels = {index: str(level.label) for index, level in enumerate(comparison.levels)}
        labelled.append(
            pl.col(comparison.column)
            .cast(pl.Int64)
            .replace_strict(labels, default=None, return_dtype=pl.String)
            .alias(comparison.name)
        )
    out = pairs.with_columns(
        *labelled,
        *(pl.col(f"{c.name}_weight").round(2) for c in comparisons),
        pl.col("match_weight").round(2),
        pl.col("match_probability").round(4),
    )
    parts = [
        pl.when(pl.col(c.name).is_not_null()).then(
            pl.format("{}: {} ({})", pl.lit(str(c.label)), pl.col(c.name), pl.col(f"{c.name}_weight").round(1))
        )
        for c in comparisons
    ]
    line = pl.concat_list(parts).list.drop_nulls().list.join("; ") if parts else pl.lit("")
    return out.with_columns(line.alias("evidence")).drop([c.column for c in comparisons])


def household_links(pairs: pl.DataFrame, records: pl.DataFrame) -> pl.DataFrame:
    """Household pairs sharing members: how many, out of how many, and whether that makes one household.

    Two households are one when they share most members: at least half of the smaller one,
    and at least two people unless one of them has a single member. The heads need not match.
    """
    linked = pairs.filter(pl.col("household_a").is_not_null() & pl.col("household_b").is_not_null())
    if linked.is_empty():
        return pl.DataFrame(schema=HOUSEHOLD_LINK_SCHEMA)
    sizes = records.filter(pl.col("household").is_not_null()).group_by("household").len("size")
    grouped = linked.group_by("household_a", "household_b").agg(
        pl.min_horizontal(pl.col("rid_a").n_unique(), pl.col("rid_b").n_unique()).alias("members_matched"),
        pl.col("match_probability").mean().alias("mean_probability"),
    )
    smaller = pl.min_horizontal("size_a", "size_b")
    joined = (
        grouped.join(sizes.rename({"household": "household_a", "size": "size_a"}), on="household_a")
        .join(sizes.rename({"household": "household_b", "size": "size_b"}), on="household_b")
        .with_columns((pl.col("members_matched") / smaller).alias("share"))
        .with_columns(
            ((pl.col("share") >= 0.5) & ((pl.col("members_matched") >= 2) | (smaller == 1))).alias("same_household")
        )
    )
    return (
        joined.select(list(HOUSEHOLD_LINK_SCHEMA))
        .cast(HOUSEHOLD_LINK_SCHEMA)  # type: ignore[arg-type]  # polars' stub wants a Schema; a dict of dtypes is what cast takes
        .with_columns(
            # The engine prefixes each list's household ids with the list number; people want theirs.
            pl.col("household_a").str.replace(r"^[01]:", ""),
            pl.col("household_b").str.replace(r"^[01]:", ""),
        )
        .sort(["same_household", "share", "members_matched"], descending=True)
    )
