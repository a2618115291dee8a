"""Households, their members, their displacement and their consent.

Vulnerability flags are derived from the members by `abri.registry.flags` and stored
on the household only so lists can filter on them; services recompute them on every write.
Phone and identity numbers are stored encrypted (`abri.core.crypto`) beside a keyed hash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class DisplacementCause(models.TextChoices):
    ARMED_CONFLICT = "armed_conflict", _("Armed conflict or insecurity")
    NATURAL_DISASTER = "natural_disaster", _("Natural disaster")
    OTHER = "other", _("Other")


class Consent(models.TextChoices):
    GIVEN = "given", _("Given")
    REFUSED = "refused", _("Refused")


class HouseholdStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    RELOCATED = "relocated", _("Relocated")
    RETURNED = "returned", _("Returned")
    INACTIVE = "inactive", _("Inactive")
    MERGED = "merged", _("Merged into another household")


class Household(TimeStampedModel):
    """A displaced household (ménage) as registered by one organisation."""

    registration_number = models.CharField(_("registration number"), max_length=32, unique=True)
    organisation = models.ForeignKey(
        "access.Organisation",
        verbose_name=_("registering organisation"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    head = models.OneToOneField(
        "registry.Individual",
        verbose_name=_("head of household"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    admin_area = models.ForeignKey(
        "geo.AdminArea", verbose_name=_("current admin area"), on_delete=models.PROTECT, related_name="households"
    )
    site = models.ForeignKey(
        "geo.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="households"
    )
    origin_area = models.ForeignKey(
        "geo.AdminArea",
        verbose_name=_("admin area of origin"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    departure_date = models.DateField(_("date of departure"), null=True, blank=True)
    arrival_date = models.DateField(_("date of arrival"), null=True, blank=True)
    displacement_cause = models.CharField(
        _("cause of displacement"), max_length=32, choices=DisplacementCause.choices, blank=True
    )
    consent = models.CharField(_("consent to registration"), max_length=16, choices=Consent.choices)
    consent_date = models.DateField(_("consent date"))
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consent recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    phone_encrypted = models.TextField(_("contact phone (encrypted)"), blank=True, editable=False)
    phone_hash = models.CharField(_("contact phone (keyed hash)"), max_length=64, blank=True)
    personal_data_purged_at = models.DateTimeField(
        _("personal data removed on"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("A closed case past its retention period: names, numbers and exact dates removed, figures kept."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=HouseholdStatus.choices, default=HouseholdStatus.REGISTERED
    )
    registered_on = models.DateField(_("registration date"))
    size = models.PositiveSmallIntegerField(_("household size"), default=0)
    # Set with status "merged" only, by abri.dedup.merges.services: the household this one was found to
    # duplicate. The tombstone keeps its registration number, which resolves to the kept household.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    # Derived vulnerability flags (see abri.registry.flags); never typed in.
    female_headed = models.BooleanField(_("female-headed"), default=False)
    widow_headed = models.BooleanField(_("widow-headed"), default=False)
    elderly_head = models.BooleanField(_("elderly head (60+)"), default=False)
    single_parent = models.BooleanField(_("single parent"), default=False)
    member_with_disability = models.BooleanField(_("member with a disability"), default=False)
    child_headed = models.BooleanField(_("child-headed"), default=False)
    unaccompanied_or_separated_child = models.BooleanField(_("unaccompanied or separated child"), default=False)
    large_household = models.BooleanField(_("large household"), default=False)
    pregnant_or_lactating_woman = models.BooleanField(_("pregnant or lactating woman"), default=False)

    # Counts the writes (abri.registry.locks): a change made from an older read is refused.
    version = models.PositiveIntegerField(_("version"), default=0, editable=False)

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["registration_number"]
        indexes = [
            models.Index(fields=["admin_area", "status"]),
            models.Index(fields=["site", "status"]),
            models.Index(fields=["organisation", "admin_area"]),
            # Keyed hashes are looked up by equality only: one B-tree, no pattern index.
            models.Index(fields=["phone_hash"], name="registry_household_phone"),
        ]
        constraints = [
            choices_check(
                "displacement_cause", DisplacementCause, "registry_household_displacement_cause_known", blank=True
            ),
            choices_check("consent", Consent, "registry_household_consent_known"),
            choices_check("status", HouseholdStatus, "registry_household_status_known"),
            models.CheckConstraint(
                condition=models.Q(arrival_date__isnull=True)
                | models.Q(departure_date__isnull=True)
                | models.Q(arrival_date__gte=models.F("departure_date")),
                name="registry_household_arrival_after_departure",
            ),
            models.CheckConstraint(
                condition=models.Q(status="merged", merged_into__isnull=False)
                | (~models.Q(status="merged") & models.Q(merged_into__isnull=True)),
                name="registry_household_merged_into_iff_merged",
            ),
        ]

    def __str__(self) -> str:
        return self.registration_number


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class BirthDatePrecision(models.TextChoices):
    EXACT = "exact", _("Exact date")
    YEAR = "year", _("Year only")
    ESTIMATED_AGE = "estimated_age", _("Estimated age")


class Relationship(models.TextChoices):
    HEAD = "head", _("Head of household")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Son or daughter")
    GRANDCHILD = "grandchild", _("Grandchild")
    PARENT = "parent", _("Father or mother")
    SIBLING = "sibling", _("Brother or sister")
    OTHER_RELATIVE = "other_relative", _("Other relative")
    NON_RELATIVE = "non_relative", _("Not related")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    WIDOWED = "widowed", _("Widowed")
    DIVORCED = "divorced", _("Divorced")
    SEPARATED = "separated", _("Separated")


class Difficulty(models.TextChoices):
    """Washington Group short set answer scale."""

    NONE = "no_difficulty", _("No difficulty")
    SOME = "some_difficulty", _("Some difficulty")
    A_LOT = "a_lot_of_difficulty", _("A lot of difficulty")
    CANNOT = "cannot_do_at_all", _("Cannot do at all")


class PregnancyStatus(models.TextChoices):
    NO = "no", _("No")
    PREGNANT = "pregnant", _("Pregnant")
    LACTATING = "lactating", _("Lactating")


class IdDocumentType(models.TextChoices):
    NATIONAL_ID = "national_id", _("National identity card (NINA)")
    BIRTH_CERTIFICATE = "birth_certificate", _("Birth certificate")
    PASSPORT = "passport", _("Passport")
    CONSULAR_CARD = "consular_card", _("Consular card")
    VOTER_CARD = "voter_card", _("Voter card")
    OTHER = "other", _("Other")


class Individual(TimeStampedModel):
    """A member (personne) of a household."""

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.CASCADE, related_name="members"
    )
    given_names = models.CharField(_("given names"), max_length=150)
    family_name = models.CharField(_("family name"), max_length=150, blank=True)
    # Searched with LIKE '%word%': the trigram index of migration 0003 serves it on PostgreSQL,
    # a B-tree cannot (and would cost every import an index of a million random strings).
    search_name = models.CharField(
        _("name for search"),
        max_length=310,
        editable=False,
        help_text=_("Lower case, accents removed: filled by the services."),
    )
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(
        _("date of birth"), help_text=_("Exact, or derived from a year of birth or an estimated age.")
    )
    birth_date_precision = models.CharField(
        _("precision of the date of birth"),
        max_length=16,
        choices=BirthDatePrecision.choices,
        default=BirthDatePrecision.EXACT,
    )
    relationship = models.CharField(_("relationship to the head"), max_length=16, choices=Relationship.choices)
    marital_status = models.CharField(_("marital status"), max_length=16, choices=MaritalStatus.choices, blank=True)
    wg_seeing = models.CharField(_("difficulty seeing"), max_length=24, choices=Difficulty.choices, blank=True)
    wg_hearing = models.CharField(_("difficulty hearing"), max_length=24, choices=Difficulty.choices, blank=True)
    wg_walking = models.CharField(
        _("difficulty walking or climbing steps"), max_length=24, choices=Difficulty.choices, blank=True
    )
    wg_cognition = models.CharField(
        _("difficulty remembering or concentrating"), max_length=24, choices=Difficulty.choices, blank=True
    )
    wg_self_care = models.CharField(
        _("difficulty with self-care"), max_length=24, choices=Difficulty.choices, blank=True
    )
    wg_communication = models.CharField(
        _("difficulty communicating"), max_length=24, choices=Difficulty.choices, blank=True
    )
    pregnancy = models.CharField(
        _("pregnant or lactating"), max_length=16, choices=PregnancyStatus.choices, default=PregnancyStatus.NO
    )
    chronic_illness = models.BooleanField(_("chronic illness"), default=False)
    id_document_type = models.CharField(
        _("identity document type"), max_length=24, choices=IdDocumentType.choices, blank=True
    )
    id_number_encrypted = models.TextField(_("identity document number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(_("identity document number (keyed hash)"), max_length=64, blank=True)
    # Set by a merge that judged this person the same as a member of the kept household: the
    # row stays with the merged household (a tombstone), for the history and for an undo.
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")
        ordering = ["household_id", "id"]
        indexes = [models.Index(fields=["id_number_hash"], name="registry_individual_id_hash")]
        constraints = [
            choices_check("sex", Sex, "registry_individual_sex_known"),
            choices_check("birth_date_precision", BirthDatePrecision, "registry_individual_birth_date_precision_known"),
            choices_check("relationship", Relationship, "registry_individual_relationship_known"),
            choices_check("marital_status", MaritalStatus, "registry_individual_marital_status_known", blank=True),
            choices_check("wg_seeing", Difficulty, "registry_individual_wg_seeing_known", blank=True),
            choices_check("wg_hearing", Difficulty, "registry_individual_wg_hearing_known", blank=True),
            choices_check("wg_walking", Difficulty, "registry_individual_wg_walking_known", blank=True),
            choices_check("wg_cognition", Difficulty, "registry_individual_wg_cognition_known", blank=True),
            choices_check("wg_self_care", Difficulty, "registry_individual_wg_self_care_known", blank=True),
            choices_check("wg_communication", Difficulty, "registry_individual_wg_communication_known", blank=True),
            choices_check("pregnancy", PregnancyStatus, "registry_individual_pregnancy_known"),
            choices_check("id_document_type", IdDocumentType, "registry_individual_id_document_type_known", blank=True),
            models.CheckConstraint(
                condition=models.Q(sex="female") | models.Q(pregnancy="no"),
                name="registry_individual_pregnancy_female_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.given_names} {self.family_name}".strip()


class RegistrationSequence(models.Model):
    """The last registration number handed out by an organisation in a year (IOM-22-000123)."""

    organisation = models.ForeignKey("access.Organisation", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="registry_sequence_unique_year"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.year}: {self.last}"


class HouseholdMerge(TimeStampedModel):
    """Two registrations found to be one household: what a merge moved, so it can be undone.

    ``moved`` holds ids and codes only, never a personal value (see abri.dedup.merges.services):
    the members moved, the members folded into a kept member, the relations re-pointed
    (one entry per relation, with the ids of its rows) and the previous codes the merge changed.
    """

    kept = models.ForeignKey(
        Household, verbose_name=_("kept household"), on_delete=models.PROTECT, related_name="merges_kept"
    )
    absorbed = models.ForeignKey(
        Household, verbose_name=_("merged household"), on_delete=models.PROTECT, related_name="merges_absorbed"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"))
    moved = models.JSONField(_("what the merge moved"), default=dict)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("undone by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    undo_reason = models.TextField(_("reason for the undo"), blank=True)
    undo_skipped = models.JSONField(_("rows the undo could not put back"), default=dict, blank=True)

    class Meta:
        verbose_name = _("household merge")
        verbose_name_plural = _("household merges")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kept=models.F("absorbed")), name="registry_merge_two_households"
            ),
            # A household is merged away once at a time: a second merge of it waits for an undo.
            models.UniqueConstraint(
                fields=["absorbed"], condition=models.Q(undone_at__isnull=True), name="registry_merge_absorbed_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.kept_id}"


class HouseholdLocation(models.Model):
    """Where a household lived from one date to the next: its location history.

    The household's ``site`` and ``admin_area`` say where it is now; these rows keep where it
    was before (a relocation closes one row and opens the next). At most one row per household is
    open (``left_on`` empty), which a partial unique index enforces. ``reference`` names what
    moved it (``relocation:3``), so a later stage finds its moves without the registry knowing it.
    """

    household = models.ForeignKey(
        Household, verbose_name=_("household"), on_delete=models.PROTECT, related_name="locations"
    )
    admin_area = models.ForeignKey(
        "geo.AdminArea", verbose_name=_("admin area"), on_delete=models.PROTECT, related_name="+"
    )
    site = models.ForeignKey(
        "geo.Site", verbose_name=_("site"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    left_on = models.DateField(_("left on"), null=True, blank=True)
    reference = models.CharField(_("reference"), max_length=64, blank=True, db_index=True)
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("household location")
        verbose_name_plural = _("household locations")
        ordering = ["household_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"], condition=models.Q(left_on__isnull=True), name="registry_location_one_open"
            ),
            models.CheckConstraint(
                condition=models.Q(left_on__isnull=True)
                | models.Q(arrived_on__isnull=True)
                | models.Q(left_on__gte=models.F("arrived_on")),
                name="registry_location_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} @ {self.site_id or self.admin_area_id}"
