"""Forms of the data sharing agreement pages: they parse and check input; the services decide.

Admin areas and programmes are named by their labels ("geo.AdminArea", "assistance.Programme"):
access sits below both apps and imports neither.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.utils.translation import gettext_lazy as _

from abri.access.models import Organisation, SharingLevel
from abri.core.widgets import DateInput


class AgreementForm(forms.Form):
    """Record a data sharing agreement the providing organisation has signed."""

    providing_organisation = forms.ModelChoiceField(
        label=_("Providing organisation"), queryset=Organisation.objects.none()
    )
    receiving_organisation = forms.ModelChoiceField(
        label=_("Receiving organisation"), queryset=Organisation.objects.filter(is_active=True)
    )
    level = forms.ChoiceField(label=_("What is shared"), choices=SharingLevel.choices)
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What the receiving organisation may use the data for, and nothing else."),
    )
    all_areas = forms.BooleanField(label=_("All admin areas"), required=False)
    admin_areas = forms.ModelMultipleChoiceField(
        label=_("Admin areas (each covers the areas within it)"), queryset=Organisation.objects.none(), required=False
    )
    all_programmes = forms.BooleanField(label=_("All programmes"), required=False, initial=True)
    programmes = forms.ModelMultipleChoiceField(
        label=_("Programmes"), queryset=Organisation.objects.none(), required=False
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    valid_to = forms.DateField(label=_("Valid to (included)"), widget=DateInput())
    signed_by = forms.CharField(
        label=_("Signed by"), max_length=300, help_text=_("The names and titles of the signatories, on both sides.")
    )

    def __init__(self, *args: Any, organisation_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        area_model = apps.get_model("geo", "AdminArea")
        programme_model = apps.get_model("assistance", "Programme")
        self.fields["providing_organisation"].queryset = Organisation.objects.filter(  # type: ignore[attr-defined]
            pk__in=organisation_ids, is_active=True
        )
        self.fields["admin_areas"].queryset = area_model.objects.filter(level__lte=2)  # type: ignore[attr-defined]
        self.fields["programmes"].queryset = programme_model.objects.filter(  # type: ignore[attr-defined]
            organisation_id__in=organisation_ids
        ).order_by("code")


class RevokeForm(forms.Form):
    """Revoke an agreement, saying why."""

    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
