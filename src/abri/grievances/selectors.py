"""Reads of grievances: those a scope may see (sensitive ones only for the roles named for them),
overdue ones, and counts that may be shared outside the organisation (sensitive ones never in them)."""

from __future__ import annotations

import datetime

from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from abri.access.roles import VIEW_GRIEVANCES, VIEW_SENSITIVE_GRIEVANCES
from abri.access.selectors import Scope
from abri.core.errors import NotFound
from abri.grievances.models import Grievance, GrievanceStatus

OPEN_STATUSES = (GrievanceStatus.RECEIVED, GrievanceStatus.IN_REVIEW)


def grievances_visible(*, scope: Scope) -> QuerySet[Grievance]:
    """The grievances in ``scope``: the sensitive ones only where it holds the sensitive permission."""
    ordinary = Grievance.objects.filter(scope.q(VIEW_GRIEVANCES), sensitive=False)
    sensitive = Grievance.objects.filter(scope.q(VIEW_SENSITIVE_GRIEVANCES), sensitive=True)
    return ordinary | sensitive


def grievance_list(*, scope: Scope, status: str = "") -> QuerySet[Grievance]:
    """Visible grievances, the most urgent first (open ones by deadline), with household and area."""
    grievances = grievances_visible(scope=scope).select_related("household", "admin_area", "plan")
    if status:
        grievances = grievances.filter(status=status)
    return grievances.order_by("status", "due_on", "id")


def access_grievance(*, scope: Scope, grievance_id: int) -> Grievance:
    """One visible grievance; NotFound for a missing one and a hidden one alike."""
    grievance = (
        grievances_visible(scope=scope)
        .select_related("household", "admin_area", "plan")
        .filter(pk=grievance_id)
        .first()
    )
    if grievance is None:
        raise NotFound(_("No grievance %(id)s.") % {"id": grievance_id})
    return grievance


def is_overdue(grievance: Grievance, *, today: datetime.date) -> bool:
    """Whether an open grievance is past its deadline."""
    return grievance.status in OPEN_STATUSES and grievance.due_on < today


def grievance_counts_shared(*, scope: Scope) -> dict[str, int]:
    """Counts by category for reports shared outside the organisation: sensitive complaints never counted."""
    rows = (
        Grievance.objects.filter(scope.q(VIEW_GRIEVANCES), sensitive=False)
        .order_by()
        .values("category")
        .annotate(count=Count("pk"))
    )
    return {row["category"]: row["count"] for row in rows}
