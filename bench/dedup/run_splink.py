"""Run Splink (DuckDB backend) on one registry file and write the pairs it finds.

    python bench/dedup/run_splink.py REGISTRY.parquet PAIRS.parquet [--threshold 0.5]

The settings follow Splink's documented practice for person data: the columns cleaned the
generic way its guide recommends (lower case, accents and punctuation removed, ISO dates,
phone digits), `ForenameSurnameComparison` (swapped names, Jaro-Winkler, term frequencies
on the full name), `DateOfBirthComparison`, Damerau-Levenshtein on phone and identity
number, a hierarchical place comparison (commune, cercle, region), blocking rules checked to
keep the number of comparisons manageable, u by random sampling, the prior from
deterministic rules, m by expectation maximisation on two blocking rules. Splink gets the
same columns as Abri but not Abri's Sahelian name normalisation nor household context:
that is what the benchmark measures.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def _clean(column: str) -> pl.Expr:
    text = (
        pl.col(column)
        .cast(pl.String)
        .str.normalize("NFKD")
        .str.replace_all(r"\p{M}", "")
        .str.to_lowercase()
        .str.replace_all(r"[^a-z0-9]+", " ")
        .str.strip_chars()
    )
    return pl.when(text.str.len_chars() > 0).then(text)


def _iso_date(column: str) -> pl.Expr:
    text = pl.col(column).cast(pl.String).str.strip_chars()
    parsed = pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%d/%m/%Y", strict=False),
        pl.date(text.str.extract(r"^((?:19|20)\d\d)$", 1).cast(pl.Int32, strict=False), 1, 1),
    )
    return parsed.dt.strftime("%Y-%m-%d")


def cleaned(frame: pl.DataFrame) -> pl.DataFrame:
    """The registry as Splink's guide says to prepare it."""
    sex = _clean("sex")
    phone = pl.col("phone").cast(pl.String).str.replace_all(r"[^0-9]", "").str.replace(r"^(00)?223(\d{8})$", "$2")
    return frame.select(
        pl.col("record_id").alias("unique_id"),
        _clean("given_name").alias("first_name"),
        _clean("family_name").alias("surname"),
        pl.when(sex.is_in(["f", "femme"]))
        .then(pl.lit("f"))
        .when(sex.is_in(["m", "h", "homme"]))
        .then(pl.lit("m"))
        .alias("sex"),
        # Most lists write "born in 1980" as 1 January 1980: Splink's exploratory step shows the
        # spike, and its guide says to null out such placeholders; the year is kept apart.
        pl.when(~_iso_date("birth_date").str.ends_with("-01-01")).then(_iso_date("birth_date")).alias("dob"),
        _iso_date("birth_date").str.slice(0, 4).cast(pl.Int32, strict=False).alias("birth_year"),
        pl.when(phone.str.len_chars() >= 6).then(phone).alias("phone"),
        _clean("id_number").str.replace_all(" ", "").alias("id_number"),
        pl.col("location").alias("commune"),
        pl.col("location").str.slice(0, 6).alias("cercle"),
        pl.col("location").str.slice(0, 4).alias("region"),
    ).with_columns(
        pl.concat_str([pl.col("first_name"), pl.col("surname")], separator=" ").alias("first_name_surname_concat")
    )


def settings() -> SettingsCreator:
    """Splink's documented person-linkage settings, adapted to these columns."""
    place = cl.CustomComparison(
        output_column_name="place",
        comparison_levels=[
            cll.NullLevel("commune"),
            cll.ExactMatchLevel("commune"),
            cll.ExactMatchLevel("cercle"),
            cll.ExactMatchLevel("region"),
            cll.ElseLevel(),
        ],
    )
    year = cl.CustomComparison(
        output_column_name="birth_year",
        comparison_levels=[
            cll.NullLevel("birth_year"),
            cll.ExactMatchLevel("birth_year"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 1", "one year apart"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 3", "up to three years apart"),
            cll.ElseLevel(),
        ],
    )
    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.ForenameSurnameComparison(
                "first_name", "surname", forename_surname_concat_col_name="first_name_surname_concat"
            ),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            year,
            cl.ExactMatch("sex"),
            cl.DamerauLevenshteinAtThresholds("phone", [1]),
            cl.DamerauLevenshteinAtThresholds("id_number", [1]),
            place,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "surname", "birth_year"),
            block_on("first_name", "surname", "cercle"),
            "l.first_name = r.surname AND l.surname = r.first_name",
            block_on("surname", "dob"),
            block_on("first_name", "dob"),
            block_on("substr(first_name, 1, 2)", "substr(surname, 1, 2)", "birth_year"),
            block_on("phone"),
            block_on("id_number"),
        ],
        retain_intermediate_calculation_columns=False,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("registry", type=Path)
    parser.add_argument("pairs", type=Path)
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--max-pairs-u", type=float, default=1e7)
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB memory limit (default 6GB; Abri runs in 1GB)")
    arguments = parser.parse_args()
    started = time.perf_counter()
    stages: dict[str, float] = {}
    frame = cleaned(pl.read_parquet(arguments.registry))
    connection = duckdb.connect()
    # Without a limit DuckDB takes 80 % of the machine's memory; the spill folder is the
    # system's temporary folder, not the working directory.
    connection.execute(f"SET memory_limit = '{arguments.memory_limit}'")
    connection.execute(f"SET temp_directory = '{tempfile.mkdtemp(prefix='splink-')}'")
    db_api = DuckDBAPI(connection)
    table = db_api.register(frame.to_arrow(), table_name="registry")
    linker = Linker(table, settings(), log_level=logging.WARNING)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "surname", "birth_year", "sex"), block_on("id_number")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=arguments.max_pairs_u, seed=1)
    stages["estimate_u"] = round(time.perf_counter() - started, 1)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("first_name", "surname"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("dob"))
    stages["estimate_m"] = round(time.perf_counter() - started, 1)
    predictions = linker.inference.predict(threshold_match_probability=arguments.threshold)
    pairs = pl.from_arrow(
        predictions.as_duckdbpyrelation().select("unique_id_l", "unique_id_r", "match_probability").arrow()
    )
    assert isinstance(pairs, pl.DataFrame)
    pairs.rename({"unique_id_l": "id_a", "unique_id_r": "id_b"}).write_parquet(arguments.pairs)
    stages["predict"] = round(time.perf_counter() - started, 1)
    print(json.dumps({"stages": stages}))


if __name__ == "__main__":
    main()
