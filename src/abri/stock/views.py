"""Stock pages: the warehouses in the user's scope and what each holds; receiving a consignment."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from abri.access.roles import MOVE_STOCK
from abri.access.selectors import scope_for
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.stock.forms import ReceiptForm
from abri.stock.models import Warehouse
from abri.stock.selectors import warehouses_visible
from abri.stock.services import Line, stock_receive


@login_required
@never_cache
@require_GET
def warehouse_list(request: HttpRequest) -> HttpResponse:
    """The warehouses the user may see, each with its balances."""
    scope = scope_for(user=request.user)
    return render(
        request,
        "stock/warehouse_list.html",
        {"warehouses": warehouses_visible(scope=scope), "can_receive": scope.allows(MOVE_STOCK)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def receipt_create(request: HttpRequest) -> HttpResponse:
    """Receive a consignment into a warehouse the user keeps."""
    scope = scope_for(user=request.user)
    if not scope.allows(MOVE_STOCK):
        raise Forbidden(_("Your role does not move stock."))
    form = ReceiptForm(request.POST or None, warehouses=Warehouse.objects.filter(scope.q(MOVE_STOCK)).order_by("code"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            stock_receive(
                actor=request.user,
                scope=scope,
                warehouse=data["warehouse"],
                lines=[Line(item=item, quantity=quantity) for item, quantity in data["lines"]],
                consignment=data["consignment"],
                donor=data["donor"],
                occurred_on=data["occurred_on"],
            )
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Consignment %(code)s received.") % {"code": data["consignment"]})
            return HttpResponseRedirect(reverse("stock:warehouse_list"))
    return render(request, "stock/receipt_form.html", {"form": form})
