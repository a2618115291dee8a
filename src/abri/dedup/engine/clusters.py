"""Clusters: the records linked, directly or through others, by pairs above the threshold."""

from __future__ import annotations

import numpy as np
import polars as pl


def component_roots(size: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """For each of ``size`` nodes, the smallest node of its connected component.

    Vectorised label propagation with pointer jumping: each round pulls every edge's two
    labels to their minimum, then shortcuts label chains; a few rounds suffice even for a
    million records.
    """
    labels = np.arange(size, dtype=np.int64)
    if len(left) == 0:
        return labels
    left = left.astype(np.int64)
    right = right.astype(np.int64)
    while True:
        lowest = np.minimum(labels[left], labels[right])
        before = labels.copy()
        np.minimum.at(labels, left, lowest)
        np.minimum.at(labels, right, lowest)
        while True:
            jumped = labels[labels]
            if np.array_equal(jumped, labels):
                break
            labels = jumped
        if np.array_equal(before, labels):
            return labels


def connected_components(records: pl.DataFrame, pairs: pl.DataFrame) -> pl.DataFrame:
    """One row per record: record_id, source, cluster number (1 = first) and cluster size.

    ``records`` has rid, record_id, source; ``pairs`` has rid_a, rid_b. A record with no
    pair is a cluster of its own.
    """
    index = records.select(pl.col("rid"), pl.int_range(pl.len(), dtype=pl.Int64).alias("index"))
    edges = (
        pairs.select("rid_a", "rid_b")
        .join(index.rename({"rid": "rid_a", "index": "left"}), on="rid_a")
        .join(index.rename({"rid": "rid_b", "index": "right"}), on="rid_b")
    )
    left = edges["left"].to_numpy()
    right = edges["right"].to_numpy()
    roots = component_roots(len(records), left, right)
    return (
        records.select("record_id", "source")
        .with_columns(pl.Series("root", roots))
        .with_columns(
            pl.col("root").rank("dense").cast(pl.UInt32).alias("cluster"),
            pl.len().over("root").cast(pl.UInt32).alias("cluster_size"),
        )
        .drop("root")
    )
