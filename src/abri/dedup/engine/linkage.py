"""The deduplication engine: prepared records in, scored pairs, clusters and household links out.

One run, all in DuckDB (in memory, spilling to a temporary folder past the memory limit, so
a registry larger than memory slows down instead of failing):

1. candidate pairs by blocking (`blocking`), and their comparison levels (`comparisons`);
2. the model estimated on the list itself (`estimation`): u on random pairs, m in training
   sessions, the prior from the candidates;
3. household context: member pairs that are very likely the same person link their two
   households; every member of one is then compared with every member of the other, and
   "how many other members of the two households match" becomes one more comparison, so
   a re-registered household is found even when its head or a child's name changed;
4. the final scores and the evidence of each pair above the threshold; clusters are the
   connected components of those pairs.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl

from abri.dedup.engine import blocking, estimation, model, results
from abri.dedup.engine.clusters import connected_components
from abri.dedup.engine.comparisons import (
    HOUSEHOLD,
    Comparison,
    gamma_sql,
    name_levels_sql,
    name_pairs_sql,
    person_comparisons,
)
from abri.dedup.engine.model import Model
from abri.dedup.engine.prepare import compare_column_name, present_fields

Progress = Callable[[str, int, int], None]


def _silent(stage: str, done: int, total: int) -> None:
    """Progress sink that ignores the progress."""


@dataclass(frozen=True)
class Settings:
    """How a run behaves; the defaults suit a partner list and a national registry alike."""

    threshold: float = 0.5
    context_threshold: float = 0.97  # a member pair this likely links its two households
    plausible_threshold: float = 0.5  # two member pairs this likely link their two households
    possible_threshold: float = 0.1  # three member pairs this likely link their two households
    faint_threshold: float = 0.01  # four members in pairs this likely link their two households
    random_pairs: int = 600_000
    # Candidates this many bits below the threshold once compared are dropped before the
    # household context: other members matching weighs about 20 bits at most, so they could
    # not reach the threshold, and most candidates of a large registry are such pairs.
    prune_margin: float = 30.0
    max_household_size: int = 30
    memory_limit: str = "1000MB"
    threads: int = 0  # 0: DuckDB decides
    work_directory: Path | None = None
    fixed_model: Model | None = None  # score with these parameters instead of estimating
    # Refine m by EM training sessions on the list (see `estimation`). None: when the records
    # are people alone, yes; when they come in households, no: the sessions then pair relatives
    # (one phone, one family name, one place for a whole household) and EM learns "same family"
    # for "same person"; the default model, learnt from registries of households, is kept.
    learn_m: bool | None = None
    labels: pl.DataFrame | None = None  # known matches (rid_a, rid_b): m is counted on them instead


@dataclass
class Result:
    """What a run found: pairs above the threshold with their evidence, clusters, household links."""

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    households: pl.DataFrame
    model: Model
    comparisons: list[Comparison]
    candidate_count: int
    rule_counts: dict[str, int] = field(default_factory=dict)
    kept_count: int = 0  # candidates that could still reach the threshold once compared
    session_matches: dict[str, float] = field(default_factory=dict)


def deduplicate(
    records: pl.DataFrame,
    *,
    compare_columns: list[str] | None = None,
    settings: Settings | None = None,
    progress: Progress = _silent,
) -> Result:
    """Duplicates inside one prepared list (see `abri.dedup.engine.prepare`).

    The engine lets go of the frame once it is in DuckDB: a caller that keeps no reference
    to it (a registry of a million) lets Python free it for the rest of the run.
    """
    box = [records]
    del records
    return _run(
        box, link=False, compare_columns=compare_columns or [], settings=settings or Settings(), progress=progress
    )


def link(
    records_a: pl.DataFrame,
    records_b: pl.DataFrame,
    *,
    compare_columns: list[str] | None = None,
    settings: Settings | None = None,
    progress: Progress = _silent,
) -> Result:
    """The same people across two prepared lists (``records_b`` rids must follow those of ``records_a``)."""
    box = [pl.concat([records_a, records_b], how="vertical_relaxed")]
    return _run(
        box, link=True, compare_columns=compare_columns or [], settings=settings or Settings(), progress=progress
    )


def _connect(folder: str, settings: Settings) -> duckdb.DuckDBPyConnection:
    # In memory, spilling to ``folder`` past the memory limit: a database file would write
    # every intermediate table to disk, and field laptops have slow disks.
    connection = duckdb.connect(":memory:")
    connection.execute(f"SET memory_limit = '{settings.memory_limit}'")
    connection.execute(f"SET temp_directory = '{Path(folder) / 'spill'}'")
    connection.execute("SET preserve_insertion_order = false")
    if settings.threads:
        connection.execute(f"SET threads = {int(settings.threads)}")
    return connection


def _scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> int:
    rows = connection.sql(sql).fetchall()
    return int(rows[0][0]) if rows and rows[0][0] is not None else 0


def _logit2(probability: float) -> float:
    probability = min(max(probability, 1e-9), 1 - 1e-9)
    return math.log2(probability / (1 - probability))


class _Run:
    """State of one run: the DuckDB connection, the comparisons, the model as it is estimated."""

    def __init__(
        self,
        connection: duckdb.DuckDBPyConnection,
        *,
        link: bool,
        comparisons: list[Comparison],
        text_columns: list[str],
        present: set[str],
        settings: Settings,
        progress: Progress,
    ) -> None:
        self.connection = connection
        self.link = link
        self.comparisons = comparisons
        self.text_columns = text_columns
        self.present = present
        self.settings = settings
        self.progress = progress
        self.defaults = model.default_model()
        self.model = settings.fixed_model or Model(
            fields={c.name: model.starting_parameters(c, self.defaults) for c in comparisons},
            prior=1e-5,
        )
        self.totals: dict[str, int] = {}
        self.session_matches: dict[str, float] = {}
        self.record_count = 0

    # -- tables -------------------------------------------------------------------------
    def load(self, records: pl.DataFrame) -> None:
        self.connection.register("records_input", records.to_arrow())
        # The name dictionary: every distinct name once, with its words and phonetic key.
        self.connection.execute(
            """CREATE TABLE names AS
               SELECT row_number() OVER (ORDER BY name)::UINTEGER AS name_id, name, tokens, key FROM (
                   SELECT name, any_value(tokens) AS tokens, any_value(key) AS key FROM (
                       SELECT given AS name, given_tokens AS tokens, given_key AS key
                       FROM records_input WHERE given IS NOT NULL
                       UNION ALL
                       SELECT family, family_tokens, family_key FROM records_input WHERE family IS NOT NULL)
                   GROUP BY name)"""
        )
        self.connection.execute(
            """CREATE TABLE records AS SELECT r.* EXCLUDE (given_tokens, family_tokens),
                   g.name_id AS given_id, f.name_id AS family_id,
                   (count(r.given) OVER (PARTITION BY r.given))::UINTEGER AS given_count,
                   (count(r.family) OVER (PARTITION BY r.family))::UINTEGER AS family_count,
                   (count(r.family) OVER (PARTITION BY r.given, r.family))::UINTEGER AS name_count,
                   (CASE WHEN r.household IS NULL THEN NULL
                         ELSE count(*) OVER (PARTITION BY r.household) END)::USMALLINT AS household_size,
                   CASE WHEN r.household IS NULL THEN NULL
                        ELSE dense_rank() OVER (ORDER BY r.household) END::UINTEGER AS household_number
               FROM records_input r
               LEFT JOIN names g ON g.name = r.given LEFT JOIN names f ON f.name = r.family"""
        )
        self.connection.unregister("records_input")
        self.connection.execute("CREATE TABLE name_levels (k UBIGINT, level TINYINT)")
        self.totals = {
            "given_count": _scalar(self.connection, "SELECT count(given) FROM records"),
            "family_count": _scalar(self.connection, "SELECT count(family) FROM records"),
            "name_count": _scalar(self.connection, "SELECT count(family) FROM records WHERE given IS NOT NULL"),
        }
        self.record_count = _scalar(self.connection, "SELECT count(*) FROM records")

    def total_pairs(self) -> float:
        if self.link:
            size_a = _scalar(self.connection, "SELECT count(*) FROM records WHERE source = 0")
            return float(size_a) * float(self.record_count - size_a)
        return self.record_count * (self.record_count - 1) / 2.0

    def gammas(self, pairs: str) -> str:
        """SQL of the comparison levels of the pairs in table ``pairs`` (their name levels are computed first)."""
        new_keys = f"({name_pairs_sql(pairs=pairs, records='records')} EXCEPT SELECT k FROM name_levels)"  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        self.connection.execute(f"INSERT INTO name_levels {name_levels_sql(keys=new_keys, names='names')}")
        person = [comparison for comparison in self.comparisons if comparison is not HOUSEHOLD]
        sql = gamma_sql(
            pairs=pairs,
            records="records",
            name_levels="name_levels",
            comparisons=person,
            text_columns=self.text_columns,
        )
        return f"""
            SELECT g.*, ra.household_number AS household_a, rb.household_number AS household_b,
                   ra.household_size AS household_size_a, rb.household_size AS household_size_b
            FROM ({sql}) g JOIN records ra ON ra.rid = g.a JOIN records rb ON rb.rid = g.b
        """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608

    def random_pairs(self) -> None:
        """Table random_pairs: every pair of a small list, uniformly drawn pairs of a large one."""
        count = self.settings.random_pairs
        household = "(ra.household IS NULL OR rb.household IS NULL OR ra.household <> rb.household)"
        if self.total_pairs() <= count:
            order = "ra.source = 0 AND rb.source = 1" if self.link else "ra.rid < rb.rid"
            sql = f"SELECT ra.rid AS a, rb.rid AS b FROM records ra, records rb WHERE {order} AND {household}"  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        else:
            if self.link:
                size_a = _scalar(self.connection, "SELECT count(*) FROM records WHERE source = 0")
                size_b = self.record_count - size_a
                draw = f"""SELECT floor(random() * {size_a})::UINTEGER AS a,
                                  ({size_a} + floor(random() * {size_b}))::UINTEGER AS b FROM range({count})"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
            else:
                size = self.record_count
                draw = f"""SELECT least(x, y) AS a, greatest(x, y) AS b FROM (
                             SELECT floor(random() * {size})::UINTEGER AS x,
                                    floor(random() * {size})::UINTEGER AS y FROM range({count})) WHERE x <> y"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
            sql = f"""SELECT DISTINCT p.a, p.b FROM ({draw}) p
                      JOIN records ra ON ra.rid = p.a JOIN records rb ON rb.rid = p.b WHERE {household}"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        self.connection.execute("SELECT setseed(0.4242)")
        self.connection.execute(f"CREATE OR REPLACE TABLE random_pairs AS {sql}")

    def patterns(
        self, table: str, comparisons: list[Comparison]
    ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]:
        columns = ", ".join(comparison.column for comparison in comparisons)
        frame = self.connection.sql(f"SELECT {columns}, count(*) AS n FROM {table} GROUP BY ALL").pl()  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        patterns = frame.select(pl.col(c.column).fill_null(-1).cast(pl.Int8) for c in comparisons).to_numpy()
        return patterns.reshape(len(frame), len(comparisons)).astype(np.int8), frame["n"].cast(pl.Float64).to_numpy()

    # -- estimation ---------------------------------------------------------------------
    def learns_m(self) -> bool:
        if self.settings.learn_m is not None:
            return self.settings.learn_m
        return "household" not in self.present

    def estimate(self, comparisons: list[Comparison], *, prune: bool = False) -> None:
        if self.settings.fixed_model is not None:
            if prune:
                self.prune()
            return
        estimation.estimate_u(self.model, comparisons, self.patterns("random_gammas", comparisons), self.defaults)
        gammas = self.gammas if HOUSEHOLD not in comparisons else self.gammas_with_context
        if HOUSEHOLD in comparisons:
            self.model.fields[HOUSEHOLD.name].u = estimation.household_u(self.connection, link=self.link)
            estimation.estimate_context_u(self.connection, fitted=self.model, comparisons=comparisons)
        self.progress("estimate_u", 1, 1)
        if self.settings.labels is not None:
            estimation.m_from_labels(
                self.connection,
                fitted=self.model,
                comparisons=comparisons,
                gamma_sql=gammas,
                read_patterns=self.patterns,
            )
        elif self.learns_m():
            self.session_matches = estimation.estimate_m(
                self.connection,
                fitted=self.model,
                comparisons=comparisons,
                present=self.present,
                link=self.link,
                gamma_sql=gammas,
                read_patterns=self.patterns,
            )
        self.progress("estimate_m", 1, 1)
        if prune:
            # With the starting prior, above the one the list will show: pruning errs on keeping.
            self.prune()
        self.model.prior = estimation.estimate_prior(
            self.connection,
            table="gammas",
            weight_sql=self.weight_sql(comparisons, with_prior=False),
            total_pairs=self.total_pairs(),
            start=self.model.prior,
        )

    def field_weight_sql(self, comparison: Comparison) -> str:
        context = f"{HOUSEHOLD.column} IN (0, 1, 2)" if HOUSEHOLD in self.comparisons else None
        return model.field_weight_sql(
            self.model.fields[comparison.name], comparison, totals=self.totals, context_sql=context
        )

    def full_name_sql(self, comparisons: list[Comparison]) -> str | None:
        """Correction when both names agree exactly: the full name's frequency, not the product of two.

        Given and family names are not independent (a community's names go together), so
        "Mamadou Traoré" is commoner than Mamadou's share times Traoré's; the two term
        frequency adjustments are replaced by the full name's.
        """
        names = {c.name: c for c in comparisons}
        if not {"given_name", "family_name"} <= set(names) or "name_count" not in self.totals:
            return None
        given, family = self.model.fields["given_name"], self.model.fields["family_name"]
        context = f"{HOUSEHOLD.column} IN (0, 1, 2)" if HOUSEHOLD in self.comparisons else "FALSE"
        return model.full_name_adjustment_sql(
            given, family, totals=self.totals, both_exact="g_given_name = 0 AND g_family_name = 0", context=context
        )

    def weight_sql(self, comparisons: list[Comparison], *, with_prior: bool = True) -> str:
        terms = [self.field_weight_sql(c) for c in comparisons]
        joint = self.full_name_sql(comparisons)
        if joint:
            terms.append(joint)
        if with_prior:
            terms.insert(0, f"{model.prior_weight(self.model.prior)!r}::DOUBLE")
        return " + ".join(terms) if terms else "0.0"

    def prune(self) -> None:
        """Keep the compared pairs that could still reach the threshold (see `Settings.prune_margin`)."""
        floor = _logit2(self.settings.threshold) - self.settings.prune_margin
        weight = self.weight_sql(self.comparisons)
        self.connection.execute(f"CREATE TABLE gammas_kept AS SELECT * FROM gammas WHERE {weight} >= {floor!r}")  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        self.connection.execute("DROP TABLE gammas")
        self.connection.execute("ALTER TABLE gammas_kept RENAME TO gammas")

    # -- household context --------------------------------------------------------------
    def context_sql(self, source: str) -> str:
        """``source`` (a table name or a query) with the household comparison added (needs household_links, strong)."""
        table = source if source.isidentifier() else f"({source})"
        return f"""
            SELECT g.* EXCLUDE (other_members_matched),
                   ({HOUSEHOLD.gamma_sql()})::TINYINT AS {HOUSEHOLD.column} FROM (
                SELECT g.*, coalesce(l.matched, 0) - (CASE WHEN s.a IS NULL THEN 0 ELSE 1 END) AS other_members_matched
                FROM {table} g
                LEFT JOIN household_links l
                  ON l.low = least(g.household_a, g.household_b) AND l.high = greatest(g.household_a, g.household_b)
                LEFT JOIN strong s ON s.a = g.a AND s.b = g.b) g
        """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608

    def gammas_with_context(self, pairs: str) -> str:
        return self.context_sql(self.gammas(pairs))

    def household_context(self) -> None:
        """Link households through very likely member pairs, compare all their members, add the comparison."""
        # A member pair links two households when it is very likely on its own, or when it
        # is plausible and another plausible pair joins the same two households: a family
        # re-registered elsewhere with common names has no single decisive pair, but several
        # members who each look alike; with the commonest names, four members who each look
        # alike are enough even when none of them is likely on their own.
        weight = self.weight_sql(self.comparisons)
        self.connection.execute(
            f"""CREATE OR REPLACE TABLE strong AS
                SELECT a, b, household_a, household_b FROM (
                    SELECT a, b, household_a, household_b, w,
                           count(*) FILTER (WHERE w >= {_logit2(self.settings.plausible_threshold)!r})
                               OVER (PARTITION BY household_a, household_b) AS plausible,
                           count(*) FILTER (WHERE w >= {_logit2(self.settings.possible_threshold)!r})
                               OVER (PARTITION BY household_a, household_b) AS possible,
                           least(count(DISTINCT a) OVER (PARTITION BY household_a, household_b),
                                 count(DISTINCT b) OVER (PARTITION BY household_a, household_b)) AS faint
                    FROM (SELECT a, b, household_a, household_b, {weight} AS w FROM gammas
                          WHERE household_a IS NOT NULL AND household_b IS NOT NULL)
                    WHERE w >= {_logit2(self.settings.faint_threshold)!r})
                WHERE w >= {_logit2(self.settings.context_threshold)!r}
                   OR (plausible >= 2 AND w >= {_logit2(self.settings.plausible_threshold)!r})
                   OR (possible >= 3 AND w >= {_logit2(self.settings.possible_threshold)!r})
                   OR faint >= 4"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        )
        self.connection.execute(
            """CREATE OR REPLACE TABLE household_links AS
               SELECT least(household_a, household_b) AS low, greatest(household_a, household_b) AS high,
                      least(count(DISTINCT a), count(DISTINCT b))::INTEGER AS matched
               FROM strong GROUP BY ALL"""
        )
        size = self.settings.max_household_size
        # Linking, households only link across the two lists: least/greatest keeps list A on the left.
        self.connection.execute(
            f"""CREATE OR REPLACE TABLE household_pairs AS
                SELECT least(ma.rid, mb.rid) AS a, greatest(ma.rid, mb.rid) AS b
                FROM household_links l
                JOIN records ma ON ma.household_number = l.low
                JOIN records mb ON mb.household_number = l.high
                WHERE ma.household_size <= {size} AND mb.household_size <= {size}
                EXCEPT SELECT a, b FROM gammas"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        )
        self.connection.execute(f"INSERT INTO gammas {self.gammas('household_pairs')}")
        self.progress("household_context", 1, 1)
        for table in ("gammas", "random_gammas"):
            self.connection.execute(f"CREATE OR REPLACE TABLE {table}_context AS {self.context_sql(table)}")
            self.connection.execute(f"DROP TABLE {table}")
            self.connection.execute(f"ALTER TABLE {table}_context RENAME TO {table}")
        if HOUSEHOLD.name not in self.model.fields:
            self.model.fields[HOUSEHOLD.name] = model.starting_parameters(HOUSEHOLD, self.defaults)
        self.comparisons = [*self.comparisons, HOUSEHOLD]
        self.estimate(self.comparisons)

    # -- results ------------------------------------------------------------------------
    def scored_pairs(self) -> pl.DataFrame:
        field_weights = ", ".join(f"{self.field_weight_sql(c)} AS {c.name}_weight" for c in self.comparisons)
        levels = ", ".join(c.column for c in self.comparisons)
        weight = self.weight_sql(self.comparisons)
        # One person is at most one member of another household: within two households, a
        # pair stands only if each side is the other's best match there (brothers with
        # close names and ages would otherwise all pair up across two registrations).
        return self.connection.sql(
            f"""SELECT g.a AS rid_a, g.b AS rid_b, ra.record_id AS id_a, rb.record_id AS id_b,
                       ra.household AS household_a, rb.household AS household_b,
                       g.match_weight, {model.probability_sql("g.match_weight")} AS match_probability,
                       g.* EXCLUDE (a, b, match_weight, household_a, household_b)
                FROM (SELECT a, b, household_a, household_b, {weight} AS match_weight, {levels}, {field_weights}
                      FROM gammas WHERE {weight} >= {_logit2(self.settings.threshold)!r}
                      QUALIFY household_a IS NULL OR household_b IS NULL OR (
                          rank() OVER (PARTITION BY a, household_b ORDER BY match_weight DESC) = 1
                          AND rank() OVER (PARTITION BY b, household_a ORDER BY match_weight DESC) = 1)) g
                JOIN records ra ON ra.rid = g.a JOIN records rb ON rb.rid = g.b
                ORDER BY match_probability DESC, id_a, id_b"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        ).pl()


def _nothing_to_pair(records: pl.DataFrame, comparisons: list[Comparison]) -> Result:
    columns = {"rid_a": pl.UInt32, "rid_b": pl.UInt32, "id_a": pl.String, "id_b": pl.String}
    columns |= {"match_probability": pl.Float64, "match_weight": pl.Float64}
    for comparison in comparisons:
        columns |= {comparison.name: pl.String, f"{comparison.name}_weight": pl.Float64}
    pairs = pl.DataFrame(schema={**columns, "evidence": pl.String})
    return Result(
        pairs=pairs,
        clusters=connected_components(records.select("rid", "record_id", "source"), pairs),
        households=pl.DataFrame(schema=results.HOUSEHOLD_LINK_SCHEMA),
        model=Model(),
        comparisons=comparisons,
        candidate_count=0,
    )


def _run(
    box: list[pl.DataFrame],
    *,
    link: bool,
    compare_columns: list[str],
    settings: Settings,
    progress: Progress,
) -> Result:
    records = box.pop()
    present = present_fields(records)
    text_columns = [compare_column_name(index) for index in range(len(compare_columns))]
    comparisons = person_comparisons(present, compare_columns)
    if len(records) < 2 or not comparisons:
        # Nothing to pair: every record is a cluster of its own.
        return _nothing_to_pair(records, comparisons)
    # What the end of the run needs; the rest lives in DuckDB once loaded.
    slim = records.select("rid", "record_id", "source", "household")
    with tempfile.TemporaryDirectory(prefix="abri-dedup-", dir=settings.work_directory) as folder:
        connection = _connect(folder, settings)
        try:
            run = _Run(
                connection,
                link=link,
                comparisons=comparisons,
                text_columns=text_columns,
                present=present,
                settings=settings,
                progress=progress,
            )
            run.load(records)
            del records
            if settings.labels is not None:
                connection.register("labels_input", settings.labels.select("rid_a", "rid_b").to_arrow())
                connection.execute(
                    """CREATE TABLE labels AS SELECT DISTINCT least(rid_a, rid_b)::UINTEGER AS a,
                       greatest(rid_a, rid_b)::UINTEGER AS b FROM labels_input"""
                )
            progress("load", run.record_count, run.record_count)
            rule_counts = blocking.build_candidate_pairs(
                connection,
                records="records",
                target="pairs",
                link=link,
                rules=blocking.rules_for(text_columns),
                households="household" in present,
            )
            candidate_count = _scalar(connection, "SELECT count(*) FROM pairs")
            progress("blocking", candidate_count, candidate_count)
            connection.execute(f"CREATE TABLE gammas AS {run.gammas('pairs')}")
            connection.execute("DROP TABLE pairs")
            progress("comparison", candidate_count, candidate_count)
            run.random_pairs()
            connection.execute(f"CREATE TABLE random_gammas AS {run.gammas('random_pairs')}")
            run.estimate(comparisons, prune=True)
            kept_count = _scalar(connection, "SELECT count(*) FROM gammas")
            fixed = settings.fixed_model
            if "household" in present and (fixed is None or HOUSEHOLD.name in fixed.fields):
                run.household_context()
            scored = run.scored_pairs()
            progress("scoring", len(scored), len(scored))
        finally:
            connection.close()
    pairs = results.evidence(scored, run.comparisons)
    households = results.household_links(pairs, slim)
    clusters = connected_components(slim, pairs)
    return Result(
        pairs=pairs.drop("household_a", "household_b"),
        clusters=clusters,
        households=households,
        model=run.model,
        comparisons=run.comparisons,
        candidate_count=candidate_count,
        rule_counts=rule_counts,
        kept_count=kept_count,
        session_matches=run.session_matches,
    )
