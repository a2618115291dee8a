"""Form widgets every app shares."""

from __future__ import annotations

from django import forms


class DateInput(forms.DateInput):
    """A browser date picker: it reads and writes ISO dates whatever the language (French would
    write 04/12/2022, which the picker shows as empty), so a starting value shows as it is."""

    input_type = "date"

    def __init__(self, attrs: dict[str, str] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")
