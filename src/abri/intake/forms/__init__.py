"""Forms of the intake pages (the shipped XLSForm lives beside them, in `registration`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.intake.models import ColumnMapping
from abri.intake.parsers.layout import HOUSEHOLD_FIELDS, MEMBER_FIELDS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    upload = MultipleFileField(
        label=_("Files"),
        widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv,.json,.zip"}),
        help_text=_(
            "A Kobo or ODK export (XLSX with its repeat sheets, or the main and members CSV files), or a list."
        ),
    )
    mapping = forms.ModelChoiceField(
        label=_("Column mapping"), queryset=ColumnMapping.objects.none(), required=False,
        help_text=_("Leave empty for Abri's registration form and Kobo exports of it."),
    )  # fmt: skip

    def __init__(self, *args: Any, mappings: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if mappings is not None:
            self.fields["mapping"].queryset = mappings  # type: ignore[attr-defined]  # a ModelChoiceField; the form's fields are typed as Field


class KoboPullForm(forms.Form):
    base_url = forms.URLField(
        label=_("Kobo server address"), initial="https://kf.kobotoolbox.org", assume_scheme="https"
    )
    token = forms.CharField(
        label=_("API token"),
        widget=forms.PasswordInput,
        help_text=_("Used for this pull only: kept encrypted until the pull starts, then deleted."),
    )
    asset_uid = forms.CharField(label=_("Form ID (asset UID)"), max_length=64)


class OdkPullForm(forms.Form):
    base_url = forms.URLField(label=_("ODK Central server address"), assume_scheme="https")
    username = forms.CharField(label=_("Account (e-mail)"), max_length=200)
    password = forms.CharField(
        label=_("Password"),
        widget=forms.PasswordInput,
        help_text=_("Used for this pull only: kept encrypted until the pull starts, then deleted."),
    )
    project_id = forms.IntegerField(label=_("Project number"), min_value=1)
    form_id = forms.CharField(label=_("Form ID"), max_length=100)


class AddFilesForm(forms.Form):
    upload = MultipleFileField(
        label=_("Corrected file"), widget=MultipleFileInput(attrs={"accept": ".xlsx,.csv,.json,.zip"})
    )


class RemapForm(forms.Form):
    """Read the batch again with a saved column mapping and a household number column."""

    mapping = forms.ModelChoiceField(
        label=_("Column mapping"), queryset=ColumnMapping.objects.none(), required=False, empty_label=_("None")
    )
    household_key = forms.CharField(
        label=_("Household number column"),
        max_length=200,
        required=False,
        help_text=_("The column a people sheet shares with the household sheet, when Abri cannot find it."),
    )

    def __init__(self, *args: Any, mappings: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["mapping"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = mappings if mappings is not None else ColumnMapping.objects.none()


class CommitForm(forms.Form):
    LIKELY_CHOICES = (
        ("hold", _("Leave the households that are likely duplicates in the batch, for review")),
        ("commit", _("Commit them with the other valid households")),
    )

    include_duplicates = forms.BooleanField(
        label=_("Also commit the households flagged as possible duplicates"), required=False
    )
    likely_duplicates = forms.ChoiceField(
        label=_("Likely duplicates found by the deduplication engine"),
        choices=LIKELY_CHOICES,
        initial="hold",
        required=False,
        widget=forms.RadioSelect,
    )

    def hold_likely_duplicates(self) -> bool:
        """Whether to leave the likely duplicates in the batch (the safe choice when nothing was said)."""
        return self.cleaned_data.get("likely_duplicates", "hold") != "commit"


FIELD_CHOICES = [("", _("— ignore —"))] + [(name, name) for name in (*HOUSEHOLD_FIELDS, *MEMBER_FIELDS)]


# The mapping builder reads a sample in the request: its headers and a few rows are enough.
SAMPLE_MAX_BYTES = 20 * 1024 * 1024


class MappingSampleForm(forms.Form):
    sample = forms.FileField(label=_("A sample file (its header row is read)"))

    def clean_sample(self) -> Any:
        sample = self.cleaned_data["sample"]
        if sample.size > SAMPLE_MAX_BYTES:
            raise forms.ValidationError(
                _(
                    "The sample %(name)s is %(size).0f MB; a sample needs only the header row and a few rows, "
                    "at most %(limit).0f MB. Keep the first rows of the file and upload them."
                )
                % {"name": sample.name, "size": sample.size / 1e6, "limit": SAMPLE_MAX_BYTES / 1e6}
            )
        return sample


class MappingForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    layout = forms.ChoiceField(
        label=_("Layout"),
        choices=[("rows", _("One row per member")), ("kobo", _("One sheet of households and one of members"))],
    )
    household_key = forms.CharField(label=_("Household number column"), required=False)
    values = forms.CharField(
        label=_("Value translations"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_('One per line: field: source value = Abri value, e.g. "sex: Femme = female".'),
    )

    def __init__(self, *args: Any, headers: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.headers = headers or []
        for position, header in enumerate(self.headers):
            self.fields[f"column_{position}"] = forms.ChoiceField(label=header, choices=FIELD_CHOICES, required=False)

    def spec(self) -> dict[str, Any]:
        """The mapping as `abri.intake.services.mapping_save` takes it."""
        data = self.cleaned_data
        values: dict[str, dict[str, str]] = {}
        for line in data.get("values", "").splitlines():
            field, _colon, rest = line.partition(":")
            source, _equals, target = rest.partition("=")
            if field.strip() and source.strip() and target.strip():
                values.setdefault(field.strip(), {})[source.strip()] = target.strip()
        return {
            "layout": data["layout"],
            "household_key": data.get("household_key", "").strip(),
            "columns": {
                header: data.get(f"column_{position}", "")
                for position, header in enumerate(self.headers)
                if data.get(f"column_{position}")
            },
            "values": values,
        }
