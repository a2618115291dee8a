"""Forms of the stock pages: they parse and check input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.access.models import Organisation
from abri.stock.models import Item, Warehouse


class ReceiptForm(forms.Form):
    """Receive a consignment: one line per item, ``CODE quantity``."""

    warehouse = forms.ModelChoiceField(label=_("Warehouse"), queryset=Warehouse.objects.none())
    consignment = forms.CharField(label=_("Consignment (waybill number)"), max_length=100)
    donor = forms.ModelChoiceField(
        label=_("Donor"), queryset=Organisation.objects.filter(is_active=True), required=False
    )
    occurred_on = forms.DateField(label=_("Received on"), widget=forms.DateInput(attrs={"type": "date"}))
    lines = forms.CharField(
        label=_("Items, one per line: code and quantity (BLANKET 700)"), widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: object, warehouses: object = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]  # Django's Form takes data, files…
        if warehouses is not None:
            self.fields["warehouse"].queryset = warehouses  # type: ignore[attr-defined]  # a ModelChoiceField

    def clean_lines(self) -> list[tuple[Item, int]]:
        """Each line as (item, quantity); a line that is not ``CODE quantity`` is refused, naming it."""
        found = []
        items = {item.code: item for item in Item.objects.all()}
        for number, line in enumerate(self.cleaned_data["lines"].splitlines(), start=1):
            if not line.strip():
                continue
            parts = line.split()
            if len(parts) != 2 or parts[0].upper() not in items or not parts[1].isdigit() or int(parts[1]) < 1:
                raise forms.ValidationError(
                    _("Line %(number)s (%(line)s): write a known item code and a quantity of at least 1.")
                    % {"number": number, "line": line.strip()[:60]}
                )
            found.append((items[parts[0].upper()], int(parts[1])))
        if not found:
            raise forms.ValidationError(_("Say which items were received, and how many."))
        return found
