"""The form of the household merge page: which household to keep, which members are the same
person, and why. Members are offered by id; their labels are built by the view, which knows
what the user may see."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from abri.registry.models import Household

PAIR_PREFIX = "pair_"


class MergeForm(forms.Form):
    """Keep one of two households; pair each member of the first with at most one of the second."""

    keep = forms.ChoiceField(label=_("Household to keep"), widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Why are these one household?"),
        help_text=_("Kept with the merge and shown in its history."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        first: Household,
        second: Household,
        first_members: Sequence[tuple[int, str]],
        second_members: Sequence[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.first, self.second = first, second
        keep = self.fields["keep"]
        assert isinstance(keep, forms.ChoiceField)
        keep.choices = [
            (first.registration_number, first.registration_number),
            (second.registration_number, second.registration_number),
        ]
        others = [("", _("No one: a different person")), *((str(pk), label) for pk, label in second_members)]
        for pk, label in first_members:
            self.fields[f"{PAIR_PREFIX}{pk}"] = forms.ChoiceField(label=label, required=False, choices=others)

    def pair_fields(self) -> list[forms.BoundField]:
        """The bound fields that pair a member of the first household with one of the second."""
        return [self[name] for name in self.fields if name.startswith(PAIR_PREFIX)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        chosen: dict[str, str] = {}
        for name in self.fields:
            value = data.get(name)
            if name.startswith(PAIR_PREFIX) and value:
                if value in chosen:
                    self.add_error(name, _("This person is already paired with another member: pair each person once."))
                chosen[value] = name
        return data

    def pairs(self) -> list[tuple[int, int]]:
        """(member of the first household, member of the second) judged the same person."""
        return [
            (int(name.removeprefix(PAIR_PREFIX)), int(value))
            for name, value in self.cleaned_data.items()
            if name.startswith(PAIR_PREFIX) and value
        ]
