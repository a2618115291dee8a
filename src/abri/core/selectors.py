"""Reads of the core app: the audit trail of a record."""

from __future__ import annotations

from django.db import models
from django.db.models import QuerySet

from abri.core.models import AuditEntry


def audit_entries_for(*, target: models.Model) -> QuerySet[AuditEntry]:
    """Every audit entry about ``target``, newest first, with its actor; check access to ``target`` first."""
    return (
        AuditEntry.objects.filter(target_type=target._meta.label_lower, target_id=str(target.pk))
        .select_related("actor")
        .order_by("-at", "-id")
    )


def audit_entries_by(*, actor_id: int) -> QuerySet[AuditEntry]:
    """Every audit entry recorded by one user, newest first."""
    return AuditEntry.objects.filter(actor_id=actor_id).select_related("actor").order_by("-at", "-id")
