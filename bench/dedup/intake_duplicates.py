"""The "duplicates" stage of an import batch's validation, on a synthetic registry split in two.

    python bench/dedup/intake_duplicates.py [--size 200000]

The synthetic registry (`abri.synth.registries.registry`, cached in --data) is split by
household: the first half stands for the registry, the second half for an import batch
shaped as validation leaves it. `abri.intake.duplicates.likely_duplicates` then links the
batch to the registry and compares the batch with itself, as the validation job does.
Prints each engine stage as it ends, the wall time, the households flagged and the peak
memory of this process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark
import django

django.setup()

import polars as pl

from abri.intake.duplicates import likely_duplicates

_FORM_SEX = {"F": "female", "M": "male", "H": "male"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench-dedup")
    arguments = parser.parse_args()
    arguments.data.mkdir(parents=True, exist_ok=True)
    frame = pl.read_parquet(benchmark.registry(arguments.data, arguments.size, arguments.seed))
    keys = frame.select("household_id").unique(maintain_order=True).with_row_index("key")
    frame = frame.join(keys, on="household_id").with_columns(pl.col("key").cast(pl.Int64))
    half = keys.height // 2
    registered = frame.filter(pl.col("key") < half)
    batch = frame.filter(pl.col("key") >= half)
    # The registry as `abri.dedup.selectors.registry_people` gives it (numbers left as written:
    # the registry's would be keyed hashes, which only changes what equal numbers look like).
    registry = registered.select(
        pl.int_range(pl.len(), dtype=pl.Int64).cast(pl.String).alias("individual"),
        pl.col("key").cast(pl.String).alias("household"),
        pl.col("given_name").alias("given_names"),
        "family_name",
        "sex",
        pl.col("birth_date").alias("birth"),
        pl.col("phone").alias("phone_hash"),
        pl.col("id_number").alias("id_number_hash"),
        pl.col("location").alias("admin_area"),
    )
    households = batch.group_by("key").agg(
        pl.col("location").first().alias("admin_area"),
        pl.col("phone").drop_nulls().first().fill_null("").alias("phone"),
        pl.lit(None, dtype=pl.Int64).alias("existing_household_id"),
    )
    members = batch.select(
        pl.col("key").alias("household_key"),
        (pl.int_range(pl.len(), dtype=pl.Int64) + 2).alias("_row"),
        pl.col("given_name").alias("given_names"),
        "family_name",
        pl.col("sex").str.to_uppercase().str.slice(0, 1).replace_strict(_FORM_SEX, default="").alias("sex"),
        pl.col("birth_date").str.to_date("%Y-%m-%d", strict=False).alias("birth_date"),
        pl.col("birth_date").str.extract(r"((?:19|20)\d\d)").cast(pl.Int32).alias("birth_year"),
        pl.lit(None, dtype=pl.Int32).alias("age_years"),
        pl.col("id_number").fill_null(""),
    )
    print(
        f"registry of {registry.height:,} people; batch of {households.height:,} households "
        f"({members.height:,} people)",
        flush=True,
    )
    started = time.perf_counter()

    def progress(stage: str, done: int, total: int) -> None:
        print(f"  {time.perf_counter() - started:7.1f}s  {stage} {done:,}/{total:,}", flush=True)

    found = likely_duplicates(households, members, registry=registry, progress=progress)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"likely duplicates in {time.perf_counter() - started:.0f}s: "
        f"{found['household_key'].n_unique():,} of {households.height:,} households flagged "
        f"({found['registered_household'].is_not_null().sum():,} links to the registry, "
        f"{found['other_key'].is_not_null().sum():,} within the batch); peak memory {peak:.0f} MB"
    )


if __name__ == "__main__":
    main()
