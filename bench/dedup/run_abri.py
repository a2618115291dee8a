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

import polars as pl  # noqa: E402

from abri.dedup import engine  # noqa: E402
from abri.dedup.prepare import FieldMap, prepare  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("registry", type=Path)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--memory-limit", default="1000MB")
    arguments = parser.parse_args()
    started = time.perf_counter()
    stages: dict[str, float] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage != "em":
            stages[stage] = round(time.perf_counter() - started, 1)
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{stages[stage]:>7.1f}s {stage} ({done:,}) peak {peak:.0f} MB", file=sys.stderr, flush=True)

    # No reference to the prepared records is kept here: once in DuckDB, Python may free them.
    result = engine.deduplicate(
        prepare(
            pl.read_parquet(arguments.registry).drop("person_id", "relationship", "birth_exact", strict=False),
            FieldMap(fields=common.FIELDS, id_column=common.ID_COLUMN),
            as_of_year=datetime.datetime.now(tz=datetime.UTC).year,
        ),
        settings=engine.Settings(threshold=arguments.threshold, memory_limit=arguments.memory_limit),
        progress=progress,
    )
    result.pairs.select("id_a", "id_b", "match_probability").write_parquet(arguments.pairs)
    figures = {"candidates": result.candidate_count, "kept": result.kept_count, "rules": result.rule_counts}
    print(json.dumps({**figures, "stages": stages}))


if __name__ == "__main__":
    main()
