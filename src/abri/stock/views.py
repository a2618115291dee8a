"""Stock pages: the warehouses in the user's scope, what each holds and its ledger; receiving, transferring,
writing off and adjusting stock; the contents of kits."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from abri.access.roles import MANAGE_DISTRIBUTIONS, MOVE_STOCK, VIEW_STOCK
from abri.access.selectors import Scope, scope_for
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.stock.forms import AdjustmentForm, KitContentsForm, LossForm, ReceiptForm, TransferForm
from abri.stock.models import Kit, Warehouse
from abri.stock.selectors import kit_version_contents, kits_with_contents, ledger, warehouse_visible, warehouses_visible
from abri.stock.services import Line, kit_contents_set, stock_adjust, stock_receive, stock_transfer, stock_write_off

LEDGER_PAGE_SIZE = 50


@login_required
@never_cache
@require_GET
def warehouse_list(request: HttpRequest) -> HttpResponse:
    """The warehouses the user may see, each with its balances."""
    scope = scope_for(user=request.user)
    return render(
        request,
        "stock/warehouse_list.html",
        {
            "warehouses": warehouses_visible(scope=scope),
            "can_move": scope.allows(MOVE_STOCK),
            "can_plan": scope.allows(MANAGE_DISTRIBUTIONS),
        },
    )


@login_required
@never_cache
@require_GET
def warehouse_detail(request: HttpRequest, warehouse_id: int) -> HttpResponse:
    """One warehouse: what it holds and its ledger, newest movement first."""
    scope = scope_for(user=request.user)
    warehouse = warehouse_visible(scope=scope, warehouse_id=warehouse_id)
    if warehouse is None:
        raise Http404(_("No such warehouse in your scope."))
    page = Paginator(ledger(warehouse=warehouse), LEDGER_PAGE_SIZE).get_page(request.GET.get("page"))
    movable = scope.covers(MOVE_STOCK, organisation_id=warehouse.organisation_id, area_pcode=warehouse.admin_area_id)
    return render(
        request,
        "stock/warehouse_detail.html",
        {"warehouse": warehouse, "page": page, "can_move": movable, "query": ""},
    )


def _movers(request: HttpRequest) -> tuple[Scope, QuerySet[Warehouse]]:
    """The user's scope and the warehouses they may move stock in; a role that moves none is refused."""
    scope = scope_for(user=request.user)
    if not scope.allows(MOVE_STOCK):
        raise Forbidden(_("Your role does not move stock."))
    return scope, Warehouse.objects.filter(scope.q(MOVE_STOCK)).select_related("admin_area").order_by("code")


def _initial(request: HttpRequest) -> dict[str, object]:
    """The warehouse a page was opened from (``?warehouse=12``) and today's date, as starting values."""
    initial: dict[str, object] = {"occurred_on": timezone.localdate()}
    if request.GET.get("warehouse", "").isdigit():
        initial["warehouse"] = initial["source"] = int(request.GET["warehouse"])
    return initial


def _movement_page(
    request: HttpRequest, *, form_class: type, title: str, button: str, record: Callable[..., Warehouse], done: str
) -> HttpResponse:
    """A stock movement form: parsed by the form, decided by ``record`` (a service), refusals on the form."""
    scope, warehouses = _movers(request)
    form = form_class(request.POST or None, warehouses=warehouses, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        lines = [Line(item=item, quantity=quantity) for item, quantity in data["lines"]]
        try:
            target = record(scope=scope, data=data, lines=lines)
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, done)
            return HttpResponseRedirect(reverse("stock:warehouse_detail", args=[target.pk]))
    return render(request, "stock/movement_form.html", {"form": form, "title": title, "button": button})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def transfer_create(request: HttpRequest) -> HttpResponse:
    """Send stock from one warehouse the user keeps to another."""

    def record(*, scope: Scope, data: dict, lines: list[Line]) -> Warehouse:
        stock_transfer(
            actor=request.user,
            scope=scope,
            source=data["source"],
            destination=data["destination"],
            lines=lines,
            occurred_on=data["occurred_on"],
        )
        return data["source"]

    return _movement_page(
        request,
        form_class=TransferForm,
        title=_("Transfer stock"),
        button=_("Transfer"),
        record=record,
        done=_("The transfer is recorded in both warehouses."),
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def loss_create(request: HttpRequest) -> HttpResponse:
    """Write off what was damaged, stolen or spoiled in a warehouse the user keeps."""

    def record(*, scope: Scope, data: dict, lines: list[Line]) -> Warehouse:
        stock_write_off(
            actor=request.user,
            scope=scope,
            warehouse=data["warehouse"],
            lines=lines,
            reason=data["reason"],
            occurred_on=data["occurred_on"],
        )
        return data["warehouse"]

    return _movement_page(
        request,
        form_class=LossForm,
        title=_("Record a loss"),
        button=_("Record the loss"),
        record=record,
        done=_("The loss is recorded."),
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def adjustment_create(request: HttpRequest) -> HttpResponse:
    """Correct a warehouse's balances after a physical count; the ledger keeps both."""

    def record(*, scope: Scope, data: dict, lines: list[Line]) -> Warehouse:
        stock_adjust(
            actor=request.user,
            scope=scope,
            warehouse=data["warehouse"],
            lines=lines,
            reason=data["reason"],
            occurred_on=data["occurred_on"],
        )
        return data["warehouse"]

    return _movement_page(
        request,
        form_class=AdjustmentForm,
        title=_("Adjust after a count"),
        button=_("Record the adjustment"),
        record=record,
        done=_("The adjustment is recorded."),
    )


@login_required
@never_cache
@require_GET
def kit_list(request: HttpRequest) -> HttpResponse:
    """The kits and what each holds now; those who plan distributions change the contents."""
    scope = scope_for(user=request.user)
    if not scope.allows(VIEW_STOCK):
        raise Forbidden(_("Your role does not see the stock."))
    return render(
        request,
        "stock/kit_list.html",
        {"kits": kits_with_contents(), "can_plan": scope.allows(MANAGE_DISTRIBUTIONS)},
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def kit_edit(request: HttpRequest, kit_id: int) -> HttpResponse:
    """New contents for a kit: a new version; distributions planned with an earlier one keep theirs."""
    scope = scope_for(user=request.user)
    if not scope.allows(MANAGE_DISTRIBUTIONS):
        raise Forbidden(_("Your role does not change the contents of kits."))
    kit = get_object_or_404(Kit, pk=kit_id)
    versions = list(kit.versions.select_related("created_by").order_by("-number"))
    lines = kit_version_contents(version=versions[0]) if versions else []
    current = "\n".join(f"{code} {quantity}" for code, _name, quantity in lines)
    form = KitContentsForm(request.POST or None, initial={"lines": current})
    if request.method == "POST" and form.is_valid():
        contents: dict = {}
        for item, quantity in form.cleaned_data["lines"]:
            contents[item] = contents.get(item, 0) + quantity
        try:
            version = kit_contents_set(
                actor=request.user, scope=scope, kit=kit, contents=contents, note=form.cleaned_data["note"]
            )
        except ValidationFailed as refused:
            for errors in refused.errors.values():
                form.add_error("lines", errors)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(kit)s now holds version %(number)s of its contents.")
                % {"kit": kit.code, "number": version.number},
            )
            return HttpResponseRedirect(reverse("stock:kit_list"))
    return render(request, "stock/kit_form.html", {"form": form, "kit": kit, "versions": versions})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def receipt_create(request: HttpRequest) -> HttpResponse:
    """Receive a consignment into a warehouse the user keeps."""
    scope, warehouses = _movers(request)
    form = ReceiptForm(request.POST or None, warehouses=warehouses, initial=_initial(request))
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
            return HttpResponseRedirect(reverse("stock:warehouse_detail", args=[data["warehouse"].pk]))
    return render(
        request,
        "stock/movement_form.html",
        {"form": form, "title": _("Receive a consignment"), "button": _("Receive")},
    )
