"""Household pages: list and search, detail, registration and edit.

One view serves a full page or, for htmx, the fragment it swaps (template partials), with
``Vary: HX-Request``. Search terms are personal data: they travel in POST bodies only, never
in a URL; the non-personal filters (area, site, flag, status, page) may sit in the URL.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from abri.access import roles
from abri.access.models import Membership
from abri.access.selectors import memberships_granting
from abri.core import crypto
from abri.core.errors import NotFound, ValidationFailed
from abri.registry.flags import FLAG_FIELDS, WG_FIELDS, age_on
from abri.registry.forms import (
    MEMBERS_PREFIX,
    HouseholdEntry,
    HouseholdFilterForm,
    HouseholdForm,
    LocationForm,
    MemberForm,
    MemberFormSet,
    form_errors_apply,
    household_initial,
    member_initial,
    member_rows,
)
from abri.registry.models import Household, Individual
from abri.registry.selectors import (
    HouseholdFilters,
    access_household_by_number,
    area_is_in_scope,
    field_label,
    household_audit_entries,
    household_list,
    household_members,
    household_permissions,
    user_permissions,
)
from abri.registry.services import household_create, household_update
from abri.registry.validation import References, resolve_household

PAGE_SIZE = 50
SEVERE = frozenset({"a_lot_of_difficulty", "cannot_do_at_all"})


def _flags(household: Household) -> list[dict[str, str]]:
    return [{"name": flag, "label": field_label(Household, flag)} for flag in FLAG_FIELDS if getattr(household, flag)]


def _name(individual: Individual | None, *, personal: bool) -> str | None:
    """The full name, or None when the role may not see it (the template says it is hidden)."""
    if individual is None:
        return ""
    return str(individual) if personal else None


@login_required
@never_cache  # personal data: not kept by a shared phone's browser or a proxy
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def household_list_view(request: HttpRequest) -> HttpResponse:
    """Households in the user's scope, filtered and searched, 50 a page."""
    user = request.user
    source = request.POST if request.method == "POST" else request.GET
    form = HouseholdFilterForm(source, user=user)
    form.is_valid()  # a filter that does not parse (or is outside the scope) is dropped, not an error
    data = form.cleaned_data
    filters = HouseholdFilters(
        area=data.get("area") or "",
        site_id=data.get("site"),
        flag=data.get("flag") or "",
        status=data.get("status") or "",
    )
    permissions = user_permissions(user=user)
    personal = roles.VIEW_PERSONAL_DATA in permissions
    search = (data.get("q") or "") if request.method == "POST" else ""  # never read from a URL
    households = household_list(user=user, filters=filters, search=search, search_personal=personal)
    page = Paginator(households, PAGE_SIZE).get_page(data.get("page") or 1)
    rows = [
        {
            "household": household,
            "head_name": _name(household.head, personal=personal),
            "head": household.head,
            "flags": _flags(household),
        }
        for household in page.object_list
    ]
    query = {"area": filters.area, "site": filters.site_id or "", "flag": filters.flag, "status": filters.status}
    query = {key: value for key, value in query.items() if value}
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "search": search,
        "personal": personal,
        "filtered": bool(query or search),
        "can_change": roles.CHANGE_HOUSEHOLD in permissions,
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        response = render(request, "registry/household_list.html#htmx_results", context)
        if page.number > 1:
            query["page"] = page.number
        # The address bar follows the filters (bookmarkable), never the search term.
        address = reverse("registry:household_list") + (f"?{urlencode(query)}" if query else "")
        return push_url(response, address)
    return render(request, "registry/household_list.html", context)


def _member_rows(members: list[Individual], *, personal: bool) -> list[dict[str, Any]]:
    today = timezone.localdate()
    rows = []
    for member in members:
        id_number = crypto.decrypt(member.id_number_encrypted) if personal and member.id_number_encrypted else ""
        rows.append(
            {
                "member": member,
                "name": _name(member, personal=personal),
                "age": age_on(member.birth_date, today),
                "difficulties": [
                    field_label(Individual, name) for name in WG_FIELDS if getattr(member, name) in SEVERE
                ],
                "id_number": id_number,
                "has_id_number": bool(member.id_number_encrypted),
            }
        )
    return rows


def _audit_actions() -> dict[str, str]:
    return {
        "household.create": _("Registered"),
        "household.update": _("Changed"),
        "household.set_status": _("Status changed"),
    }


def _audit_rows(household: Household) -> list[dict[str, Any]]:
    """Audit entries with a readable action and a one-line summary (field names and counts only)."""
    actions = _audit_actions()
    rows = []
    for entry in household_audit_entries(household=household):
        parts = []
        for key, value in (entry.changes or {}).items():
            shown = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {shown or '—'}")
        rows.append({"entry": entry, "action": actions.get(entry.action, entry.action), "summary": "; ".join(parts)})
    return rows


@login_required
@never_cache
@require_GET
def household_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One household: members, flags, displacement, consent; audit history for auditors."""
    try:
        household = access_household_by_number(request.user, reference, roles.VIEW_HOUSEHOLD)
    except NotFound as error:
        raise Http404(_("No such household.")) from error
    permissions = household_permissions(user=request.user, household=household)
    personal = roles.VIEW_PERSONAL_DATA in permissions
    context = {
        "household": household,
        "flags": _flags(household),
        "members": _member_rows(household_members(household=household), personal=personal),
        "personal": personal,
        "phone": crypto.decrypt(household.phone_encrypted) if personal else "",
        "has_phone": bool(household.phone_encrypted),
        "can_change": roles.CHANGE_HOUSEHOLD in permissions,
        "audit": _audit_rows(household) if roles.VIEW_AUDIT in permissions else None,
    }
    return render(request, "registry/household_detail.html", context)


@login_required
@require_GET
def location_fields(request: HttpRequest) -> HttpResponse:
    """The region → cercle → site block of the household form, narrowed to the current choices."""
    initial = {name: request.GET.get(name, "") for name in ("region", "cercle", "commune", "site")}
    form = LocationForm(initial=initial, user=request.user, permission=roles.CHANGE_HOUSEHOLD)
    response = render(request, "registry/household_form.html#location", {"form": form})
    response["Cache-Control"] = "private, max-age=300"
    return response


def _writing_membership(request: HttpRequest, household: Household | None) -> Membership:
    """The membership the user registers or edits under; 403 without one."""
    memberships = memberships_granting(user=request.user, permission=roles.CHANGE_HOUSEHOLD)
    if household is not None:
        memberships = [item for item in memberships if item.organisation_id == household.organisation_id]
    if not memberships:
        raise PermissionDenied
    return memberships[0]


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_create_view(request: HttpRequest) -> HttpResponse:
    """Register a household and its members."""
    membership = _writing_membership(request, None)
    return _household_form(request, membership=membership, household=None)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """Change a household and its members; 404 outside the scope, 403 without the right to change."""
    try:
        household = access_household_by_number(request.user, reference, roles.VIEW_HOUSEHOLD)
    except NotFound as error:
        raise Http404(_("No such household.")) from error
    if roles.CHANGE_HOUSEHOLD not in household_permissions(user=request.user, household=household):
        raise PermissionDenied
    membership = _writing_membership(request, household)
    return _household_form(request, membership=membership, household=household)


def _household_form(request: HttpRequest, *, membership: Membership, household: Household | None) -> HttpResponse:
    user = request.user
    template = "registry/household_form.html"
    context: dict[str, Any] = {"household": household}
    if request.method == "GET":
        if household is None:
            form = HouseholdForm(user=user, initial={"consent_date": timezone.localdate(), "status": "registered"})
            rows: list[dict[str, Any]] = [{"relationship": "head"}]
        else:
            form = HouseholdForm(user=user, initial=household_initial(household))
            today = timezone.localdate()
            rows = [member_initial(member, today=today) for member in household_members(household=household)]
        context.update(form=form, members=MemberFormSet(initial=rows, prefix=MEMBERS_PREFIX))
        return render(request, template, context)

    if "add_member" in request.POST or "remove_member" in request.POST:
        return _members_changed(request, template, context)

    entry = HouseholdEntry(
        form=HouseholdForm(request.POST, user=user),
        members=MemberFormSet(request.POST, prefix=MEMBERS_PREFIX),
    )
    if entry.is_valid():
        saved = _save(entry, user=user, membership=membership, household=household)
        if saved is not None:
            if household is None:
                messages.success(request, _("Household %(number)s registered.") % {"number": saved})
            else:
                messages.success(request, _("Household %(number)s saved.") % {"number": saved})
            return HttpResponseRedirect(reverse("registry:household_detail", args=[saved.registration_number]))
    else:
        _check(entry, membership=membership, household=household)
    context.update(form=entry.form, members=entry.members, has_errors=True)
    return render(request, template, context)


def _problems(entry: HouseholdEntry, *, membership: Membership) -> dict[str, list[str]]:
    """What the form knows is wrong before the services look: the area's scope, a missing consent date."""
    errors: dict[str, list[str]] = {}
    area = entry.form.admin_area()
    if area and not area_is_in_scope(membership=membership, pcode=area):
        errors["admin_area"] = [_("This area is outside the areas of your organisation where you may register.")]
    if not entry.form.cleaned_data.get("consent_date"):
        errors["consent_date"] = [_("This field is required.")]
    return errors


def _check(entry: HouseholdEntry, *, membership: Membership, household: Household | None) -> None:
    """Run every check without writing, so the person sees all the problems at once."""
    errors = _problems(entry, membership=membership)
    data = entry.to_input(registration_number=household.registration_number if household else "")
    try:
        resolve_household(data, existing=household, references=References.load(data))
    except ValidationFailed as failure:
        for key, found in failure.errors.items():
            errors.setdefault(key, []).extend(found)
    form_errors_apply(entry, errors)


def _save(entry: HouseholdEntry, *, user: Any, membership: Membership, household: Household | None) -> Household | None:
    """Call the service; on refusal put its errors on the form and return None (nothing written)."""
    if _problems(entry, membership=membership):
        _check(entry, membership=membership, household=household)
        return None
    data = entry.to_input(registration_number=household.registration_number if household else "")
    try:
        if household is None:
            return household_create(actor=user, organisation=membership.organisation, data=data)
        return household_update(actor=user, household=household, data=data)
    except ValidationFailed as failure:
        form_errors_apply(entry, failure.errors)
        return None


def _members_changed(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Add an empty member row, or remove one, without saving anything."""
    if "add_member" in request.POST and getattr(request, "htmx", False):
        try:
            index = int(request.POST.get(f"{MEMBERS_PREFIX}-TOTAL_FORMS", "0"))
        except ValueError:
            index = 0
        row = MemberForm(prefix=f"{MEMBERS_PREFIX}-{index}", initial={})
        return render(request, f"{template}#member_added", {"member": row, "number": index + 1, "total": index + 1})
    drop: int | None = None
    if "remove_member" in request.POST:
        try:
            drop = int(request.POST["remove_member"])
        except ValueError:
            drop = None
    rows = member_rows(request.POST, drop=drop, add="add_member" in request.POST)
    members = MemberFormSet(initial=rows, prefix=MEMBERS_PREFIX)
    if getattr(request, "htmx", False):
        return render(request, f"{template}#members", {**context, "members": members})
    form = HouseholdForm(initial=_household_values(request), user=request.user)
    context.update(form=form, members=members)
    return render(request, template, context)


def _household_values(request: HttpRequest) -> dict[str, Any]:
    """What was typed in the household part, to show it again unchanged (no errors yet)."""
    return {name: request.POST.get(name, "") for name in HouseholdForm.base_fields}
