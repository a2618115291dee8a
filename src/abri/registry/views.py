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
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import push_url

from abri.access import roles
from abri.access.selectors import Scope, scope_for
from abri.core.errors import Conflict, NotFound, ValidationFailed
from abri.core.errors import PermissionDenied as AbriPermissionDenied
from abri.core.services import audit_personal_data_viewed
from abri.registry.access import (
    HouseholdFilters,
    access_household_by_number,
    household_allows,
    household_changeable,
    household_list,
)
from abri.registry.flags import FLAG_FIELDS
from abri.registry.forms import (
    MEMBERS_PREFIX,
    EraseForm,
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
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus
from abri.registry.retention import household_erase
from abri.registry.selectors import (
    field_label,
    household_audit_entries,
    household_members,
    household_merge_destination,
    household_merges,
)
from abri.registry.services import household_change, household_check, household_register
from abri.registry.shown import (
    household_shown,
    name_shown,
    personal_data_anywhere,
    personal_data_visible,
)

PAGE_SIZE = 50
SEARCH_COUNT_CAP = 1000


class KeysFirstPaginator(Paginator):
    """Reads the page's keys first (an index walk, no join), then only those rows with their joins:
    a deep page costs an index walk rather than thousands of joined rows thrown away."""

    def page(self, number: int | str) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        assert isinstance(self.object_list, QuerySet)
        keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
        rows = list(self.object_list.filter(pk__in=keys)) if keys else []
        return Page(rows, number, self)


class CappedPaginator(KeysFirstPaginator):
    """Counts at most ``cap`` + 1 rows: a search matching thousands asks for another word, not a total."""

    cap = SEARCH_COUNT_CAP

    @cached_property
    def count(self) -> int:
        first_rows = self.object_list[: self.cap + 1]
        assert isinstance(first_rows, QuerySet)
        return first_rows.count()


def _flags(household: Household) -> list[dict[str, str]]:
    return [{"name": flag, "label": field_label(Household, flag)} for flag in FLAG_FIELDS if getattr(household, flag)]


@login_required
@never_cache  # personal data: not kept by a shared phone's browser or a proxy
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
def household_list_view(request: HttpRequest) -> HttpResponse:
    """Households in the user's scope, filtered and searched, 50 a page."""
    scope = scope_for(user=request.user)
    source = request.POST if request.method == "POST" else request.GET
    form = HouseholdFilterForm(source, scope=scope)
    form.is_valid()  # a filter that does not parse (or is outside the scope) is dropped, not an error
    data = form.cleaned_data
    filters = HouseholdFilters(
        area=data.get("area") or "",
        site_id=data.get("site"),
        flags=(data["flag"],) if data.get("flag") else (),
        status=data.get("status") or "",
    )
    personal = personal_data_anywhere(scope=scope)
    search = (data.get("q") or "") if request.method == "POST" else ""  # never read from a URL
    households = household_list(scope=scope, filters=filters, search=search)
    paginator = CappedPaginator(households, PAGE_SIZE) if search else KeysFirstPaginator(households, PAGE_SIZE)
    page = paginator.get_page(data.get("page") or 1)
    rows = [
        {
            "household": household,
            "head_name": name_shown(scope=scope, household=household, individual=household.head),
            "head": household.head,
            "flags": _flags(household),
        }
        for household in page.object_list
    ]
    query = {
        "area": filters.area,
        "site": filters.site_id or "",
        "flag": data.get("flag") or "",
        "status": filters.status,
    }
    query = {key: value for key, value in query.items() if value}
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "search": search,
        "capped": isinstance(paginator, CappedPaginator) and paginator.count > paginator.cap,
        "cap": CappedPaginator.cap,
        "personal": personal,
        "filtered": bool(query or search),
        "can_change": scope.allows(roles.CHANGE_HOUSEHOLD),
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


def _audit_actions() -> dict[str, str]:
    return {
        "household.create": _("Registered"),
        "household.update": _("Changed"),
        "household.set_status": _("Status changed"),
        "household.merge": _("Another household merged into this one"),
        "household.merged_into": _("Merged into another household"),
        "household.merge_undo": _("Merge undone"),
        "household.unmerged": _("Merge undone: registration restored"),
        "household.reimport_skipped": _("Re-import not applied: the household was merged"),
    }


def _audit_rows(household: Household) -> list[dict[str, Any]]:
    """Audit entries with a readable action and a one-line summary (field names and counts only)."""
    actions = _audit_actions()
    rows = []
    for entry, merged_from in household_audit_entries(household=household):
        parts = []
        for key, value in (entry.changes or {}).items():
            shown = ", ".join(str(item) for item in value) if isinstance(value, list) else str(value)
            parts.append(f"{key}: {shown or '—'}")
        rows.append(
            {
                "entry": entry,
                "action": actions.get(entry.action, entry.action),
                "summary": "; ".join(parts),
                "merged_from": merged_from,
            }
        )
    return rows


@login_required
@never_cache
@require_GET
def household_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """One household: members, flags, displacement, consent, merges; audit history for auditors.

    A household merged into another leads to the one it lives in now, when the user may see it.
    """
    scope = scope_for(user=request.user)
    household = _household_or_404(scope, reference)
    if household.status == HouseholdStatus.MERGED:
        destination = household_merge_destination(household=household)
        try:
            kept = access_household_by_number(scope=scope, number=destination.registration_number)
        except NotFound:
            kept = None
        if kept is not None:
            messages.info(
                request,
                _("Household %(merged)s was merged into household %(kept)s.")
                % {"merged": household.registration_number, "kept": kept.registration_number},
            )
            return HttpResponseRedirect(reverse("registry:household_detail", args=[kept.registration_number]))
    shown = household_shown(scope=scope, household=household, members=household_members(household=household))
    personal = shown.personal
    if personal:
        audit_personal_data_viewed(actor=request.user, targets=[household])
    audit = scope.covers(
        roles.VIEW_AUDIT, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
    )
    merged = household.status == HouseholdStatus.MERGED
    can_merge = not merged and household_allows(scope=scope, household=household, permissions=roles.MERGE_HOUSEHOLDS)
    context = {
        "household": household,
        "flags": _flags(household),
        "members": shown.members,
        "personal": personal,
        "phone": shown.phone,
        "can_change": not merged and personal and household_changeable(scope=scope, household=household),
        "can_merge": can_merge,
        "can_erase": household.personal_data_purged_at is None
        and household_allows(scope=scope, household=household, permissions=[roles.ERASE_PERSONAL_DATA]),
        "merged": merged,
        "merges": [] if merged else _merge_rows(household_merges(household=household)),
        "audit": _audit_rows(household) if audit else None,
    }
    return render(request, "registry/household_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def household_erase_view(request: HttpRequest, reference: str) -> HttpResponse:
    """A person's right to deletion: remove one household's personal data now, figures kept.

    404 outside the scope; 403 without `registry.erase_personal_data` over the household."""
    scope = scope_for(user=request.user)
    household = _household_or_404(scope, reference)
    if not household_allows(scope=scope, household=household, permissions=[roles.ERASE_PERSONAL_DATA]):
        raise PermissionDenied
    form = EraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["confirm"] != household.registration_number:
            form.add_error("confirm", _("This is not the household's registration number."))
        else:
            try:
                household_erase(
                    actor=request.user, scope=scope, household=household, reason=form.cleaned_data["reason"]
                )
            except ValidationFailed as failure:
                for message in failure.errors.get("__all__", []) + failure.errors.get("reason", []):
                    form.add_error(None, message)
            else:
                messages.success(request, _("The household's personal data was removed; its figures stay."))
                return HttpResponseRedirect(reverse("registry:household_detail", args=[household.registration_number]))
    return render(request, "registry/household_erase.html", {"household": household, "form": form})


def _merge_rows(merges: list[HouseholdMerge]) -> list[dict[str, Any]]:
    """What the history of merges shows: numbers and counts, never a member's details."""
    return [
        {
            "merge": merge,
            "members_moved": len(merge.moved.get("members", [])),
            "members_folded": len(merge.moved.get("folded", {})),
            "rows_moved": sum(len(move["rows"]) for move in merge.moved.get("relations", [])),
        }
        for merge in merges
    ]


def _household_or_404(scope: Scope, reference: str) -> Household:
    try:
        return access_household_by_number(scope=scope, number=reference)
    except NotFound as error:
        raise Http404(_("No such household.")) from error


@login_required
@require_GET
def location_fields(request: HttpRequest) -> HttpResponse:
    """The region → cercle → site block of the household form, narrowed to the current choices."""
    initial = {name: request.GET.get(name, "") for name in ("region", "cercle", "commune", "site")}
    scope = scope_for(user=request.user)
    form = LocationForm(initial=initial, scope=scope, permission=roles.CHANGE_HOUSEHOLD)
    response = render(request, "registry/household_form.html#location", {"form": form})
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_create_view(request: HttpRequest) -> HttpResponse:
    """Register a household and its members."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.CHANGE_HOUSEHOLD):
        raise PermissionDenied
    return _household_form(request, scope=scope, household=None)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_edit(request: HttpRequest, reference: str) -> HttpResponse:
    """Change a household and its members; 404 outside the scope, 403 without the right to change."""
    scope = scope_for(user=request.user)
    household = _household_or_404(scope, reference)
    # The form shows names, phone and identity numbers in clear: changing needs seeing them too.
    if not (
        household_changeable(scope=scope, household=household)
        and personal_data_visible(scope=scope, household=household)
    ):
        raise PermissionDenied
    return _household_form(request, scope=scope, household=household)


def _household_form(request: HttpRequest, *, scope: Scope, household: Household | None) -> HttpResponse:
    template = "registry/household_form.html"
    context: dict[str, Any] = {"household": household}
    if request.method == "GET":
        if household is None:
            form = HouseholdForm(scope=scope, initial={"consent_date": timezone.localdate(), "status": "registered"})
            rows: list[dict[str, Any]] = [{"relationship": "head"}]
        else:
            members = household_members(household=household)
            shown = household_shown(scope=scope, household=household, members=members)
            form = HouseholdForm(scope=scope, initial=household_initial(household, phone=shown.phone.value or ""))
            today = timezone.localdate()
            rows = [
                member_initial(member, today=today, id_number=seen.id_number.value or "")
                for member, seen in zip(members, shown.members, strict=True)
            ]
        context.update(form=form, members=MemberFormSet(initial=rows, prefix=MEMBERS_PREFIX))
        return render(request, template, context)

    if "add_member" in request.POST or "remove_member" in request.POST:
        return _members_changed(request, template, context, scope=scope)

    entry = HouseholdEntry(
        form=HouseholdForm(request.POST, scope=scope),
        members=MemberFormSet(request.POST, prefix=MEMBERS_PREFIX),
    )
    if entry.is_valid():
        saved = _save(entry, actor=request.user, scope=scope, household=household)
        if saved is not None:
            if household is None:
                messages.success(request, _("Household %(number)s registered.") % {"number": saved})
            else:
                messages.success(request, _("Household %(number)s saved.") % {"number": saved})
            return HttpResponseRedirect(reverse("registry:household_detail", args=[saved.registration_number]))
    else:
        _check(entry, scope=scope, household=household)
    context.update(form=entry.form, members=entry.members, has_errors=True)
    return render(request, template, context)


def _check(entry: HouseholdEntry, *, scope: Scope, household: Household | None) -> None:
    """Put every problem the service finds on the form, without writing: the person sees them all at once."""
    data = entry.to_input(registration_number=household.registration_number if household else "")
    try:
        household_check(scope=scope, data=data, household=household)
    except (ValidationFailed, AbriPermissionDenied) as failure:
        form_errors_apply(entry, failure.errors)


def _save(entry: HouseholdEntry, *, actor: Any, scope: Scope, household: Household | None) -> Household | None:
    """Call the service; on refusal put its errors on the form and return None (nothing written)."""
    data = entry.to_input(registration_number=household.registration_number if household else "")
    try:
        if household is None:
            return household_register(actor=actor, scope=scope, data=data)
        return household_change(
            actor=actor,
            scope=scope,
            household=household,
            data=data,
            version=entry.form.cleaned_data.get("version"),
        )
    except (ValidationFailed, AbriPermissionDenied) as failure:
        form_errors_apply(entry, failure.errors)
        return None
    except Conflict as conflict:
        entry.form.add_error(None, str(conflict))
        return None


def _members_changed(request: HttpRequest, template: str, context: dict[str, Any], *, scope: Scope) -> HttpResponse:
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
    form = HouseholdForm(initial=_household_values(request), scope=scope)
    context.update(form=form, members=members)
    return render(request, template, context)


def _household_values(request: HttpRequest) -> dict[str, Any]:
    """What was typed in the household part, to show it again unchanged (no errors yet)."""
    return {name: request.POST.get(name, "") for name in HouseholdForm.base_fields}
