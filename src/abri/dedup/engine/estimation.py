"""Estimating the model on the list itself, without any labelled pair.

- u: counted on random pairs (on every pair when the list is small), blended with the
  default model's u by a few pseudo-pairs so that a list of ten records is not taken at
  its word.
- m: expectation maximisation in "training sessions", as Splink does: pairs sharing a key
  (both names; the phone; the identity number; the date of birth and the cercle) are
  compared on every *other* field, where a non-match agrees only by chance, so u stays
  fixed and EM only has to find m. A field's m is the average of the sessions that could
  see it, weighted by the matches each found; a field no session could see keeps its
  default. (EM on the candidate pairs themselves fails: candidates agree on names by
  construction, and EM then finds "same name" rather than "same person".)
- the prior: the probability that two random records are the same person, found by EM
  of the prior alone over all pairs, the weights being fixed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import duckdb
import numpy as np
import numpy.typing as npt
import polars as pl

from abri.dedup.engine import model
from abri.dedup.engine.blocking import NAME_HIGH, NAME_LOW, Rule, candidate_pairs_sql
from abri.dedup.engine.comparisons import Comparison
from abri.dedup.engine.model import Model

# Pseudo-pairs behind the default u, pseudo-matches behind the default m.
U_PSEUDO_COUNT = 200.0
M_PSEUDO_COUNT = 20.0
# Training pairs per session: enough for EM, bounded for a national registry.
SESSION_PAIRS = 300_000
MIN_SESSION_MATCHES = 5.0


@dataclass(frozen=True)
class Session:
    """Pairs sharing the rule's key train m of every comparison except those the key fixes."""

    rule: Rule
    excludes: frozenset[str]
    requires: frozenset[str]


SESSIONS: tuple[Session, ...] = (
    Session(
        Rule("train_names", (NAME_LOW, NAME_HIGH), 30),
        excludes=frozenset({"given_name", "family_name", "sex"}),  # names say the sex
        requires=frozenset({"given_key"}),
    ),
    Session(Rule("train_phone", ("phone",), 12), excludes=frozenset({"phone"}), requires=frozenset({"phone"})),
    Session(
        Rule("train_id_number", ("id_number",), 6), excludes=frozenset({"id_number"}), requires=frozenset({"id_number"})
    ),
    Session(
        Rule("train_birth_cercle", ("birth_date", "loc2"), 40),
        excludes=frozenset({"birth", "location"}),
        requires=frozenset({"birth_date", "loc2"}),
    ),
)

Patterns = tuple[npt.NDArray[np.int8], npt.NDArray[np.float64]]
PatternReader = Callable[[str, list[Comparison]], Patterns]
GammaSql = Callable[[str], str]


def estimate_u(fitted: Model, comparisons: list[Comparison], patterns: Patterns, defaults: Model) -> None:
    """Set u of each comparison from random pairs, leaning on the default u when they are few."""
    levels = [len(comparison.levels) for comparison in comparisons]
    random_patterns, random_counts = patterns
    for column, (comparison, size) in enumerate(zip(comparisons, levels, strict=True)):
        observed = random_patterns[:, column]
        tallies = np.array([random_counts[observed == level].sum() for level in range(size)], dtype=np.float64)
        reference = np.asarray(model.starting_parameters(comparison, defaults).u, dtype=np.float64)
        blended = tallies + U_PSEUDO_COUNT * reference / reference.sum()
        fitted.fields[comparison.name].u = list(map(float, blended / blended.sum()))


def estimate_m(
    connection: duckdb.DuckDBPyConnection,
    *,
    fitted: Model,
    comparisons: list[Comparison],
    present: set[str],
    link: bool,
    gamma_sql: GammaSql,
    read_patterns: PatternReader,
    sessions: tuple[Session, ...] = SESSIONS,
) -> dict[str, float]:
    """Train m in every session the data allows; return the matches each session found."""
    sums: dict[str, npt.NDArray[np.float64]] = {}
    weights: dict[str, float] = {}
    found: dict[str, float] = {}
    for session in sessions:
        if not session.requires <= present:
            continue
        trained = [c for c in comparisons if c.name not in session.excludes]
        if not trained:
            continue
        table = f"session_{session.rule.name}"
        connection.execute(
            f"""CREATE OR REPLACE TABLE {table}_pairs AS
                SELECT * FROM ({candidate_pairs_sql(session.rule, records="records", link=link)})
                USING SAMPLE reservoir({SESSION_PAIRS} ROWS) REPEATABLE (7)"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        )
        connection.execute(f"CREATE OR REPLACE TABLE {table} AS {gamma_sql(f'{table}_pairs')}")
        patterns, counts = read_patterns(table, trained)
        connection.execute(f"DROP TABLE {table}_pairs")
        connection.execute(f"DROP TABLE {table}")
        if counts.sum() == 0:
            continue
        result = model.expectation_maximisation(
            patterns,
            counts,
            m=[fitted.fields[c.name].m for c in trained],
            u=[fitted.fields[c.name].u for c in trained],
            prior=0.3,
            m_pseudo_count=M_PSEUDO_COUNT,
        )
        matches = result.prior * float(counts.sum())
        found[session.rule.name] = matches
        if matches < MIN_SESSION_MATCHES:
            continue
        for comparison, m in zip(trained, result.m, strict=True):
            sums[comparison.name] = sums.get(comparison.name, 0) + matches * np.asarray(m)
            weights[comparison.name] = weights.get(comparison.name, 0.0) + matches
    for comparison in comparisons:
        if weights.get(comparison.name):
            fitted.fields[comparison.name].m = list(map(float, sums[comparison.name] / weights[comparison.name]))
    return found


def estimate_prior(
    connection: duckdb.DuckDBPyConnection, *, table: str, weight_sql: str, total_pairs: float, start: float
) -> float:
    """The random-match probability from the weights of the candidate pairs (see module docstring)."""
    histogram = connection.sql(f"SELECT round({weight_sql}, 2) AS w, count(*) AS n FROM {table} GROUP BY 1").pl()  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    if histogram.is_empty():
        return start
    return model.random_match_probability(
        histogram["w"].cast(pl.Float64).to_numpy(),
        histogram["n"].cast(pl.Float64).to_numpy(),
        total_pairs=total_pairs,
        start=start,
    )


def m_from_labels(
    connection: duckdb.DuckDBPyConnection,
    *,
    fitted: Model,
    comparisons: list[Comparison],
    gamma_sql: GammaSql,
    read_patterns: PatternReader,
) -> None:
    """Set m from known matches (table ``labels`` of rid pairs a < b): how often each level occurs among them."""
    connection.execute(f"CREATE OR REPLACE TABLE label_gammas AS {gamma_sql('labels')}")
    patterns, counts = read_patterns("label_gammas", comparisons)
    connection.execute("DROP TABLE label_gammas")
    for column, comparison in enumerate(comparisons):
        size = len(comparison.levels)
        observed = patterns[:, column]
        tallies = np.array([counts[observed == level].sum() for level in range(size)], dtype=np.float64) + 0.5
        fitted.fields[comparison.name].m = list(map(float, tallies / tallies.sum()))


def household_u(connection: duckdb.DuckDBPyConnection, *, link: bool) -> list[float]:
    """u of the household comparison, counted exactly rather than sampled.

    Two random records almost never sit in linked households, so random pairs would put
    u at nearly zero and make "other members match" overwhelming; but every cross pair of
    two linked households has that level, and most of them are different people (a father
    and his son). Counting those pairs over all pairs gives the true u.
    """
    rows = connection.sql(
        f"""WITH eligible AS (
                SELECT source, count(*)::DOUBLE AS members FROM records WHERE household_size >= 2 GROUP BY source),
             sizes AS (SELECT DISTINCT household_number, household_size FROM records WHERE household_size >= 2),
             linked AS (
                SELECT l.matched, least(sl.household_size, sh.household_size) AS smaller,
                       (sl.household_size * sh.household_size)::DOUBLE AS pairs
                FROM household_links l
                JOIN sizes sl ON sl.household_number = l.low JOIN sizes sh ON sh.household_number = l.high)
            SELECT
              (SELECT coalesce(sum(pairs), 0) FROM linked WHERE matched >= 2),
              (SELECT coalesce(sum(pairs), 0) FROM linked WHERE matched = 1 AND smaller <= 3),
              (SELECT coalesce(sum(pairs), 0) FROM linked WHERE matched = 1 AND smaller > 3),
              {
            "(SELECT coalesce(max(members) FILTER (WHERE source = 0), 0)"
            " * coalesce(max(members) FILTER (WHERE source = 1), 0) FROM eligible)"
            if link
            else "(SELECT sum(members) * (sum(members) - 1) / 2 FROM eligible)"
        }
        """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    ).fetchall()
    several, one_small, one_large, eligible = (float(value or 0) for value in rows[0])
    linked = several + one_small + one_large
    eligible = max(eligible, linked + 1.0)
    u = np.array([several, one_small, one_large, eligible - linked]) + 0.5
    return list(map(float, u / u.sum()))


def estimate_context_u(connection: duckdb.DuckDBPyConnection, *, fitted: Model, comparisons: list[Comparison]) -> None:
    """u of the household-shared comparisons among people of linked households (see `model.CONTEXT_DEPENDENT`).

    Counted on every pair of the two households' members except the very likely matches
    (table strong): nearly all of them are different people of one family.
    """
    for comparison in comparisons:
        if comparison.name not in model.CONTEXT_DEPENDENT:
            continue
        counts = connection.sql(
            f"""SELECT {comparison.column} AS level, count(*) AS n FROM gammas g
                WHERE g_household IN (0, 1, 2) AND {comparison.column} IS NOT NULL
                  AND NOT EXISTS (SELECT 1 FROM strong s WHERE s.a = g.a AND s.b = g.b)
                GROUP BY 1"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        ).fetchall()
        parameters = fitted.fields[comparison.name]
        tallies = np.zeros(len(comparison.levels))
        for level, count in counts:
            tallies[int(level)] = float(count)
        reference = np.asarray(parameters.u_context or parameters.u, dtype=np.float64)
        blended = tallies + U_PSEUDO_COUNT * reference / reference.sum()
        parameters.u_context = list(map(float, blended / blended.sum()))
