"""The filters of the 5W, the dashboard and their exports, and the 5W import form."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.access.models import Organisation
from abri.assistance.models import Programme
from abri.core.widgets import DateInput
from abri.geo.models import AdminArea
from abri.reporting.fivew import Filters


class FiltersForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DateInput())
    end = forms.DateField(label=_("To"), required=False, widget=DateInput())
    programme = forms.TypedChoiceField(label=_("Programme"), required=False, coerce=int, empty_value=None)
    area = forms.ChoiceField(label=_("Admin area"), required=False)
    organisation = forms.TypedChoiceField(label=_("Organisation"), required=False, coerce=int, empty_value=None)

    def __init__(
        self,
        *args: Any,
        programmes: list[Programme],
        areas: list[AdminArea],
        organisations: list[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.programmes = programmes
        everything: list[tuple[Any, Any]] = [("", _("All"))]
        cast(forms.ChoiceField, self.fields["programme"]).choices = everything + [(p.pk, str(p)) for p in programmes]
        cast(forms.ChoiceField, self.fields["area"]).choices = everything + [
            (a.pcode, ("— " if a.level > 1 else "") + a.label) for a in areas
        ]
        cast(forms.ChoiceField, self.fields["organisation"]).choices = everything + [
            (o.pk, o.acronym) for o in organisations
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data

    def filters(self) -> Filters:
        """The filters chosen (none when the form is not valid)."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            start=data.get("start"),
            end=data.get("end"),
            programme_id=data.get("programme"),
            area=data.get("area") or "",
            organisation_id=data.get("organisation"),
        )


class ImportForm(forms.Form):
    file = forms.FileField(label=_("5W file (XLSX or CSV)"))
