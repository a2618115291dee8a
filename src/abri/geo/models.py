"""Admin areas keyed by OCHA P-code, and the sites where displaced people live."""

from __future__ import annotations

from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class AdminArea(models.Model):
    """An administrative area (région, cercle, commune) keyed by its P-code (ML10 = Ménaka)."""

    pcode = models.CharField(_("P-code"), max_length=20, primary_key=True)
    level = models.PositiveSmallIntegerField(_("level"))
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    name = models.CharField(_("name"), max_length=200, help_text=_("Name as in the P-code list."))
    name_fr = models.CharField(_("name (French)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    country_code = models.CharField(_("country"), max_length=3, default="MLI")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)

    class Meta:
        verbose_name = _("admin area")
        verbose_name_plural = _("admin areas")
        ordering = ["pcode"]
        constraints = [
            models.CheckConstraint(condition=models.Q(level__gte=0, level__lte=5), name="geo_adminarea_level_range"),
        ]

    def __str__(self) -> str:
        return f"{self.label} ({self.pcode})"

    @property
    def label(self) -> str:
        """The name in the active language, falling back to the P-code list name."""
        if (get_language() or "fr").startswith("en"):
            return self.name_en or self.name_fr or self.name
        return self.name_fr or self.name


class SiteKind(models.TextChoices):
    """The kind of site (``Site.Kind``)."""

    COLLECTIVE_CENTRE = "collective_centre", _("Collective centre")
    PLANNED_SITE = "planned_site", _("Planned site")
    SPONTANEOUS_SITE = "spontaneous_site", _("Spontaneous site")
    HOST_COMMUNITY = "host_community", _("Host community")


class Site(TimeStampedModel):
    """A place displaced households live: collective centre, planned or spontaneous site, host community."""

    Kind = SiteKind

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("type"), max_length=32, choices=Kind.choices)
    admin_area = models.ForeignKey(
        AdminArea, verbose_name=_("admin area"), on_delete=models.PROTECT, related_name="sites"
    )
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    area_hectares = models.DecimalField(_("area (hectares)"), max_digits=9, decimal_places=2, null=True, blank=True)
    capacity = models.PositiveIntegerField(_("capacity (people)"), null=True, blank=True)
    managed_by = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("managing organisation"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="managed_sites",
    )
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("site")
        verbose_name_plural = _("sites")
        ordering = ["name"]
        constraints = [
            choices_check("kind", SiteKind, "geo_site_kind_known"),
            models.UniqueConstraint(fields=["admin_area", "name"], name="geo_site_unique_name_in_area"),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True) | models.Q(latitude__gte=-90, latitude__lte=90),
                name="geo_site_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True) | models.Q(longitude__gte=-180, longitude__lte=180),
                name="geo_site_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name
