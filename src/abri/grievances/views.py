"""Grievance pages: the list (overdue ones highlighted) and one grievance with its response."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from abri.access import roles
from abri.access.selectors import scope_for
from abri.core.errors import NotFound
from abri.grievances.selectors import access_grievance, grievance_list, is_overdue

PAGE_SIZE = 50


@login_required
@never_cache
@require_GET
def grievance_list_view(request: HttpRequest) -> HttpResponse:
    """Grievances in the user's scope, open ones by deadline; overdue ones highlighted."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.VIEW_GRIEVANCES):
        raise Http404
    today = timezone.localdate()
    page = Paginator(grievance_list(scope=scope), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    rows = [{"grievance": grievance, "overdue": is_overdue(grievance, today=today)} for grievance in page.object_list]
    return render(request, "grievances/grievance_list.html", {"page": page, "rows": rows})


@login_required
@never_cache
@require_GET
def grievance_detail(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """One grievance: what was said, by which channel, its deadline and the response given."""
    scope = scope_for(user=request.user)
    try:
        grievance = access_grievance(scope=scope, grievance_id=grievance_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    context = {"grievance": grievance, "overdue": is_overdue(grievance, today=timezone.localdate())}
    return render(request, "grievances/grievance_detail.html", context)
