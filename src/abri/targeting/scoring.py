"""Scoring and ranking, vectorised over a frame of households (no Django, no per-row Python).

Given the features frame of `abri.registry.selectors.households_features_frame` and a plan's
:class:`~abri.targeting.criteria.Criteria`, :func:`score_frame` gives each household whether it
is eligible, its score, which scoring rules fired (bit ``i`` of ``fired`` for rule ``i``) and
which eligibility rules it failed (``failed``), its rank among the eligible, its position in the
whole list (the eligible first) and whether it is proposed within the quota. The order is total
— score, then the plan's tie-breaks, then the registration number, which is unique — so the same
data always gives the same list.
"""

from __future__ import annotations

import datetime

import polars as pl

from abri.registry.selectors import FEATURE_KINDS
from abri.targeting.criteria import TIE_BREAKS, Criteria, Rule

RESULT_COLUMNS = (
    "household_id",
    "registration_number",
    "eligible",
    "score",
    "fired",
    "failed",
    "rank",
    "position",
    "proposed",
)


def _as_date(value: object) -> datetime.date:
    return datetime.date.fromisoformat(str(value))


def rule_expression(rule: Rule) -> pl.Expr:
    """A boolean expression: whether ``rule`` holds for each household (a missing value never holds)."""
    column = pl.col(rule.field)
    kind = FEATURE_KINDS[rule.field]
    value = rule.value
    if kind == "flag":
        holds = column == bool(value)
    elif kind == "number":
        holds = {
            "eq": lambda: column == value,
            "ne": lambda: column != value,
            "ge": lambda: column >= value,
            "gt": lambda: column > value,
            "le": lambda: column <= value,
            "lt": lambda: column < value,
            "between": lambda: column.is_between(value[0], value[1]),
        }[rule.op]()
    elif kind == "date":
        if rule.op == "between":
            holds = column.is_between(_as_date(value[0]), _as_date(value[1]))
        elif rule.op == "on_or_after":
            holds = column >= _as_date(value)
        else:
            holds = column < _as_date(value)
    else:
        text = column.cast(pl.String)
        if rule.op == "eq":
            holds = text == str(value)
        elif rule.op == "ne":
            holds = text != str(value)
        elif rule.op == "in":
            holds = text.is_in([str(item) for item in value])
        elif rule.op == "not_in":
            holds = ~text.is_in([str(item) for item in value])
        else:  # within: an admin area and the areas inside it (P-codes nest by prefix)
            prefixes = value if isinstance(value, list) else [value]
            holds = pl.any_horizontal(text.str.starts_with(str(prefix)) for prefix in prefixes)
    return holds.fill_null(False)


def score_frame(frame: pl.DataFrame, criteria: Criteria, *, quota: int) -> pl.DataFrame:
    """Score, rank and propose every household of ``frame``; one row per household, ``RESULT_COLUMNS``."""
    failed = pl.lit(0, dtype=pl.Int64)
    for index, rule in enumerate(criteria.eligibility):
        holds = rule_expression(rule)
        fails = ~holds if rule.mode == "must" else holds
        failed = failed + pl.when(fails).then(pl.lit(1 << index, dtype=pl.Int64)).otherwise(0)
    fired = pl.lit(0, dtype=pl.Int64)
    score = pl.lit(0.0, dtype=pl.Float64)
    for index, scoring_rule in enumerate(criteria.scoring):
        holds = rule_expression(scoring_rule)
        fired = fired + pl.when(holds).then(pl.lit(1 << index, dtype=pl.Int64)).otherwise(0)
        score = score + pl.when(holds).then(pl.lit(float(scoring_rule.weight))).otherwise(0.0)
    if criteria.maximum_score is not None:
        score = pl.min_horizontal(score, pl.lit(float(criteria.maximum_score)))
    scored = frame.with_columns(failed.alias("failed"), fired.alias("fired"), score.round(4).alias("score"))
    eligible = pl.col("failed") == 0
    if criteria.minimum_score is not None:
        eligible = eligible & (pl.col("score") >= criteria.minimum_score)
    scored = scored.with_columns(eligible.alias("eligible"))
    keys = ["eligible", "score"]
    descending = [True, True]
    for name in criteria.tie_breaks:
        column, desc = TIE_BREAKS[name]
        keys.append(column)
        descending.append(desc)
    keys.append("registration_number")  # unique: the order is total
    descending.append(False)
    ordered = scored.sort(keys, descending=descending, nulls_last=True, maintain_order=True)
    ordered = ordered.with_columns(
        pl.when(pl.col("eligible")).then(pl.int_range(1, pl.len() + 1, dtype=pl.Int64)).otherwise(None).alias("rank"),
        pl.int_range(1, pl.len() + 1, dtype=pl.Int64).alias("position"),  # every household, in list order
    )
    return ordered.with_columns((pl.col("rank") <= quota).fill_null(False).alias("proposed")).select(RESULT_COLUMNS)


def band_of(score: float, criteria: Criteria) -> str:
    """The label of the highest band ``score`` reaches ("" when none)."""
    label = ""
    for band in sorted(criteria.bands, key=lambda band: band.minimum):
        if score >= band.minimum:
            label = band.label
    return label


def reasons_of(fired: int, criteria: Criteria) -> list[tuple[str, float]]:
    """The scoring rules that fired (``fired``'s bits), each with its weight, in the plan's order."""
    return [
        (rule.label or rule.field, rule.weight) for index, rule in enumerate(criteria.scoring) if fired & (1 << index)
    ]
