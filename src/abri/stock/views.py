"""Stock pages: the warehouses in the user's scope and what each holds."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from abri.access.selectors import scope_for
from abri.stock.selectors import warehouses_visible


@login_required
@never_cache
@require_GET
def warehouse_list(request: HttpRequest) -> HttpResponse:
    """The warehouses the user may see, each with its balances."""
    scope = scope_for(user=request.user)
    return render(request, "stock/warehouse_list.html", {"warehouses": warehouses_visible(scope=scope)})
