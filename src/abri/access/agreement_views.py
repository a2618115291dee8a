"""Data sharing agreement pages: the list and one agreement, shown to both organisations; recording
and revoking for the providing organisation's administrators."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abri.access import roles
from abri.access.forms import AgreementForm, RevokeForm
from abri.access.models import DataSharingAgreement
from abri.access.selectors import (
    access_agreement_by_id,
    agreement_manageable,
    agreements_visible,
    organisations_managing_agreements,
    scope_for,
)
from abri.access.services import agreement_create, agreement_revoke
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed


def agreement_state(agreement: DataSharingAgreement) -> str:
    """In force, not yet in force, ended or revoked, today in Abri's time zone."""
    today = timezone.localdate()
    if agreement.revoked_at is not None:
        return _("revoked")
    if today < agreement.valid_from:
        return _("not yet in force")
    if today > agreement.valid_to:
        return _("ended")
    return _("in force")


@login_required
@never_cache
@require_GET
def agreement_list(request: HttpRequest) -> HttpResponse:
    """The agreements the user's organisations give or receive, the newest end first."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.VIEW_AGREEMENTS):
        raise Http404
    agreements = agreements_visible(scope=scope).order_by("-valid_to", "-id")
    rows = [{"agreement": agreement, "state": agreement_state(agreement)} for agreement in agreements]
    context = {
        "section": "agreements",
        "rows": rows,
        "can_create": bool(organisations_managing_agreements(scope=scope)),
    }
    return render(request, "access/agreement_list.html", context)


@login_required
@never_cache
@require_GET
def agreement_detail(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """One agreement: who shares what with whom, for what, until when; revocation for the providing side."""
    scope = scope_for(user=request.user)
    try:
        agreement = access_agreement_by_id(scope=scope, agreement_id=agreement_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    context = {
        "section": "agreements",
        "agreement": agreement,
        "state": agreement_state(agreement),
        "can_revoke": agreement.revoked_at is None and agreement_manageable(scope=scope, agreement=agreement),
        "form": RevokeForm(),
    }
    return render(request, "access/agreement_detail.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def agreement_create_view(request: HttpRequest) -> HttpResponse:
    """Record an agreement the providing organisation has signed."""
    scope = scope_for(user=request.user)
    organisation_ids = organisations_managing_agreements(scope=scope)
    if not organisation_ids:
        raise Forbidden(_("Only an administrator of the providing organisation records its agreements."))
    form = AgreementForm(request.POST or None, organisation_ids=organisation_ids)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = agreement_create(
                actor=request.user,
                providing_organisation=data["providing_organisation"],
                receiving_organisation=data["receiving_organisation"],
                level=data["level"],
                purpose=data["purpose"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                signed_by=data["signed_by"],
                all_areas=data["all_areas"],
                admin_areas=list(data["admin_areas"]),
                all_programmes=data["all_programmes"],
                programmes=list(data["programmes"]),
            )
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _("Agreement recorded."))
            return HttpResponseRedirect(reverse("agreements:agreement_detail", args=[agreement.pk]))
    return render(request, "access/agreement_form.html", {"section": "agreements", "form": form})


@login_required
@require_POST
def agreement_revoke_view(request: HttpRequest, agreement_id: int) -> HttpResponse:
    """Revoke an agreement now, with the reason; it stays on record."""
    scope = scope_for(user=request.user)
    try:
        agreement = access_agreement_by_id(scope=scope, agreement_id=agreement_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    if not agreement_manageable(scope=scope, agreement=agreement):
        raise Forbidden(_("Only an administrator of the providing organisation revokes its agreements."))
    form = RevokeForm(request.POST)
    back = HttpResponseRedirect(reverse("agreements:agreement_detail", args=[agreement.pk]))
    if not form.is_valid():
        messages.error(request, _("Say why the agreement is revoked."))
        return back
    try:
        agreement_revoke(actor=request.user, agreement=agreement, reason=form.cleaned_data["reason"])
    except ValidationFailed as refused:
        messages.error(request, " ".join(message for values in refused.errors.values() for message in values))
    except PermissionDenied as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("Agreement revoked: from now on it grants nothing."))
    return back
