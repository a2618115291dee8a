"""Forms of the review pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.dedup.models import Decision


class DecisionForm(forms.Form):
    """A reviewer's decision on a pair and why."""

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Decision.SAME, _("Same person: registered twice")),
            (Decision.DIFFERENT, _("Different people")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        help_text=_("What decided it (a document seen, a visit, a leader's word). Kept with the decision."),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
    )
