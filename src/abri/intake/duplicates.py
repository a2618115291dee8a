"""Likely duplicates of a staged batch, found by the deduplication engine before anything is committed.

The batch's people are linked to the registry's (`abri.dedup.engine.linkage.link`) and compared with
each other (`abri.dedup.engine.linkage.deduplicate`), all vectorised: a 200,000-household batch is a
few polars frames and two engine runs, never a loop over the ORM. Phone and identity numbers
are compared through the registry's keyed hashes, so the batch's numbers are hashed the same
way first. The exact flags of validation (the same submission twice, an identity number
already registered) are kept as they are; these are the probable ones, with their evidence.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
from django.utils import timezone

from abri.dedup.engine import linkage
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.selectors import REGISTRY_FIELDS, registry_people
from abri.registry.bulk.checks import phones_normalised
from abri.registry.bulk.prepare import blind_index_many, map_distinct
from abri.registry.normalise import id_number_normalise

Progress = Callable[[str, int, int], None]

LIKELY = 0.5  # a pair of people this likely to be one person makes their households likely duplicates

DUPLICATE_SCHEMA: dict[str, pl.DataType] = {
    "household_key": pl.Int64(),  # the staged household
    "registered_household": pl.Int64(),  # the registered household it may be (or null)
    "other_key": pl.Int64(),  # another staged household of the batch it may be (or null)
    "members_matched": pl.Int64(),  # staged members with a likely match there
    "size": pl.Int64(),  # members of that household
    "probability": pl.Float64(),  # of the likeliest pair
    "evidence": pl.String(),  # the likeliest pair's evidence line
    "member_rows": pl.List(pl.Int64()),  # spreadsheet rows of the matched staged members
}

# The batch's people under the engine's field names.
_BATCH_FIELDS = {
    "given_name": "given_names",
    "family_name": "family_name",
    "sex": "sex",
    "birth_date": "birth_date",
    "birth_year": "birth_year",
    "age": "age_years",
    "phone": "phone_hash",
    "id_number": "id_number_hash",
    "location": "admin_area",
    "household_id": "household",
}


def _silent(stage: str, done: int, total: int) -> None:
    """Progress sink that ignores the progress."""


def _hashed(values: pl.Series, purpose: str) -> pl.Series:
    """The keyed hash of each non-empty value ("" stays "")."""
    distinct = values.filter(values != "").unique().to_list()
    hashes = dict(zip(distinct, blind_index_many(distinct, purpose=purpose), strict=True))
    hashes[""] = ""
    return values.replace_strict(hashes, return_dtype=pl.String)


def batch_people(households: pl.DataFrame, members: pl.DataFrame) -> pl.DataFrame:
    """One row per staged member with the fields the engine compares (numbers as keyed hashes)."""
    phones = phones_normalised(households["phone"].fill_null("").to_list())
    household_frame = households.select(
        pl.col("key").alias("household_key"),
        "admin_area",
        _hashed(
            households["phone"].fill_null("").replace_strict(phones, default="", return_dtype=pl.String).fill_null(""),
            "phone",
        ).alias("phone_hash"),
    )
    id_numbers = map_distinct(members["id_number"].fill_null(""), id_number_normalise)
    people = members.select(
        "household_key",
        "_row",
        "given_names",
        pl.col("family_name").replace("", None),
        pl.col("sex").replace({"female": "F", "male": "M"}),
        pl.col("birth_date").dt.strftime("%Y-%m-%d"),
        pl.col("birth_year").cast(pl.String),
        pl.col("age_years").cast(pl.String),
        _hashed(id_numbers, "id_number").alias("id_number_hash"),
    ).join(household_frame, on="household_key", how="inner")
    return people.with_columns(
        pl.col("household_key").cast(pl.String).alias("household"),
        pl.col("phone_hash").replace("", None),
        pl.col("id_number_hash").replace("", None),
        # Never the same as a registry id (digits only): a pair's two sides are told apart by it.
        pl.format("b{}", pl.int_range(pl.len(), dtype=pl.Int64)).alias("member"),
    )


def likely_duplicates(
    households: pl.DataFrame,
    members: pl.DataFrame,
    *,
    registry: pl.DataFrame | None = None,
    progress: Progress = _silent,
    within_batch_max: int | None = None,
) -> pl.DataFrame:
    """For each staged household, the registered households and the other staged households it may be.

    A batch of more than ``within_batch_max`` people is compared with the registry only: pairs
    inside a batch that large are the registry-wide search's work once it is committed (the
    engine takes minutes on a million people, the import seconds).

    ``households`` and ``members`` are the validated frames (key, admin_area, phone,
    existing_household_id; household_key, _row and the member fields); ``registry`` is
    `abri.dedup.selectors.registry_people` (read here when not given). A re-import of a
    submission is not a duplicate of the household it updates.
    """
    year = timezone.now().year
    people = batch_people(households, members)
    if people.is_empty():
        return pl.DataFrame(schema=DUPLICATE_SCHEMA)
    registered = registry if registry is not None else registry_people()
    batch_map = FieldMap(fields=_BATCH_FIELDS, id_column="member")
    found: list[pl.DataFrame] = []
    where = people.select(pl.col("member").alias("record_id"), "household_key", "_row")

    if registered.height:
        registry_records = prepare(
            registered, FieldMap(fields=REGISTRY_FIELDS, id_column="individual"), as_of_year=year
        )
        batch_records = prepare(people, batch_map, as_of_year=year, source=1, first_rid=registry_records.height)
        result = linkage.link(
            registry_records,
            batch_records,
            progress=lambda stage, done, total: progress(f"registry {stage}", done, total),
        )
        sizes = (
            registered.group_by("household")
            .len("size")
            .select(pl.col("household").cast(pl.Int64).alias("registered_household"), pl.col("size").cast(pl.Int64))
        )
        found.append(_against_registry(result.pairs, where, registered, sizes, households))
    if within_batch_max is None or people.height <= within_batch_max:
        in_batch = prepare(people, batch_map, as_of_year=year)
        result = linkage.deduplicate(
            in_batch, progress=lambda stage, done, total: progress(f"batch {stage}", done, total)
        )
        found.append(_within_batch(result.pairs, where, people))
    if not found:  # an empty registry, and a batch too large to compare with itself
        return pl.DataFrame(schema=DUPLICATE_SCHEMA)
    return (
        pl.concat([frame.select(list(DUPLICATE_SCHEMA)) for frame in found], how="vertical_relaxed")
        .cast(DUPLICATE_SCHEMA)  # type: ignore[arg-type]  # polars' stub wants a Schema; a dict of dtypes is what cast takes
        .sort(["household_key", "probability"], descending=[False, True])
    )


def _likely(pairs: pl.DataFrame) -> pl.DataFrame:
    return pairs.filter(pl.col("match_probability") >= LIKELY).select("id_a", "id_b", "match_probability", "evidence")


def _against_registry(
    pairs: pl.DataFrame,
    where: pl.DataFrame,
    registered: pl.DataFrame,
    sizes: pl.DataFrame,
    households: pl.DataFrame,
) -> pl.DataFrame:
    likely = _likely(pairs)
    # The engine puts the registry's record first; order them anyway rather than trust it
    # (batch ids start with a letter, registry ids are digits).
    a_in_batch = pl.col("id_a").str.starts_with("b")
    oriented = likely.select(
        pl.when(a_in_batch).then("id_b").otherwise("id_a").alias("individual"),
        pl.when(a_in_batch).then("id_a").otherwise("id_b").alias("record_id"),
        "match_probability",
        "evidence",
    )
    joined = (
        oriented.join(where, on="record_id")
        .join(
            registered.select("individual", pl.col("household").cast(pl.Int64).alias("registered_household")),
            on="individual",
        )
        .join(
            households.select(pl.col("key").alias("household_key"), "existing_household_id"),
            on="household_key",
            how="left",
        )
        .filter(
            pl.col("existing_household_id").is_null()
            | (pl.col("existing_household_id") != pl.col("registered_household"))
        )
    )
    return (
        _grouped(joined, "registered_household")
        .join(sizes, on="registered_household", how="left")
        .with_columns(pl.lit(None, dtype=pl.Int64).alias("other_key"))
    )


def _grouped(joined: pl.DataFrame, other: str) -> pl.DataFrame:
    return (
        joined.sort("match_probability", descending=True)
        .group_by("household_key", other)
        .agg(
            pl.col("record_id").n_unique().cast(pl.Int64).alias("members_matched"),
            pl.col("match_probability").max().alias("probability"),
            pl.col("evidence").first(),
            pl.col("_row").unique().sort().cast(pl.Int64).alias("member_rows"),
        )
    )


def _within_batch(pairs: pl.DataFrame, where: pl.DataFrame, people: pl.DataFrame) -> pl.DataFrame:
    likely = _likely(pairs)
    side_a = where.rename({"record_id": "id_a", "household_key": "key_a", "_row": "row_a"})
    side_b = where.rename({"record_id": "id_b", "household_key": "key_b", "_row": "row_b"})
    joined = likely.join(side_a, on="id_a").join(side_b, on="id_b").filter(pl.col("key_a") != pl.col("key_b"))
    both_ways = pl.concat(
        [
            joined.select(
                pl.col("id_a").alias("record_id"),
                pl.col("key_a").alias("household_key"),
                pl.col("row_a").alias("_row"),
                pl.col("key_b").alias("other_key"),
                "match_probability",
                "evidence",
            ),
            joined.select(
                pl.col("id_b").alias("record_id"),
                pl.col("key_b").alias("household_key"),
                pl.col("row_b").alias("_row"),
                pl.col("key_a").alias("other_key"),
                "match_probability",
                "evidence",
            ),
        ]
    )
    sizes = (
        people.group_by("household_key")
        .len("size")
        .select(pl.col("household_key").alias("other_key"), pl.col("size").cast(pl.Int64))
    )
    return (
        _grouped(both_ways, "other_key")
        .join(sizes, on="other_key", how="left")
        .with_columns(pl.lit(None, dtype=pl.Int64).alias("registered_household"))
    )
