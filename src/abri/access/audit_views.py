"""The audit page: auditors and administrators search who did what, when and from where, and see
the unusual patterns flagged in the last days."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from abri.access import roles
from abri.access.selectors import audit_entries_visible, scope_for
from abri.core.audit_chain import audit_head
from abri.core.audit_signals import PERSONAL_DATA_VIEW, audit_signals, export_actions
from abri.core.models import AuditEntry
from abri.core.widgets import DateInput

PAGE_SIZE = 50
SIGNAL_DAYS = 7


class AuditSearchForm(forms.Form):
    """What an auditor narrows the log to; none of it is personal data, so it may sit in the address."""

    KINDS = [
        ("", _("Everything")),
        ("views", _("Views of personal data")),
        ("exports", _("Exports and downloads")),
        ("changes", _("Changes")),
    ]
    user = forms.CharField(label=_("User"), required=False, max_length=150)
    action = forms.CharField(
        label=_("Action"), required=False, max_length=64, help_text=_("household.update, handover")
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=KINDS, required=False)
    record = forms.CharField(
        label=_("Record id"), required=False, max_length=64, help_text=_("The number after # in an entry")
    )
    source = forms.CharField(label=_("From (address)"), required=False, max_length=64)
    since = forms.DateField(label=_("From"), required=False, widget=DateInput())
    until = forms.DateField(label=_("To"), required=False, widget=DateInput())

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if isinstance(since, datetime.date) and isinstance(until, datetime.date) and since > until:
            self.add_error("until", _("The last day comes before the first."))
        return data

    def apply(self, entries: QuerySet[AuditEntry]) -> QuerySet[AuditEntry]:
        data = self.cleaned_data
        if data.get("user"):
            entries = entries.filter(actor__username__iexact=data["user"].strip())
        if data.get("action"):
            entries = entries.filter(action__icontains=data["action"].strip())
        kind = data.get("kind")
        if kind == "views":
            entries = entries.filter(action=PERSONAL_DATA_VIEW)
        elif kind == "exports":
            entries = entries.filter(export_actions())
        elif kind == "changes":
            entries = entries.exclude(action=PERSONAL_DATA_VIEW).exclude(export_actions())
        if data.get("record"):
            entries = entries.filter(target_id=data["record"].strip().lstrip("#"))
        if data.get("source"):
            entries = entries.filter(source=data["source"].strip())
        zone = timezone.get_current_timezone()
        if data.get("since"):
            entries = entries.filter(at__gte=datetime.datetime.combine(data["since"], datetime.time.min, zone))
        if data.get("until"):
            next_day = data["until"] + datetime.timedelta(days=1)
            entries = entries.filter(at__lt=datetime.datetime.combine(next_day, datetime.time.min, zone))
        return entries


@login_required
@never_cache
@require_GET
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit entries of the organisations the user audits, newest first, 50 a page, searchable."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.VIEW_AUDIT):
        raise Http404
    visible = audit_entries_visible(scope=scope)
    form = AuditSearchForm(request.GET or None)
    entries = form.apply(visible) if form.is_valid() else visible
    page = Paginator(entries.order_by("-at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = {key: value for key, value in request.GET.items() if key != "page" and value}
    since = timezone.now() - datetime.timedelta(days=SIGNAL_DAYS)
    context = {
        "section": "audit",
        "form": form,
        "page": page,
        "query": urlencode(query) + "&" if query else "",
        "signals": audit_signals(since=since, entries=visible),
        "signal_days": SIGNAL_DAYS,
        "head": audit_head(),
    }
    return render(request, "access/audit_log.html", context)
