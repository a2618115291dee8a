"""Forms of the shelter pages: they parse and check input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from abri.assistance.models import Receiver, WitnessKind
from abri.core.widgets import DateInput
from abri.geo.models import Site
from abri.stock.models import Item, Warehouse


class StatusForm(forms.Form):
    """Move a shelter along its lifecycle."""

    status = forms.ChoiceField(label=_("New status"), choices=())
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    reason = forms.CharField(
        label=_("Reason (needed to go back)"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, choices: list[tuple[str, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = choices  # type: ignore[attr-defined]  # a ChoiceField


class MaterialsForm(forms.Form):
    """Issue materials for a shelter from a warehouse (through the stock ledger)."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.order_by("code"))
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=100000)
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)

    def __init__(self, *args: Any, warehouses: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if warehouses is not None:
            self.fields["warehouse"].queryset = warehouses  # type: ignore[attr-defined]  # a ModelChoiceField


class AllocationForm(forms.Form):
    """Hand a shelter to a household, before witnesses."""

    household = forms.CharField(label=_("Registration number of the household"), max_length=32)
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    receiver = forms.ChoiceField(label=_("Received by"), choices=Receiver.choices, initial=Receiver.HEAD)
    proxy_name = forms.CharField(label=_("Name of the proxy"), max_length=200, required=False)
    proxy_relationship = forms.CharField(label=_("Relationship of the proxy"), max_length=100, required=False)
    witness_name = forms.CharField(label=_("Witness"), max_length=200, required=False)
    witness_kind = forms.ChoiceField(label=_("Stands for"), choices=WitnessKind.choices, required=False)
    witness_title = forms.CharField(label=_("Title of the witness"), max_length=200, required=False)


class AllocationEndForm(forms.Form):
    """End the allocation of a shelter."""

    reason = forms.CharField(label=_("Reason"), max_length=500)
    on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)


class RelocationForm(forms.Form):
    """Move a group of households from one site to another."""

    origin: forms.ModelChoiceField[Site] = forms.ModelChoiceField(label=_("From"), queryset=Site.objects.none())
    destination: forms.ModelChoiceField[Site] = forms.ModelChoiceField(label=_("To"), queryset=Site.objects.none())
    moved_on = forms.DateField(label=_("Date of the move"), widget=DateInput(), initial=timezone.localdate)
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
    households = forms.MultipleChoiceField(
        label=_("Households that move"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, sites: Any, households: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["origin"].queryset = sites  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["destination"].queryset = sites  # type: ignore[attr-defined]
        self.fields["households"].choices = [(str(pk), label) for pk, label in households]  # type: ignore[attr-defined]
