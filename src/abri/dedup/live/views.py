"""The live check's page part: likely registered matches of the members a clerk is typing."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from abri.access import roles
from abri.access.selectors import scope_for
from abri.dedup.live.check import live_check
from abri.registry.forms import member_rows

_BIRTH_FIELDS = {"date": "birth_date", "year": "birth_year", "age": "age_years"}


def _typed_members(data: Any) -> list[dict[str, str]]:
    """The member rows as typed, only the way of giving the birth that was chosen."""
    members = []
    for row in member_rows(data):
        member = {name: str(row.get(name) or "") for name in ("given_names", "family_name", "sex", "id_number")}
        chosen = _BIRTH_FIELDS.get(str(row.get("birth_mode") or ""))
        for name in _BIRTH_FIELDS.values():
            member[name] = str(row.get(name) or "") if chosen in (None, name) else ""
        members.append(member)
    return members


def _typed_area(data: Any) -> str:
    region, cercle, commune = (str(data.get(name, "") or "") for name in ("region", "cercle", "commune"))
    if cercle and commune.startswith(cercle):
        return commune
    return cercle or region


@login_required
@never_cache
@require_POST  # names travel in the body only: never in a URL, so never in an access log
def household_live_check(request: HttpRequest) -> HttpResponse:
    """Likely registered matches of the members being typed in the register form (an htmx fragment)."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.CHANGE_HOUSEHOLD):
        raise PermissionDenied
    members = _typed_members(request.POST)
    check = live_check(
        scope=scope,
        members=members,
        phone=str(request.POST.get("phone", "")),
        location=_typed_area(request.POST),
    )
    rows = [{"number": number, "matches": matches} for number, matches in enumerate(check.members, start=1)]
    return render(request, "registry/household_form.html#live_check", {"check": check, "rows": rows})
