"""Forms of the stock pages: they parse and check input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.access.models import Organisation
from abri.core.widgets import DateInput
from abri.stock.models import Item, Warehouse

_LINES_WIDGET = forms.Textarea(attrs={"rows": 6, "autocapitalize": "characters", "spellcheck": "false"})


def lines_parse(text: str, *, signed: bool = False) -> list[tuple[Item, int]]:
    """``CODE quantity`` per line as (item, quantity); the first line that is not one is refused, naming it.

    With ``signed``, a quantity may be negative (``SOAP -3``, an adjustment after a count); zero never.
    """
    found = []
    items = {item.code: item for item in Item.objects.all()}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        parts = line.split()
        quantity = parts[1] if len(parts) == 2 else ""
        digits = quantity[1:] if signed and quantity[:1] in "+-" else quantity
        if len(parts) != 2 or parts[0].upper() not in items or not digits.isdigit() or int(quantity) == 0:
            if signed:
                message = _(
                    "Line %(number)s (%(line)s): write a known item code and a quantity other than 0 (SOAP -3)."
                )
            else:
                message = _("Line %(number)s (%(line)s): write a known item code and a quantity of at least 1.")
            raise forms.ValidationError(message % {"number": number, "line": line.strip()[:60]})
        found.append((items[parts[0].upper()], int(quantity)))
    if not found:
        raise forms.ValidationError(_("Say which items, and how many."))
    return found


class _WarehouseForm(forms.Form):
    """A form whose warehouse choices are those the user may move stock in."""

    def __init__(self, *args: object, warehouses: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Django's Form takes data, files…
        if warehouses is not None:
            for name in ("warehouse", "source", "destination"):
                if name in self.fields:
                    self.fields[name].queryset = warehouses  # type: ignore[attr-defined]  # a ModelChoiceField
            only = list(warehouses[:2])  # type: ignore[index]  # a queryset
            if len(only) == 1 and "warehouse" in self.fields:
                self.initial.setdefault("warehouse", only[0].pk)


class ReceiptForm(_WarehouseForm):
    """Receive a consignment: one line per item, ``CODE quantity``."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label="")
    consignment = forms.CharField(label=_("Consignment (waybill number)"), max_length=100)
    donor = forms.ModelChoiceField(
        label=_("Donor"), queryset=Organisation.objects.filter(is_active=True), required=False, empty_label=""
    )
    occurred_on = forms.DateField(label=_("Received on"), widget=DateInput())
    lines = forms.CharField(label=_("Items, one per line: code and quantity (BLANKET 700)"), widget=_LINES_WIDGET)

    def clean_lines(self) -> list[tuple[Item, int]]:
        return lines_parse(self.cleaned_data["lines"])


class TransferForm(_WarehouseForm):
    """Move stock from one warehouse to another."""

    source = forms.ModelChoiceField(label=_("From warehouse"), queryset=Warehouse.objects.none(), empty_label="")
    destination = forms.ModelChoiceField(label=_("To warehouse"), queryset=Warehouse.objects.none(), empty_label="")
    occurred_on = forms.DateField(label=_("Sent on"), widget=DateInput())
    lines = forms.CharField(label=_("Items, one per line: code and quantity (BLANKET 50)"), widget=_LINES_WIDGET)

    def clean_lines(self) -> list[tuple[Item, int]]:
        return lines_parse(self.cleaned_data["lines"])


class LossForm(_WarehouseForm):
    """Write off what was damaged, stolen or spoiled, with the reason."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label="")
    reason = forms.CharField(label=_("What happened"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
    occurred_on = forms.DateField(label=_("Noticed on"), widget=DateInput())
    lines = forms.CharField(label=_("Items lost, one per line: code and quantity (SOAP 12)"), widget=_LINES_WIDGET)

    def clean_lines(self) -> list[tuple[Item, int]]:
        return lines_parse(self.cleaned_data["lines"])


class AdjustmentForm(_WarehouseForm):
    """Correct the balances after a physical count: signed quantities, with the reason."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none(), empty_label="")
    reason = forms.CharField(
        label=_("Why (the count and who made it)"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    occurred_on = forms.DateField(label=_("Counted on"), widget=DateInput())
    lines = forms.CharField(
        label=_("Differences, one per line: code and quantity, minus when fewer were counted (SOAP -3)"),
        widget=_LINES_WIDGET,
    )

    def clean_lines(self) -> list[tuple[Item, int]]:
        return lines_parse(self.cleaned_data["lines"], signed=True)


class KitContentsForm(forms.Form):
    """New contents of a kit: a new version; distributions planned with an older one keep theirs."""

    lines = forms.CharField(label=_("Contents, one item per line: code and quantity (BLANKET 2)"), widget=_LINES_WIDGET)
    note = forms.CharField(label=_("Why the contents change"), max_length=300)

    def clean_lines(self) -> list[tuple[Item, int]]:
        return lines_parse(self.cleaned_data["lines"])
