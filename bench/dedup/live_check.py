"""Latency of the live check at registration against a large registry.

    python bench/dedup/live_check.py [--size 1000000] [--queries 2000]

The registry's first registrations are indexed (`abri.dedup.live.LiveIndex`); every later
registration of the same people is typed in as a query, as a clerk would. Prints the
build time, the query latency (p50, p95, p99) and how often the true person is among the
five shown.
"""

from __future__ import annotations

import argparse
import datetime
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchmark
import common
import django

django.setup()

import numpy as np  # noqa: E402
import polars as pl  # noqa: E402

from abri.dedup.live import LiveIndex  # noqa: E402
from abri.dedup.prepare import FieldMap, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench-dedup")
    arguments = parser.parse_args()
    arguments.data.mkdir(parents=True, exist_ok=True)
    registry = pl.read_parquet(benchmark.registry(arguments.data, arguments.size, arguments.seed))
    first = registry.group_by("person_id").agg(pl.col("record_id").min().alias("first"))
    marked = registry.join(first, on="person_id")
    registered = marked.filter(pl.col("record_id") == pl.col("first")).drop("first")
    again = marked.filter(pl.col("record_id") != pl.col("first")).sample(
        min(arguments.queries, marked.height), seed=arguments.seed
    )
    started = time.perf_counter()
    records = prepare(
        registered,
        FieldMap(fields=common.FIELDS, id_column=common.ID_COLUMN),
        as_of_year=datetime.datetime.now(tz=datetime.UTC).year,
    )
    index = LiveIndex.build(records)
    built = time.perf_counter() - started
    del records
    fields = [name for name in common.FIELDS if name != "household_id"]
    latencies, shown, first_hits = [], 0, 0
    for row in again.iter_rows(named=True):
        query = {name: row[name] for name in fields}
        started = time.perf_counter()
        matches = index.query(query)
        latencies.append((time.perf_counter() - started) * 1000)
        ids = [match.record_id for match in matches[:5]]
        shown += row["first"] in ids
        first_hits += bool(ids) and ids[0] == row["first"]
    values = np.array(latencies)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"registry of {index.size:,} people indexed in {built:.0f}s (peak memory of this process {peak:.0f} MB)")
    print(
        f"{len(values):,} queries: p50 {np.percentile(values, 50):.1f} ms, p95 {np.percentile(values, 95):.1f} ms, "
        f"p99 {np.percentile(values, 99):.1f} ms, max {values.max():.1f} ms"
    )
    print(f"true person among the five shown: {shown / len(values):.3f}; shown first: {first_hits / len(values):.3f}")


if __name__ == "__main__":
    main()
