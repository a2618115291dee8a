"""Pages of the offline distribution: the service worker, the points an entitlement is bound to
(bind, move), and the conflicts of handovers recorded on two devices, for a supervisor to resolve.

The handover page itself is `views.distribution_handover`; its script `assistance/offline.js`
prepares, records and syncs through the API (`assistance/api.py`, `assistance/sync.py`).
"""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from abri.access.roles import MANAGE_DISTRIBUTIONS
from abri.access.selectors import Scope
from abri.assistance.models import (
    ConflictResolution,
    ConflictStatus,
    Distribution,
    EntitlementStatus,
    HandoverConflict,
)
from abri.assistance.sync import conflict_resolve, entitlement_move, entitlements_bind
from abri.assistance.views import _distribution
from abri.core.errors import Conflict, NotFound, ValidationFailed
from abri.registry.shown import handover_shown

SHELL = ("core/abri.css", "django_htmx/htmx-2.min.js", "assistance/scan.js", "assistance/offline.js")


@require_GET
def offline_sw(request: HttpRequest) -> HttpResponse:
    """The service worker (no data: the pages and files it may answer from when the network fails)."""
    body = render_to_string(
        "assistance/offline-sw.js",
        {"shell": json.dumps([static(name) for name in SHELL]), "logout": reverse("access:logout")},
    )
    response = HttpResponse(body, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response


def _manager(request: HttpRequest, code: str) -> tuple[Scope, Distribution]:
    return _distribution(request, code, MANAGE_DISTRIBUTIONS)  # the one way the pages reach a distribution


def _back(code: str, name: str) -> HttpResponse:
    return HttpResponseRedirect(reverse(f"assistance:{name}", args=[code]))


def _error(request: HttpRequest, refused: Exception) -> None:
    if isinstance(refused, ValidationFailed):
        messages.error(request, " ".join(m for values in refused.errors.values() for m in values))
    else:
        messages.error(request, str(refused))


@login_required
@never_cache
@require_GET
def distribution_points(request: HttpRequest, code: str) -> HttpResponse:
    """The points of a distribution and how many entitlements each holds; bind, move one."""
    _scope, distribution = _manager(request, code)
    points = list(distribution.points.all())
    counts = {point.pk: point.entitlements.filter(status=EntitlementStatus.ACTIVE).count() for point in points}
    unbound = distribution.entitlements.filter(point__isnull=True, status=EntitlementStatus.ACTIVE).count()
    return render(
        request,
        "assistance/points.html",
        {
            "distribution": distribution,
            "points": [(point, counts[point.pk]) for point in points],
            "unbound": unbound,
        },
    )


@login_required
@require_POST
def distribution_bind(request: HttpRequest, code: str) -> HttpResponse:
    """Bind each entitlement with no point to one of the distribution's points."""
    scope, distribution = _manager(request, code)
    try:
        bound = entitlements_bind(actor=request.user, scope=scope, distribution=distribution)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        _error(request, refused)
    else:
        messages.success(request, _("%(count)s entitlements bound to a point.") % {"count": bound})
    return _back(distribution.code, "distribution_points")


@login_required
@require_POST
def entitlement_move_view(request: HttpRequest, code: str) -> HttpResponse:
    """Move one entitlement (by its token) from the point it was seen at to another."""
    scope, distribution = _manager(request, code)
    points = {str(point.pk): point for point in distribution.points.all()}
    to_point = points.get(request.POST.get("to_point", ""))
    from_text = request.POST.get("from_point", "")
    if to_point is None or (from_text and from_text not in points):
        messages.error(request, _("Choose the points among those of the distribution."))
        return _back(distribution.code, "distribution_points")
    try:
        entitlement_move(
            actor=request.user,  # type: ignore[arg-type]
            scope=scope,
            distribution=distribution,
            token=request.POST.get("token", ""),
            to_point=to_point,
            from_point=points.get(from_text),
        )
    except (ValidationFailed, NotFound, Conflict) as refused:
        _error(request, refused)
    else:
        messages.success(request, _("The entitlement is now at %(point)s.") % {"point": to_point.name})
    return _back(distribution.code, "distribution_points")


@login_required
@never_cache
@require_GET
def conflict_list(request: HttpRequest, code: str) -> HttpResponse:
    """The handovers recorded on two devices for one entitlement: both records, side by side."""
    _scope, distribution = _manager(request, code)
    conflicts = (
        HandoverConflict.objects.filter(distribution=distribution)
        .select_related(
            "entitlement__household__head", "first__recorded_by", "first__point", "recorded_by", "point", "resolved_by"
        )
        .order_by("status", "received_at", "id")
    )
    rows = [(conflict, handover_shown(household=conflict.entitlement.household)) for conflict in conflicts]
    return render(
        request,
        "assistance/conflicts.html",
        {
            "distribution": distribution,
            "rows": rows,
            "open": sum(1 for conflict, _shown in rows if conflict.status == ConflictStatus.OPEN),
            "resolutions": ConflictResolution.choices,
        },
    )


@login_required
@require_POST
def conflict_resolve_view(request: HttpRequest, code: str, conflict_id: int) -> HttpResponse:
    """Resolve one conflict: what happened with the second kit, and a note."""
    scope, distribution = _manager(request, code)
    conflict = HandoverConflict.objects.filter(pk=conflict_id, distribution=distribution).first()
    if conflict is None:
        messages.error(request, _("No such conflict."))
        return _back(distribution.code, "conflict_list")
    try:
        conflict_resolve(
            actor=request.user,  # type: ignore[arg-type]
            scope=scope,
            conflict=conflict,
            resolution=request.POST.get("resolution", ""),
            note=request.POST.get("note", ""),
        )
    except ValidationFailed as refused:
        _error(request, refused)
    else:
        messages.success(request, _("The conflict is resolved."))
    return _back(distribution.code, "conflict_list")
