"""Sites as the shelter team knows them (plots, services, headcounts, organisations), shelter units
with their lifecycle and materials, allocations of units to households, and relocations.

A site is `abri.geo`'s record; `SiteProfile` adds what shelter knows of it. A unit moves through
`abri.shelter.flows`; each move is a `StatusChange` (who, when, and why when it goes backwards).
At most one household per unit and one unit per household at a time: partial unique indexes.
Materials go out through the stock ledger (`abri.stock.services.movements_record`), filed under
``shelter:<unit id>``; nothing here counts stock.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from abri.assistance.models import Receiver, WitnessKind
from abri.core.models import CodedNamedInTwoLanguages, TimeStampedModel, choices_check


class SiteProfile(TimeStampedModel):
    """What shelter adds to a geo site: the organisation running the shelter work there and its supporters.

    The managing organisation is the site's own (``geo.Site.managed_by``); ``organisation`` is the
    one whose shelter officers plan plots and units there (the scope of those writes).
    """

    site = models.OneToOneField(
        "geo.Site", verbose_name=_("site"), on_delete=models.PROTECT, primary_key=True, related_name="shelter_profile"
    )
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("shelter organisation"), on_delete=models.PROTECT, related_name="+"
    )
    supporting_organisations = models.ManyToManyField(
        "access.Organisation", verbose_name=_("supporting organisations"), blank=True, related_name="+"
    )
    plan_columns = models.PositiveSmallIntegerField(_("plots per row on the plan"), default=10)

    class Meta:
        verbose_name = _("site profile")
        verbose_name_plural = _("site profiles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(plan_columns__gte=1, plan_columns__lte=50), name="shelter_profile_columns_range"
            ),
        ]

    def __str__(self) -> str:
        return str(self.site_id)


class Plot(models.Model):
    """A plot of a site (where one shelter stands), in a block, at a place of the site plan."""

    site = models.ForeignKey("geo.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="plots")
    code = models.CharField(_("code"), max_length=16)
    block = models.CharField(_("block"), max_length=16, blank=True)
    row = models.PositiveSmallIntegerField(_("row on the plan"))
    column = models.PositiveSmallIntegerField(_("column on the plan"))

    class Meta:
        verbose_name = _("plot")
        verbose_name_plural = _("plots")
        ordering = ["site", "row", "column"]
        constraints = [
            models.UniqueConstraint(fields=["site", "code"], name="shelter_plot_unique_code"),
            models.UniqueConstraint(fields=["site", "row", "column"], name="shelter_plot_unique_place"),
        ]

    def __str__(self) -> str:
        return self.code


class ServiceKind(models.TextChoices):
    WATER_POINT = "water_point", _("water point")
    LATRINE = "latrine", _("latrine")
    SHOWER = "shower", _("shower")
    LIGHTING = "lighting", _("lighting point")
    HEALTH_POST = "health_post", _("health post")
    LEARNING_SPACE = "learning_space", _("learning space")


class SiteService(models.Model):
    """How many of one service a site has (water points, latrines, lighting)."""

    site = models.ForeignKey("geo.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="services")
    kind = models.CharField(_("service"), max_length=24, choices=ServiceKind.choices)
    count = models.PositiveIntegerField(_("number"))
    working = models.PositiveIntegerField(_("working"))

    class Meta:
        verbose_name = _("site service")
        verbose_name_plural = _("site services")
        ordering = ["site", "kind"]
        constraints = [
            choices_check("kind", ServiceKind, "shelter_service_kind_known"),
            models.UniqueConstraint(fields=["site", "kind"], name="shelter_service_once"),
            models.CheckConstraint(condition=models.Q(working__lte=models.F("count")), name="shelter_service_working"),
        ]

    def __str__(self) -> str:
        return f"{self.count} × {self.get_kind_display()}"


AGE_GROUPS = ("0_4", "5_17", "18_59", "60")  # the sex and age groups of OCHA's site reporting
POPULATION_FIELDS = tuple(f"{sex}_{group}" for sex in ("female", "male") for group in AGE_GROUPS)


class PopulationCount(models.Model):
    """The population present at a site on a date: households and individuals by sex and age group.

    Written from the registry (the households living there that day) by a relocation, for both
    sites, and on demand; the latest count of a day is the one shown.
    """

    site = models.ForeignKey(
        "geo.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="population_counts"
    )
    counted_on = models.DateField(_("date"))
    households = models.PositiveIntegerField(_("households"))
    female_0_4 = models.PositiveIntegerField(_("girls 0–4"))
    female_5_17 = models.PositiveIntegerField(_("girls 5–17"))
    female_18_59 = models.PositiveIntegerField(_("women 18–59"))
    female_60 = models.PositiveIntegerField(_("women 60+"))
    male_0_4 = models.PositiveIntegerField(_("boys 0–4"))
    male_5_17 = models.PositiveIntegerField(_("boys 5–17"))
    male_18_59 = models.PositiveIntegerField(_("men 18–59"))
    male_60 = models.PositiveIntegerField(_("men 60+"))
    reference = models.CharField(_("reference"), max_length=64, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("population count")
        verbose_name_plural = _("population counts")
        ordering = ["site", "-counted_on", "-id"]

    def __str__(self) -> str:
        return f"{self.site_id} {self.counted_on}: {self.individuals}"

    @property
    def individuals(self) -> int:
        """Everyone counted, all groups together."""
        return sum(getattr(self, name) for name in POPULATION_FIELDS)


class ShelterType(CodedNamedInTwoLanguages):
    """A kind of shelter (emergency tent, improved semi-hard shelter...): data, not code."""

    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("shelter type")
        verbose_name_plural = _("shelter types")
        ordering = ["code"]


class ShelterStatus(models.TextChoices):
    """Where a shelter unit stands (see `abri.shelter.flows`)."""

    PLANNED = "planned", pgettext_lazy("shelter status", "planned")
    MATERIALS_DELIVERED = "materials_delivered", pgettext_lazy("shelter status", "materials delivered")
    UNDER_CONSTRUCTION = "under_construction", pgettext_lazy("shelter status", "under construction")
    COMPLETED = "completed", pgettext_lazy("shelter status", "completed")
    HANDED_OVER = "handed_over", pgettext_lazy("shelter status", "handed over")
    DAMAGED = "damaged", pgettext_lazy("shelter status", "damaged")
    DECOMMISSIONED = "decommissioned", pgettext_lazy("shelter status", "decommissioned")


class ShelterUnit(TimeStampedModel):
    """One shelter on a site (and plot): its type, where it stands in its lifecycle, who built it."""

    code = models.CharField(_("code"), max_length=32)
    site = models.ForeignKey("geo.Site", verbose_name=_("site"), on_delete=models.PROTECT, related_name="shelters")
    plot = models.ForeignKey(
        Plot, verbose_name=_("plot"), null=True, blank=True, on_delete=models.PROTECT, related_name="shelters"
    )
    shelter_type = models.ForeignKey(
        ShelterType, verbose_name=_("type"), on_delete=models.PROTECT, related_name="shelters"
    )
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    built_by = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("built by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=24, choices=ShelterStatus.choices, default=ShelterStatus.PLANNED)
    status_since = models.DateField(_("status since"))
    photo = models.FileField(_("photo"), upload_to="shelter/photos/", blank=True)

    class Meta:
        verbose_name = _("shelter unit")
        verbose_name_plural = _("shelter units")
        ordering = ["site", "code"]
        constraints = [
            choices_check("status", ShelterStatus, "shelter_unit_status_known"),
            models.UniqueConstraint(fields=["site", "code"], name="shelter_unit_unique_code"),
        ]
        indexes = [models.Index(fields=["site", "status"])]

    def __str__(self) -> str:
        return self.code

    @property
    def reference(self) -> str:
        """What the stock ledger's movements for this unit are filed under."""
        return f"shelter:{self.pk}"


class StatusChange(models.Model):
    """One move of a unit along its lifecycle: from, to, on which day, by whom, and why if backwards."""

    unit = models.ForeignKey(
        ShelterUnit, verbose_name=_("shelter unit"), on_delete=models.PROTECT, related_name="changes"
    )
    from_status = models.CharField(_("from"), max_length=24, choices=ShelterStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=ShelterStatus.choices)
    changed_on = models.DateField(_("date"))
    changed_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    backwards = models.BooleanField(_("backwards"), default=False)
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("shelter status change")
        verbose_name_plural = _("shelter status changes")
        ordering = ["unit", "id"]
        constraints = [
            choices_check("from_status", ShelterStatus, "shelter_change_from_known", blank=True),
            choices_check("to_status", ShelterStatus, "shelter_change_to_known"),
            models.CheckConstraint(
                condition=models.Q(backwards=False) | ~models.Q(reason=""), name="shelter_change_backwards_reason"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.from_status} → {self.to_status}"


class AllocationStatus(models.TextChoices):
    ACTIVE = "active", _("active")
    ENDED = "ended", _("ended")


class Allocation(models.Model):
    """A shelter unit handed to a household: who received it, when, recorded by whom, before which witnesses.

    One active allocation per unit and one per household, enforced by partial unique indexes: of
    two officers allocating the same unit (or the same household) at once, one is refused. An
    allocation ends (the household moved to its next shelter) with a reason; it is never deleted.
    """

    unit = models.ForeignKey(
        ShelterUnit, verbose_name=_("shelter unit"), on_delete=models.PROTECT, related_name="allocations"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=AllocationStatus.choices, default=AllocationStatus.ACTIVE
    )
    allocated_on = models.DateField(_("allocated on"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    receiver = models.CharField(_("received by"), max_length=8, choices=Receiver.choices, default=Receiver.HEAD)
    proxy_name = models.CharField(_("name of the proxy"), max_length=200, blank=True)
    proxy_relationship = models.CharField(_("relationship of the proxy"), max_length=100, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    end_reason = models.CharField(_("reason for ending"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("shelter allocation")
        verbose_name_plural = _("shelter allocations")
        ordering = ["unit", "id"]
        constraints = [
            choices_check("status", AllocationStatus, "shelter_allocation_status_known"),
            choices_check("receiver", Receiver, "shelter_allocation_receiver_known"),
            models.UniqueConstraint(
                fields=["unit"], condition=models.Q(status="active"), name="shelter_allocation_one_household"
            ),
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(status="active"), name="shelter_allocation_one_unit"
            ),
            models.CheckConstraint(
                condition=models.Q(receiver=Receiver.HEAD)
                | (~models.Q(proxy_name="") & ~models.Q(proxy_relationship="")),
                name="shelter_allocation_proxy_named",
            ),
            models.CheckConstraint(
                condition=models.Q(status="active", ended_on__isnull=True)
                | (models.Q(status="ended", ended_on__isnull=False) & ~models.Q(end_reason="")),
                name="shelter_allocation_ended_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} → {self.household_id}"


class AllocationWitness(models.Model):
    """A person present at an allocation (an authority, a community leader), as at a distribution."""

    allocation = models.ForeignKey(
        Allocation, verbose_name=_("allocation"), on_delete=models.PROTECT, related_name="witnesses"
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=24, choices=WitnessKind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("allocation witness")
        verbose_name_plural = _("allocation witnesses")
        ordering = ["allocation", "id"]
        constraints = [choices_check("kind", WitnessKind, "shelter_witness_kind_known")]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class Relocation(models.Model):
    """A group of households moved from one site to another in one operation (the museum → the planned site)."""

    origin = models.ForeignKey("geo.Site", verbose_name=_("from"), on_delete=models.PROTECT, related_name="+")
    destination = models.ForeignKey("geo.Site", verbose_name=_("to"), on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    moved_on = models.DateField(_("date of the move"))
    households = models.PositiveIntegerField(_("households"))
    individuals = models.PositiveIntegerField(_("individuals"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.PROTECT, related_name="+"
    )
    moved = models.ManyToManyField("registry.Household", verbose_name=_("households moved"), related_name="+")

    class Meta:
        verbose_name = _("relocation")
        verbose_name_plural = _("relocations")
        ordering = ["-moved_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(origin=models.F("destination")), name="shelter_relocation_two_sites"
            ),
            models.CheckConstraint(condition=models.Q(households__gte=1), name="shelter_relocation_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.origin_id} → {self.destination_id} ({self.moved_on})"

    @property
    def reference(self) -> str:
        """What the households' location history files this move under."""
        return f"relocation:{self.pk}"
