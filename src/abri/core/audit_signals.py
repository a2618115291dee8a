"""Unusual patterns in the audit log, flagged to administrators and auditors.

Two patterns are looked for, both tuned by settings:

- one user opening the personal data of more than ``ABRI_AUDIT_VIEWS_PER_HOUR`` households
  within one clock hour (someone copying the registry screen by screen, or a stolen account);
- an export or download of lists outside ``ABRI_WORKING_HOURS`` (local time).

Read by the audit page, the administrators' home page and ``abri audit alerts``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import ExtractHour, TruncHour
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.core.models import AuditEntry

PERSONAL_DATA_VIEW = "household.personal_data_view"


def export_actions() -> Q:
    """The audit actions that take data out of Abri: exports and downloads."""
    return Q(action__endswith="export") | Q(action__endswith="download")


@dataclass(frozen=True)
class Signal:
    """One unusual pattern: what, who, when, how many."""

    kind: str  # "views" or "after_hours"
    username: str
    at: datetime.datetime  # the hour of the views; the moment of the export
    count: int
    action: str = ""

    def __str__(self) -> str:
        moment = timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M")
        if self.kind == "views":
            return f"{moment}: {self.username} opened the personal data of {self.count} households within the hour"
        return f"{moment}: {self.username} made an export outside working hours ({self.action})"

    @property
    def text(self) -> str:
        """The signal in the page's language."""
        moment = timezone.localtime(self.at).strftime("%d/%m/%Y %H:%M")
        if self.kind == "views":
            return _("%(moment)s: %(user)s opened the personal data of %(count)s households within the hour") % {
                "moment": moment,
                "user": self.username,
                "count": self.count,
            }
        return _("%(moment)s: %(user)s made an export outside working hours (%(action)s)") % {
            "moment": moment,
            "user": self.username,
            "action": self.action,
        }


def audit_signals(*, since: datetime.datetime, entries: QuerySet[AuditEntry] | None = None) -> list[Signal]:
    """The unusual patterns among ``entries`` (all of the log when not given) since ``since``, newest first."""
    recent = (AuditEntry.objects.all() if entries is None else entries).filter(at__gte=since, actor__isnull=False)
    zone = timezone.get_current_timezone()
    heavy = (
        recent.filter(action=PERSONAL_DATA_VIEW)
        .annotate(hour=TruncHour("at", tzinfo=zone))
        .values("actor__username", "hour")
        .annotate(households=Count("target_id", distinct=True))
        .filter(households__gt=settings.ABRI_AUDIT_VIEWS_PER_HOUR)
    )
    signals = [
        Signal(kind="views", username=row["actor__username"], at=row["hour"], count=row["households"]) for row in heavy
    ]
    start, end = settings.ABRI_WORKING_HOURS
    late = (
        recent.filter(export_actions())
        .annotate(hour=ExtractHour("at", tzinfo=zone))
        .filter(Q(hour__lt=start) | Q(hour__gte=end))
        .values_list("actor__username", "at", "action")
    )
    signals += [Signal(kind="after_hours", username=user, at=at, count=1, action=action) for user, at, action in late]
    return sorted(signals, key=lambda signal: signal.at, reverse=True)
