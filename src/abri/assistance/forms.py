"""Forms of the distribution pages: they parse and check input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.access.models import Organisation
from abri.assistance.models import Programme, WitnessKind
from abri.core.widgets import DateInput
from abri.geo.models import AdminArea, Site
from abri.stock.models import Kit, Warehouse


class DistributionForm(forms.Form):
    """Plan a distribution."""

    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    programme = forms.ModelChoiceField(label=_("Programme"), queryset=Programme.objects.none())
    admin_area = forms.ModelChoiceField(label=_("Admin area"), queryset=AdminArea.objects.filter(level__gte=2))
    site = forms.ModelChoiceField(label=_("Site"), queryset=Site.objects.all(), required=False)
    starts_on = forms.DateField(label=_("First day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput())
    kit = forms.ModelChoiceField(label=_("Kit"), queryset=Kit.objects.all())
    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.all())
    points = forms.CharField(
        label=_("Distribution points, one per line"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    implementing_partner = forms.ModelChoiceField(
        label=_("Implementing partner"), queryset=Organisation.objects.filter(is_active=True), required=False
    )

    def __init__(self, *args: object, programmes: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Django's Form takes data, files…
        if programmes is not None:
            self.fields["programme"].queryset = programmes  # type: ignore[attr-defined]  # a ModelChoiceField


class WitnessForm(forms.Form):
    """Record a witness present."""

    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Stands for"), choices=WitnessKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    present_on = forms.DateField(label=_("Present on (empty: every day)"), required=False, widget=DateInput())


class DispatchForm(forms.Form):
    """Dispatch kits from the warehouse to the distribution."""

    kits = forms.IntegerField(label=_("Kits"), min_value=1, max_value=100000)
