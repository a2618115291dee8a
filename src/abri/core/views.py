"""Home page: what the user may see, counted by area and by vulnerability flag."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from abri.access import roles
from abri.registry.selectors import (
    household_counts_by_area,
    household_counts_by_flag,
    household_totals,
    user_permissions,
)


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: households and individuals in the user's scope, by area and by flag."""
    user = request.user
    permissions = user_permissions(user=user)
    can_view = roles.VIEW_HOUSEHOLD in permissions
    by_area = household_counts_by_area(user=user) if can_view else []
    by_flag = household_counts_by_flag(user=user) if can_view else []
    regions = [row for row in by_area if row.area.level == 1]
    context = {
        "totals": household_totals(user=user) if can_view else None,
        "by_area": by_area,
        "area_max": max((row.households for row in regions), default=0),
        "area_people_max": max((row.individuals for row in regions), default=0),
        "area_chart_height": 44 * len(by_area),
        "by_flag": by_flag,
        "flag_max": max((row.households for row in by_flag), default=0),
        "flag_people_max": max((row.individuals for row in by_flag), default=0),
        "flag_chart_height": 44 * len(by_flag),
        "can_view": can_view,
        "can_change": roles.CHANGE_HOUSEHOLD in permissions,
    }
    return render(request, "core/home.html", context)
