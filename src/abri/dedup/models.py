"""Duplicates found in the registry, and what reviewers decided about them.

A run of the engine over the registry (`DeduplicationRun`) proposes pairs of individuals
(`MatchCandidate`) with their probability and evidence (levels and weights per field, no
personal value). A reviewer decides "same" or "different" (`MatchDecision`, who and why).
A pair judged different is not proposed again while the data compared is unchanged: each
candidate keeps a fingerprint of what was compared, and so does the decision.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class RunStatus(models.TextChoices):
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class DeduplicationRun(TimeStampedModel):
    """One pass of the engine over the registry."""

    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.RUNNING)
    stage = models.CharField(_("current stage"), max_length=32, blank=True)  # progress, for the page and the CLI
    threshold = models.FloatField(_("threshold"))
    individuals = models.PositiveIntegerField(_("individuals compared"), default=0)
    candidate_pairs = models.PositiveIntegerField(_("candidate pairs compared"), default=0)
    pairs_found = models.PositiveIntegerField(_("pairs above the threshold"), default=0)
    pairs_new = models.PositiveIntegerField(_("pairs proposed for the first time"), default=0)
    pairs_remembered = models.PositiveIntegerField(_("pairs already judged different, not proposed again"), default=0)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deduplication run")
        verbose_name_plural = _("deduplication runs")
        ordering = ["-created_at"]
        constraints = [
            choices_check("status", RunStatus, "dedup_run_status_known"),
            # Two runs at once would race to write the same pairs: one at a time.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="running"), name="dedup_one_run_at_a_time"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} ({self.status})"


class CandidateStatus(models.TextChoices):
    OPEN = "open", _("To review")
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different people")


class MatchCandidate(TimeStampedModel):
    """Two individuals the engine thinks may be one person; ``individual_a`` has the smaller id."""

    individual_a = models.ForeignKey(
        "registry.Individual", verbose_name=_("individual"), on_delete=models.CASCADE, related_name="+"
    )
    individual_b = models.ForeignKey(
        "registry.Individual", verbose_name=_("other individual"), on_delete=models.CASCADE, related_name="+"
    )
    household_a = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.CASCADE, related_name="+"
    )
    household_b = models.ForeignKey(
        "registry.Household", verbose_name=_("other household"), on_delete=models.CASCADE, related_name="+"
    )
    match_probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField(_("match weight (bits)"))
    # {"given_name": {"level": 0, "weight": 6.3}, …}: level numbers, never the values compared.
    evidence = models.JSONField(_("evidence"), default=dict)
    fingerprint = models.CharField(_("fingerprint of the data compared"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=CandidateStatus.choices, default=CandidateStatus.OPEN)
    run = models.ForeignKey(
        DeduplicationRun,
        verbose_name=_("last found by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidates",
    )
    # Set while a household merge holds the pair as "same": no reviewer decision changes it (dedup/flows.py).
    decided_by_merge = models.ForeignKey(
        "registry.HouseholdMerge",
        verbose_name=_("decided by the merge"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("match candidate")
        verbose_name_plural = _("match candidates")
        ordering = ["-match_probability", "id"]
        constraints = [
            choices_check("status", CandidateStatus, "dedup_candidate_status_known"),
            models.UniqueConstraint(fields=["individual_a", "individual_b"], name="dedup_candidate_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(individual_a__lt=models.F("individual_b")), name="dedup_candidate_pair_ordered"
            ),
            models.CheckConstraint(
                condition=models.Q(match_probability__gte=0) & models.Q(match_probability__lte=1),
                name="dedup_candidate_probability_range",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by_merge__isnull=True) | models.Q(status="same"),
                name="dedup_candidate_merge_decides_same",
            ),
        ]
        indexes = [models.Index(fields=["status", "-match_probability"])]

    def __str__(self) -> str:
        return f"{self.individual_a_id} ~ {self.individual_b_id} ({self.match_probability:.2f})"


class Decision(models.TextChoices):
    SAME = "same", _("Same person")
    DIFFERENT = "different", _("Different people")


class MatchDecision(TimeStampedModel):
    """A reviewer's decision on a candidate pair, with who and why."""

    candidate = models.ForeignKey(
        MatchCandidate, verbose_name=_("candidate pair"), on_delete=models.CASCADE, related_name="decisions"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    fingerprint = models.CharField(_("fingerprint of the data decided on"), max_length=64)

    class Meta:
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")
        ordering = ["-created_at"]
        constraints = [
            choices_check("decision", Decision, "dedup_decision_known"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.decision}"


class ListRunMode(models.TextChoices):
    DEDUPLICATE = "deduplicate", _("Duplicates inside one list")
    LINK = "link", _("The same people across two lists")


class ListRunStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Columns to map")
    QUEUED = "queued", _("Waiting to start")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class ListRun(TimeStampedModel):
    """Partner lists uploaded to find duplicates in them (or the same people across two), and what was found.

    The files and the results live encrypted in a private folder (see `abri.dedup.lists.storage`),
    not in the database; the row keeps only the column map, the counts and the progress. Only the
    person who uploaded the lists sees the run; it is deleted with its files when it expires.
    """

    uuid = models.UUIDField(_("public identifier"), unique=True, editable=False)  # the only id in URLs
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="+"
    )
    mode = models.CharField(_("kind"), max_length=16, choices=ListRunMode.choices)
    status = models.CharField(_("status"), max_length=16, choices=ListRunStatus.choices, default=ListRunStatus.UPLOADED)
    # Original file names, in upload order; the files themselves are in the private folder.
    file_names = models.JSONField(_("file names"), default=list)
    # {"fields": {"given_name": "Prénom", …}, "compare": [...], "id_column": "ID", "threshold": 0.5}
    options = models.JSONField(_("options"), default=dict, blank=True)
    language = models.CharField(_("language of the results"), max_length=8, default="fr")
    stage = models.CharField(_("current stage"), max_length=32, blank=True)
    records = models.PositiveIntegerField(_("records compared"), default=0)
    candidate_pairs = models.PositiveIntegerField(_("candidate pairs compared"), default=0)
    pairs_found = models.PositiveIntegerField(_("pairs above the threshold"), default=0)
    clusters_found = models.PositiveIntegerField(_("clusters of more than one record"), default=0)
    # Counts of pairs per tenth of probability, for the histogram: no personal value.
    histogram = models.JSONField(_("pairs per probability band"), default=list, blank=True)
    notes = models.JSONField(_("notes on reading the files"), default=list, blank=True)
    message = models.TextField(_("why it failed"), blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("deleted after"), db_index=True)

    class Meta:
        verbose_name = _("list deduplication")
        verbose_name_plural = _("list deduplications")
        ordering = ["-created_at"]
        constraints = [
            choices_check("status", ListRunStatus, "dedup_list_run_status_known"),
            choices_check("mode", ListRunMode, "dedup_list_run_mode_known"),
        ]

    def __str__(self) -> str:
        return f"{self.uuid} ({self.status})"
