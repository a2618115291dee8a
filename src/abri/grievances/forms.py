"""Forms of the grievance pages: they parse and check input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.core.widgets import DateInput
from abri.geo.models import AdminArea
from abri.grievances.models import Category, Channel
from abri.targeting.models import TargetingPlan


class GrievanceForm(forms.Form):
    """Record a grievance received at a desk, by phone, at the committee or a community meeting."""

    channel = forms.ChoiceField(label=_("Received through"), choices=Channel.choices)
    category = forms.ChoiceField(label=_("Category"), choices=Category.choices)
    description = forms.CharField(
        label=_("What the person said"), widget=forms.Textarea(attrs={"rows": 4}), max_length=5000
    )
    received_on = forms.DateField(label=_("Received on"), widget=DateInput())
    household_number = forms.CharField(
        label=_("Registration number of the household (if it concerns one)"), max_length=32, required=False
    )
    admin_area = forms.ModelChoiceField(
        label=_("Admin area (when no household is named)"),
        queryset=AdminArea.objects.none(),
        required=False,
        empty_label=_("Choose the area"),
    )
    due_on = forms.DateField(
        label=_("Answer due on (two weeks when left empty)"),
        widget=DateInput(),
        required=False,
    )

    def __init__(self, *args: Any, areas: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = timezone.localdate()
        if areas is not None:
            self.fields["admin_area"].queryset = areas  # type: ignore[attr-defined]  # a ModelChoiceField


class AnswerForm(forms.Form):
    """The response given to the person who complained."""

    # Not required here: the service says what is missing, with every other problem at once.
    response = forms.CharField(
        label=_("Response given"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, required=False
    )
    answered_on = forms.DateField(label=_("Answered on"), widget=DateInput())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["answered_on"].initial = timezone.localdate()


class ReferForm(forms.Form):
    """Send the household of an exclusion complaint back to a plan's committee."""

    plan = forms.ModelChoiceField(
        label=_("Targeting plan"), queryset=TargetingPlan.objects.none(), empty_label=_("Choose the plan")
    )

    def __init__(self, *args: Any, plans: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if plans is not None:
            self.fields["plan"].queryset = plans  # type: ignore[attr-defined]  # a ModelChoiceField
