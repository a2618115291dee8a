"""Candidate pairs: the few pairs worth comparing among the billions possible.

A pair is a candidate when the two records share the key of at least one rule. The rules
are chosen for Sahelian lists: the two name keys in either order (swapped names) with a
five-year window of birth (approximate ages; two shifted windows so ±2 years never falls
between them), the same names in the same cercle whatever the age, one name key with the
first letters of the other and the exact year (a typo that changes one key), the phone and
the identity number. A key shared by more records than the rule's cap says nothing (a
community leader's phone written for 300 households; "Mamadou Traoré" with no birth year)
and is skipped.

Everything runs in DuckDB over integer hashes of the keys: no pair is ever built in Python.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# The two name keys in a fixed order, so "Traoré Mamadou" and "Mamadou Traoré" share it.
NAME_LOW = "least(given_key, coalesce(family_key, ''))"
NAME_HIGH = "greatest(given_key, coalesce(family_key, ''))"


@dataclass(frozen=True)
class Rule:
    """Records sharing every key expression are paired, unless more than ``cap`` share it."""

    name: str
    keys: tuple[str, ...]
    cap: int
    where: str = "TRUE"


RULES: tuple[Rule, ...] = (
    Rule("names_birth_window", (NAME_LOW, NAME_HIGH, "birth_year // 5"), 1500),
    Rule("names_birth_window_shifted", (NAME_LOW, NAME_HIGH, "(birth_year + 2) // 5"), 1500),
    Rule("names_cercle", (NAME_LOW, NAME_HIGH, "loc2"), 600),
    Rule("names_without_birth", (NAME_LOW, NAME_HIGH, "coalesce(sex, '')"), 300, where="birth_year IS NULL"),
    Rule("given_key_family_start_year", ("given_key", "left(family, 2)", "birth_year"), 600),
    Rule("family_key_given_start_year", ("family_key", "left(given, 2)", "birth_year"), 600),
    Rule("phone", ("phone",), 40),
    Rule("id_number", ("id_number",), 12),
)


def _not_null(expressions: tuple[str, ...]) -> str:
    return " AND ".join(f"({expression}) IS NOT NULL" for expression in expressions)


def candidate_pairs_sql(
    rule: Rule,
    *,
    records: str,
    link: bool,
    within_household: bool = False,
    rids: str | None = None,
) -> str:
    """SQL of (a, b) pairs, a < b, sharing the rule's key (link: a from source 0, b from 1).

    Pairs inside one household of one list are left out: members of a household are
    not each other's duplicates, and phone or family name alone would pair them.
    ``rids``, when given, is a table of rids: only pairs with one side in it are built
    (an incoming batch against the registry).
    """
    keyed = f"""
        SELECT rid, source, household, hash({", ".join(rule.keys)}) AS k
        FROM {records} WHERE {_not_null(rule.keys)} AND ({rule.where})
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables
    usable = f"""
        SELECT k FROM ({keyed}) GROUP BY k
        HAVING count(*) BETWEEN 2 AND {rule.cap} {"AND count(DISTINCT source) = 2" if link else ""}
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables
    conditions = ["a.k = b.k", "a.rid < b.rid"]
    if link:
        conditions += ["a.source = 0", "b.source = 1"]
    if not within_household:
        conditions.append("(a.household IS NULL OR b.household IS NULL OR a.household <> b.household)")
    if rids:
        conditions.append(f"(a.rid IN (SELECT rid FROM {rids}) OR b.rid IN (SELECT rid FROM {rids}))")  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables
    return f"""
        WITH keyed AS (SELECT * FROM ({keyed}) WHERE k IN ({usable}))
        SELECT a.rid AS a, b.rid AS b FROM keyed a JOIN keyed b ON {" AND ".join(conditions)}
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables


def build_candidate_pairs(
    connection: duckdb.DuckDBPyConnection,
    *,
    records: str,
    target: str,
    link: bool,
    rules: tuple[Rule, ...] = RULES,
    rids: str | None = None,
) -> dict[str, int]:
    """Create table ``target`` (a, b) of distinct candidate pairs; return the pairs each rule found."""
    connection.execute(f"CREATE OR REPLACE TABLE {target}_all (pair UBIGINT)")
    found: dict[str, int] = {}
    for rule in rules:
        sql = candidate_pairs_sql(rule, records=records, link=link, rids=rids)
        connection.execute(f"INSERT INTO {target}_all SELECT (a::UBIGINT << 32) | b FROM ({sql})")  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables
        found[rule.name] = _count(connection, f"{target}_all") - sum(found.values())
    connection.execute(
        f"""CREATE OR REPLACE TABLE {target} AS
            SELECT (pair >> 32)::UINTEGER AS a, (pair & 4294967295)::UINTEGER AS b
            FROM (SELECT DISTINCT pair FROM {target}_all)"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables
    )
    connection.execute(f"DROP TABLE {target}_all")
    return found


def _count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    rows = connection.sql(f"SELECT count(*) FROM {table}").fetchall()  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables
    row = rows[0] if rows else None
    return int(row[0]) if row else 0
