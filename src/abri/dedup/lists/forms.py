"""Forms of the partner-list pages: the upload, and the role of each column."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abri.dedup.lists.selectors import ColumnPreview
from abri.dedup.lists.services import MAX_COMPARE

ACCEPT = ".csv,.tsv,.txt,.xlsx,.xlsm,.xls,.ods"

FIELD_LABELS: dict[str, Any] = {
    "given_name": gettext_lazy("Given name"),
    "family_name": gettext_lazy("Family name"),
    "full_name": gettext_lazy("Full name (given and family names together)"),
    "sex": gettext_lazy("Sex"),
    "birth_date": gettext_lazy("Date of birth"),
    "birth_year": gettext_lazy("Year of birth"),
    "age": gettext_lazy("Age"),
    "phone": gettext_lazy("Phone"),
    "id_number": gettext_lazy("Identity document number"),
    "location": gettext_lazy("Place (P-code or name)"),
    "household_id": gettext_lazy("Household identifier"),
}
IGNORE = ""
ID = "id"
COMPARE = "compare"


class ListUploadForm(forms.Form):
    first = forms.FileField(
        label=gettext_lazy("List"),
        allow_empty_file=True,  # refused by the service, with the file's name
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy("A CSV file or an Excel workbook (first sheet), one person per row."),
    )
    second = forms.FileField(
        label=gettext_lazy("Second list (optional)"),
        required=False,
        allow_empty_file=True,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        help_text=gettext_lazy(
            "Give a second list to find the people it shares with the first (same column names in both)."
        ),
    )


def role_choices() -> list[tuple[str, Any]]:
    """What a column can be: ignored, the record's id, a known field, or other text to compare."""
    return [
        (IGNORE, gettext_lazy("— not used —")),
        (ID, gettext_lazy("Record id (shown in the results)")),
        *FIELD_LABELS.items(),
        (COMPARE, gettext_lazy("Other text to compare")),
    ]


class ListMappingForm(forms.Form):
    """One choice per column of the list (pre-filled by the guess), and the threshold."""

    threshold = forms.FloatField(
        label=gettext_lazy("Threshold"),
        min_value=0.01,
        max_value=0.99,
        initial=0.5,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        help_text=gettext_lazy("Lowest match probability kept: 0.5 keeps pairs more likely the same than not."),
    )

    def __init__(self, *args: Any, columns: list[ColumnPreview], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.columns = columns
        for index, column in enumerate(columns):
            self.fields[f"role_{index}"] = forms.ChoiceField(
                label=column.name, choices=role_choices(), required=False, initial=column.guess
            )

    def rows(self) -> list[tuple[ColumnPreview, forms.BoundField]]:
        """Each column beside its choice, for the template."""
        return [(column, self[f"role_{index}"]) for index, column in enumerate(self.columns)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        fields: dict[str, str] = {}
        compare: list[str] = []
        id_column: str | None = None
        for index, column in enumerate(self.columns):
            role = cleaned.get(f"role_{index}") or IGNORE
            if role == IGNORE:
                continue
            if role == COMPARE:
                compare.append(column.name)
            elif role == ID:
                if id_column:
                    self.add_error(
                        f"role_{index}",
                        _("“%(first)s” is already the record id; choose one id column.") % {"first": id_column},
                    )
                id_column = column.name
            elif role in fields:
                self.add_error(
                    f"role_{index}",
                    _("“%(first)s” already holds this field (%(field)s); a field comes from one column.")
                    % {"first": fields[role], "field": FIELD_LABELS[role]},
                )
            else:
                fields[role] = column.name
        if len(compare) > MAX_COMPARE:
            self.add_error(
                None,
                _(
                    "%(count)d columns are chosen to compare as free text; choose at most %(max)d, "
                    "the ones that tell people apart: each adds a comparison to every pair."
                )
                % {"count": len(compare), "max": MAX_COMPARE},
            )
        if not fields and not compare:
            self.add_error(None, _("Nothing to compare: choose what at least one column holds (a name, a phone…)."))
        cleaned.update(fields=fields, compare=compare, id_column=id_column)
        return cleaned
