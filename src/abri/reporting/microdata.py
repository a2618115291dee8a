"""Anonymised microdata: one row per household, for sharing outside the organisation (HDX).

Direct identifiers never leave: no name, registration number, phone, identity number, exact
date or site. What is released is a handful of quasi-identifiers — location, the head's sex and
age, household size, vulnerabilities, displacement cause, year of arrival — each on a ladder of
generalisation (a cercle, then its region, then nothing). Starting from the most precise level,
the quasi-identifier with the most distinct values climbs one rung until every combination is
shared by at least ``k`` households (Datafly). Households of combinations still under ``k`` may be
left out when they are few (at most ``max_suppressed`` of the file), never more. The result is
checked again with pycanon, independently of this code, before any file is written; a file that
cannot reach ``k`` is refused with the reason.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pycanon import anonymity

from abri.core.errors import ValidationFailed
from abri.registry.flags import FLAG_FIELDS

DEFAULT_K = 5
MAX_SUPPRESSED = 0.01  # at most 1 % of the households may be left out to reach k
HIDDEN = "*"


def _size_band(size: pl.Expr) -> pl.Expr:
    return (
        pl.when(size <= 2)
        .then(pl.lit("1-2"))
        .when(size <= 5)
        .then(pl.lit("3-5"))
        .when(size <= 9)
        .then(pl.lit("6-9"))
        .otherwise(pl.lit("10+"))
    )


def _age_band(age: pl.Expr, width: int) -> pl.Expr:
    low = (age // width) * width
    return pl.when(age.is_null()).then(pl.lit("")).otherwise(pl.format("{}-{}", low, low + width - 1))


def _age_group(age: pl.Expr) -> pl.Expr:
    return (
        pl.when(age.is_null())
        .then(pl.lit(""))
        .when(age < 18)
        .then(pl.lit("0-17"))
        .when(age < 60)
        .then(pl.lit("18-59"))
        .otherwise(pl.lit("60+"))
    )


def _vulnerabilities(frame: pl.DataFrame) -> pl.Expr:
    return pl.sum_horizontal(*(pl.col(name).cast(pl.Int64) for name in FLAG_FIELDS if name in frame.columns))


def _yes_no(column: str) -> pl.Expr:
    return pl.when(pl.col(column)).then(pl.lit("1")).otherwise(pl.lit("0"))


Level = Callable[[pl.DataFrame], dict[str, pl.Expr]]  # the released columns of one rung


@dataclass(frozen=True)
class QuasiIdentifier:
    """One quasi-identifier and its ladder, most precise rung first; the last rung hides it."""

    name: str
    label: object  # a lazy translation
    levels: Sequence[tuple[object, Level]]


def _ladders() -> list[QuasiIdentifier]:
    def flags(frame: pl.DataFrame) -> dict[str, pl.Expr]:
        return {name: _yes_no(name) for name in FLAG_FIELDS if name in frame.columns}

    def count(frame: pl.DataFrame) -> dict[str, pl.Expr]:
        total = _vulnerabilities(frame)
        return {"vulnerabilities": pl.when(total >= 3).then(pl.lit("3+")).otherwise(total.cast(pl.String))}

    def any_(frame: pl.DataFrame) -> dict[str, pl.Expr]:
        return {"vulnerable": pl.when(_vulnerabilities(frame) > 0).then(pl.lit("1")).otherwise(pl.lit("0"))}

    hidden: Callable[[str], Level] = lambda name: lambda frame: {name: pl.lit(HIDDEN)}  # noqa: E731
    return [
        QuasiIdentifier(
            "location",
            gettext_lazy("location"),
            [
                (
                    gettext_lazy("cercle"),
                    lambda f: {
                        "adm1": pl.col("admin_area").str.slice(0, 4),
                        "adm2": pl.col("admin_area").str.slice(0, 6),
                    },
                ),
                (
                    gettext_lazy("region"),
                    lambda f: {"adm1": pl.col("admin_area").str.slice(0, 4), "adm2": pl.lit(HIDDEN)},
                ),
                (gettext_lazy("hidden"), lambda f: {"adm1": pl.lit(HIDDEN), "adm2": pl.lit(HIDDEN)}),
            ],
        ),
        QuasiIdentifier(
            "head_age",
            gettext_lazy("age of the head"),
            [
                (gettext_lazy("5 years"), lambda f: {"head_age": _age_band(pl.col("head_age"), 5)}),
                (gettext_lazy("10 years"), lambda f: {"head_age": _age_band(pl.col("head_age"), 10)}),
                (gettext_lazy("0-17, 18-59, 60+"), lambda f: {"head_age": _age_group(pl.col("head_age"))}),
                (gettext_lazy("hidden"), hidden("head_age")),
            ],
        ),
        QuasiIdentifier(
            "head_sex",
            gettext_lazy("sex of the head"),
            [
                (gettext_lazy("as registered"), lambda f: {"head_sex": pl.col("head_sex").fill_null("")}),
                (gettext_lazy("hidden"), hidden("head_sex")),
            ],
        ),
        QuasiIdentifier(
            "size",
            gettext_lazy("household size"),
            [
                (gettext_lazy("exact"), lambda f: {"size": pl.col("size").cast(pl.String)}),
                (gettext_lazy("1-2, 3-5, 6-9, 10+"), lambda f: {"size": _size_band(pl.col("size"))}),
                (gettext_lazy("hidden"), hidden("size")),
            ],
        ),
        QuasiIdentifier(
            "vulnerability",
            gettext_lazy("vulnerabilities"),
            [
                (gettext_lazy("each one"), flags),
                (gettext_lazy("how many (0, 1, 2, 3+)"), count),
                (gettext_lazy("any or none"), any_),
                (gettext_lazy("hidden"), hidden("vulnerable")),
            ],
        ),
        QuasiIdentifier(
            "displacement_cause",
            gettext_lazy("cause of displacement"),
            [
                (gettext_lazy("as registered"), lambda f: {"displacement_cause": pl.col("displacement_cause")}),
                (gettext_lazy("hidden"), hidden("displacement_cause")),
            ],
        ),
        QuasiIdentifier(
            "arrival_year",
            gettext_lazy("year of arrival"),
            [
                (
                    gettext_lazy("year"),
                    lambda f: {"arrival_year": pl.col("arrival_date").dt.year().cast(pl.String).fill_null("")},
                ),
                (gettext_lazy("hidden"), hidden("arrival_year")),
            ],
        ),
    ]


@dataclass
class Microdata:
    """The released rows, and what was done to reach ``k`` (for the export's notes)."""

    frame: pl.DataFrame
    k: int
    households: int  # in scope, before any was left out
    suppressed: int
    levels: dict[str, str] = field(default_factory=dict)  # quasi-identifier label → rung label
    smallest: int = 0  # the smallest combination's size, as pycanon measured it


def _release(frame: pl.DataFrame, ladders: list[QuasiIdentifier], rungs: list[int]) -> pl.DataFrame:
    columns: dict[str, pl.Expr] = {}
    for ladder, rung in zip(ladders, rungs, strict=True):
        columns |= ladder.levels[rung][1](frame)
    return frame.select(**columns)


def microdata_anonymise(
    features: pl.DataFrame, *, k: int = DEFAULT_K, max_suppressed: float = MAX_SUPPRESSED
) -> Microdata:
    """``features`` (one row per household, as `households_features_frame` gives them) generalised
    until every combination of quasi-identifiers is shared by at least ``k`` households."""
    if k < 2:
        raise ValidationFailed({"k": [_("k must be at least 2: with 1, every household could be found.")]})
    total = features.height
    if total < k:
        raise ValidationFailed(
            {
                "k": [
                    _(
                        "Only %(count)s households are in the chosen scope: fewer than k = %(k)s, no file can "
                        "hide one among %(k)s. Choose a wider area or period."
                    )
                    % {"count": total, "k": k}
                ]
            }
        )
    ladders = _ladders()
    rungs = [0] * len(ladders)
    allowed = int(total * max_suppressed)
    while True:
        released = _release(features, ladders, rungs)
        sizes = released.group_by(released.columns).len()
        small = int(sizes.filter(pl.col("len") < k)["len"].sum() or 0)
        if small <= allowed:
            break
        climbable = [index for index, rung in enumerate(rungs) if rung < len(ladders[index].levels) - 1]
        if not climbable:  # everything hidden: one combination of ``total`` ≥ k households
            break
        distinct = {
            index: released.select(list(ladders[index].levels[rungs[index]][1](features))).n_unique()
            for index in climbable
        }
        rungs[max(climbable, key=lambda index: (distinct[index], -index))] += 1
    if small:
        keep = sizes.filter(pl.col("len") >= k).drop("len")
        released = released.join(keep, on=released.columns, how="semi")
    measured = int(anonymity.k_anonymity(released.to_pandas(), released.columns)) if released.height else 0
    if measured < k:  # the independent check disagrees: refuse rather than share
        raise ValidationFailed(
            {
                "k": [
                    _("The anonymised file did not pass the k-anonymity check (k = %(k)s): nothing was written.")
                    % {"k": k}
                ]
            }
        )
    return Microdata(
        frame=released,
        k=k,
        households=total,
        suppressed=total - released.height,
        levels={str(ladder.label): str(ladder.levels[rung][0]) for ladder, rung in zip(ladders, rungs, strict=True)},
        smallest=measured,
    )


def microdata_notes(result: Microdata, *, on: datetime.date, scope_label: str) -> list[tuple[str, str]]:
    """What a reader of the shared file must know: how it was anonymised, and what it leaves out."""
    notes = [
        (_("Made on"), on.isoformat()),
        (_("Scope"), scope_label),
        (_("k (each combination shared by at least)"), str(result.k)),
        (_("Smallest combination in the file"), str(result.smallest)),
        (_("Households in scope"), str(result.households)),
        (_("Households left out to reach k"), str(result.suppressed)),
        (
            _("Removed"),
            _("names, registration numbers, phones, identity numbers, exact dates, sites, origin"),
        ),
    ]
    notes += [(_("Generalised: %(field)s") % {"field": name}, level) for name, level in result.levels.items()]
    return notes
