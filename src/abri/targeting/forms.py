"""Forms of the targeting pages: a decision, a validation, publishing, a what-if."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.core.widgets import DateInput
from abri.targeting.models import Decision, MemberRole


class DecisionForm(forms.Form):
    household = forms.CharField(label=_("Registration number"), max_length=32)
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=2000)


class ValidationForm(forms.Form):
    member = forms.IntegerField(label=_("Member"))


class WhatIfForm(forms.Form):
    """A quota and one weight per scoring rule (``weight_<n>``), built from the plan's criteria."""

    quota = forms.IntegerField(label=_("Quota"), min_value=1)

    def __init__(self, *args: Any, rules: list[tuple[str, float]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for index, (label, weight) in enumerate(rules):
            self.fields[f"weight_{index}"] = forms.FloatField(
                label=label, initial=weight, min_value=-100, max_value=100
            )


class PlanForm(forms.Form):
    """A new plan: its programme, areas, a template or criteria of its own (JSON), and the quota."""

    name = forms.CharField(label=_("Name"), max_length=200)
    programme = forms.CharField(label=_("Programme code"), max_length=32)
    areas = forms.CharField(label=_("Admin areas (P-codes, separated by commas)"), max_length=500)
    template = forms.ChoiceField(
        label=_("Criteria"),
        choices=[
            ("menaka_nfi", _("NFI vulnerability criteria (Ménaka)")),
            ("nfi_score_card", _("NFI score card (0 to 5)")),
            ("own", _("My own criteria (below)")),
        ],
    )
    criteria = forms.CharField(label=_("Criteria (JSON)"), widget=forms.Textarea(attrs={"rows": 8}), required=False)
    quota = forms.IntegerField(label=_("Quota (households)"), min_value=1)


class MemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    role = forms.ChoiceField(label=_("Role"), choices=MemberRole.choices)
    affiliation = forms.CharField(label=_("Organisation or community"), max_length=200, required=False)
    validates = forms.BooleanField(label=_("Validates the list"), required=False)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=_("Date"), widget=DateInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    attendees = forms.TypedMultipleChoiceField(label=_("Attendees"), coerce=int, required=False, choices=())
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = members  # type: ignore[attr-defined]  # a choice field
        self.fields["attendees"].widget = forms.CheckboxSelectMultiple(choices=members)


RULE_KINDS = [("", _("(unused)")), ("must", _("must")), ("must_not", _("must not")), ("score", _("adds points"))]
_TRUE = {"", "true", "yes", "oui", "vrai", "1"}
_FALSE = {"false", "no", "non", "faux", "0"}


def _number(text: str) -> int | float:
    value = float(text.replace(",", ".").strip())
    return int(value) if value.is_integer() else value


def _parts(text: str) -> list[str]:
    """``a, b`` or ``a; b`` (decimals may use a comma only when the parts are separated by ``;``)."""
    separator = ";" if ";" in text else ","
    return [part.strip() for part in text.split(separator) if part.strip()]


def rule_value(kind: str, op: str, text: str) -> Any:
    """The value of a rule as a person writes it (``oui``, ``5``, ``2022-06-01``, ``3; 8``, ``ML10, ML05``)
    as the criteria store it; ValueError saying what was expected."""
    text = text.strip()
    if kind == "flag":
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(_("write yes or no"))
    if op == "between":
        parts = _parts(text)
        if len(parts) != 2:
            raise ValueError(_("write the lowest and the highest, separated by a semicolon (3; 8)"))
        return [_number(part) for part in parts] if kind == "number" else parts
    if op in {"in", "not_in"}:
        parts = _parts(text)
        if not parts:
            raise ValueError(_("write the codes, separated by commas"))
        return [int(part) if part.isdigit() else part for part in parts]
    if kind == "number":
        try:
            return _number(text)
        except ValueError:
            raise ValueError(_("write a number")) from None
    if kind == "choice" and text.isdigit():
        return int(text)
    if not text:
        raise ValueError(_("write a value"))
    return text


def value_text(value: Any) -> str:
    """A stored rule value as the builder shows it (the reverse of :func:`rule_value`)."""
    if value is True:
        return str(_("yes"))
    if value is False:
        return str(_("no"))
    if isinstance(value, list):
        return ("; " if len(value) == 2 and all(isinstance(item, int | float) for item in value) else ", ").join(
            str(item) for item in value
        )
    return str(value)


class CriteriaForm(forms.Form):
    """The criteria builder: one row per rule (what it does, the field, the test, the value, the
    points), the quota, the tie-breaks and the lowest score proposed. Bands and the score's cap
    are kept as they are."""

    quota = forms.IntegerField(label=_("Quota (households)"), min_value=1)
    tie_breaks = forms.MultipleChoiceField(
        label=_("On equal scores"), required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    minimum_score = forms.FloatField(label=_("Lowest score proposed (empty: any)"), required=False, localize=True)

    def __init__(self, *args: Any, rows: int, fields: list[tuple[str, str]], operators: list[tuple[str, str]],
                 tie_breaks: list[tuple[str, str]], **kwargs: Any) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)
        self.rows = rows
        self.fields["tie_breaks"].choices = tie_breaks  # type: ignore[attr-defined]  # a choice field
        for index in range(rows):
            self.fields[f"rule_{index}_kind"] = forms.ChoiceField(label=_("Rule"), choices=RULE_KINDS, required=False)
            self.fields[f"rule_{index}_field"] = forms.ChoiceField(
                label=_("Field"), choices=[("", ""), *fields], required=False
            )
            self.fields[f"rule_{index}_op"] = forms.ChoiceField(
                label=_("Test"), choices=[("", ""), *operators], required=False
            )
            self.fields[f"rule_{index}_value"] = forms.CharField(label=_("Value"), max_length=500, required=False)
            self.fields[f"rule_{index}_weight"] = forms.FloatField(
                label=_("Points"), required=False, min_value=-100, max_value=100, localize=True
            )
            self.fields[f"rule_{index}_label"] = forms.CharField(
                label=_("Name on the list (optional)"), max_length=200, required=False
            )

    def row_fields(self) -> list[list[forms.BoundField]]:
        """The bound fields of each row, in order, for the template."""
        names = ("kind", "field", "op", "value", "weight", "label")
        return [[self[f"rule_{index}_{name}"] for name in names] for index in range(self.rows)]

    def criteria(self, *, kinds: dict[str, str], kept: dict[str, Any]) -> dict[str, Any]:
        """The criteria the rows say, with ``kept`` (bands, cap) carried over; a row that cannot be a
        rule is an error on its value, naming the row."""
        data = self.cleaned_data
        eligibility: list[dict[str, Any]] = []
        scoring: list[dict[str, Any]] = []
        for index in range(self.rows):
            kind = data.get(f"rule_{index}_kind") or ""
            if not kind:
                continue
            field = data.get(f"rule_{index}_field") or ""
            op = data.get(f"rule_{index}_op") or ("is" if kinds.get(field) == "flag" else "")
            place = _("Row %(number)s") % {"number": index + 1}
            if not field or not op:
                self.add_error(f"rule_{index}_field", _("%(place)s: choose a field and a test.") % {"place": place})
                continue
            if kinds.get(field) == "flag":
                op = "is"
            try:
                value = rule_value(kinds.get(field, ""), op, data.get(f"rule_{index}_value") or "")
            except ValueError as error:
                self.add_error(f"rule_{index}_value", f"{place}: {error}.")
                continue
            rule: dict[str, Any] = {"field": field, "op": op, "value": value}
            if kind == "score":
                weight = data.get(f"rule_{index}_weight")
                if weight is None:
                    self.add_error(f"rule_{index}_weight", _("%(place)s: say how many points.") % {"place": place})
                    continue
                scoring.append(rule | {"weight": weight, "label": data.get(f"rule_{index}_label") or ""})
            else:
                eligibility.append(rule | {"mode": kind})
        return {
            **kept,
            "eligibility": eligibility,
            "scoring": scoring,
            "tie_breaks": list(data.get("tie_breaks") or []),
            "minimum_score": data.get("minimum_score"),
        }
