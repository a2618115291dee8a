"""Forms of the targeting pages: a decision, a validation, publishing, a what-if."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.targeting.models import Decision


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
