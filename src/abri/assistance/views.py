"""Distribution pages: the list, one distribution with its reconciliation, the handover point
(find by QR, token, registration number or name; record who received), the households chosen
for it, closing, and the printed cards, list and reconciliation.

Search terms (names, numbers) travel in POST bodies only, never in a URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abri.access.roles import MANAGE_DISTRIBUTIONS, MOVE_STOCK, RECORD_HANDOVERS, VIEW_DISTRIBUTIONS
from abri.access.selectors import Scope, scope_for
from abri.assistance import printing
from abri.assistance.forms import DispatchForm, DistributionForm, WitnessForm
from abri.assistance.models import Distribution, Handover, Programme, Receiver
from abri.assistance.offline_text import offline_text
from abri.assistance.selectors import (
    access_distribution,
    distribution_covered,
    distributions_visible,
    entitlement_rows,
    published_lists_offered,
    reconciliation,
)
from abri.assistance.services import (
    AlreadyHandedOver,
    distribution_close,
    distribution_dispatch,
    distribution_households_add,
    distribution_households_from_list,
    distribution_open,
    distribution_plan,
    distribution_witness_add,
    handover_cancel,
    handover_record,
)
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.registry.access import households_visible
from abri.targeting.selectors import access_published_list

SEARCH_LIMIT = 20
NUMBERS_LIMIT = 1000


def _distribution(request: HttpRequest, code: str, permission: str = VIEW_DISTRIBUTIONS) -> tuple[Scope, Distribution]:
    scope = scope_for(user=request.user)
    try:
        return scope, access_distribution(scope=scope, code=code, permission=permission)
    except NotFound as error:
        raise Http404(str(error)) from error
    except PermissionDenied as error:
        raise Forbidden(str(error)) from error


@login_required
@never_cache
@require_GET
def distribution_list(request: HttpRequest) -> HttpResponse:
    """The distributions the user may see."""
    scope = scope_for(user=request.user)
    return render(
        request,
        "assistance/distribution_list.html",
        {
            "distributions": distributions_visible(scope=scope).select_related("kits"),
            "can_plan": scope.allows(MANAGE_DISTRIBUTIONS),
        },
    )


@login_required
@never_cache
@require_GET
def distribution_detail(request: HttpRequest, code: str) -> HttpResponse:
    """One distribution: facts, witnesses, kits, reconciliation, and what the user may do."""
    scope, distribution = _distribution(request, code)
    can_manage = distribution_covered(scope=scope, distribution=distribution, permission=MANAGE_DISTRIBUTIONS)
    return render(
        request,
        "assistance/distribution_detail.html",
        {
            "distribution": distribution,
            "result": reconciliation(distribution=distribution),
            "points": distribution.points.all(),
            "witnesses": distribution.witnesses.all(),
            "can_record": distribution_covered(scope=scope, distribution=distribution, permission=RECORD_HANDOVERS),
            "can_manage": can_manage,
            "can_dispatch": scope.covers(
                MOVE_STOCK,
                organisation_id=distribution.warehouse.organisation_id,
                area_pcode=distribution.warehouse.admin_area_id,
            ),
            "witness_form": WitnessForm(),
            "lists": published_lists_offered(scope=scope, distribution=distribution) if can_manage else [],
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def distribution_handover(request: HttpRequest, code: str) -> HttpResponse:
    """The handover point: find an entitlement (QR, token, number, name), then record who received."""
    scope, distribution = _distribution(request, code, RECORD_HANDOVERS)
    context: dict[str, object] = {
        "distribution": distribution,
        "points": distribution.points.all(),
        "rows": [],
        "offline_text": offline_text(),
    }
    if request.method == "POST" and request.POST.get("action") == "record":
        try:
            handover = handover_record(
                actor=request.user,
                scope=scope,
                token=request.POST.get("token", ""),
                receiver=request.POST.get("receiver", Receiver.HEAD),
                proxy_name=request.POST.get("proxy_name", ""),
                proxy_relationship=request.POST.get("proxy_relationship", ""),
                photo_consent=request.POST.get("photo_consent") == "on",
                point=request.POST.get("point", ""),
                distribution=distribution,
            )
        except AlreadyHandedOver as refused:
            context["refusal"] = str(refused)
        except (ValidationFailed, NotFound) as refused:
            context["refusal"] = (
                " ".join(m for messages_ in refused.errors.values() for m in messages_)
                if isinstance(refused, ValidationFailed)
                else str(refused)
            )
        else:
            context["recorded"] = handover
            context["point_chosen"] = handover.point.name if handover.point else ""
    elif request.method == "POST":
        search = request.POST.get("search", "").strip()
        context["search"] = search
        if search:
            context["rows"] = _found(distribution, search)
            context["searched"] = True
    return render(request, "assistance/handover.html", context)


def _found(distribution: Distribution, search: str) -> list:
    """Entitlements matching a token (checked), a registration number or a name."""
    by_token = [
        row
        for row in entitlement_rows(distribution=distribution, limit=None)
        if row.entitlement.token == search.upper().replace("-", "").replace(" ", "")
    ]
    if by_token:
        return by_token
    return entitlement_rows(distribution=distribution, search=search, limit=SEARCH_LIMIT)


@login_required
@require_POST
def distribution_households(request: HttpRequest, code: str) -> HttpResponse:
    """Give entitlements to the households whose registration numbers were chosen (one per line)."""
    scope, distribution = _distribution(request, code, MANAGE_DISTRIBUTIONS)
    numbers = [line.strip() for line in request.POST.get("numbers", "").split() if line.strip()][:NUMBERS_LIMIT]
    chosen = list(households_visible(scope=scope).filter(registration_number__in=numbers))
    missing = sorted(set(numbers) - {household.registration_number for household in chosen})
    if not numbers:
        messages.error(request, _("Give the registration numbers of the households, one per line."))
    elif missing:
        messages.error(
            request, _("No household %(numbers)s. Nothing was added.") % {"numbers": ", ".join(missing[:20])}
        )
    else:
        try:
            created = distribution_households_add(
                actor=request.user, scope=scope, distribution=distribution, households=chosen
            )
        except ValidationFailed as refused:
            messages.error(request, " ".join(m for values in refused.errors.values() for m in values))
        else:
            messages.success(request, _("%(count)s entitlements added.") % {"count": len(created)})
    return HttpResponseRedirect(reverse("assistance:distribution_detail", args=[distribution.code]))


@login_required
@require_POST
def distribution_households_list(request: HttpRequest, code: str) -> HttpResponse:
    """Give entitlements to the households included in the published targeting list chosen."""
    scope, distribution = _distribution(request, code, MANAGE_DISTRIBUTIONS)
    try:
        published = access_published_list(scope=scope, list_id=int(request.POST.get("published_list", "")))
        created = distribution_households_from_list(
            actor=request.user, scope=scope, distribution=distribution, published_list=published
        )
    except (ValueError, NotFound):
        messages.error(request, _("Choose one of the published lists offered."))
    except ValidationFailed as refused:
        messages.error(request, " ".join(m for values in refused.errors.values() for m in values))
    else:
        messages.success(
            request,
            _("%(count)s entitlements added from the list version %(version)s.")
            % {"count": len(created), "version": published.version},
        )
    return HttpResponseRedirect(reverse("assistance:distribution_detail", args=[distribution.code]))


@login_required
@require_POST
def distribution_close_view(request: HttpRequest, code: str) -> HttpResponse:
    """Close the distribution: the kits left go back to the warehouse."""
    scope, distribution = _distribution(request, code, MANAGE_DISTRIBUTIONS)
    try:
        lost = int(request.POST.get("lost") or 0)
        returned = distribution_close(
            actor=request.user, scope=scope, distribution=distribution, lost=lost, reason=request.POST.get("reason", "")
        )
    except ValueError:
        messages.error(request, _("Enter the number of kits lost as a whole number."))
    except ValidationFailed as refused:
        messages.error(request, " ".join(m for values in refused.errors.values() for m in values))
    else:
        messages.success(request, _("Closed: %(count)s kits returned to the warehouse.") % {"count": returned})
    return HttpResponseRedirect(reverse("assistance:distribution_detail", args=[distribution.code]))


def _pdf(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


def _printer(request: HttpRequest, code: str) -> Distribution:
    """The distribution, if the user records its handovers or manages it (the cards hold names)."""
    scope, distribution = _distribution(request, code)
    if not (
        distribution_covered(scope=scope, distribution=distribution, permission=RECORD_HANDOVERS)
        or distribution_covered(scope=scope, distribution=distribution, permission=MANAGE_DISTRIBUTIONS)
    ):
        raise Forbidden(_("Your role does not print the cards or lists of %(code)s.") % {"code": code})
    return distribution


@login_required
@require_GET
def distribution_cards(request: HttpRequest, code: str) -> HttpResponse:
    """The entitlement cards, with QR codes (PDF)."""
    distribution = _printer(request, code)
    rows = entitlement_rows(distribution=distribution)
    return _pdf(printing.cards_pdf(distribution=distribution, rows=rows), f"{distribution.code}-cards.pdf")


@login_required
@require_GET
def distribution_sheet(request: HttpRequest, code: str) -> HttpResponse:
    """The distribution list with a signature or thumbprint column (PDF)."""
    distribution = _printer(request, code)
    rows = entitlement_rows(distribution=distribution)
    return _pdf(printing.list_pdf(distribution=distribution, rows=rows), f"{distribution.code}-list.pdf")


@login_required
@require_GET
def reconciliation_pdf_view(request: HttpRequest, code: str) -> HttpResponse:
    """The reconciliation (PDF): counts only."""
    _scope, distribution = _distribution(request, code)
    content = printing.reconciliation_pdf(result=reconciliation(distribution=distribution))
    return _pdf(content, f"{distribution.code}-reconciliation.pdf")


@login_required
@require_GET
def reconciliation_xlsx_view(request: HttpRequest, code: str) -> HttpResponse:
    """The reconciliation (XLSX): counts only."""
    _scope, distribution = _distribution(request, code)
    content = printing.reconciliation_xlsx(result=reconciliation(distribution=distribution))
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{distribution.code}-reconciliation.xlsx"'
    return response


def _refused(request: HttpRequest, refused: ValidationFailed) -> None:
    messages.error(request, " ".join(m for values in refused.errors.values() for m in values))


def _back(distribution: Distribution) -> HttpResponse:
    return HttpResponseRedirect(reverse("assistance:distribution_detail", args=[distribution.code]))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def distribution_create(request: HttpRequest) -> HttpResponse:
    """Plan a distribution: programme, place, days, kit, warehouse, points."""
    scope = scope_for(user=request.user)
    if not scope.allows(MANAGE_DISTRIBUTIONS):
        raise Forbidden(_("Your role does not plan distributions."))
    # The programmes of the organisations the user plans for (the service checks area and programme).
    programmes = Programme.objects.all()
    if not scope.is_superuser:
        programmes = programmes.filter(
            organisation_id__in={grant.organisation_id for grant in scope.grants_for(MANAGE_DISTRIBUTIONS)}
        )
    form = DistributionForm(request.POST or None, programmes=programmes.order_by("code"))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            distribution = distribution_plan(
                actor=request.user,
                scope=scope,
                code=data["code"],
                name=data["name"],
                programme=data["programme"],
                admin_area=data["admin_area"],
                site=data["site"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                kit=data["kit"],
                warehouse=data["warehouse"],
                points=data["points"].splitlines(),
                implementing_partner=data["implementing_partner"],
            )
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Distribution %(code)s planned.") % {"code": distribution.code})
            return _back(distribution)
    return render(request, "assistance/distribution_form.html", {"form": form})


@login_required
@require_POST
def distribution_witness(request: HttpRequest, code: str) -> HttpResponse:
    """Record a witness present at the distribution."""
    scope, distribution = _distribution(request, code, MANAGE_DISTRIBUTIONS)
    form = WitnessForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the witness's name and who they stand for."))
        return _back(distribution)
    try:
        distribution_witness_add(actor=request.user, scope=scope, distribution=distribution, **form.cleaned_data)
    except ValidationFailed as refused:
        _refused(request, refused)
    return _back(distribution)


@login_required
@require_POST
def distribution_dispatch_view(request: HttpRequest, code: str) -> HttpResponse:
    """Dispatch kits from the warehouse to the distribution (warehouse officers)."""
    scope, distribution = _distribution(request, code)
    warehouse = distribution.warehouse
    if not scope.covers(MOVE_STOCK, organisation_id=warehouse.organisation_id, area_pcode=warehouse.admin_area_id):
        raise Forbidden(_("Your role does not move the stock of %(code)s.") % {"code": warehouse.code})
    form = DispatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a number of kits of at least 1."))
        return _back(distribution)
    try:
        distribution_dispatch(
            actor=request.user, scope=scope, distribution=distribution, kits=form.cleaned_data["kits"]
        )
    except ValidationFailed as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("%(count)s kits dispatched.") % {"count": form.cleaned_data["kits"]})
    return _back(distribution)


@login_required
@require_POST
def distribution_open_view(request: HttpRequest, code: str) -> HttpResponse:
    """Open a planned distribution."""
    scope, distribution = _distribution(request, code, MANAGE_DISTRIBUTIONS)
    try:
        distribution_open(actor=request.user, scope=scope, distribution=distribution)
    except ValidationFailed as refused:
        _refused(request, refused)
    return _back(distribution)


@login_required
@require_POST
def handover_cancel_view(request: HttpRequest, code: str, handover_id: int) -> HttpResponse:
    """Cancel a handover recorded by mistake, with its reason (a new record; the kit goes back)."""
    scope, distribution = _distribution(request, code, RECORD_HANDOVERS)
    handover = Handover.objects.select_related("distribution").filter(pk=handover_id, distribution=distribution).first()
    if handover is None:
        raise Http404(_("No such handover."))
    try:
        handover_cancel(actor=request.user, scope=scope, handover=handover, reason=request.POST.get("reason", ""))
    except ValidationFailed as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("The handover is cancelled; the kit is back at the distribution."))
    return HttpResponseRedirect(reverse("assistance:distribution_handover", args=[distribution.code]))
