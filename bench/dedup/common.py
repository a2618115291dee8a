"""Shared pieces of the deduplication benchmark: data files, the column map, pair metrics."""

from __future__ import annotations

import os
from pathlib import Path

import polars as pl

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "abri.config.settings_test")

# The columns of a synthetic registry, as `abri dedupe-file --map` would name them.
FIELDS = {
    "given_name": "given_name",
    "family_name": "family_name",
    "sex": "sex",
    "birth_date": "birth_date",
    "phone": "phone",
    "id_number": "id_number",
    "location": "location",
    "household_id": "household_id",
}
ID_COLUMN = "record_id"


def registry_path(folder: Path, size: int, seed: int) -> Path:
    """Where the registry of ``size`` records drawn with ``seed`` is kept."""
    return folder / f"registry-{size}-seed{seed}.parquet"


def ordered_pairs(pairs: pl.DataFrame) -> pl.DataFrame:
    """Pairs as (id_a, id_b) with id_a < id_b, without repeats."""
    return pairs.select(
        pl.min_horizontal("id_a", "id_b").alias("id_a"), pl.max_horizontal("id_a", "id_b").alias("id_b")
    ).unique()


def pair_metrics(predicted: pl.DataFrame, truth: pl.DataFrame) -> dict[str, float]:
    """Precision, recall and F1 of predicted pairs against the true pairs."""
    found = ordered_pairs(predicted)
    true = ordered_pairs(truth)
    hits = found.join(true, on=["id_a", "id_b"]).height
    precision = hits / found.height if found.height else 0.0
    recall = hits / true.height if true.height else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": found.height, "true_pairs": true.height, "precision": precision, "recall": recall, "f1": f1}
