"""Read access to admin areas and sites."""

from __future__ import annotations

import unicodedata

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from abri.core.errors import NotFound
from abri.geo.models import AdminArea, Site


def fold(text: str) -> str:
    """Lower case without accents or surrounding spaces: how area names are compared."""
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def admin_area_get(*, pcode: str) -> AdminArea:
    """The admin area with this P-code, or NotFound."""
    area = AdminArea.objects.select_related("parent").filter(pk=pcode.strip().upper()).first()
    if area is None:
        raise NotFound(_("No admin area has the P-code %(pcode)s.") % {"pcode": pcode})
    return area


def admin_areas_matching(*, text: str, level: int | None = None, within: str | None = None) -> list[AdminArea]:
    """Areas whose P-code or name (any language, accents and case ignored) is ``text``.

    ``within`` keeps the areas under that P-code. Names repeat across levels (Ménaka is a
    région and a cercle), so the answer is a list, highest level first.
    """
    wanted = fold(text)
    if not wanted:
        return []
    areas = AdminArea.objects.all()
    if level is not None:
        areas = areas.filter(level=level)
    if within:
        areas = areas.filter(pcode__startswith=within)
    by_code = list(areas.filter(pk=text.strip().upper()))
    if by_code:
        return by_code
    return [
        area
        for area in areas.order_by("level", "pcode")
        if wanted in {fold(area.name), fold(area.name_fr), fold(area.name_en)}
    ]


def admin_areas_descendants(*, pcode: str, level: int | None = None, include_self: bool = False) -> QuerySet[AdminArea]:
    """The areas under ``pcode`` (P-codes are hierarchical: ML1002 is under ML10)."""
    areas = AdminArea.objects.filter(pcode__startswith=pcode)
    if not include_self:
        areas = areas.exclude(pk=pcode)
    if level is not None:
        areas = areas.filter(level=level)
    return areas.order_by("pcode")


def admin_areas_children(*, pcode: str | None) -> QuerySet[AdminArea]:
    """The areas directly under ``pcode``; ``None`` gives the level 1 areas."""
    if pcode is None:
        return AdminArea.objects.filter(level=1).order_by("pcode")
    return AdminArea.objects.filter(parent_id=pcode).order_by("pcode")


def site_get(*, site_id: int) -> Site:
    """The site with this id, or NotFound."""
    site = Site.objects.select_related("admin_area", "managed_by").filter(pk=site_id).first()
    if site is None:
        raise NotFound(_("No such site."))
    return site


def sites_in_area(*, pcode: str, open_only: bool = False) -> QuerySet[Site]:
    """The sites in ``pcode`` and the areas under it."""
    sites = Site.objects.select_related("admin_area").filter(admin_area__pcode__startswith=pcode)
    if open_only:
        sites = sites.filter(is_open=True)
    return sites.order_by("admin_area_id", "name")
