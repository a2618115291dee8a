"""Organisations, who belongs to them in which role, and over which areas and programmes."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class OrganisationKind(models.TextChoices):
    """The kind of organisation (``Organisation.Kind``)."""

    UN_AGENCY = "un_agency", _("UN agency")
    INTERNATIONAL_NGO = "international_ngo", _("International NGO")
    NATIONAL_NGO = "national_ngo", _("National NGO")
    GOVERNMENT = "government", _("Government service")
    COMMUNITY = "community", _("Community organisation")


class Organisation(TimeStampedModel):
    """An agency, NGO, government service or community organisation taking part."""

    Kind = OrganisationKind

    name = models.CharField(_("name"), max_length=200, unique=True)
    acronym = models.CharField(_("acronym"), max_length=32, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["acronym"]
        constraints = [
            choices_check("kind", OrganisationKind, "access_organisation_kind_known"),
        ]

    def __str__(self) -> str:
        return self.acronym


class Role(models.TextChoices):
    """What a member may do; the permissions of each role are in `abri.access.roles`."""

    ADMINISTRATOR = "administrator", _("Administrator")
    REGISTRATION_OFFICER = "registration_officer", _("Registration officer")
    TARGETING_OFFICER = "targeting_officer", _("Targeting officer")
    COMMITTEE_SECRETARY = "committee_secretary", _("Committee secretary")
    DISTRIBUTION_OFFICER = "distribution_officer", _("Distribution officer")
    WAREHOUSE_OFFICER = "warehouse_officer", _("Warehouse officer")
    SHELTER_OFFICER = "shelter_officer", _("Shelter officer")
    INFORMATION_MANAGEMENT_OFFICER = "information_management_officer", _("Information management officer")
    PARTNER_VIEWER = "partner_viewer", _("Partner viewer")
    AUDITOR = "auditor", _("Auditor")


class Membership(TimeStampedModel):
    """A user's role in one organisation, with its scope: admin areas and programmes.

    Deny by default: a membership with no area and ``all_areas`` false sees nothing.
    An area covers its descendants (P-codes are hierarchical).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=48, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    all_areas = models.BooleanField(_("all admin areas"), default=False)
    admin_areas = models.ManyToManyField("geo.AdminArea", verbose_name=_("admin areas"), blank=True, related_name="+")
    all_programmes = models.BooleanField(_("all programmes"), default=False)
    programmes = models.ManyToManyField(
        "assistance.Programme", verbose_name=_("programmes"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            choices_check("role", Role, "access_membership_role_known"),
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="access_membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"


class ApiToken(TimeStampedModel):
    """A bearer token for the API; only its hash is stored, the token is shown once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    key_hash = models.CharField(_("key hash"), max_length=64, unique=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class SharingLevel(models.TextChoices):
    """What a data sharing agreement lets the receiving organisation read (``DataSharingAgreement.Level``).

    The permissions of each level are in `abri.access.roles.SHARED_PERMISSIONS`.
    """

    FIGURES = "figures", _("Figures only (counts, no personal data)")
    PERSONAL = "personal", _("Personal data needed for the purpose")


class DataSharingAgreement(TimeStampedModel):
    """One organisation lets another read some of its households, for a purpose, between two dates.

    The receiving organisation's members whose role may receive shared data
    (`abri.access.roles.RECEIVING_ROLES`) then read the providing organisation's records in the
    agreement's admin areas and programmes, at its level: never more than their own role and
    scope allow, never more than the agreement says. Outside ``valid_from``..``valid_to`` (both
    days included, in Abri's time zone) or once revoked it grants nothing. It is never deleted.
    """

    Level = SharingLevel

    providing_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("providing organisation"),
        on_delete=models.PROTECT,
        related_name="agreements_given",
    )
    receiving_organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("receiving organisation"),
        on_delete=models.PROTECT,
        related_name="agreements_received",
    )
    level = models.CharField(_("level"), max_length=16, choices=SharingLevel.choices)
    purpose = models.TextField(_("purpose"))
    all_areas = models.BooleanField(_("all admin areas"), default=False)
    admin_areas = models.ManyToManyField("geo.AdminArea", verbose_name=_("admin areas"), blank=True, related_name="+")
    all_programmes = models.BooleanField(_("all programmes"), default=False)
    programmes = models.ManyToManyField(
        "assistance.Programme", verbose_name=_("programmes"), blank=True, related_name="+"
    )
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"))
    signed_by = models.CharField(_("signed by"), max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revocation_reason = models.TextField(_("reason for the revocation"), blank=True)

    class Meta:
        verbose_name = _("data sharing agreement")
        verbose_name_plural = _("data sharing agreements")
        ordering = ["-valid_to", "-id"]
        constraints = [
            choices_check("level", SharingLevel, "access_agreement_level_known"),
            models.CheckConstraint(
                condition=models.Q(valid_to__gte=models.F("valid_from")), name="access_agreement_ends_after_start"
            ),
            models.CheckConstraint(
                condition=~models.Q(providing_organisation=models.F("receiving_organisation")),
                name="access_agreement_between_two_organisations",
            ),
            models.CheckConstraint(condition=~models.Q(purpose=""), name="access_agreement_purpose_given"),
            models.CheckConstraint(condition=~models.Q(signed_by=""), name="access_agreement_signatories_given"),
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revocation_reason="")
                | (models.Q(revoked_at__isnull=False) & ~models.Q(revocation_reason="")),
                name="access_agreement_revocation_has_a_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.providing_organisation} → {self.receiving_organisation} ({self.valid_from} – {self.valid_to})"

    def in_force_on(self, day: datetime.date) -> bool:
        """Whether the agreement grants anything on ``day`` (not revoked, between its dates)."""
        return self.revoked_at is None and self.valid_from <= day <= self.valid_to
