"""Latency of the live check at registration against a large registry.

    python bench/dedup/live_check.py [--size 1000000] [--queries 2000]

The registry's first registrations are indexed (`abri.dedup.live.LiveIndex`); the later
registrations are typed in as a clerk would, one person at a time (`query`) and one whole
household at a time (`query_household`). Prints the build time, the latency (p50, p95,
p99; wall time, and the CPU time of the query, which the load of a shared machine does not
inflate) and how often the true person is shown first and among the five shown.
"""

from __future__ import annotations

import argparse
import datetime
import os
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
    print(f"load average: {' '.join(f'{value:.1f}' for value in os.getloadavg())} (on {os.cpu_count()} cores)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"registry of {index.size:,} people indexed in {built:.0f}s (peak memory of this process {peak:.0f} MB)")
    latencies, cpu, first, shown = [], [], 0, 0
    for row in again.iter_rows(named=True):
        started, started_cpu = time.perf_counter(), time.thread_time()
        matches = index.query({name: row[name] for name in fields}, threshold=0.0)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        shown_ids = [match.record_id for match in matches[:5]]
        shown += row["first"] in shown_ids
        first += shown_ids[:1] == [row["first"]]
    _report("one person at a time", np.array(latencies), np.array(cpu), first / len(latencies), shown / len(latencies))
    households = again.select("household_id").unique().head(arguments.queries // 4)["household_id"]
    latencies, cpu, first, shown, typed = [], [], 0, 0, 0
    for household in marked.filter(pl.col("household_id").is_in(households.implode())).partition_by("household_id"):
        members = household.to_dicts()
        started, started_cpu = time.perf_counter(), time.thread_time()
        found = index.query_household([{name: member[name] for name in fields} for member in members], threshold=0.0)
        latencies.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        for position, member in enumerate(members):
            if member["record_id"] == member["first"]:
                continue  # a newborn registered for the first time
            typed += 1
            candidates = sorted(
                (match for household_match in found for at, match in household_match.members if at == position),
                key=lambda match: -match.probability,
            )
            shown_ids = [match.record_id for match in candidates[:5]]
            shown += member["first"] in shown_ids
            first += shown_ids[:1] == [member["first"]]
    _report(
        "a whole household at a time", np.array(latencies), np.array(cpu), first / max(typed, 1), shown / max(typed, 1)
    )
    print(f"load average: {' '.join(f'{value:.1f}' for value in os.getloadavg())} (on {os.cpu_count()} cores)")


def _report(label: str, wall: np.ndarray, cpu: np.ndarray, first: float, shown: float) -> None:
    print(f"{label}: {len(wall):,} queries; true person shown first {first:.3f}, among the five shown {shown:.3f}")
    for name, values in (("wall", wall), ("CPU", cpu)):
        print(
            f"  {name:>4} time: p50 {np.percentile(values, 50):.1f} ms, p95 {np.percentile(values, 95):.1f} ms, "
            f"p99 {np.percentile(values, 99):.1f} ms, max {values.max():.1f} ms"
        )


if __name__ == "__main__":
    main()
