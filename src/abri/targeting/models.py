"""Targeting plans, their scored runs, the selection committee and the published lists.

A plan belongs to a programme and an organisation and covers admin areas (and optionally
sites); its criteria are data (`abri.targeting.criteria`). A run stores every household's
score and rank. The committee meets in sessions, decides on each household of the agenda
(one decision per household per session, by the database), the people the programme names
validate, and the list is published as a numbered version whose rows the database refuses
to change (see migration 0002).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from abri.core.models import TimeStampedModel, choices_check


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SCORED = "scored", _("Scored")
    IN_COMMITTEE = "in_committee", _("With the committee")
    PUBLISHED = "published", _("Published")


class TargetingPlan(TimeStampedModel):
    """Who should receive a programme's assistance in an area: criteria, quota, committee."""

    name = models.CharField(_("name"), max_length=200)
    programme = models.ForeignKey(
        "assistance.Programme", verbose_name=_("programme"), on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "access.Organisation", verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    admin_areas = models.ManyToManyField("geo.AdminArea", verbose_name=_("admin areas"), related_name="+")
    sites = models.ManyToManyField("geo.Site", verbose_name=_("sites"), blank=True, related_name="+")
    criteria = models.JSONField(_("criteria"), default=dict)
    quota = models.PositiveIntegerField(_("quota (households)"))
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("targeting plan")
        verbose_name_plural = _("targeting plans")
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("status", PlanStatus, "targeting_plan_status_known"),
            models.CheckConstraint(condition=models.Q(quota__gt=0), name="targeting_plan_quota_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class TargetingRun(TimeStampedModel):
    """One scoring of a plan: the criteria and quota used, and when."""

    plan = models.ForeignKey(TargetingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="runs")
    criteria = models.JSONField(_("criteria used"))
    quota = models.PositiveIntegerField(_("quota used"))
    scored_on = models.DateField(_("ages and days counted on"))
    households = models.PositiveIntegerField(_("households scored"), default=0)
    eligible = models.PositiveIntegerField(_("households eligible"), default=0)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("run by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("targeting run")
        verbose_name_plural = _("targeting runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.plan_id}#{self.pk}"


class ScoredHousehold(models.Model):
    """A household's score in one run: eligibility, score, the rules that fired, rank, proposed."""

    run = models.ForeignKey(TargetingRun, verbose_name=_("run"), on_delete=models.CASCADE, related_name="scores")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    eligible = models.BooleanField(_("eligible"))
    score = models.FloatField(_("score"))
    fired = models.BigIntegerField(_("scoring rules that fired (bits)"), default=0)
    failed = models.BigIntegerField(_("eligibility rules failed (bits)"), default=0)
    rank = models.PositiveIntegerField(_("rank"), null=True)
    position = models.PositiveIntegerField(_("position in the list"))  # the eligible by rank, then the others
    proposed = models.BooleanField(_("proposed"))
    possible_duplicate = models.BooleanField(_("in a duplicate pair to review"), default=False)

    class Meta:
        verbose_name = _("scored household")
        verbose_name_plural = _("scored households")
        constraints = [
            models.UniqueConstraint(fields=["run", "household"], name="targeting_score_household_once"),
            models.UniqueConstraint(fields=["run", "rank"], name="targeting_score_rank_once"),
            # The list page walks this index in order: a deep page costs an index walk, not a sort.
            models.UniqueConstraint(fields=["run", "position"], name="targeting_score_position_once"),
            models.CheckConstraint(
                condition=models.Q(eligible=True, rank__isnull=False) | models.Q(eligible=False, rank__isnull=True),
                name="targeting_score_rank_iff_eligible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.run_id}:{self.household_id} #{self.rank}"


class MemberRole(models.TextChoices):
    IDP_REPRESENTATIVE = "idp_representative", _("Representative of displaced people")
    WOMEN_REPRESENTATIVE = "women_representative", _("Women's representative")
    DISABILITY_REPRESENTATIVE = "disability_representative", _("Representative of people with disabilities")
    HOST_COMMUNITY = "host_community", _("Host community")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    COMMUNITY_LEADER = "community_leader", _("Community leader")
    AGENCY_STAFF = "agency_staff", _("Agency staff")


class CommitteeMember(TimeStampedModel):
    """A member of a plan's selection committee; ``validates`` when the programme names them to validate the list."""

    plan = models.ForeignKey(TargetingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="members")
    name = models.CharField(_("name"), max_length=200)
    role = models.CharField(_("role"), max_length=32, choices=MemberRole.choices)
    affiliation = models.CharField(_("organisation or community"), max_length=200, blank=True)
    validates = models.BooleanField(_("validates the list"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("committee member")
        verbose_name_plural = _("committee members")
        ordering = ["plan", "id"]
        constraints = [
            choices_check("role", MemberRole, "targeting_member_role_known"),
            models.UniqueConstraint(fields=["plan", "name", "role"], name="targeting_member_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"


class SessionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    PUBLISHED = "published", _("Published")


class CommitteeSession(TimeStampedModel):
    """A meeting of the committee on a run: date, place, who attended, minutes, decisions."""

    plan = models.ForeignKey(TargetingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="sessions")
    run = models.ForeignKey(TargetingRun, verbose_name=_("run"), on_delete=models.PROTECT, related_name="sessions")
    held_on = models.DateField(_("date"))
    place = models.CharField(_("place"), max_length=200)
    attendees = models.ManyToManyField(CommitteeMember, verbose_name=_("attendees"), blank=True, related_name="+")
    minutes = models.TextField(_("minutes"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=SessionStatus.choices, default=SessionStatus.OPEN)

    class Meta:
        verbose_name = _("committee session")
        verbose_name_plural = _("committee sessions")
        ordering = ["plan", "held_on", "id"]
        constraints = [
            choices_check("status", SessionStatus, "targeting_session_status_known"),
            # One session at a time is open on a plan.
            models.UniqueConstraint(
                fields=["plan"], condition=models.Q(status="open"), name="targeting_session_one_open"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.held_on}"


class AgendaSource(models.TextChoices):
    SCORE = "score", _("Proposed by the score")
    REFERRAL = "referral", _("Sent back by a grievance")
    COMMITTEE = "committee", _("Added by the committee")


class AgendaItem(models.Model):
    """A household the session must decide on."""

    session = models.ForeignKey(
        CommitteeSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="agenda"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=16, choices=AgendaSource.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            choices_check("source", AgendaSource, "targeting_agenda_source_known"),
            models.UniqueConstraint(fields=["session", "household"], name="targeting_agenda_household_once"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.household_id}"


class Referral(TimeStampedModel):
    """A household sent back to the committee (by a grievance), waiting for the next session."""

    plan = models.ForeignKey(TargetingPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="referrals")
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"))
    session = models.ForeignKey(
        CommitteeSession,
        verbose_name=_("taken up in"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="referrals",
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("referral to the committee")
        verbose_name_plural = _("referrals to the committee")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "household"],
                condition=models.Q(session__isnull=True),
                name="targeting_referral_pending_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id}:{self.household_id}"


class Decision(models.TextChoices):
    INCLUDE = "include", _("Include")
    EXCLUDE = "exclude", _("Exclude")
    WAIT_LIST = "wait_list", _("Wait-list")


class CommitteeDecision(TimeStampedModel):
    """The committee's decision on one household in one session, with its reason."""

    session = models.ForeignKey(
        CommitteeSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="decisions"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("committee decision")
        verbose_name_plural = _("committee decisions")
        constraints = [
            choices_check("decision", Decision, "targeting_decision_known"),
            models.UniqueConstraint(fields=["session", "household"], name="targeting_decision_once_per_session"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="targeting_decision_reason_given"),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.household_id} {self.decision}"


class Validation(TimeStampedModel):
    """A named member's validation of the session's list."""

    session = models.ForeignKey(
        CommitteeSession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="validations"
    )
    member = models.ForeignKey(CommitteeMember, verbose_name=_("member"), on_delete=models.PROTECT, related_name="+")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("validation")
        verbose_name_plural = _("validations")
        constraints = [models.UniqueConstraint(fields=["session", "member"], name="targeting_validation_once")]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.member_id}"


class PublishedList(models.Model):
    """A numbered, immutable version of a plan's final list; the database refuses updates (migration 0002)."""

    plan = models.ForeignKey(TargetingPlan, verbose_name=_("plan"), on_delete=models.PROTECT, related_name="lists")
    version = models.PositiveIntegerField(_("version"))
    session = models.OneToOneField(
        CommitteeSession, verbose_name=_("session"), on_delete=models.PROTECT, related_name="published"
    )
    published_at = models.DateTimeField(_("published at"), auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("published by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    included = models.PositiveIntegerField(_("households included"))
    wait_listed = models.PositiveIntegerField(_("households on the wait list"))
    changes = models.JSONField(_("what changed since the previous version"), default=dict)
    reason = models.TextField(_("why it changed"), blank=True)

    class Meta:
        verbose_name = _("published list")
        verbose_name_plural = _("published lists")
        ordering = ["plan", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "version"], name="targeting_list_version_once"),
            models.CheckConstraint(condition=models.Q(version__gte=1), name="targeting_list_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.version}"


class ListStatus(models.TextChoices):
    INCLUDED = "included", _("Included")
    WAIT_LISTED = "wait_listed", _("Wait-listed")


class PublishedListEntry(models.Model):
    """One household of a published list; never updated (a later change is a new version)."""

    published_list = models.ForeignKey(
        PublishedList, verbose_name=_("published list"), on_delete=models.PROTECT, related_name="entries"
    )
    household = models.ForeignKey(
        "registry.Household", verbose_name=_("household"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=ListStatus.choices)
    position = models.PositiveIntegerField(_("position"))
    score = models.FloatField(_("score"), null=True)
    reason = models.TextField(_("reason"))

    class Meta:
        verbose_name = _("published list entry")
        verbose_name_plural = _("published list entries")
        ordering = ["published_list", "position"]
        constraints = [
            choices_check("status", ListStatus, "targeting_entry_status_known"),
            models.UniqueConstraint(fields=["published_list", "household"], name="targeting_entry_household_once"),
            models.UniqueConstraint(fields=["published_list", "position"], name="targeting_entry_position_once"),
        ]

    def __str__(self) -> str:
        return f"{self.published_list_id}:{self.household_id}"
