"""Import batches, their staged problems, saved column mappings, and which submission became
which household.

The staged rows themselves live next to the uploaded file in the batch's folder (Parquet, one
file for households and one for members, see `abri.intake.staging`): a 200,000-household batch
stages in a second there, where one database row per staged record would cost more than the
import itself. What people look at and search (problems, counts, status) is in the database.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class BatchStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")
    VALIDATING = "validating", _("Validating")
    VALIDATED = "validated", _("Ready for review")
    COMMITTING = "committing", _("Committing")
    PARTIALLY_COMMITTED = "partially_committed", _("Partially committed")
    COMMITTED = "committed", _("Committed")
    FAILED = "failed", _("Could not be read")
    DISCARDED = "discarded", _("Discarded")


class BatchSource(models.TextChoices):
    FILE = "file", _("File (XLSX, CSV, JSON)")
    KOBO_API = "kobo_api", _("KoboToolbox server")
    ODK_CENTRAL = "odk_central", _("ODK Central server")


class ColumnMapping(TimeStampedModel):
    """How the columns of a partner's spreadsheet map to Abri's fields, saved once by name.

    ``spec``: {"layout": "rows" | "kobo", "household_key": column (rows layout),
    "columns": {source column: Abri field}, "values": {Abri field: {source value: Abri value}}}.
    """

    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.CASCADE, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    spec = models.JSONField(_("mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="intake_mapping_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class ImportBatch(TimeStampedModel):
    """One upload or pull, staged, validated, reviewed and committed (see `abri.intake.flows`)."""

    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=BatchSource.choices, default=BatchSource.FILE)
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    mapping = models.ForeignKey(
        ColumnMapping, verbose_name=_("column mapping"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # The uploader's scope at upload: who may follow, download, discard or commit the batch.
    household_key = models.CharField(
        _("household number column"),
        max_length=200,
        blank=True,
        help_text=_("The column that links a people sheet to the household sheet, chosen for this batch."),
    )
    scope_areas = models.JSONField(
        _("admin areas of the batch"),
        default=list,
        blank=True,
        help_text=_("P-codes the uploader imported for; empty: every admin area of the organisation."),
    )
    scope_programmes = models.JSONField(
        _("programmes of the batch"),
        default=list,
        blank=True,
        help_text=_("Programmes the uploader imported for; empty: bound to no programme."),
    )
    status = models.CharField(_("status"), max_length=24, choices=BatchStatus.choices, default=BatchStatus.UPLOADED)
    language = models.CharField(_("language of the messages"), max_length=8, default="fr")
    message = models.TextField(_("message"), blank=True, help_text=_("Why the file could not be read."))
    households_total = models.PositiveIntegerField(_("households"), default=0)
    individuals_total = models.PositiveIntegerField(_("individuals"), default=0)
    individuals_without_household = models.PositiveIntegerField(_("individuals without a household"), default=0)
    households_valid = models.PositiveIntegerField(_("valid households"), default=0)
    households_invalid = models.PositiveIntegerField(_("households with errors"), default=0)
    households_duplicate = models.PositiveIntegerField(_("households held as possible duplicates"), default=0)
    households_likely_duplicate = models.PositiveIntegerField(_("households that are likely duplicates"), default=0)
    households_update = models.PositiveIntegerField(_("households already imported (will be updated)"), default=0)
    households_created = models.PositiveIntegerField(_("households created"), default=0)
    households_updated = models.PositiveIntegerField(_("households updated"), default=0)
    households_unchanged = models.PositiveIntegerField(_("households unchanged"), default=0)
    households_skipped_merged = models.PositiveIntegerField(
        _("households not updated: merged since their first import"), default=0
    )
    validated_at = models.DateTimeField(_("validated at"), null=True, blank=True)
    committed_at = models.DateTimeField(_("committed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status"])]
        constraints = [
            choices_check("source", BatchSource, "intake_batch_source_known"),
            choices_check("status", BatchStatus, "intake_batch_status_known"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name}"


class IssueSeverity(models.TextChoices):
    ERROR = "error", _("Error")
    DUPLICATE = "duplicate", _("Possible duplicate")
    WARNING = "warning", _("Warning")


class ImportIssue(models.Model):
    """One problem found in a batch, where it is (sheet, row, column) and what is wrong."""

    batch = models.ForeignKey(ImportBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="issues")
    severity = models.CharField(_("severity"), max_length=16, choices=IssueSeverity.choices)
    submission_id = models.CharField(_("submission"), max_length=200, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    column = models.CharField(_("column"), max_length=200, blank=True)
    field = models.CharField(_("field"), max_length=100, blank=True)
    message = models.TextField(_("message"))

    class Meta:
        verbose_name = _("import problem")
        verbose_name_plural = _("import problems")
        ordering = ["batch", "id"]
        constraints = [
            choices_check("severity", IssueSeverity, "intake_issue_severity_known"),
        ]

    def __str__(self) -> str:
        return f"{self.sheet}!{self.column}{self.row}: {self.message}"


class ImportedSubmission(TimeStampedModel):
    """A form submission (Kobo ``_uuid``, ODK instance ID, a partner's household number) and the
    household it became: a second import of the same submission updates that household."""

    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    submission_id = models.CharField(_("submission"), max_length=200)
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("last import"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("imported submission")
        verbose_name_plural = _("imported submissions")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "submission_id"], name="intake_submission_unique"),
        ]

    def __str__(self) -> str:
        return self.submission_id


class LikelyDuplicate(models.Model):
    """A staged household that the deduplication engine finds likely to be a registered household,
    or another household of the same batch, with the evidence: the reviewer decides at commit."""

    batch = models.ForeignKey(
        ImportBatch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="likely_duplicates"
    )
    household_key = models.PositiveIntegerField(_("staged household"))
    submission_id = models.CharField(_("submission"), max_length=200, blank=True)
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    row = models.PositiveIntegerField(_("row"), null=True, blank=True)
    registered_household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("registered household"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    other_row = models.PositiveIntegerField(_("row of the other household in the batch"), null=True, blank=True)
    members_matched = models.PositiveIntegerField(_("members matched"))
    size = models.PositiveIntegerField(_("members of the other household"))
    probability = models.FloatField(_("probability"))
    evidence = models.TextField(_("evidence"), blank=True)
    member_rows = models.JSONField(_("rows of the matched members"), default=list)

    class Meta:
        verbose_name = _("likely duplicate")
        verbose_name_plural = _("likely duplicates")
        ordering = ["batch", "row", "-probability", "id"]
        indexes = [models.Index(fields=["batch", "household_key"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(probability__gte=0) & models.Q(probability__lte=1),
                name="intake_likely_duplicate_probability",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sheet}!{self.row}: {self.probability:.2f}"
