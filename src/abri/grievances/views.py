"""Grievance pages: the list (overdue ones highlighted, by status), recording one received, and one
grievance with its handling: review, the response given, closing, sending an excluded household
back to the committee.

A household's registration number typed in travels in a POST body, never a URL.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as Forbidden
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from abri.access import roles
from abri.access.selectors import Scope, scope_for
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.geo.models import AdminArea
from abri.grievances.forms import AnswerForm, GrievanceForm, ReferForm
from abri.grievances.models import Category, Grievance, GrievanceStatus
from abri.grievances.selectors import access_grievance, grievance_list, is_overdue
from abri.grievances.services import (
    grievance_answer,
    grievance_close,
    grievance_manageable,
    grievance_receive,
    grievance_refer,
    grievance_review,
)
from abri.targeting.selectors import plans_visible

PAGE_SIZE = 50


def _areas(scope: Scope) -> object:
    """The admin areas where the user records grievances (all for an all-areas membership)."""
    areas = AdminArea.objects.filter(level__gte=2).order_by("pcode")
    if scope.is_superuser:
        return areas
    grants = scope.grants_for(roles.MANAGE_GRIEVANCES)
    if any(grant.all_areas for grant in grants):
        return areas
    prefixes = sorted({pcode for grant in grants for pcode in grant.area_pcodes})
    if not prefixes:
        return areas.none()
    condition = AdminArea.objects.none()
    for prefix in prefixes:
        condition = condition | areas.filter(pcode__startswith=prefix)
    return condition


@login_required
@never_cache
@require_GET
def grievance_list_view(request: HttpRequest) -> HttpResponse:
    """Grievances in the user's scope, open ones by deadline; overdue ones highlighted; by status."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.VIEW_GRIEVANCES):
        raise Http404
    status = request.GET.get("status", "")
    if status not in GrievanceStatus.values:
        status = ""
    today = timezone.localdate()
    page = Paginator(grievance_list(scope=scope, status=status), PAGE_SIZE).get_page(request.GET.get("page") or 1)
    rows = [{"grievance": grievance, "overdue": is_overdue(grievance, today=today)} for grievance in page.object_list]
    context = {
        "page": page,
        "rows": rows,
        "status": status,
        "statuses": GrievanceStatus.choices,
        "can_record": scope.allows(roles.MANAGE_GRIEVANCES),
    }
    return render(request, "grievances/grievance_list.html", context)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def grievance_create(request: HttpRequest) -> HttpResponse:
    """Record a grievance received: channel, category, what was said, the household or the area."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.MANAGE_GRIEVANCES):
        raise Forbidden(_("Your role does not record grievances."))
    form = GrievanceForm(request.POST or None, areas=_areas(scope))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            grievance = grievance_receive(
                actor=request.user,
                channel=data["channel"],
                category=data["category"],
                description=data["description"],
                received_on=data["received_on"],
                household_number=data["household_number"],
                admin_area=data["admin_area"].pcode if data["admin_area"] else "",
                due_on=data["due_on"],
            )
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except NotFound as refused:
            form.add_error("household_number", str(refused))
        except PermissionDenied as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("Grievance %(reference)s recorded; answer due on %(due)s.")
                % {"reference": grievance.reference, "due": grievance.due_on},
            )
            if grievance.sensitive and not scope.allows(roles.VIEW_SENSITIVE_GRIEVANCES):
                messages.info(request, _("It is sensitive: only the people named for such complaints will see it."))
                return HttpResponseRedirect(reverse("grievances:grievance_list"))
            return HttpResponseRedirect(reverse("grievances:grievance_detail", args=[grievance.pk]))
    return render(request, "grievances/grievance_form.html", {"form": form})


def _grievance(request: HttpRequest, grievance_id: int) -> Grievance:
    try:
        return access_grievance(scope=scope_for(user=request.user), grievance_id=grievance_id)
    except NotFound as error:
        raise Http404(str(error)) from error


@login_required
@never_cache
@require_GET
def grievance_detail(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """One grievance: what was said, by which channel, its deadline, the response given and, for
    those who handle it, what can be done next."""
    grievance = _grievance(request, grievance_id)
    return _detail(request, grievance)


def _detail(
    request: HttpRequest,
    grievance: Grievance,
    *,
    answer_form: AnswerForm | None = None,
    refer_form: ReferForm | None = None,
    status: int = 200,
) -> HttpResponse:
    scope = scope_for(user=request.user)
    manageable = grievance_manageable(actor=request.user, grievance=grievance)
    open_ = grievance.status in (GrievanceStatus.RECEIVED, GrievanceStatus.IN_REVIEW)
    referable = manageable and open_ and grievance.category == Category.EXCLUSION and grievance.household_id
    plans = plans_visible(scope=scope)
    context = {
        "grievance": grievance,
        "overdue": is_overdue(grievance, today=timezone.localdate()),
        "can_review": manageable and grievance.status == GrievanceStatus.RECEIVED,
        "can_answer": manageable and grievance.status == GrievanceStatus.IN_REVIEW,
        "can_close": manageable and grievance.status == GrievanceStatus.ANSWERED,
        "answer_form": answer_form or AnswerForm(),
        "refer_form": (refer_form or ReferForm(plans=plans)) if referable and plans.exists() else None,
    }
    return render(request, "grievances/grievance_detail.html", context, status=status)


def _back(grievance: Grievance) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("grievances:grievance_detail", args=[grievance.pk]))


def _refused(request: HttpRequest, error: ValidationFailed | PermissionDenied) -> None:
    if isinstance(error, ValidationFailed):
        messages.error(request, " ".join(message for values in error.errors.values() for message in values))
    else:
        messages.error(request, str(error))


@login_required
@require_POST
def grievance_review_view(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """Start reviewing a received grievance."""
    grievance = _grievance(request, grievance_id)
    try:
        grievance_review(actor=request.user, grievance=grievance)
    except PermissionDenied as refused:
        raise Forbidden(str(refused)) from refused
    except ValidationFailed as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Under review."))
    return _back(grievance)


@login_required
@require_POST
def grievance_answer_view(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """Record the response given to the person."""
    grievance = _grievance(request, grievance_id)
    if not grievance_manageable(actor=request.user, grievance=grievance):
        raise Forbidden(_("Your role does not handle this grievance."))
    form = AnswerForm(request.POST)
    if form.is_valid():
        try:
            grievance_answer(
                actor=request.user,
                grievance=grievance,
                response=form.cleaned_data["response"],
                on=form.cleaned_data["answered_on"],
            )
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("The response is recorded."))
            return _back(grievance)
    return _detail(request, grievance, answer_form=form, status=422)


@login_required
@require_POST
def grievance_close_view(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """Close an answered grievance."""
    grievance = _grievance(request, grievance_id)
    try:
        grievance_close(actor=request.user, grievance=grievance)
    except PermissionDenied as refused:
        raise Forbidden(str(refused)) from refused
    except ValidationFailed as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Closed."))
    return _back(grievance)


@login_required
@require_POST
def grievance_refer_view(request: HttpRequest, grievance_id: int) -> HttpResponse:
    """Send the household of an exclusion complaint back to the committee of a plan."""
    grievance = _grievance(request, grievance_id)
    if not grievance_manageable(actor=request.user, grievance=grievance):
        raise Forbidden(_("Your role does not handle this grievance."))
    form = ReferForm(request.POST, plans=plans_visible(scope=scope_for(user=request.user)))
    if form.is_valid():
        try:
            referral = grievance_refer(actor=request.user, grievance=grievance, plan=form.cleaned_data["plan"])
        except ValidationFailed as refused:
            _refused(request, refused)
        else:
            messages.success(
                request,
                _("The household goes back to the committee of %(plan)s (%(when)s).")
                % {
                    "plan": referral.plan.name,
                    "when": _("on the open session's agenda") if referral.session_id else _("at its next session"),
                },
            )
            return _back(grievance)
        return _back(grievance)
    return _detail(request, grievance, refer_form=form, status=422)
