"""Programmes, distributions, entitlements (tokens) and handovers.

A programme frames an assistance activity and is one axis of a user's scope. A distribution
hands one kit to each household of its list; each household gets an entitlement whose token is
printed on a card; a handover is recorded once per entitlement, which the database enforces.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


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


class DistributionStatus(models.TextChoices):
    """Where a distribution stands (see `abri.assistance.flows`)."""

    PLANNED = "planned", _("planned")
    OPEN = "open", _("open")
    CLOSED = "closed", _("closed")
    CANCELLED = "cancelled", _("cancelled")


class Distribution(TimeStampedModel):
    """A handover of one kit to each household of a list, over one or several days, at one place.

    ``organisation`` is the programme's; an ``implementing_partner`` may run it, and its
    officers then see of the households only what a handover needs. ``kit_version`` is the
    kit's contents when it was planned: a later edit of the kit does not change it.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="distributions"
    )
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    implementing_partner = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("implementing partner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    admin_area = models.ForeignKey(
        "geo.AdminArea", verbose_name=_("admin area"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "geo.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    kit_version = models.ForeignKey(
        "stock.KitVersion", verbose_name=_("kit contents"), on_delete=models.PROTECT, related_name="+"
    )
    warehouse = models.ForeignKey(
        "stock.Warehouse", verbose_name=_("warehouse"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=DistributionStatus.choices, default=DistributionStatus.PLANNED
    )
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("staff"), blank=True, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    published_list = models.ForeignKey(
        "targeting.PublishedList",
        verbose_name=_("published list"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("The published targeting list version its households came from."),
    )
    points_bound = models.BooleanField(
        _("entitlements bound to points"),
        default=False,
        help_text=_("Each entitlement is redeemed at its own distribution point only (offline devices)."),
    )

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-starts_on", "code"]
        constraints = [
            choices_check("status", DistributionStatus, "assistance_distribution_status_known"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="assistance_distribution_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    @property
    def reference(self) -> str:
        """What the stock ledger's movements for this distribution are filed under."""
        return f"distribution:{self.pk}"


class DistributionPoint(models.Model):
    """A place of a distribution where officers hand over (a tent, a school yard)."""

    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.CASCADE, related_name="points"
    )
    name = models.CharField(_("name"), max_length=200)

    class Meta:
        verbose_name = _("distribution point")
        verbose_name_plural = _("distribution points")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["distribution", "name"], name="assistance_point_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class WitnessKind(models.TextChoices):
    """Who a witness stands for."""

    AUTHORITY = "authority", _("authority")
    COMMUNITY_LEADER = "community_leader", _("community leader")
    OTHER = "other", _("other")


class Witness(models.Model):
    """A person present at a distribution (an authority, a community leader), on one day or throughout."""

    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.CASCADE, related_name="witnesses"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=WitnessKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    present_on = models.DateField(_("present on"), null=True, blank=True, help_text=_("Empty: every day."))

    class Meta:
        verbose_name = _("witness")
        verbose_name_plural = _("witnesses")
        ordering = ["present_on", "id"]
        constraints = [choices_check("kind", WitnessKind, "assistance_witness_kind_known")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class DistributionKits(models.Model):
    """The kits at a distribution: dispatched from the warehouse, and how many are still there.

    ``available`` goes down by one with each handover, by a conditional update; the check
    keeps it from going below zero. A cancelled handover puts its kit back.
    """

    distribution = models.OneToOneField(
        Distribution, verbose_name=_("distribution"), on_delete=models.CASCADE, primary_key=True, related_name="kits"
    )
    dispatched = models.PositiveIntegerField(_("kits dispatched"), default=0)
    available = models.IntegerField(_("kits available"), default=0)
    returned = models.PositiveIntegerField(_("kits returned"), default=0)
    lost = models.PositiveIntegerField(_("kits lost"), default=0)

    class Meta:
        verbose_name = _("kits of a distribution")
        verbose_name_plural = _("kits of distributions")
        constraints = [
            models.CheckConstraint(condition=models.Q(available__gte=0), name="assistance_kits_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.distribution_id}: {self.available}/{self.dispatched}"


class EntitlementStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    CANCELLED = "cancelled", _("cancelled")


class Entitlement(models.Model):
    """One household's right to one kit at one distribution, with the token printed on its card."""

    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.PROTECT, related_name="entitlements"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    token = models.CharField(_("token"), max_length=10, unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EntitlementStatus.choices, default=EntitlementStatus.ACTIVE
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=500, blank=True)
    point = models.ForeignKey(
        DistributionPoint,
        verbose_name=_("distribution point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="entitlements",
        help_text=_("Where the kit is handed over, when the distribution binds entitlements to points."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("entitlement")
        verbose_name_plural = _("entitlements")
        ordering = ["distribution", "id"]
        constraints = [
            choices_check("status", EntitlementStatus, "assistance_entitlement_status_known"),
            models.UniqueConstraint(fields=["distribution", "household"], name="assistance_entitlement_once"),
            models.CheckConstraint(
                condition=models.Q(status=EntitlementStatus.ACTIVE) | ~models.Q(cancel_reason=""),
                name="assistance_entitlement_cancel_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.token


class Receiver(models.TextChoices):
    HEAD = "head", _("the head of household")
    PROXY = "proxy", _("a proxy")


class HandoverStatus(models.TextChoices):
    RECORDED = "recorded", _("recorded")
    CANCELLED = "cancelled", _("cancelled")


class Handover(models.Model):
    """A kit handed over for one entitlement: who received it, when, recorded by whom.

    At most one recorded handover per entitlement, enforced by a partial unique index: of two
    officers scanning the same card at the same moment, one succeeds and the other is refused.
    A cancellation is a `HandoverCancellation`, never a deletion.
    """

    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="handovers"
    )
    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.PROTECT, related_name="handovers"
    )
    point = models.ForeignKey(
        DistributionPoint,
        verbose_name=_("distribution point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.RECORDED
    )
    handed_over_at = models.DateTimeField(_("handed over at"))
    day = models.DateField(_("day"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.CharField(_("received by"), max_length=8, choices=Receiver.choices)
    proxy_name = models.CharField(_("name of the proxy"), max_length=200, blank=True)
    proxy_relationship = models.CharField(_("relationship of the proxy"), max_length=100, blank=True)
    photo_consent = models.BooleanField(_("consent to a photo"), default=False)

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["handed_over_at", "id"]
        constraints = [
            choices_check("status", HandoverStatus, "assistance_handover_status_known"),
            choices_check("receiver", Receiver, "assistance_handover_receiver_known"),
            models.UniqueConstraint(
                fields=["entitlement"],
                condition=models.Q(status=HandoverStatus.RECORDED),
                name="assistance_handover_once",
            ),
            models.CheckConstraint(
                condition=models.Q(receiver=Receiver.HEAD)
                | (~models.Q(proxy_name="") & ~models.Q(proxy_relationship="")),
                name="assistance_handover_proxy_named",
            ),
        ]
        indexes = [models.Index(fields=["distribution", "day"])]

    def __str__(self) -> str:
        return f"{self.entitlement_id} @ {self.handed_over_at:%Y-%m-%d %H:%M}"


class HandoverCancellation(models.Model):
    """The cancellation of a handover (a mistake at the point), with its reason."""

    handover = models.OneToOneField(
        Handover, verbose_name=_("handover"), on_delete=models.PROTECT, related_name="cancellation"
    )
    reason = models.CharField(_("reason"), max_length=500)
    cancelled_at = models.DateTimeField(_("cancelled at"), auto_now_add=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("cancelled by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("handover cancellation")
        verbose_name_plural = _("handover cancellations")
        constraints = [models.CheckConstraint(condition=~models.Q(reason=""), name="assistance_cancellation_reason")]

    def __str__(self) -> str:
        return f"{self.handover_id}: {self.reason}"


class IdempotencyKey(models.Model):
    """An API request already answered: its key, a hash of its body and the answer given, per user."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    request_hash = models.CharField(_("request hash"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status code"), default=0)
    response = models.JSONField(_("response"), default=dict)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="assistance_idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key


class ConflictStatus(models.TextChoices):
    OPEN = "open", _("to resolve")
    RESOLVED = "resolved", _("resolved")


class ConflictResolution(models.TextChoices):
    """What the supervisor found happened with the second record."""

    SECOND_KIT_GIVEN = "second_kit_given", _("a second kit was handed over: count it as lost")
    SECOND_KIT_RECOVERED = "second_kit_recovered", _("the second kit was taken back")
    RECORD_MISTAKEN = "record_mistaken", _("the second record was a mistake: no kit went out")


class HandoverConflict(models.Model):
    """A handover recorded offline on a device for an entitlement already handed over (on another
    device, or online): the first stands; this one is kept, as the device sent it, for a supervisor.

    One per idempotency key: a device resending the same handover finds the same conflict.
    """

    distribution = models.ForeignKey(
        Distribution, verbose_name=_("distribution"), on_delete=models.PROTECT, related_name="conflicts"
    )
    entitlement = models.ForeignKey(
        Entitlement, verbose_name=_("entitlement"), on_delete=models.PROTECT, related_name="conflicts"
    )
    first = models.ForeignKey(
        Handover, verbose_name=_("first handover"), on_delete=models.PROTECT, related_name="conflicts"
    )
    key = models.CharField(_("idempotency key"), max_length=100)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    device = models.CharField(_("device"), max_length=64, blank=True)
    handed_over_at = models.DateTimeField(_("handed over at (device)"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    point = models.ForeignKey(
        DistributionPoint,
        verbose_name=_("distribution point"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    receiver = models.CharField(_("received by"), max_length=8, choices=Receiver.choices)
    proxy_name = models.CharField(_("name of the proxy"), max_length=200, blank=True)
    proxy_relationship = models.CharField(_("relationship of the proxy"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ConflictStatus.choices, default=ConflictStatus.OPEN)
    resolution = models.CharField(_("resolution"), max_length=24, choices=ConflictResolution.choices, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("handover conflict")
        verbose_name_plural = _("handover conflicts")
        ordering = ["received_at", "id"]
        constraints = [
            choices_check("status", ConflictStatus, "assistance_conflict_status_known"),
            choices_check("receiver", Receiver, "assistance_conflict_receiver_known"),
            choices_check("resolution", ConflictResolution, "assistance_conflict_resolution_known", blank=True),
            models.UniqueConstraint(fields=["recorded_by", "key"], name="assistance_conflict_once_per_key"),
            models.CheckConstraint(
                condition=models.Q(status=ConflictStatus.OPEN, resolution="")
                | (models.Q(status=ConflictStatus.RESOLVED) & ~models.Q(resolution="") & ~models.Q(note="")),
                name="assistance_conflict_resolved_with_note",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entitlement_id}: {self.key}"
