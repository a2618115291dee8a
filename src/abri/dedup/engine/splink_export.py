"""Abri's person model as Splink settings, to run on Splink's Spark backend beyond one machine.

The levels are Splink's own comparison-level creators (they write each backend's SQL:
`jaro_winkler` on Spark, `jaro_winkler_similarity` on DuckDB), over the columns that
`abri.dedup.engine.prepare.prepare` writes; m, u and the prior are Abri's. What stays out: names
written crossed (given for family) are read straight, the full-name frequency correction
is left to Splink's per-name term frequencies, and the household stage runs as SQL over
Splink's predictions (see docs/deduplication.md).
"""

from __future__ import annotations

import re
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator

from abri.dedup.engine.blocking import rules_for
from abri.dedup.engine.comparisons import Comparison
from abri.dedup.engine.model import Model

_FLOOR = 1e-6  # as Abri's model: no level is impossible


def _name_levels(part: str) -> list[Any]:
    return [
        cll.NullLevel(part),
        cll.ExactMatchLevel(part, term_frequency_adjustments=True),
        cll.ExactMatchLevel(f"{part}_key"),
        cll.ArrayIntersectLevel(f"{part}_tokens", min_intersection=1),
        cll.JaroWinklerLevel(part, 0.92),
        cll.JaroWinklerLevel(part, 0.80),
        cll.ElseLevel(),
    ]


def _levels(comparison: Comparison) -> list[Any]:
    name = comparison.name
    if name in {"given_name", "family_name"}:
        return _name_levels(name.removesuffix("_name"))
    if name == "sex":
        return [cll.NullLevel("sex"), cll.ExactMatchLevel("sex"), cll.ElseLevel()]
    if name == "birth":
        return [
            cll.NullLevel("birth_year"),
            cll.CustomLevel("birth_date_l = birth_date_r", "same date of birth"),
            cll.CustomLevel(
                "birth_year_l = birth_year_r AND (birth_date_l IS NULL OR birth_date_r IS NULL)", "same year of birth"
            ),
            cll.CustomLevel("birth_year_l = birth_year_r", "same year, other day"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) = 1", "one year apart"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 3", "two or three years apart"),
            cll.CustomLevel("abs(birth_year_l - birth_year_r) <= 6", "four to six years apart"),
            cll.ElseLevel(),
        ]
    if name in {"phone", "id_number"}:
        return [cll.NullLevel(name), cll.ExactMatchLevel(name), cll.DamerauLevenshteinLevel(name, 1), cll.ElseLevel()]
    if name == "location":
        return [
            cll.CustomLevel(
                "coalesce(loc3_l, loc2_l, loc1_l) IS NULL OR coalesce(loc3_r, loc2_r, loc1_r) IS NULL", "null"
            ).configure(is_null_level=True),
            cll.ExactMatchLevel("loc3"),
            cll.ExactMatchLevel("loc2"),
            cll.ExactMatchLevel("loc1"),
            cll.ElseLevel(),
        ]
    # A free-text column (text_0, text_1…).
    return [
        cll.NullLevel(name),
        cll.ExactMatchLevel(name),
        cll.JaroWinklerLevel(name, 0.9),
        cll.JaroWinklerLevel(name, 0.7),
        cll.ElseLevel(),
    ]


def _blocking_rules(text_columns: list[str]) -> list[BlockingRuleCreator | dict[str, Any]]:
    """Abri's blocking rules as Splink SQL (an offset in years becomes two rules, one per direction).

    Abri writes them for DuckDB (`birth_year // 5`); Splink translates them to the backend's SQL.
    """
    rules: list[BlockingRuleCreator | dict[str, Any]] = []
    for rule in rules_for(text_columns):
        keys = [_both_sides(key) for key in rule.keys if not (rule.year_offset and key == "birth_year")]
        if rule.where != "TRUE":
            keys.append(_both_sides_condition(rule.where))
        if rule.year_offset:
            for left, right in ((rule.year_offset, 0), (0, rule.year_offset)):
                condition = " AND ".join([*keys, f"l.birth_year + {left} = r.birth_year + {right}"])
                rules.append(CustomRule(condition, sql_dialect="duckdb"))
        else:
            rules.append(CustomRule(" AND ".join(keys), sql_dialect="duckdb"))
    return rules


_COLUMNS = (
    "given_key",
    "family_key",
    "given",
    "family",
    "birth_year",
    "birth_date",
    "sex",
    "loc1",
    "loc2",
    "loc3",
    "phone",
    "id_number",
    r"text_\d+",  # compared free-text columns
)


_COLUMN_PATTERN = re.compile(r"\b(" + "|".join(_COLUMNS) + r")\b")


def _side(expression: str, side: str) -> str:
    return _COLUMN_PATTERN.sub(rf"{side}.\1", expression)


def _both_sides(expression: str) -> str:
    return f"{_side(expression, 'l')} = {_side(expression, 'r')}"


def _both_sides_condition(condition: str) -> str:
    return f"{_side(condition, 'l')} AND {_side(condition, 'r')}"


def settings(model: Model, comparisons: list[Comparison], *, link: bool = False) -> SettingsCreator:
    """Splink settings carrying Abri's levels, m, u and prior for the prepared records (unique id: rid)."""
    splink_comparisons: list[ComparisonCreator | dict[str, Any]] = []
    for comparison in comparisons:
        parameters = model.fields[comparison.name]
        splink_comparisons.append(
            cl.CustomComparison(output_column_name=comparison.name, comparison_levels=_levels(comparison)).configure(
                m_probabilities=[max(value, _FLOOR) for value in parameters.m],
                u_probabilities=[max(value, _FLOOR) for value in parameters.u],
            )
        )
    return SettingsCreator(
        link_type="link_only" if link else "dedupe_only",
        unique_id_column_name="rid",
        comparisons=splink_comparisons,
        blocking_rules_to_generate_predictions=_blocking_rules(
            [c.name for c in comparisons if re.fullmatch(r"text_\d+", c.name)]
        ),
        probability_two_random_records_match=model.prior,
        retain_intermediate_calculation_columns=False,
    )
