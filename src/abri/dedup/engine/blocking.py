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
INITIAL_LOW = "least(left(given, 1), coalesce(left(family, 1), ''))"
INITIAL_HIGH = "greatest(left(given, 1), coalesce(left(family, 1), ''))"


@dataclass(frozen=True)
class Rule:
    """Records sharing every key expression are paired, unless more than ``cap`` share it."""

    name: str
    keys: tuple[str, ...]
    cap: int
    where: str = "TRUE"
    # Pair records whose birth years differ by exactly this much (the keys' "birth_year"
    # is read as birth_year + offset on one side): approximate ages without wide windows.
    year_offset: int = 0


RULES: tuple[Rule, ...] = (
    # Rarer names: a five-year window of birth (two shifted grids, so ±2 years never falls
    # between them), then the exact year and the year next to it as blocks grow.
    Rule("names_birth_window", (NAME_LOW, NAME_HIGH, "birth_year // 5"), 60),
    Rule("names_birth_window_shifted", (NAME_LOW, NAME_HIGH, "(birth_year + 2) // 5"), 60),
    Rule("names_birth_year", (NAME_LOW, NAME_HIGH, "birth_year"), 150),
    Rule("names_next_birth_year", (NAME_LOW, NAME_HIGH, "birth_year"), 60, year_offset=1),
    # Common names: the same region (most re-registrations stay in it) or cercle.
    Rule("names_region_birth_window", (NAME_LOW, NAME_HIGH, "loc1", "birth_year // 5"), 100),
    Rule("names_region_birth_window_shifted", (NAME_LOW, NAME_HIGH, "loc1", "(birth_year + 2) // 5"), 100),
    Rule("names_cercle_birth_year", (NAME_LOW, NAME_HIGH, "loc2", "birth_year"), 100),
    Rule("names_without_birth", (NAME_LOW, NAME_HIGH, "coalesce(sex, '')"), 100, where="birth_year IS NULL"),
    # A typo that changes one name's key: the other key, the first letters, the year.
    Rule("given_key_family_start_year", ("given_key", "left(family, 2)", "birth_year"), 40),
    Rule("family_key_given_start_year", ("family_key", "left(given, 2)", "birth_year"), 40),
    # A name written beyond recognition (or the two swapped with a typo): the exact date of
    # birth with the names' initials, in either order, or with the place.
    Rule("birth_date_initials", ("birth_date", INITIAL_LOW, INITIAL_HIGH), 40),
    Rule("birth_date_place", ("birth_date", "loc3"), 40),
    # The same names in the same place, whatever the birth (missing on one side, mistyped).
    Rule("names_place", (NAME_LOW, NAME_HIGH, "loc3"), 60),
    Rule("phone", ("phone",), 40),
    Rule("id_number", ("id_number",), 12),
)


def rules_for(text_columns: list[str]) -> tuple[Rule, ...]:
    """`RULES`, and for each compared free-text column (an address, a postcode, an e-mail) the
    same names with its value, or the exact date of birth with it: a list that has such a
    column says who is who by it too. Common values (a state, a town) pass their cap and say
    nothing."""
    extra: list[Rule] = []
    for column in text_columns:
        extra.append(Rule(f"names_{column}", (NAME_LOW, NAME_HIGH, column), 60))
        extra.append(Rule(f"birth_date_{column}", ("birth_date", column), 40))
    return (*RULES, *extra)


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
    shifted = tuple(
        key.replace("birth_year", f"(birth_year + {rule.year_offset})") if rule.year_offset else key
        for key in rule.keys
    )
    keyed = f"""
        SELECT rid, source, household, hash({", ".join(rule.keys)}) AS k, hash({", ".join(shifted)}) AS k_shifted
        FROM {records} WHERE {_not_null(rule.keys)} AND ({rule.where})
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    usable = f"""
        SELECT k FROM ({keyed}) GROUP BY k
        HAVING count(*) BETWEEN {1 if rule.year_offset else 2} AND {rule.cap}
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    if rule.year_offset:
        # a's year + offset = b's year: the pair may come out in either order.
        join = "a.k_shifted = b.k"
        first, second = "least(a.rid, b.rid)", "greatest(a.rid, b.rid)"
        conditions = [join]
    else:
        first, second = "a.rid", "b.rid"
        conditions = ["a.k = b.k", "a.rid < b.rid"]
    if link:
        conditions.append("a.source <> b.source")
    if not within_household:
        conditions.append("(a.household IS NULL OR b.household IS NULL OR a.household <> b.household)")
    if rids:
        conditions.append(f"(a.rid IN (SELECT rid FROM {rids}) OR b.rid IN (SELECT rid FROM {rids}))")  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    return f"""
        WITH keyed AS (SELECT * FROM ({keyed}) WHERE k IN ({usable}) OR k_shifted IN ({usable}))
        SELECT {first} AS a, {second} AS b FROM keyed a JOIN keyed b ON {" AND ".join(conditions)}
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608


def household_pairs_sql(*, records: str, link: bool, cap: int = 10, max_size: int = 30) -> str:
    """SQL of (a, b) pairs of members of two households that share two members' names.

    A household registered again keeps most of its members, so the two registrations share
    pairs of names ("Mamadou Traoré with Fatoumata Coulibaly"), which two different
    families rarely do even when each name is common. Each household's pairs of member
    name keys are its tokens; households sharing a token are compared member by member.
    This finds re-registered households whatever their ages and places, at a cost that
    grows with the number of households, not with the square of the commonest name.
    """
    member = f"hash({NAME_LOW}, {NAME_HIGH})"
    opposite = "x.source <> y.source" if link else "TRUE"
    return f"""
        WITH members AS (
            SELECT DISTINCT household, source, {member} AS k FROM {records}
            WHERE household IS NOT NULL AND given_key IS NOT NULL),
        tokens AS (
            SELECT a.household, a.source, hash(a.k, b.k) AS t FROM members a
            JOIN members b ON a.household = b.household AND a.k < b.k),
        usable AS (SELECT t FROM tokens GROUP BY t HAVING count(*) BETWEEN 2 AND {cap}),
        shared AS (
            SELECT x.household AS h1, y.household AS h2, count(*) AS tokens FROM tokens x
            JOIN tokens y ON x.t = y.t AND x.household < y.household AND {opposite}
            WHERE x.t IN (SELECT t FROM usable) GROUP BY ALL),
        sized AS (
            SELECT household, count(*) AS size FROM {records} WHERE household IS NOT NULL GROUP BY household),
        linked AS (
            -- Two shared tokens (three members, or two pairs of them) for larger households;
            -- one is all a household of two or three can show.
            SELECT h1, h2 FROM shared
            JOIN sized s1 ON s1.household = h1 JOIN sized s2 ON s2.household = h2
            WHERE s1.size <= {max_size} AND s2.size <= {max_size}
              AND (tokens >= 2 OR least(s1.size, s2.size) <= 3))
        SELECT least(ra.rid, rb.rid) AS a, greatest(ra.rid, rb.rid) AS b FROM linked l
        JOIN {records} ra ON ra.household = l.h1 JOIN {records} rb ON rb.household = l.h2
    """  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608


def build_candidate_pairs(
    connection: duckdb.DuckDBPyConnection,
    *,
    records: str,
    target: str,
    link: bool,
    rules: tuple[Rule, ...] = RULES,
    households: bool = False,
    rids: str | None = None,
) -> dict[str, int]:
    """Create table ``target`` (a, b) of distinct candidate pairs; return the pairs each rule found."""
    connection.execute(f"CREATE OR REPLACE TABLE {target}_all (pair UBIGINT)")
    found: dict[str, int] = {}
    statements = {rule.name: candidate_pairs_sql(rule, records=records, link=link, rids=rids) for rule in rules}
    if households and not rids:
        statements["households_sharing_members"] = household_pairs_sql(records=records, link=link)
    for name, sql in statements.items():
        connection.execute(f"INSERT INTO {target}_all SELECT (a::UBIGINT << 32) | b FROM ({sql})")  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
        found[name] = _count(connection, f"{target}_all") - sum(found.values())
    connection.execute(
        f"""CREATE OR REPLACE TABLE {target} AS
            SELECT (pair >> 32)::UINTEGER AS a, (pair & 4294967295)::UINTEGER AS b
            FROM (SELECT DISTINCT pair FROM {target}_all)"""  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    )
    connection.execute(f"DROP TABLE {target}_all")
    return found


def _count(connection: duckdb.DuckDBPyConnection, table: str) -> int:
    rows = connection.sql(f"SELECT count(*) FROM {table}").fetchall()  # noqa: S608 -- SQL built from the engine's own identifiers; values travel as tables  # nosec B608
    row = rows[0] if rows else None
    return int(row[0]) if row else 0
