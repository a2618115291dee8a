"""Write services of geo: loading P-code lists, creating and changing sites."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import MANAGE_SITES
from abri.access.selectors import memberships_granting
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import AdminArea, Site
from abri.geo.pcodes import ENGLISH_NAMES, FRENCH_NAMES, SHIPPED_FILES, AreaRow, check_hierarchy, read_pcode_file

Actor = User | AnonymousUser | None


@dataclass(frozen=True)
class AreasLoadResult:
    """What a P-code load did."""

    created: int
    updated: int
    unchanged: int
    files: tuple[str, ...]


def _merge_rows(rows: Sequence[AreaRow]) -> dict[str, AreaRow]:
    # A later file wins, except that a codes-only row never erases a name read earlier.
    merged: dict[str, AreaRow] = {}
    for row in rows:
        earlier = merged.get(row.pcode)
        if earlier is not None and row.name is None:
            merged[row.pcode] = replace(row, name=earlier.name, valid_from=row.valid_from or earlier.valid_from)
        else:
            merged[row.pcode] = row
    return merged


def _area_values(row: AreaRow, *, country: str, existing: AdminArea | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "level": row.level,
        "parent_id": row.parent_pcode,
        "country_code": country,
    }
    if row.name is not None:
        values["name"] = row.name
    elif existing is None:
        values["name"] = row.pcode  # codes-only list: the P-code stands in until a named list is loaded
    if row.valid_from is not None:
        values["valid_from"] = row.valid_from
    # Known display names fill blanks only: a name corrected by hand is kept.
    if row.pcode in FRENCH_NAMES and not (existing and existing.name_fr):
        values["name_fr"] = FRENCH_NAMES[row.pcode]
    if row.pcode in ENGLISH_NAMES and not (existing and existing.name_en):
        values["name_en"] = ENGLISH_NAMES[row.pcode]
    return values


def admin_areas_load(*, actor: Actor, path: Path | None = None, country: str = "MLI") -> AreasLoadResult:
    """Create or update the admin areas of ``country`` from a P-code list file (default: the shipped list)."""
    country = country.strip().upper()
    if path is not None:
        paths: tuple[Path, ...] = (path,)
    elif country in SHIPPED_FILES:
        paths = SHIPPED_FILES[country]
    else:
        raise ValidationFailed(
            {"file": [_("Abri ships no P-code list for %(country)s: give a file.") % {"country": country}]}
        )
    rows: list[AreaRow] = []
    for one_path in paths:
        rows.extend(read_pcode_file(one_path, country=country))
    merged = _merge_rows(rows)
    with transaction.atomic():
        existing = {area.pcode: area for area in AdminArea.objects.select_for_update().filter(pk__in=list(merged))}
        known_levels = dict(AdminArea.objects.values_list("pcode", "level"))
        errors = check_hierarchy(rows, known_levels=known_levels)
        if errors:
            raise ValidationFailed({"file": errors})
        to_create: list[AdminArea] = []
        to_update: list[tuple[AdminArea, list[str]]] = []
        for pcode, row in sorted(merged.items(), key=lambda item: (item[1].level, item[0])):
            area = existing.get(pcode)
            values = _area_values(row, country=country, existing=area)
            if area is None:
                to_create.append(AdminArea(pcode=pcode, **values))
                continue
            changed = [field for field, value in values.items() if getattr(area, field) != value]
            if changed:
                for field in changed:
                    setattr(area, field, values[field])
                to_update.append((area, changed))
        # Parents come first: the rows are sorted by level.
        AdminArea.objects.bulk_create(to_create, batch_size=500)
        fields = sorted({field for _area, changed in to_update for field in changed})
        if to_update:
            AdminArea.objects.bulk_update([area for area, _changed in to_update], fields, batch_size=500)
        source = ", ".join(one_path.name for one_path in paths)
        for area in to_create:
            audit_record(actor=actor, action="admin_area_created", target=area, changes={"source": source})
        for area, changed in to_update:
            changes = {"fields": [field.removesuffix("_id") for field in changed], "source": source}
            audit_record(actor=actor, action="admin_area_updated", target=area, changes=changes)
    return AreasLoadResult(
        created=len(to_create),
        updated=len(to_update),
        unchanged=len(merged) - len(to_create) - len(to_update),
        files=tuple(one_path.name for one_path in paths),
    )


def admin_area_rename(*, actor: Actor, area: AdminArea, name_fr: str, name_en: str) -> AdminArea:
    """Set the French and English display names of an area (the P-code list name stays)."""
    names = {"name_fr": name_fr.strip(), "name_en": name_en.strip()}
    errors = {field: [_("Longer than 200 characters.")] for field, value in names.items() if len(value) > 200}
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        current = AdminArea.objects.select_for_update().filter(pk=area.pk).first()
        if current is None:
            raise NotFound(_("No admin area has the P-code %(pcode)s.") % {"pcode": area.pk})
        changed = [field for field, value in names.items() if getattr(current, field) != value]
        if changed:
            AdminArea.objects.filter(pk=area.pk).update(**names)
            audit_record(actor=actor, action="admin_area_updated", target=area, changes={"fields": changed})
    area.name_fr, area.name_en = names["name_fr"], names["name_en"]
    return area


# Sites ------------------------------------------------------------------------------------------

SITE_FIELDS = (
    "name",
    "kind",
    "admin_area",
    "latitude",
    "longitude",
    "area_hectares",
    "capacity",
    "managed_by",
    "is_open",
)


def _require_site_permission(*, actor: Actor, admin_area: AdminArea) -> None:
    """The actor may manage sites in this area (``None`` is Abri itself: commands and the demo)."""
    if actor is None or (actor.is_authenticated and actor.is_superuser):
        return
    for membership in memberships_granting(user=actor, permission=MANAGE_SITES):
        if membership.all_areas or any(admin_area.pcode.startswith(a.pcode) for a in membership.admin_areas.all()):
            return
    raise PermissionDenied(_("You may not manage sites in %(area)s.") % {"area": admin_area.label})


def _decimal(value: Any, *, field: str, errors: dict[str, list[str]]) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value).replace(",", "."))
    except InvalidOperation:
        errors.setdefault(field, []).append(_("“%(value)s” is not a number.") % {"value": value})
        return None


def _site_check_numbers(values: dict[str, Any], errors: dict[str, list[str]]) -> None:
    for field, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        number = _decimal(values.get(field), field=field, errors=errors)
        if number is not None and not low <= number <= high:
            errors.setdefault(field, []).append(_("Must be between %(low)s and %(high)s.") % {"low": low, "high": high})
        values[field] = number
    if (values["latitude"] is None) != (values["longitude"] is None):
        errors.setdefault("longitude", []).append(_("Give both latitude and longitude, or neither."))
    area_hectares = _decimal(values.get("area_hectares"), field="area_hectares", errors=errors)
    if area_hectares is not None and area_hectares <= 0:
        errors.setdefault("area_hectares", []).append(_("The area must be more than zero."))
    values["area_hectares"] = area_hectares
    capacity = values.get("capacity")
    if capacity in ("", None):
        values["capacity"] = None
    elif not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 0:
        errors["capacity"] = [_("The capacity is a number of people, zero or more.")]


def site_values_check(values: dict[str, Any], *, site_id: int | None) -> dict[str, Any]:
    """Validate and normalise the values of a site (``site_id``: the site being changed); ValidationFailed."""
    errors: dict[str, list[str]] = {}
    name = str(values.get("name") or "").strip()
    values["name"] = name
    if not name:
        errors["name"] = [_("A site needs a name.")]
    elif len(name) > 200:
        errors["name"] = [_("The name is longer than 200 characters.")]
    if values.get("kind") not in Site.Kind.values:
        errors["kind"] = [_("Choose one of: %(kinds)s.") % {"kinds": ", ".join(str(k.label) for k in Site.Kind)}]
    admin_area = values.get("admin_area")
    if not isinstance(admin_area, AdminArea):
        errors["admin_area"] = [_("Choose the admin area of the site.")]
    _site_check_numbers(values, errors)
    managed_by = values.get("managed_by")
    if managed_by is not None and not isinstance(managed_by, Organisation):
        errors["managed_by"] = [_("Choose an organisation.")]
    if isinstance(admin_area, AdminArea) and name:
        clash = Site.objects.filter(admin_area=admin_area, name__iexact=name)
        if site_id is not None:
            clash = clash.exclude(pk=site_id)
        if clash.exists():
            errors["name"] = [_("%(area)s already has a site of this name.") % {"area": admin_area.label}]
    if errors:
        raise ValidationFailed(errors)
    return values


def site_create(
    *,
    actor: Actor,
    admin_area: AdminArea,
    name: str,
    kind: str,
    latitude: Decimal | float | None = None,
    longitude: Decimal | float | None = None,
    area_hectares: Decimal | float | None = None,
    capacity: int | None = None,
    managed_by: Organisation | None = None,
    is_open: bool = True,
) -> Site:
    """Create a site where displaced households live."""
    _require_site_permission(actor=actor, admin_area=admin_area)
    values = site_values_check(
        {
            "name": name,
            "kind": kind,
            "admin_area": admin_area,
            "latitude": latitude,
            "longitude": longitude,
            "area_hectares": area_hectares,
            "capacity": capacity,
            "managed_by": managed_by,
            "is_open": bool(is_open),
        },
        site_id=None,
    )
    with transaction.atomic():
        site = Site.objects.create(**values)
        audit_record(actor=actor, action="site_created", target=site, changes={"fields": sorted(values)})
    return site


def site_update(*, actor: Actor, site: Site, data: Mapping[str, Any]) -> Site:
    """Change some fields of a site (keys of ``data`` among SITE_FIELDS)."""
    unknown = sorted(set(data) - set(SITE_FIELDS))
    if unknown:
        raise ValidationFailed({field: [_("This field cannot be changed here.")] for field in unknown})
    _require_site_permission(actor=actor, admin_area=site.admin_area)
    if isinstance(data.get("admin_area"), AdminArea):
        _require_site_permission(actor=actor, admin_area=data["admin_area"])
    values = site_values_check({field: data.get(field, getattr(site, field)) for field in SITE_FIELDS}, site_id=site.pk)
    changed = [field for field in SITE_FIELDS if getattr(site, field) != values[field]]
    if not changed:
        return site
    with transaction.atomic():
        locked = Site.objects.select_for_update().filter(pk=site.pk).first()
        if locked is None:
            raise NotFound(_("This site no longer exists."))
        for field in changed:
            setattr(locked, field, values[field])
        locked.save(update_fields=[*changed, "updated_at"])
        audit_record(actor=actor, action="site_updated", target=locked, changes={"fields": changed})
    return locked
