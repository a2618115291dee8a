"""What the 5W needs beyond the operations, and partners' own 5W rows.

The 5W rows of Abri's own operations are not stored: they are derived from the handovers
each time (`abri.reporting.fivew`), so a published figure is reproducible from the registry.
What a distribution does not know (the funder, the cluster, the modality) is the programme's
reporting profile. Partners who run their operations elsewhere import their rows, which are
stored as `PartnerActivity` in the same shape.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check

SHELTER_NFI = "Shelter/NFI"


class Modality(models.TextChoices):
    IN_KIND = "in_kind", _("in kind")
    CASH = "cash", _("cash")
    VOUCHER = "voucher", _("voucher")


class ActivityStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ONGOING = "ongoing", _("ongoing")
    COMPLETED = "completed", _("completed")


class ReportingProfile(TimeStampedModel):
    """How a programme's activities are reported to the coordination: funder, cluster, activity, modality."""

    programme = models.OneToOneField(
        "assistance.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="reporting_profile",
    )
    funder = models.CharField(_("funder"), max_length=200, blank=True)
    cluster = models.CharField(_("cluster"), max_length=100, default=SHELTER_NFI)
    activity = models.CharField(_("activity"), max_length=200, blank=True, help_text=_("Empty: the kit's name."))
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices, default=Modality.IN_KIND)

    class Meta:
        verbose_name = _("reporting profile")
        verbose_name_plural = _("reporting profiles")
        constraints = [choices_check("modality", Modality, "reporting_profile_modality_known")]

    def __str__(self) -> str:
        return str(self.programme_id)


class PartnerActivity(TimeStampedModel):
    """One 5W row a partner reported (imported from their XLSX), in the shape of the derived ones.

    ``organisation`` is the organisation that imported it and answers for it; scope follows it
    and ``admin_area`` (the deepest area given). The people counts are stored by sex and age
    group as the import's header named them (``female_0_17`` …), checked against the total.
    """

    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("imported by"), on_delete=models.PROTECT, related_name="+"
    )
    reporting_organisation = models.CharField(_("organisation"), max_length=200)
    implementing_partner = models.CharField(_("implementing partner"), max_length=200, blank=True)
    funder = models.CharField(_("funder"), max_length=200, blank=True)
    cluster = models.CharField(_("cluster"), max_length=100, default=SHELTER_NFI)
    activity = models.CharField(_("activity"), max_length=200)
    modality = models.CharField(_("modality"), max_length=16, choices=Modality.choices, default=Modality.IN_KIND)
    item = models.CharField(_("item or kit"), max_length=200, blank=True)
    admin_area = models.ForeignKey(
        "geo.AdminArea", verbose_name=_("admin area"), on_delete=models.PROTECT, related_name="+"
    )
    site_name = models.CharField(_("site"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ActivityStatus.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households reached"))
    people = models.PositiveIntegerField(_("people reached"))
    people_by_sex_and_age = models.JSONField(_("people reached by sex and age"), default=dict)
    idps = models.PositiveIntegerField(_("of which IDPs"), default=0)
    with_disabilities = models.PositiveIntegerField(_("of which people with disabilities"), default=0)
    source_file = models.CharField(_("imported from"), max_length=255, blank=True)
    source_row = models.PositiveIntegerField(_("row"), default=0)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("imported by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("partner 5W activity")
        verbose_name_plural = _("partner 5W activities")
        ordering = ["start_date", "id"]
        constraints = [
            choices_check("modality", Modality, "reporting_partner_activity_modality_known"),
            choices_check("status", ActivityStatus, "reporting_partner_activity_status_known"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="reporting_partner_activity_dates_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(idps__lte=models.F("people")) & models.Q(with_disabilities__lte=models.F("people")),
                name="reporting_partner_activity_of_which_within_people",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporting_organisation} · {self.activity} · {self.admin_area_id}"
