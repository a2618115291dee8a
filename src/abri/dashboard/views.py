"""The home page (dashboard): what the user's role lets them do, with a link to each; the households
they may see, counted by area and by vulnerability flag."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from abri.access import roles
from abri.access.audit_views import SIGNAL_DAYS
from abri.access.selectors import Scope, audit_entries_visible, scope_for
from abri.core.audit_signals import audit_signals
from abri.registry.selectors import household_counts

# What a role may do, in the order of the work: (permission, title, what it is for, page).
TASKS = (
    (
        roles.CHANGE_HOUSEHOLD,
        _("Register a household"),
        _("Record a new household and its members."),
        "registry:household_create",
    ),
    (
        roles.VIEW_HOUSEHOLD,
        _("Households"),
        _("Find a household by name, number or phone; see its members and history."),
        "registry:household_list",
    ),
    (
        roles.IMPORT_REGISTRATIONS,
        _("Imports"),
        _("Bring in a Kobo, ODK or spreadsheet export, check it, then commit it."),
        "intake:batch_list",
    ),
    (
        roles.REVIEW_DUPLICATES,
        _("Duplicates"),
        _("Decide on the pairs of registrations that may be one household."),
        "dedup:overview",
    ),
    (roles.DEDUPE_FILES, _("Partner lists"), _("Check a partner's list against the registry."), "lists:home"),
    (
        roles.VIEW_TARGETING,
        _("Targeting"),
        _("Criteria, scores, the selection committee and its published lists."),
        "targeting:plan_list",
    ),
    (
        roles.VIEW_GRIEVANCES,
        _("Grievances"),
        _("Complaints and feedback, their answers and follow-up."),
        "grievances:grievance_list",
    ),
    (
        roles.RECORD_HANDOVERS,
        _("Distributions"),
        _("Hand over kits at a distribution point, online or offline."),
        "assistance:distribution_list",
    ),
    (
        roles.VIEW_DISTRIBUTIONS,
        _("Distributions"),
        _("Distributions, their entitlements, handovers and reconciliation."),
        "assistance:distribution_list",
    ),
    (
        roles.MOVE_STOCK,
        _("Stock"),
        _("Receive consignments, transfer, record losses and counts."),
        "stock:warehouse_list",
    ),
    (roles.VIEW_STOCK, _("Stock"), _("What each warehouse holds, its ledger, the kits."), "stock:warehouse_list"),
    (
        roles.VIEW_SHELTER,
        _("Shelter"),
        _("Sites, their occupancy, shelters and their allocation."),
        "shelter:site_list",
    ),
    (
        roles.VIEW_REPORTS,
        _("Reporting"),
        _("The 5W, indicators, the operation dashboard and the situation report."),
        "reporting:activity_list",
    ),
    (
        roles.VIEW_AGREEMENTS,
        _("Data sharing"),
        _("What your organisation shares with others, and what they share with it."),
        "agreements:agreement_list",
    ),
    (
        roles.VIEW_AUDIT,
        _("Audit log"),
        _("Who did what, when and from where; what looks unusual."),
        "audit:audit_log",
    ),
)


def tasks_for(scope: Scope) -> list[dict[str, str]]:
    """What ``scope`` may do, one entry per page (the first reason a role has for it)."""
    found: dict[str, dict[str, str]] = {}
    for permission, title, purpose, page in TASKS:
        if page not in found and scope.allows(permission):
            found[page] = {"title": str(title), "purpose": str(purpose), "url": reverse(page)}
    return list(found.values())


def _signals(scope: Scope) -> int | None:
    """How many unusual patterns the audit shows for the last days; None for who does not audit."""
    if not scope.allows(roles.VIEW_AUDIT):
        return None
    since = timezone.now() - datetime.timedelta(days=SIGNAL_DAYS)
    return len(audit_signals(since=since, entries=audit_entries_visible(scope=scope)))


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: households and individuals in the user's scope, by area and by flag."""
    scope = scope_for(user=request.user)
    can_view = scope.allows(roles.VIEW_HOUSEHOLD)
    counts = household_counts(scope=scope) if can_view else None
    by_area = counts.by_area if counts else []
    by_flag = counts.by_flag if counts else []
    regions = [row for row in by_area if row.area.level == 1]
    context = {
        "totals": counts.totals if counts else None,
        "by_area": by_area,
        "area_max": max((row.households for row in regions), default=0),
        "area_people_max": max((row.individuals for row in regions), default=0),
        "area_chart_height": 44 * len(by_area),
        "by_flag": by_flag,
        "flag_max": max((row.households for row in by_flag), default=0),
        "flag_people_max": max((row.individuals for row in by_flag), default=0),
        "flag_chart_height": 44 * len(by_flag),
        "can_view": can_view,
        "tasks": tasks_for(scope),
        "signals": _signals(scope),
        "can_change": scope.allows(roles.CHANGE_HOUSEHOLD),
    }
    return render(request, "dashboard/home.html", context)
