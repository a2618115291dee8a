"""Programmes: the frame of an assistance activity, and one axis of a user's scope."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel


class Programme(TimeStampedModel):
    """An assistance programme (e.g. NFI response Ménaka 2022) run by one organisation."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="programmes"
    )
    admin_areas = models.ManyToManyField("geo.AdminArea", verbose_name=_("admin areas"), blank=True, related_name="+")
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="assistance_programme_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"
