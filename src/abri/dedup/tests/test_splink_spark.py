"""Abri's person model on Splink's Spark backend: the path for registries beyond one machine, at small size.

A local Spark (one core, no UI) reads the prepared records from Parquet, as a cluster would
read them from shared storage, and Splink scores them with the exported model.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pyspark.sql import SparkSession
from splink import Linker, SparkAPI
from splink.internals.spark.jar_location import similarity_jar_location

from abri.dedup.engine import linkage, splink_export
from abri.dedup.engine.prepare import FieldMap, prepare
from abri.dedup.tests.conftest import EXPECTED_PAIRS, MAP


def _java_major() -> int:
    """The major version of the `java` on the PATH (0 when there is none)."""
    java = shutil.which("java")
    if java is None:
        return 0
    banner = subprocess.run([java, "-version"], capture_output=True, text=True, check=False).stderr  # noqa: S603 -- the java found on PATH, with a fixed argument
    found = re.search(r'version "(\d+)', banner)
    return int(found.group(1)) if found else 0


pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        _java_major() < 17,
        reason="Spark 4 needs a Java runtime 17 or later (Debian: openjdk-17-jre-headless)",
    ),
]


@pytest.fixture(scope="module")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    scratch = tmp_path_factory.mktemp("spark")
    session = (
        SparkSession.builder.master("local[1]")
        .appName("abri-splink-test")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.warehouse.dir", str(scratch / "warehouse"))  # not in the working folder
        .config("spark.jars", similarity_jar_location())  # Splink's string similarity functions
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    session.sparkContext.setCheckpointDir(str(scratch / "checkpoints"))
    yield session
    session.stop()


def test_the_exported_model_finds_the_same_people_on_spark(
    spark: Any, registrations: pl.DataFrame, tmp_path: Path
) -> None:
    records = prepare(registrations, FieldMap(fields=MAP, id_column="id"), as_of_year=2024)
    result = linkage.deduplicate(records)
    person = [comparison for comparison in result.comparisons if comparison.name != "household"]
    # Spark has no unsigned integers; a cluster reads the prepared records from Parquet.
    records.drop("household").with_columns(pl.col("rid").cast(pl.Int64), pl.col("source").cast(pl.Int32)).write_parquet(
        tmp_path / "records.parquet"
    )
    frame = spark.read.parquet(str(tmp_path / "records.parquet"))
    linker = Linker(
        SparkAPI(spark_session=spark, num_partitions_on_repartition=1, break_lineage_method="persist").register(frame),
        splink_export.settings(result.model, person),
        log_level=logging.WARNING,
    )
    linker.table_management.compute_tf_table("given")
    linker.table_management.compute_tf_table("family")
    predictions = linker.inference.predict(0.5).as_spark_dataframe().select("rid_l", "rid_r").collect()
    ids = dict(zip(records["rid"].to_list(), records["record_id"].to_list(), strict=True))
    found = {(ids[row["rid_l"]], ids[row["rid_r"]]) for row in predictions}
    # The same pairs as Splink on DuckDB (test_splink_export): the crossed names of A1/D2
    # need Abri's household stage, which runs as SQL over these predictions.
    assert found == EXPECTED_PAIRS - {("A1", "D2")}
