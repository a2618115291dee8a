"""Latency of the live check at registration against a large registry.

    python bench/dedup/live_check.py [--size 1000000] [--queries 2000] [--through-form]

The registry's first registrations are indexed (`abri.dedup.live.index.LiveIndex`); the later
registrations are typed in as a clerk would, one person at a time (`query`) and one whole
household at a time (`query_household`). Prints the build time, the latency (p50, p95,
p99; wall time, and the CPU time of the query, which the load of a shared machine does not
inflate) and how often the true person is shown first and among the five shown.

``--through-form`` measures the path of the register form instead: the registry's phone and
identity numbers are indexed as keyed hashes (as the registry stores them), and each typed
member goes through `abri.dedup.live.check.typed_person` (hashing its numbers) and
`LiveRegistry.find_in` (three matches shown per member, plus the household hint when two
members or more are typed) — what one debounced request of the form computes, without the
database look-up of the households shown.
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

import numpy as np
import polars as pl

from abri.core import crypto
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.live.check import SHOWN_THRESHOLD, LiveRegistry, typed_person
from abri.dedup.live.index import LiveIndex
from abri.registry.bulk.prepare import map_distinct
from abri.registry.normalise import id_number_normalise, phone_normalise


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench-dedup")
    parser.add_argument("--through-form", action="store_true", help="measure the register form's path")
    parser.add_argument("--threshold", type=float, default=SHOWN_THRESHOLD, help="with --through-form: shown from")
    arguments = parser.parse_args()
    arguments.data.mkdir(parents=True, exist_ok=True)
    registry = pl.read_parquet(benchmark.registry(arguments.data, arguments.size, arguments.seed))
    first = registry.group_by("person_id").agg(pl.col("record_id").min().alias("first"))
    marked = registry.join(first, on="person_id")
    registered = marked.filter(pl.col("record_id") == pl.col("first")).drop("first")
    again = marked.filter(pl.col("record_id") != pl.col("first")).sample(
        min(arguments.queries, marked.height), seed=arguments.seed
    )
    if arguments.through_form:
        registered = _numbers_hashed(registered)
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
    if arguments.through_form:
        _through_form(index, again, marked, arguments.queries, arguments.threshold)
        return
    _direct(index, again, marked, fields, arguments.queries)


def _direct(index: LiveIndex, again: pl.DataFrame, marked: pl.DataFrame, fields: list[str], queries: int) -> None:
    """The index's own path: one person at a time, then one whole household at a time."""
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
    households = again.select("household_id").unique().head(queries // 4)["household_id"]
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


_FORM_SEX = {"F": "female", "M": "male", "H": "male"}


def _numbers_hashed(registered: pl.DataFrame) -> pl.DataFrame:
    """Phone and identity numbers as the registry stores them: keyed hashes of the normalised numbers."""

    def phone(value: str) -> str:
        try:
            return crypto.blind_index(phone_normalise(value), purpose="phone")
        except ValueError:
            return ""

    def id_number(value: str) -> str:
        return crypto.blind_index(id_number_normalise(value), purpose="id_number")

    return registered.with_columns(
        map_distinct(registered["phone"].fill_null(""), phone).replace("", None).alias("phone"),
        map_distinct(registered["id_number"].fill_null(""), id_number).replace("", None).alias("id_number"),
    )


def _form_member(row: dict) -> dict[str, str]:
    return {
        "given_names": row["given_name"] or "",
        "family_name": row["family_name"] or "",
        "sex": _FORM_SEX.get(str(row["sex"] or "").upper()[:1], ""),
        "birth_date": row["birth_date"] or "",
        "id_number": row["id_number"] or "",
    }


def _through_form(index: LiveIndex, again: pl.DataFrame, marked: pl.DataFrame, queries: int, threshold: float) -> None:
    """One debounced request of the register form: typed members hashed, matched, the household hint."""
    latencies, shown = [], 0
    for row in again.iter_rows(named=True):
        started = time.perf_counter()
        people = [typed_person(_form_member(row), phone=row["phone"] or "", location=row["location"] or "")]
        found = LiveRegistry.find_in([index], people, threshold)
        latencies.append((time.perf_counter() - started) * 1000)
        shown += row["first"] in [match.record_id for match in found.members[0]]
    _report_form("through the form, one member typed", np.array(latencies), shown / len(latencies), among="three")
    households = again.select("household_id").unique().head(queries // 4)["household_id"]
    # A clerk types one member after the other: each request carries the members typed so
    # far, of which only the last is new (the others were looked up by earlier requests).
    latencies, shown, typed = [], 0, 0
    for household in marked.filter(pl.col("household_id").is_in(households.implode())).partition_by("household_id"):
        members = household.to_dicts()
        people = [
            typed_person(_form_member(member), phone=member["phone"] or "", location=member["location"] or "")
            for member in members
        ]
        for count in range(1, len(people) + 1):
            started = time.perf_counter()
            found = LiveRegistry.find_in([index], people[:count], threshold)
            latencies.append((time.perf_counter() - started) * 1000)
        for position, member in enumerate(members):
            if member["record_id"] != member["first"]:  # not a newborn registered for the first time
                typed += 1
                shown += member["first"] in [match.record_id for match in found.members[position]]
    _report_form(
        "through the form, members typed one after the other (one request each)",
        np.array(latencies),
        shown / max(typed, 1),
        among="three",
    )


def _report_form(label: str, values: np.ndarray, shown: float, *, among: str = "five") -> None:
    print(
        f"{label}: {len(values):,} queries, p50 {np.percentile(values, 50):.1f} ms, "
        f"p95 {np.percentile(values, 95):.1f} ms, p99 {np.percentile(values, 99):.1f} ms, max {values.max():.1f} ms; "
        f"true person among the {among} shown: {shown:.3f}"
    )


if __name__ == "__main__":
    main()
