"""The merge page: two registrations side by side, kept one, paired members, a reason; and its undo.

The pages sit under the household's address (``/households/<number>/merge/``) but belong to
deduplication: a merge is the end of a duplicate review. The household page (registry) only
links here, by the URL name.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from abri.access.selectors import Scope, scope_for
from abri.core.errors import NotFound, ValidationFailed
from abri.core.errors import PermissionDenied as AbriPermissionDenied
from abri.core.services import audit_personal_data_viewed
from abri.dedup.merges.forms import MergeForm
from abri.dedup.merges.services import household_merge, household_merge_undo, merge_allowed
from abri.dedup.selectors import candidate_pairs_between
from abri.registry.access import access_household_by_number
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household, HouseholdMerge, HouseholdStatus
from abri.registry.selectors import field_label, household_members
from abri.registry.shown import ShownMember, household_shown


def _household_or_404(scope: Scope, reference: str) -> Household:
    try:
        return access_household_by_number(scope=scope, number=reference)
    except NotFound as error:
        raise Http404(_("No such household.")) from error


def _flags(household: Household) -> list[dict[str, Any]]:
    return [{"name": flag, "label": field_label(Household, flag)} for flag in FLAG_FIELDS if getattr(household, flag)]


def _member_label(member: ShownMember) -> str:
    """How a member is offered for pairing: the name only where the role may see it."""
    facts = f"{member.relationship_display} · {member.sex_display} · {member.age}"
    return facts if member.name.masked else f"{member.name} · {facts}"


def _suggested_pairs(first: Household, second: Household) -> dict[str, str]:
    """The engine's open candidate pairs between the two households, each member used once."""
    initial: dict[str, str] = {}
    used: set[int] = set()
    for first_member, second_member in candidate_pairs_between(first=first.pk, second=second.pk):
        key = f"pair_{first_member}"
        if key not in initial and second_member not in used:
            initial[key] = str(second_member)
            used.add(second_member)
    return initial


def _merge_submit(request: HttpRequest, form: MergeForm) -> HttpResponse | None:
    """Call the merge service with what the form holds; on refusal put its messages on the form."""
    first, second = form.first, form.second
    keep, absorb = (first, second) if form.cleaned_data["keep"] == first.registration_number else (second, first)
    pairs = [(b, a) if keep is first else (a, b) for a, b in form.pairs()]
    try:
        household_merge(
            actor=request.user, keep=keep, absorb=absorb, reason=form.cleaned_data["reason"], member_pairs=pairs
        )
    except ValidationFailed as failure:
        for field, found in failure.errors.items():
            for message in found:
                form.add_error("reason" if field == "reason" else None, message)
        return None
    except AbriPermissionDenied as refusal:
        raise PermissionDenied from refusal
    except NotFound as error:
        raise Http404(_("No such household.")) from error
    messages.success(
        request,
        _("Household %(absorbed)s was merged into household %(kept)s.")
        % {"absorbed": absorb.registration_number, "kept": keep.registration_number},
    )
    return HttpResponseRedirect(reverse("registry:household_detail", args=[keep.registration_number]))


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def household_merge_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Two registrations side by side (``?with=`` the other number): keep one, pair the members who
    are the same person, say why, merge. 404 outside the scope, 403 without the rights to merge."""
    scope = scope_for(user=request.user)
    first = _household_or_404(scope, reference)
    other = (request.POST.get("with") or request.GET.get("with") or "").strip()
    detail = reverse("registry:household_detail", args=[first.registration_number])
    if not other:
        messages.error(request, _("Give the registration number of the other household."))
        return HttpResponseRedirect(detail)
    second = _household_or_404(scope, other)
    if first.pk == second.pk:
        messages.error(request, _("A household cannot be merged with itself."))
        return HttpResponseRedirect(detail)
    if not (merge_allowed(scope=scope, household=first) and merge_allowed(scope=scope, household=second)):
        raise PermissionDenied
    for household in (first, second):
        if household.status == HouseholdStatus.MERGED:
            messages.error(
                request,
                _("Household %(number)s has already been merged into another household.")
                % {"number": household.registration_number},
            )
            return HttpResponseRedirect(detail)
    sides = []
    labels = []
    for household in (first, second):
        shown = household_shown(scope=scope, household=household, members=household_members(household=household))
        sides.append(
            {"household": household, "flags": _flags(household), "members": shown.members, "personal": shown.personal}
        )
        labels.append([(member.pk, _member_label(member)) for member in shown.members])
    if request.method == "GET":  # one entry per household shown, in one write
        audit_personal_data_viewed(
            actor=request.user,
            targets=[household for household, side in zip((first, second), sides, strict=True) if side["personal"]],
        )
    form = MergeForm(
        request.POST if request.method == "POST" else None,
        initial={"keep": first.registration_number, **_suggested_pairs(first, second)},
        first=first,
        second=second,
        first_members=labels[0],
        second_members=labels[1],
    )
    if request.method == "POST" and form.is_valid():
        done = _merge_submit(request, form)
        if done is not None:
            return done
    context = {"first": first, "second": second, "sides": sides, "form": form, "pair_fields": form.pair_fields()}
    return render(request, "dedup/household_merge.html", context)


@login_required
@never_cache
@require_POST
def household_merge_undo_view(request: HttpRequest, reference: str, merge_id: int) -> HttpResponse:
    """Undo a merge that kept this household (POST, with a reason)."""
    scope = scope_for(user=request.user)
    household = _household_or_404(scope, reference)
    merge = HouseholdMerge.objects.filter(pk=merge_id, kept=household).first()
    if merge is None:
        raise Http404(_("No such merge."))
    if not merge_allowed(scope=scope, household=household):
        raise PermissionDenied
    try:
        household_merge_undo(actor=request.user, merge=merge, reason=request.POST.get("reason", ""))
    except ValidationFailed as failure:
        for found in failure.errors.values():
            for message in found:
                messages.error(request, message)
    except AbriPermissionDenied as refusal:
        raise PermissionDenied from refusal
    except NotFound as error:
        raise Http404(_("No such household.")) from error
    else:
        messages.success(
            request,
            _("The merge is undone: household %(number)s is registered again.")
            % {"number": merge.absorbed.registration_number},
        )
    return HttpResponseRedirect(reverse("registry:household_detail", args=[household.registration_number]))
