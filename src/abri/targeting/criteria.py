"""Criteria of a targeting plan as data: eligibility rules (must / must not), weighted scoring
rules, tie-breaks and score bands, checked against the registry's fields and derived flags.

Criteria are stored as JSON on the plan and read back through :func:`criteria_parse`, which
refuses a rule on a field the registry does not have, an operator that does not fit the
field, or a value of the wrong kind, each with a message saying which rule and why.
"""

from __future__ import annotations

import datetime
from typing import Any, Literal

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from abri.core.errors import ValidationFailed
from abri.registry.models import Household, Sex
from abri.registry.selectors import FEATURE_KINDS

MAX_SCORING_RULES = 30  # the rules that fired are stored as bits of one integer per household

OPERATORS: dict[str, tuple[str, ...]] = {
    "flag": ("is",),
    "number": ("eq", "ne", "ge", "gt", "le", "lt", "between"),
    "date": ("on_or_after", "before", "between"),
    "choice": ("eq", "ne", "in", "not_in", "within"),
}
TIE_BREAKS: dict[str, tuple[str, bool]] = {  # name → (column, descending)
    "size_desc": ("size", True),
    "head_age_desc": ("head_age", True),
    "arrival_date_asc": ("arrival_date", False),
    "arrival_date_desc": ("arrival_date", True),
    "registered_on_asc": ("registered_on", False),
    "children_under_5_desc": ("children_under_5", True),
}
TIE_BREAK_LABELS: dict[str, Any] = {
    "size_desc": gettext_lazy("larger households first"),
    "head_age_desc": gettext_lazy("older heads first"),
    "arrival_date_asc": gettext_lazy("earlier arrivals first"),
    "arrival_date_desc": gettext_lazy("later arrivals first"),
    "registered_on_asc": gettext_lazy("earlier registrations first"),
    "children_under_5_desc": gettext_lazy("more children under 5 first"),
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Rule(_Strict):
    """One test on one field of the household."""

    field: str
    op: str = "is"
    value: Any = True


class EligibilityRule(Rule):
    """A household is eligible only if every "must" rule holds and no "must not" rule does."""

    mode: Literal["must", "must_not"] = "must"


class ScoringRule(Rule):
    """``weight`` points when the rule holds."""

    weight: float = Field(ge=-100, le=100)
    label: str = ""


class Band(_Strict):
    """A named band of scores from ``minimum`` (e.g. 3: moderate, 4: severe)."""

    minimum: float
    label: str


class Criteria(_Strict):
    """Everything that decides who is proposed, apart from the quota."""

    eligibility: list[EligibilityRule] = Field(default_factory=list)
    scoring: list[ScoringRule] = Field(default_factory=list)
    tie_breaks: list[str] = Field(default_factory=list)
    minimum_score: float | None = None  # below it a household is not proposed, whatever the quota
    maximum_score: float | None = None  # the score is capped there (a score card's top)
    bands: list[Band] = Field(default_factory=list)


def _value_error(place: str, rule: Rule, kind: str) -> str | None:
    value = rule.value
    if kind == "flag":
        return None if isinstance(value, bool) else _("%(place)s: the value must be true or false.") % {"place": place}
    if rule.op == "between":
        if not (isinstance(value, list) and len(value) == 2):
            return _("%(place)s: “between” takes two values, the lowest and the highest.") % {"place": place}
        values = value
    elif rule.op in {"in", "not_in"}:
        if not (isinstance(value, list) and value):
            return _("%(place)s: “%(op)s” takes a list of values.") % {"place": place, "op": rule.op}
        values = value
    else:
        values = [value]
    for item in values:
        if kind == "number" and (isinstance(item, bool) or not isinstance(item, int | float)):
            return _("%(place)s: %(value)s is not a number.") % {"place": place, "value": item}
        if kind == "date":
            try:
                datetime.date.fromisoformat(str(item))
            except ValueError:
                return _("%(place)s: %(value)s is not a date (YYYY-MM-DD).") % {"place": place, "value": item}
        if kind == "choice" and not isinstance(item, str | int):
            return _("%(place)s: %(value)s is not a code.") % {"place": place, "value": item}
    return None


def _rule_errors(place: str, rule: Rule) -> list[str]:
    kind = FEATURE_KINDS.get(rule.field)
    if kind is None:
        return [
            _("%(place)s: there is no field “%(field)s” in the registry; the fields are: %(known)s.")
            % {"place": place, "field": rule.field, "known": ", ".join(FEATURE_KINDS)}
        ]
    if rule.op not in OPERATORS[kind]:
        return [
            _("%(place)s: “%(op)s” does not apply to %(field)s; use one of: %(known)s.")
            % {"place": place, "op": rule.op, "field": rule.field, "known": ", ".join(OPERATORS[kind])}
        ]
    error = _value_error(place, rule, kind)
    return [error] if error else []


def criteria_parse(data: Any) -> Criteria:
    """The criteria in ``data`` (JSON-like), or ValidationFailed saying which rule is wrong and why."""
    try:
        criteria = Criteria.model_validate(data)
    except PydanticValidationError as error:
        messages = [
            _("%(where)s: %(problem)s")
            % {"where": ".".join(str(part) for part in item["loc"]) or _("criteria"), "problem": item["msg"]}
            for item in error.errors()
        ]
        raise ValidationFailed({"criteria": messages}) from error
    errors: list[str] = []
    for index, rule in enumerate(criteria.eligibility, start=1):
        errors += _rule_errors(_("Eligibility rule %(number)s") % {"number": index}, rule)
    for index, scoring_rule in enumerate(criteria.scoring, start=1):
        errors += _rule_errors(_("Scoring rule %(number)s") % {"number": index}, scoring_rule)
    if len(criteria.scoring) > MAX_SCORING_RULES:
        errors.append(_("At most %(count)s scoring rules.") % {"count": MAX_SCORING_RULES})
    for name in criteria.tie_breaks:
        if name not in TIE_BREAKS:
            errors.append(
                _("Tie-break “%(name)s” is not known; use one of: %(known)s.")
                % {"name": name, "known": ", ".join(TIE_BREAKS)}
            )
    if errors:
        raise ValidationFailed({"criteria": errors})
    return criteria


FEATURE_LABELS: dict[str, Any] = {  # the fields that are not a household's column, as a reader names them
    "head_age": gettext_lazy("age of the head"),
    "head_sex": gettext_lazy("sex of the head"),
    "children_under_5": gettext_lazy("children under 5"),
    "children_under_18": gettext_lazy("children under 18"),
    "members_60_plus": gettext_lazy("members aged 60 or more"),
    "members_with_disability": gettext_lazy("members with a disability"),
    "days_since_arrival": gettext_lazy("days since arrival"),
    "origin_area": gettext_lazy("area of origin"),
}
OPERATOR_LABELS: dict[str, Any] = {
    "eq": "=",
    "ne": "≠",
    "ge": "≥",
    "gt": ">",
    "le": "≤",
    "lt": "<",
    "between": gettext_lazy("between"),
    "on_or_after": gettext_lazy("on or after"),
    "before": gettext_lazy("before"),
    "in": gettext_lazy("one of"),
    "not_in": gettext_lazy("none of"),
    "within": gettext_lazy("within"),
}


def _column(name: str) -> models.Field[Any, Any] | None:
    try:
        found = Household._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return found if isinstance(found, models.Field) else None


def field_label(name: str) -> str:
    """A criterion's field as the household page names it (its column's label), in the reader's language."""
    if name in FEATURE_LABELS:
        return str(FEATURE_LABELS[name])
    column = _column(name)
    return str(column.verbose_name) if column is not None else name


def _value_label(name: str, value: object) -> str:
    values = value if isinstance(value, list | tuple) else [value]
    if name == "head_sex":
        shown = [str(Sex(item).label) if item in Sex.values else str(item) for item in values]
    else:
        column = _column(name)
        choices = dict(column.flatchoices) if column is not None else {}
        shown = [str(choices.get(item, item)) for item in values]
    return " – ".join(shown) if isinstance(value, list | tuple) and len(values) == 2 else ", ".join(shown)


def rule_label(rule: ScoringRule | EligibilityRule) -> str:
    """What a rule says, for a person reading the criteria or the reasons of a score."""
    if isinstance(rule, ScoringRule) and rule.label:
        return rule.label
    field = field_label(rule.field)
    if FEATURE_KINDS.get(rule.field) == "flag":
        return field if rule.value in (True, None) else _("%(field)s: no") % {"field": field}
    operator = OPERATOR_LABELS.get(rule.op, rule.op)
    return f"{field} {operator} {_value_label(rule.field, rule.value)}"


# --- ready-made templates -------------------------------------------------------------------------


def menaka_nfi_criteria() -> dict[str, Any]:
    """The NFI vulnerability criteria of the Ménaka response (December 2022): displaced by the
    conflict, and the committee's priorities: widows, elderly people, single parents, people with
    disabilities, then other vulnerabilities; larger and later-arrived households first on a tie."""
    return {
        "eligibility": [
            {"field": "displacement_cause", "op": "eq", "value": "armed_conflict", "mode": "must"},
        ],
        "scoring": [
            {"field": "widow_headed", "weight": 3, "label": "Veuve cheffe de ménage"},
            {"field": "elderly_head", "weight": 3, "label": "Chef de ménage âgé (60 ans et plus)"},
            {"field": "single_parent", "weight": 2, "label": "Parent seul"},
            {"field": "member_with_disability", "weight": 3, "label": "Personne handicapée"},
            {"field": "child_headed", "weight": 3, "label": "Enfant chef de ménage"},
            {"field": "pregnant_or_lactating_woman", "weight": 1, "label": "Femme enceinte ou allaitante"},
            {"field": "large_household", "weight": 1, "label": "Ménage de 10 personnes ou plus"},
            {"field": "unaccompanied_or_separated_child", "weight": 2, "label": "Enfant non accompagné ou séparé"},
            {
                "field": "children_under_5",
                "op": "ge",
                "value": 2,
                "weight": 1,
                "label": "Deux enfants de moins de 5 ans",
            },
            {
                "field": "days_since_arrival",
                "op": "le",
                "value": 90,
                "weight": 1,
                "label": "Arrivé depuis 3 mois au plus",
            },
        ],
        "tie_breaks": ["size_desc", "arrival_date_desc"],
    }


def nfi_score_card_criteria() -> dict[str, Any]:
    """An NFI score card: points summing to at most 5; 3 to 3.9 is a moderate need, 4 to 5 a severe one,
    and only households of 3 or more are proposed."""
    return {
        "eligibility": [],
        "scoring": [
            {"field": "widow_headed", "weight": 1, "label": "Veuve cheffe de ménage"},
            {"field": "elderly_head", "weight": 1, "label": "Chef de ménage âgé"},
            {"field": "member_with_disability", "weight": 1, "label": "Personne handicapée"},
            {"field": "single_parent", "weight": 0.5, "label": "Parent seul"},
            {"field": "pregnant_or_lactating_woman", "weight": 0.5, "label": "Femme enceinte ou allaitante"},
            {"field": "size", "op": "ge", "value": 7, "weight": 0.5, "label": "Ménage de 7 personnes ou plus"},
            {"field": "days_since_arrival", "op": "le", "value": 60, "weight": 0.5, "label": "Arrivée récente"},
        ],
        "tie_breaks": ["size_desc"],
        "minimum_score": 3,
        "maximum_score": 5,
        "bands": [{"minimum": 3, "label": "modéré"}, {"minimum": 4, "label": "sévère"}],
    }


TEMPLATES = {"menaka_nfi": menaka_nfi_criteria, "nfi_score_card": nfi_score_card_criteria}
