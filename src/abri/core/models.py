"""The base model and the audit log every write service records into."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


def choices_check(
    field_name: str, choices_class: type[models.Choices], name: str, *, blank: bool = False
) -> models.CheckConstraint:
    """A database check that ``field_name`` holds one of ``choices_class``'s values ("" too when
    ``blank``): a bulk COPY or a raw update bypasses Django's validation, not this.

    Adding a value to the choices changes the constraint: ``makemigrations`` writes the migration.
    """
    allowed = [str(value) for value in choices_class.values]
    if blank:
        allowed.append("")
    return models.CheckConstraint(condition=models.Q(**{f"{field_name}__in": allowed}), name=name)


class TimeStampedModel(models.Model):
    """Abstract base: when a row was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class CodedNamedInTwoLanguages(models.Model):
    """Abstract base: a unique code and a name in French and in English (items, kits, shelter types)."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language (French otherwise)."""
        return self.name_en if translation.get_language() == "en" else self.name_fr


class AuditEntry(models.Model):
    """Who did what to which record, when and from where; written in the transaction of the change.

    ``changes`` names changed fields and never holds personal values in clear
    (services pass field names, or values already redacted). Append-only: sealed into a chain
    just after its transaction commits (``seq``, ``digest``; see `abri.core.audit_chain`).
    """

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        # A user who acted is deactivated, never deleted: the log keeps naming them.
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=64)
    target_type = models.CharField(_("record type"), max_length=64)
    target_id = models.CharField(_("record id"), max_length=64)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    # The client's address for a web or API request; empty for the command line and background jobs.
    source = models.CharField(_("from"), max_length=64, blank=True, default="")
    seq = models.PositiveBigIntegerField(_("position in the chain"), null=True, blank=True, unique=True)
    digest = models.CharField(_("seal"), max_length=64, blank=True, default="")

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            models.Index(fields=["actor", "at"]),
            models.Index(fields=["action", "at"]),
            models.Index(fields=["id"], condition=models.Q(seq__isnull=True), name="core_audit_unsealed"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.target_type}#{self.target_id}"


class AuditChainHead(models.Model):
    """The last sealed entry of the audit chain: one row, locked by each sealer in turn."""

    seq = models.PositiveBigIntegerField(default=0)
    digest = models.CharField(max_length=64, default="0" * 64)

    class Meta:
        verbose_name = _("audit chain head")
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="core_audit_chain_head_single")]

    def __str__(self) -> str:
        return f"audit chain head: entry {self.seq}"
