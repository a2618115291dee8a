"""The home page (dashboard): what the user may see, counted by area and by vulnerability flag."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from abri.access import roles
from abri.access.selectors import scope_for
from abri.registry.selectors import household_counts


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
        "can_change": scope.allows(roles.CHANGE_HOUSEHOLD),
    }
    return render(request, "dashboard/home.html", context)
