"""Forms of the household pages: they parse what was typed; the services decide what is valid.

A form here checks only types (a date is a date, a year a number) and the choices offered
to this user; every rule about households lives in `abri.registry.validation`, whose errors
(`admin_area`, `members[2].birth_date`) `form_errors_apply` puts back onto the right field.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from abri.access import roles
from abri.access.selectors import Scope
from abri.core.widgets import DateInput
from abri.geo.models import AdminArea
from abri.registry.flags import FLAG_FIELDS, WG_FIELDS, age_on
from abri.registry.inputs import MEMBER_INPUT_FIELDS, HouseholdInput, IndividualInput
from abri.registry.models import (
    BirthDatePrecision,
    Consent,
    Difficulty,
    DisplacementCause,
    Household,
    HouseholdStatus,
    IdDocumentType,
    Individual,
    MaritalStatus,
    PregnancyStatus,
    Relationship,
    Sex,
)
from abri.registry.retention import ErasureReason
from abri.registry.selectors import area_choices, field_label, scope_areas, site_choices
from abri.registry.validation import MAX_MEMBERS

MEMBERS_PREFIX = "members"
BLANK = ("", "—")


def _blank(choices: Sequence[tuple[str, Any]]) -> list[tuple[str, Any]]:
    return [BLANK, *choices]


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


class HouseholdFilterForm(forms.Form):
    """The list's search box and filters. Only ``q`` is personal; the view keeps it out of URLs."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "placeholder": _("Name, registration number or phone")}
        ),
    )
    area = forms.ChoiceField(label=_("Admin area"), required=False)
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)
    flag = forms.ChoiceField(label=_("Vulnerability"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_blank(HouseholdStatus.choices))
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        covered = scope_areas(scope=scope, permission=roles.VIEW_HOUSEHOLD)
        areas = area_choices(covered=covered)
        _choices(self, "area").choices = [("", _("All areas")), *((area.pcode, _area_label(area)) for area in areas)]
        area = self.data.get("area", "") if self.is_bound else ""
        sites = site_choices(covered=covered, area=area if area in {a.pcode for a in areas} else "")
        _choices(self, "site").choices = [("", _("All sites")), *((str(site.pk), site.name) for site in sites)]
        _choices(self, "flag").choices = [
            ("", _("Any")),
            *((flag, field_label(Household, flag)) for flag in FLAG_FIELDS),
        ]
        _choices(self, "status").choices = [("", _("Any")), *HouseholdStatus.choices]


def _area_label(area: AdminArea) -> str:
    indent = "\u2003" * max(area.level - 1, 0)  # em spaces: cercles sit under their region
    return f"{indent}{area.label} ({area.pcode})"


class LocationMixin(forms.Form):
    """Region → cercle → site, each list narrowed by the choice above it (htmx reloads them)."""

    region = forms.ChoiceField(label=_("Region"), required=False)
    cercle = forms.ChoiceField(label=_("Cercle"), required=False)
    commune = forms.CharField(required=False, widget=forms.HiddenInput)  # kept when editing a deeper area
    site = forms.TypedChoiceField(label=_("Site"), required=False, coerce=int, empty_value=None)

    location_url = reverse_lazy("registry:location_fields")

    def location_init(self, *, scope: Scope, permission: str) -> None:
        covered = scope_areas(scope=scope, permission=permission)
        areas = area_choices(covered=covered)
        regions = [area for area in areas if area.level == 1]
        region = self._value("region")
        if region and region not in {area.pcode for area in regions}:
            region = ""
        cercles = [area for area in areas if area.level == 2 and (not region or area.parent_id == region)]
        cercle = self._value("cercle")
        if cercle and cercle not in {area.pcode for area in cercles}:
            cercle = ""
        _choices(self, "region").choices = [("", _("Choose a region")), *((a.pcode, a.label) for a in regions)]
        _choices(self, "cercle").choices = [
            ("", _("Whole region") if region else _("Choose a region first")),
            *((a.pcode, a.label if region else f"{a.label} ({a.parent.label if a.parent else ''})") for a in cercles),
        ]
        sites = site_choices(covered=covered, area=cercle or region)
        _choices(self, "site").choices = [
            ("", _("Not on a site")),
            *((str(site.pk), f"{site.name} · {site.get_kind_display()}") for site in sites),
        ]
        cascade = {
            "hx-get": str(self.location_url),
            "hx-trigger": "change",
            "hx-target": "#location",
            "hx-swap": "outerHTML",
            "hx-include": "#location",
        }
        self.fields["region"].widget.attrs.update(cascade)
        self.fields["cercle"].widget.attrs.update(cascade)

    def _value(self, name: str) -> str:
        if self.is_bound:
            return str(self.data.get(self.add_prefix(name), "") or "")
        return str(self.initial.get(name, "") or "")

    def admin_area(self) -> str:
        """The P-code chosen: the commune kept from before, the cercle, or the region."""
        data = self.cleaned_data
        region, cercle, commune = data.get("region", ""), data.get("cercle", ""), data.get("commune", "")
        if cercle and commune and commune.startswith(cercle):
            return str(commune)
        return str(cercle or region)

    def admin_area_field(self) -> str:
        """The field that shows an error about the admin area."""
        return "cercle" if self.cleaned_data.get("cercle") else "region"


class LocationForm(LocationMixin):
    """The location block alone, re-rendered when the region or cercle changes."""

    def __init__(self, *args: Any, scope: Scope, permission: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location_init(scope=scope, permission=permission)


class HouseholdForm(LocationMixin):
    """The household part of the registration form."""

    origin_area = forms.ChoiceField(label=_("Admin area of origin"), required=False)
    departure_date = forms.DateField(label=_("Date of departure"), required=False, widget=DateInput())
    arrival_date = forms.DateField(label=_("Date of arrival"), required=False, widget=DateInput())
    displacement_cause = forms.ChoiceField(
        label=_("Cause of displacement"), required=False, choices=_blank(DisplacementCause.choices)
    )
    phone = forms.CharField(
        label=_("Contact phone"),
        required=False,
        max_length=32,
        help_text=_("With its country code (+223 76 12 34 56); without it, a number of Mali."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    consent = forms.ChoiceField(
        label=_("Consent to registration"), required=False, choices=Consent.choices, widget=forms.RadioSelect
    )
    consent_date = forms.DateField(label=_("Consent date"), required=False, widget=DateInput())
    registered_on = forms.DateField(
        label=_("Registration date"), required=False, widget=DateInput(), help_text=_("Today when left empty.")
    )
    # The household's version when the form was opened (abri.registry.locks): an older one is refused.
    version = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # "Merged" is set by a merge only (with its record and undo), never by hand.
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[choice for choice in HouseholdStatus.choices if choice[0] != HouseholdStatus.MERGED],
    )

    def __init__(self, *args: Any, scope: Scope, permission: str = roles.CHANGE_HOUSEHOLD, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.location_init(scope=scope, permission=permission)
        origins = AdminArea.objects.filter(level__gte=1, level__lte=2).select_related("parent").order_by("pcode")
        groups: dict[str, list[tuple[str, str]]] = {}
        names: dict[str, str] = {}
        for area in origins:
            if area.level == 1:
                names[area.pcode] = area.label
                whole = _("%(region)s (whole region)") % {"region": area.label}
                groups.setdefault(area.pcode, []).append((area.pcode, whole))
            elif area.parent_id:
                groups.setdefault(area.parent_id, []).append((area.pcode, area.label))
        _choices(self, "origin_area").choices = [
            ("", "—"),
            *((names.get(region, region), options) for region, options in groups.items()),
        ]


class MemberForm(forms.Form):
    """One member row. Only types are checked here; the services check the rest."""

    BIRTH_MODES = (("date", _("Date of birth")), ("year", _("Year of birth")), ("age", _("Estimated age")))

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    given_names = forms.CharField(label=_("Given names"), required=False, max_length=150)
    family_name = forms.CharField(label=_("Family name"), required=False, max_length=150)
    sex = forms.ChoiceField(label=_("Sex"), required=False, choices=Sex.choices, widget=forms.RadioSelect)
    relationship = forms.ChoiceField(
        label=_("Relationship to the head"), required=False, choices=_blank(Relationship.choices)
    )
    marital_status = forms.ChoiceField(label=_("Marital status"), required=False, choices=_blank(MaritalStatus.choices))
    birth_mode = forms.ChoiceField(
        label=_("Birth known as"), required=False, choices=BIRTH_MODES, widget=forms.RadioSelect
    )
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    birth_year = forms.IntegerField(
        label=_("Year of birth"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    age_years = forms.IntegerField(
        label=_("Estimated age (years)"), required=False, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    pregnancy = forms.ChoiceField(
        label=_("Pregnant or lactating"), required=False, choices=PregnancyStatus.choices, initial="no"
    )
    chronic_illness = forms.BooleanField(label=_("Chronic illness"), required=False)
    wg_seeing = forms.ChoiceField(label=_("Difficulty seeing"), required=False, choices=_blank(Difficulty.choices))
    wg_hearing = forms.ChoiceField(label=_("Difficulty hearing"), required=False, choices=_blank(Difficulty.choices))
    wg_walking = forms.ChoiceField(
        label=_("Difficulty walking or climbing steps"), required=False, choices=_blank(Difficulty.choices)
    )
    wg_cognition = forms.ChoiceField(
        label=_("Difficulty remembering or concentrating"), required=False, choices=_blank(Difficulty.choices)
    )
    wg_self_care = forms.ChoiceField(
        label=_("Difficulty with self-care"), required=False, choices=_blank(Difficulty.choices)
    )
    wg_communication = forms.ChoiceField(
        label=_("Difficulty communicating"), required=False, choices=_blank(Difficulty.choices)
    )
    id_document_type = forms.ChoiceField(
        label=_("Identity document"), required=False, choices=_blank(IdDocumentType.choices)
    )
    id_number = forms.CharField(
        label=_("Document number"),
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    # What a person must give; the label shows a mark (the services enforce it).
    MARKED = frozenset({"given_names", "sex", "relationship", "birth_mode"})
    # Left at their defaults, these do not make a row worth saving.
    DEFAULTS = {"birth_mode": "", "pregnancy": "no", "chronic_illness": False, "id": None}

    def is_blank(self) -> bool:
        """Nothing typed in this row (an empty added row is ignored, not refused)."""
        data = self.cleaned_data
        return all(not data.get(name) or data.get(name) == self.DEFAULTS.get(name, "") for name in self.fields)

    def wg_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in WG_FIELDS]

    def wg_open(self) -> bool:
        """Open the Washington Group block when it holds answers or errors."""
        return (
            any(self[name].value() or self[name].errors for name in WG_FIELDS)
            if self.is_bound
            else any(self.initial.get(name) for name in WG_FIELDS)
        )

    def birth_field(self) -> str:
        """The birth field the person filled in (the chosen one, or the first filled)."""
        data = self.cleaned_data
        mode = data.get("birth_mode")
        chosen = {"date": "birth_date", "year": "birth_year", "age": "age_years"}
        if mode in chosen:
            return chosen[mode]
        for name in ("birth_date", "birth_year", "age_years"):
            if data.get(name) is not None:
                return name
        return "birth_date"

    def to_input(self) -> IndividualInput:
        """What the services take, with only the chosen way of giving the birth."""
        data = self.cleaned_data
        birth = self.birth_field()
        # Every field of the one declaration (`IndividualInput`), a blank one as its default.
        values = {
            item.name: data.get(item.name) or _blank_of(item)
            for item in dataclasses.fields(IndividualInput)
            if item.name in MEMBER_INPUT_FIELDS
        }
        for name in ("birth_date", "birth_year", "age_years"):
            values[name] = data.get(name) if birth == name else None
        values["chronic_illness"] = bool(data.get("chronic_illness"))
        return IndividualInput(id=data.get("id"), **values)


def _blank_of(item: dataclasses.Field[Any]) -> Any:
    """What a member field left empty on the form is: its declared default, or an empty text."""
    return "" if item.default is dataclasses.MISSING else item.default


MemberFormSet = forms.formset_factory(MemberForm, extra=0, max_num=MAX_MEMBERS, absolute_max=MAX_MEMBERS + 10)


def member_initial(member: Individual, *, today: date, id_number: str) -> dict[str, Any]:
    """A saved member as the edit form shows it, with the identity number in clear (from
    `abri.registry.shown`: the edit form is only for users who may see it)."""
    initial: dict[str, Any] = {
        "id": member.pk,
        "given_names": member.given_names,
        "family_name": member.family_name,
        "sex": member.sex,
        "relationship": member.relationship,
        "marital_status": member.marital_status,
        "pregnancy": member.pregnancy,
        "chronic_illness": member.chronic_illness,
        "id_document_type": member.id_document_type,
        "id_number": id_number,
        **{name: getattr(member, name) for name in WG_FIELDS},
    }
    if member.birth_date_precision == BirthDatePrecision.YEAR:
        initial.update(birth_mode="year", birth_year=member.birth_date.year)
    elif member.birth_date_precision == BirthDatePrecision.ESTIMATED_AGE:
        initial.update(birth_mode="age", age_years=age_on(member.birth_date, today))
    else:
        initial.update(birth_mode="date", birth_date=member.birth_date)
    return initial


def household_initial(household: Household, *, phone: str) -> dict[str, Any]:
    """A saved household as the edit form shows it, with the phone in clear (from `abri.registry.shown`)."""
    area = household.admin_area
    chain = [area]
    while chain[-1].parent is not None and chain[-1].level > 1:
        chain.append(chain[-1].parent)
    by_level = {item.level: item.pcode for item in chain}
    return {
        "region": by_level.get(1, ""),
        "cercle": by_level.get(2, ""),
        "commune": area.pcode if area.level > 2 else "",
        "site": household.site_id,
        "origin_area": household.origin_area_id or "",
        "departure_date": household.departure_date,
        "arrival_date": household.arrival_date,
        "displacement_cause": household.displacement_cause,
        "phone": phone,
        "consent": household.consent,
        "consent_date": household.consent_date,
        "registered_on": household.registered_on,
        "status": household.status,
        "version": household.version,
    }


@dataclass
class HouseholdEntry:
    """What the person typed, parsed: the household form and its member rows."""

    form: HouseholdForm
    members: Any  # the bound MemberFormSet
    # positions[n - 1] is the row index of the n-th member sent to the services (blank rows are skipped).
    positions: list[int] = dataclasses.field(default_factory=list)

    def to_input(self, *, registration_number: str = "") -> HouseholdInput:
        data = self.form.cleaned_data
        rows = [self.members.forms[index] for index in self.positions]
        return HouseholdInput(
            admin_area=self.form.admin_area(),
            site_id=data.get("site"),
            origin_area=data.get("origin_area", ""),
            departure_date=data.get("departure_date"),
            arrival_date=data.get("arrival_date"),
            displacement_cause=data.get("displacement_cause", ""),
            phone=data.get("phone", ""),
            consent=data.get("consent", ""),
            # A missing consent date is reported by the view; the placeholder is never saved.
            consent_date=data.get("consent_date"),
            registered_on=data.get("registered_on"),
            status=data.get("status") or HouseholdStatus.REGISTERED,
            registration_number=registration_number,
            members=[row.to_input() for row in rows],
        )

    def is_valid(self) -> bool:
        """Types parse in every field. Blank member rows are left out of ``positions`` either way."""
        valid = self.form.is_valid()
        valid = self.members.is_valid() and valid
        self.positions = [index for index, row in enumerate(self.members.forms) if row.errors or not row.is_blank()]
        return valid


def member_rows(data: Mapping[str, Any], *, drop: int | None = None, add: bool = False) -> list[dict[str, Any]]:
    """The member rows posted in ``data`` as initial values, without row ``drop``, plus an empty one on ``add``."""
    formset = MemberFormSet(data, prefix=MEMBERS_PREFIX)
    rows = []
    for index, row in enumerate(formset.forms):
        if index == drop:
            continue
        rows.append({name: row[name].value() for name in row.fields})
    if add and len(rows) < MAX_MEMBERS:
        rows.append({})
    return rows


def form_errors_apply(entry: HouseholdEntry, errors: Mapping[str, Sequence[str]]) -> None:
    """Put the services' errors (``admin_area``, ``members[2].birth_date``) on the fields that show them.

    A field that already shows an error (a value that did not parse) keeps only that one.
    """
    form = entry.form
    household_fields = {"admin_area": form.admin_area_field(), "site_id": "site"}
    for key, messages in errors.items():
        for message in messages:
            if key.startswith("members[") and "]" in key:
                _member_error_apply(entry, key, message)
            elif key == "members":
                entry.members.non_form_errors().append(message)
            else:
                field = household_fields.get(key, key)
                if field in form.errors:
                    continue
                form.add_error(field if field in form.fields else None, message)


def _member_error_apply(entry: HouseholdEntry, key: str, message: str) -> None:
    position_text, _sep, field = key[len("members[") :].partition("]")
    field = field.lstrip(".")
    try:
        row = entry.members.forms[entry.positions[int(position_text) - 1]]
    except (ValueError, IndexError):
        entry.form.add_error(None, message)
        return
    if field in {"birth_date", "birth_year", "age_years"}:
        field = row.birth_field()
    if field in row.errors:
        return
    row.add_error(field if field in row.fields and field != "id" else None, message)


class EraseForm(forms.Form):
    """Why a household's personal data is removed now, and its number typed again to confirm."""

    reason = forms.ChoiceField(label=_("Why"), choices=ErasureReason.choices, widget=forms.RadioSelect)
    confirm = forms.CharField(label=_("Type the registration number to confirm"), max_length=40, strip=True)
