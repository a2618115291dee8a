"""Complaints and feedback: channel, category, the household concerned, status, deadline, response.

Staff-conduct and sexual exploitation and abuse complaints are *sensitive*: only the roles
holding ``grievances.view_sensitive_grievances`` see them, and counts shared outside the
organisation leave them out (see `abri.grievances.selectors`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class Channel(models.TextChoices):
    HELP_DESK = "help_desk", _("Help desk")
    HOTLINE = "hotline", _("Hotline")
    COMMITTEE = "committee", _("Selection committee")
    COMMUNITY_MEETING = "community_meeting", _("Community meeting")
    SMS = "sms", _("SMS")


class Category(models.TextChoices):
    EXCLUSION = "exclusion", _("Exclusion from a list")
    QUALITY = "quality", _("Quality of assistance")
    STAFF_CONDUCT = "staff_conduct", _("Staff conduct")
    SEA = "sea", _("Sexual exploitation and abuse")
    OTHER = "other", _("Other")


SENSITIVE_CATEGORIES = frozenset({Category.STAFF_CONDUCT, Category.SEA})


class GrievanceStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    IN_REVIEW = "in_review", _("In review")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class Grievance(TimeStampedModel):
    """One complaint or piece of feedback received by an organisation in an admin area."""

    reference = models.CharField(_("reference"), max_length=32, unique=True)
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    admin_area = models.ForeignKey(
        "geo.AdminArea", verbose_name=_("admin area"), on_delete=models.PROTECT, related_name="+"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("household"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plan = models.ForeignKey(
        "targeting.TargetingPlan",
        verbose_name=_("targeting plan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    channel = models.CharField(_("channel"), max_length=24, choices=Channel.choices)
    category = models.CharField(_("category"), max_length=24, choices=Category.choices)
    sensitive = models.BooleanField(_("sensitive"), default=False, editable=False)
    description = models.TextField(_("description"))
    received_on = models.DateField(_("received on"))
    due_on = models.DateField(_("answer due on"))
    status = models.CharField(
        _("status"), max_length=16, choices=GrievanceStatus.choices, default=GrievanceStatus.RECEIVED
    )
    response = models.TextField(_("response given"), blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("grievance")
        verbose_name_plural = _("grievances")
        ordering = ["-received_on", "-id"]
        constraints = [
            choices_check("channel", Channel, "grievances_channel_known"),
            choices_check("category", Category, "grievances_category_known"),
            choices_check("status", GrievanceStatus, "grievances_status_known"),
            models.CheckConstraint(
                condition=models.Q(sensitive=True, category__in=sorted(SENSITIVE_CATEGORIES))
                | (models.Q(sensitive=False) & ~models.Q(category__in=sorted(SENSITIVE_CATEGORIES))),
                name="grievances_sensitive_iff_category",
            ),
            models.CheckConstraint(
                condition=models.Q(due_on__gte=models.F("received_on")), name="grievances_due_after_received"
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["answered", "closed"]) | ~models.Q(response=""),
                name="grievances_answered_has_response",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "status", "due_on"])]

    def __str__(self) -> str:
        return self.reference
