"""Forms of the targeting pages: a decision, a validation, publishing, a what-if."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

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
    held_on = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("Place"), max_length=200)
    attendees = forms.TypedMultipleChoiceField(label=_("Attendees"), coerce=int, required=False, choices=())
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 4}), required=False)

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["attendees"].choices = members  # type: ignore[attr-defined]  # a choice field
        self.fields["attendees"].widget = forms.CheckboxSelectMultiple(choices=members)
