"""The Fellegi–Sunter model: how much each level of each comparison says for or against a match.

For every comparison level, ``m`` is the share of true matches that fall in it and ``u``
the share of non-matches; log2(m/u) is the level's weight in bits, and the weights of a
pair add up (with the prior odds) to its match probability. ``u`` is counted on random
pairs (almost all non-matches); ``m`` and the prior are estimated by expectation
maximisation over the candidate pairs, grouped by their pattern of levels so that the
iterations cost nothing whatever the number of pairs. An exact name agreement is worth
more for a rare name than for Mamadou or Traoré: its weight uses the name's frequency
(term frequency adjustment), smoothed towards ``u`` so that a short list does not pretend
every name is rare.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import numpy.typing as npt

from abri.dedup.engine.comparisons import Comparison

# Probabilities are kept away from 0 and 1 so every weight stays finite.
_FLOOR = 1e-6
# Pseudo-observations behind a name's frequency (see `tf_sql`).
TF_PSEUDO_COUNT = 2000.0

Progress = Callable[[str, int, int], None]


@dataclass
class FieldParameters:
    """m and u for the levels of one comparison (null levels have no parameters: weight 0)."""

    name: str
    m: list[float]
    u: list[float]
    tf: bool = False
    # u among people of two linked households (see `CONTEXT_DEPENDENT`), when it differs.
    u_context: list[float] | None = None

    def log2_bayes_factors(self, *, context: bool = False) -> npt.NDArray[np.float64]:
        """The weight in bits of each level (in linked households when ``context``)."""
        m = np.clip(np.asarray(self.m, dtype=np.float64), _FLOOR, 1.0)
        chosen = self.u_context if context and self.u_context else self.u
        u = np.clip(np.asarray(chosen, dtype=np.float64), _FLOOR, 1.0)
        return np.log2(m / u)


@dataclass
class Model:
    """The parameters of every comparison and the prior probability that a candidate pair matches."""

    fields: dict[str, FieldParameters] = field(default_factory=dict)
    prior: float = 0.05

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description of the model."""
        return {
            "prior": self.prior,
            "fields": {
                name: {"m": p.m, "u": p.u, "tf": p.tf, **({"u_context": p.u_context} if p.u_context else {})}
                for name, p in self.fields.items()
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Model:
        """The model written by `to_dict`."""
        fields = {
            name: FieldParameters(
                name=name,
                m=list(values["m"]),
                u=list(values["u"]),
                tf=bool(values.get("tf")),
                u_context=list(values["u_context"]) if values.get("u_context") else None,
            )
            for name, values in data["fields"].items()
        }
        return cls(fields=fields, prior=float(data["prior"]))


def default_model() -> Model:
    """Parameters learnt on synthetic Sahelian registries: used when a list is too small to learn its own."""
    text = resources.files("abri.dedup.engine").joinpath("default_model.json").read_text(encoding="utf-8")
    return Model.from_dict(json.loads(text))


def starting_parameters(comparison: Comparison, defaults: Model) -> FieldParameters:
    """The default parameters of a comparison, or a neutral start for a free-text column."""
    levels = len(comparison.levels)
    known = defaults.fields.get(comparison.name)
    if known is not None and len(known.m) == levels:
        return FieldParameters(
            comparison.name,
            list(known.m),
            list(known.u),
            tf=comparison.tf_count is not None,
            u_context=list(known.u_context) if known.u_context else None,
        )
    # Matches mostly agree, non-matches mostly differ: a start EM moves from quickly.
    m = [0.6 * 0.4**index for index in range(levels - 1)]
    m.append(max(1.0 - sum(m), 0.05))
    u = [0.02 * 0.5**index for index in range(levels - 1)]
    u.append(1.0 - sum(u))
    return FieldParameters(comparison.name, _normalised(m), _normalised(u), tf=comparison.tf_count is not None)


def _normalised(values: Sequence[float]) -> list[float]:
    total = float(sum(values))
    return [float(value) / total for value in values]


def u_from_random_pairs(
    patterns: npt.NDArray[np.int8], counts: npt.NDArray[np.float64], levels: Sequence[int]
) -> list[list[float]]:
    """u of every level of every comparison, counted on random pairs (a half-count floor for unseen levels)."""
    estimates = []
    for column, size in enumerate(levels):
        observed = patterns[:, column]
        tallies = np.array([counts[observed == level].sum() for level in range(size)], dtype=np.float64)
        estimates.append(_normalised(list(tallies + 0.5)))
    return estimates


@dataclass
class EmResult:
    """Estimated m per comparison, the prior, and how the iterations went."""

    m: list[list[float]]
    u: list[list[float]]
    prior: float
    iterations: int
    converged: bool


def expectation_maximisation(
    patterns: npt.NDArray[np.int8],
    counts: npt.NDArray[np.float64],
    *,
    m: Sequence[Sequence[float]],
    u: Sequence[Sequence[float]],
    prior: float,
    estimate_u: bool = False,
    fixed_m: Sequence[bool] | None = None,
    m_pseudo_count: float = 0.0,
    max_iterations: int = 60,
    tolerance: float = 1e-5,
    progress: Progress | None = None,
) -> EmResult:
    """Estimate m (and u if asked) and the prior over patterns of levels (-1 = value missing) and their counts.

    ``m_pseudo_count`` pseudo-matches distributed as the starting ``m`` keep a small list
    from swinging m to extremes (a Dirichlet prior on m).
    """
    columns = patterns.shape[1]
    m_arrays = [np.clip(np.asarray(values, dtype=np.float64), _FLOOR, 1.0) for values in m]
    m_reference = [values / values.sum() for values in m_arrays]
    u_arrays = [np.clip(np.asarray(values, dtype=np.float64), _FLOOR, 1.0) for values in u]
    fixed = list(fixed_m) if fixed_m is not None else [False] * columns
    observed = [patterns[:, column] >= 0 for column in range(columns)]
    index = [np.where(observed[column], patterns[:, column], 0).astype(np.intp) for column in range(columns)]
    total = counts.sum()
    converged = False
    iteration = 0
    for iteration in range(1, max_iterations + 1):
        log_odds = np.full(len(counts), math.log(prior / (1.0 - prior)))
        for column in range(columns):
            ratio = np.log(m_arrays[column][index[column]]) - np.log(u_arrays[column][index[column]])
            log_odds += np.where(observed[column], ratio, 0.0)
        posterior = 1.0 / (1.0 + np.exp(-np.clip(log_odds, -60, 60)))
        matched = counts * posterior
        unmatched = counts - matched
        change = 0.0
        for column in range(columns):
            size = len(m_arrays[column])
            if not fixed[column]:
                new_m = np.bincount(index[column], weights=matched * observed[column], minlength=size)
                new_m = new_m + m_pseudo_count * m_reference[column]
                if new_m.sum() > 0:
                    new_m = np.clip(new_m / new_m.sum(), _FLOOR, 1.0)
                    change = max(change, float(np.abs(new_m - m_arrays[column]).max()))
                    m_arrays[column] = new_m
            if estimate_u:
                new_u = np.bincount(index[column], weights=unmatched * observed[column], minlength=size)
                if new_u.sum() > 0:
                    new_u = np.clip(new_u / new_u.sum(), _FLOOR, 1.0)
                    change = max(change, float(np.abs(new_u - u_arrays[column]).max()))
                    u_arrays[column] = new_u
        new_prior = float(np.clip(matched.sum() / total, _FLOOR, 1 - _FLOOR)) if total else prior
        change = max(change, abs(new_prior - prior))
        prior = new_prior
        if progress:
            progress("em", iteration, max_iterations)
        if change < tolerance:
            converged = True
            break
    return EmResult(
        m=[list(map(float, values)) for values in m_arrays],
        u=[list(map(float, values)) for values in u_arrays],
        prior=prior,
        iterations=iteration,
        converged=converged,
    )


def random_match_probability(
    weights: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
    *,
    total_pairs: float,
    start: float = 1e-5,
    max_iterations: int = 500,
) -> float:
    """Probability that two records drawn at random are the same person.

    Expectation maximisation of the prior alone, the weights being fixed: over all
    ``total_pairs`` pairs, of which only the candidates (their weights in bits, with how
    many pairs have each) can be matches; pairs never compared count as non-matches.
    """
    prior = start
    total = max(total_pairs, float(counts.sum()), 1.0)
    for _ in range(max_iterations):
        log_odds = weights + math.log2(prior / (1.0 - prior))
        posterior = 1.0 / (1.0 + np.exp2(-np.clip(log_odds, -200, 200)))
        updated = float(np.clip((counts * posterior).sum() / total, 1e-12, 0.5))
        if abs(updated - prior) <= 1e-9 * prior:
            return updated
        prior = updated
    return prior


def tf_adjustment_sql(parameters: FieldParameters, *, count_column: str, total: int) -> str:
    """Bits to add at the exact level for the agreeing value's frequency (rare names weigh more).

    The frequency is smoothed: (count + K·u) / (total + K) with K pseudo-records at the
    level's u, so on a list of 50 a name seen once is not taken for a one-in-a-million name.
    """
    u_exact = max(parameters.u[0], _FLOOR)
    return (
        f"log2({u_exact!r} / greatest(({count_column} + {TF_PSEUDO_COUNT * u_exact!r}) "
        f"/ {float(total + TF_PSEUDO_COUNT)!r}, {_FLOOR!r}))"
    )


# Comparisons whose agreement is shared by a whole household: two people of two households
# already linked agree on them whether or not they are the same person (a father and his
# son share the family name, the place and the phone). For such pairs these comparisons
# weigh by their u among the people of linked households, not among random pairs, so the
# household link is not counted twice.
CONTEXT_DEPENDENT: frozenset[str] = frozenset({"family_name", "location", "phone"})


def _level_case(column: str, weights: npt.NDArray[np.float64]) -> str:
    cases = " ".join(f"WHEN {level} THEN {float(weight)!r}::DOUBLE" for level, weight in enumerate(weights))
    return f"CASE {column} {cases} ELSE 0.0 END"


def _smoothed_frequency_sql(count_column: str, total: int, u_exact: float) -> str:
    return f"(({count_column} + {TF_PSEUDO_COUNT * u_exact!r}) / {float(total + TF_PSEUDO_COUNT)!r})"


def full_name_adjustment_sql(
    given: FieldParameters, family: FieldParameters, *, totals: dict[str, int], both_exact: str, context: str
) -> str:
    """Bits that replace the two names' frequency adjustments by the full name's when both agree exactly."""
    u_given, u_family = max(given.u[0], _FLOOR), max(family.u[0], _FLOOR)
    separate = (
        f"{_smoothed_frequency_sql('given_count', totals['given_count'], u_given)}"
        f" * {_smoothed_frequency_sql('family_count', totals['family_count'], u_family)}"
    )
    joint = _smoothed_frequency_sql("name_count", totals["name_count"], u_given * u_family)
    correction = f"log2({separate} / greatest({joint}, {_FLOOR!r}))"
    return f"(CASE WHEN {both_exact} AND NOT ({context}) THEN {correction} ELSE 0.0 END)"


def field_weight_sql(
    parameters: FieldParameters, comparison: Comparison, *, totals: dict[str, int], context_sql: str | None = None
) -> str:
    """SQL of one comparison's weight in bits for a pair (0 when a value is missing).

    ``context_sql`` is true for a pair of two linked households: there the weight uses
    ``u_context`` and no name-frequency adjustment (kinship, not chance, explains it).
    """
    base = _level_case(comparison.column, parameters.log2_bayes_factors())
    if parameters.tf and comparison.tf_count and comparison.tf_count in totals:
        adjustment = tf_adjustment_sql(parameters, count_column=comparison.tf_count, total=totals[comparison.tf_count])
        base = f"({base} + CASE WHEN {comparison.column} = 0 THEN {adjustment} ELSE 0.0 END)"
    if context_sql and parameters.u_context:
        in_context = _level_case(comparison.column, parameters.log2_bayes_factors(context=True))
        return f"(CASE WHEN {context_sql} THEN {in_context} ELSE {base} END)"
    return base


def prior_weight(prior: float) -> float:
    """The prior odds in bits."""
    prior = min(max(prior, _FLOOR), 1 - _FLOOR)
    return math.log2(prior / (1.0 - prior))


def probability_sql(weight_sql: str) -> str:
    """Match probability from a total weight in bits (prior included)."""
    return f"(1.0 / (1.0 + pow(2.0, -({weight_sql}))))"
