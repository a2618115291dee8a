"""Run Abri's engine on one registry file and write the pairs it finds (one process, measured from outside).

python bench/dedup/run_abri.py REGISTRY.parquet PAIRS.parquet [--threshold 0.5]
"""

from __future__ import annotations

import argparse
import datetime
import json
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import django

django.setup()

import duckdb
import polars as pl

from abri.dedup.engine import linkage
from abri.dedup.engine.prepare import FieldMap, prepare


def _report_slow(sql: str, started: float) -> None:
    elapsed = time.perf_counter() - started
    if elapsed > 1:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"      {elapsed:6.1f}s peak {peak:5.0f} MB  {' '.join(sql.split())[:100]}", file=sys.stderr, flush=True)


class _TimedRelation:
    def __init__(self, relation: duckdb.DuckDBPyRelation, sql: str) -> None:
        self._relation, self._sql = relation, sql

    def __getattr__(self, name: str) -> object:
        method = getattr(self._relation, name)

        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            result = method(*args, **kwargs)
            _report_slow(self._sql, started)
            return result

        return timed


class _Timed:
    """A DuckDB connection that prints its slow statements (their first words) to stderr."""

    def __init__(self, connection: duckdb.DuckDBPyConnection) -> None:
        self._connection = connection

    def __getattr__(self, name: str) -> object:
        return getattr(self._connection, name)

    def execute(self, sql: str, *args: object) -> object:
        started = time.perf_counter()
        result = self._connection.execute(sql, *args)
        _report_slow(sql, started)
        return result

    def sql(self, sql: str) -> _TimedRelation:
        return _TimedRelation(self._connection.sql(sql), sql)


def _profile_statements() -> None:
    connect = linkage._connect

    def timed(folder: str, settings: linkage.Settings) -> duckdb.DuckDBPyConnection:
        return _Timed(connect(folder, settings))  # type: ignore[return-value]  # the wrapper answers every call the engine makes

    linkage._connect = timed  # type: ignore[assignment]  # profiling swaps the engine's connection factory


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("registry", type=Path)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--memory-limit", default="1000MB")
    parser.add_argument("--profile", action="store_true", help="print every DuckDB statement taking over a second")
    arguments = parser.parse_args()
    if arguments.profile:
        _profile_statements()
    started = time.perf_counter()
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage != "em":
            stages[stage] = round(time.perf_counter() - started, 1)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{stages[stage]:>7.1f}s {stage} ({done:,}) peak {peak:.0f} MB", file=sys.stderr, flush=True)

    # No reference to the prepared records is kept here: once in DuckDB, Python may free them.
    result = linkage.deduplicate(
        prepare(
            pl.read_parquet(arguments.registry).drop("person_id", "relationship", "birth_exact", strict=False),
            FieldMap(fields=common.FIELDS, id_column=common.ID_COLUMN),
            as_of_year=datetime.datetime.now(tz=datetime.UTC).year,
        ),
        settings=linkage.Settings(threshold=arguments.threshold, memory_limit=arguments.memory_limit),
        progress=progress,
    )
    result.pairs.select("id_a", "id_b", "match_probability").write_parquet(arguments.pairs)
    figures = {"candidates": result.candidate_count, "kept": result.kept_count, "rules": result.rule_counts}
    print(json.dumps({**figures, "stages": stages}))


if __name__ == "__main__":
    main()
