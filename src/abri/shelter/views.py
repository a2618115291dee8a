"""Shelter pages: the sites by admin area with capacity and occupancy; a site with its occupancy,
shelters by status and its plan (SVG drawn on the server); a shelter unit with its lifecycle,
materials and allocations; the relocation of a group of households.

Households appear by registration number; a number typed in travels in a POST body, never a URL.
"""

from __future__ import annotations

from typing import Any

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

from abri.access.roles import RELOCATE_HOUSEHOLDS, VIEW_PERSONAL_DATA
from abri.access.selectors import Scope, scope_for
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.geo.models import Site
from abri.registry.access import access_household_by_number, household_allows, households_visible
from abri.registry.moves import GONE
from abri.shelter.flows import SHELTER, is_backwards
from abri.shelter.forms import AllocationEndForm, AllocationForm, MaterialsForm, RelocationForm, StatusForm
from abri.shelter.models import Allocation, AllocationStatus, ShelterStatus, ShelterUnit
from abri.shelter.selectors import (
    access_site,
    access_unit,
    plan_blocks,
    population_counts,
    population_now,
    relocations_of,
    site_manageable,
    site_plan,
    site_rows,
    sites_for_relocation,
    sites_visible,
    unit_active_allocation,
    unit_allocations,
    unit_manageable,
    units_by_status,
    units_by_type,
    units_visible,
    warehouses_for_issue,
)
from abri.shelter.services import (
    WitnessInput,
    allocation_end,
    allocation_record,
    relocation_record,
    unit_materials_issue,
    unit_move,
)
from abri.stock.selectors import movements_referring
from abri.stock.services import Line

RELOCATION_LIMIT = 2000  # households listed on the relocation form


def _site(request: HttpRequest, site_id: int) -> tuple[Scope, Site]:
    scope = scope_for(user=request.user)
    try:
        return scope, access_site(scope=scope, site_id=site_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def _unit(request: HttpRequest, unit_id: int, *, manage: bool = False) -> tuple[Scope, ShelterUnit]:
    scope = scope_for(user=request.user)
    try:
        unit = access_unit(scope=scope, unit_id=unit_id)
    except NotFound as error:
        raise Http404(str(error)) from error
    if manage and not unit_manageable(scope=scope, unit=unit):
        raise Forbidden(_("You may see the shelter %(code)s but not change it.") % {"code": unit.code})
    return scope, unit


def _refused(request: HttpRequest, refused: ValidationFailed | PermissionDenied | NotFound) -> None:
    if isinstance(refused, ValidationFailed):
        for errors in refused.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        messages.error(request, str(refused))


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{label}: {error}" if label else error)


def _back(unit: ShelterUnit) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("shelter:unit_detail", args=[unit.pk]))


@login_required
@never_cache
@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    """The sites the user may see, by admin area, with capacity and occupancy."""
    scope = scope_for(user=request.user)
    rows = site_rows(sites=sites_visible(scope=scope))
    areas: dict[str, list[Any]] = {}
    for row in rows:
        areas.setdefault(str(row.site.admin_area), []).append(row)
    return render(
        request,
        "shelter/site_list.html",
        {"areas": list(areas.items()), "can_relocate": scope.allows(RELOCATE_HOUSEHOLDS)},
    )


@login_required
@never_cache
@require_GET
def site_detail(request: HttpRequest, site_id: int) -> HttpResponse:
    """One site: its occupancy against capacity, services, headcounts, shelters by status, its plan."""
    scope, site = _site(request, site_id)
    units = units_visible(scope=scope).filter(site=site)
    row = site_rows(sites=Site.objects.filter(pk=site.pk))[0]
    profile = getattr(site, "shelter_profile", None)
    allocated = dict(
        Allocation.objects.filter(unit__in=units, status=AllocationStatus.ACTIVE).values_list(
            "unit_id", "household__registration_number"
        )
    )
    return render(
        request,
        "shelter/site_detail.html",
        {
            "site": site,
            "row": row,
            "profile": profile,
            "supporting": profile.supporting_organisations.all() if profile else [],
            "population": population_now(site=site, on=timezone.localdate()),
            "counts": population_counts(site=site),
            "services": site.services.all(),
            "by_status": units_by_status(units=units),
            "by_type": units_by_type(units=units),
            "plan": site_plan(site=site, units=units),
            "blocks": plan_blocks(site=site),
            "units": _by_block(units, allocated),
            "relocations": relocations_of(site=site),
            "can_manage": site_manageable(scope=scope, site=site),
            "can_relocate": scope.allows(RELOCATE_HOUSEHOLDS),
        },
    )


def _by_block(units: Any, allocated: dict[int, str]) -> list[tuple[str, list[tuple[ShelterUnit, str]]]]:
    """The units of a site by block of their plot (those without a plot last), each with its household's number."""
    blocks: dict[str, list[tuple[ShelterUnit, str]]] = {}
    ordered = units.select_related("plot", "shelter_type").order_by("plot__row", "plot__column", "code")
    for unit in ordered:
        blocks.setdefault(unit.plot.block if unit.plot else "", []).append((unit, allocated.get(unit.pk, "")))
    return sorted(blocks.items(), key=lambda item: (item[0] == "", item[0]))


@login_required
@never_cache
@require_GET
def unit_detail(request: HttpRequest, unit_id: int) -> HttpResponse:
    """One shelter: its lifecycle, materials issued, allocations, and the forms its managers use."""
    scope, unit = _unit(request, unit_id)
    can_manage = unit_manageable(scope=scope, unit=unit)
    allocations = unit_allocations(unit=unit)
    personal = {
        allocation.pk: household_allows(scope=scope, household=allocation.household, permissions=[VIEW_PERSONAL_DATA])
        for allocation in allocations
    }
    # Forward moves first (the usual next step is the default), then the moves back.
    order = list(ShelterStatus.values)
    targets = sorted(
        SHELTER.transitions.get(unit.status, frozenset()),
        key=lambda status: (is_backwards(unit.status, status), order.index(status)),
    )
    return render(
        request,
        "shelter/unit_detail.html",
        {
            "unit": unit,
            "changes": unit.changes.select_related("changed_by").order_by("id"),
            "materials": movements_referring(reference=unit.reference),
            "allocations": [(allocation, personal[allocation.pk]) for allocation in allocations],
            "active": unit_active_allocation(unit=unit),
            "can_manage": can_manage,
            "status_form": StatusForm(choices=[(status, str(ShelterStatus(status).label)) for status in targets]),
            "materials_form": MaterialsForm(warehouses=warehouses_for_issue(scope=scope)) if can_manage else None,
            "allocation_form": AllocationForm(),
            "end_form": AllocationEndForm(),
        },
    )


@login_required
@require_POST
def unit_status(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Move the shelter along its lifecycle (backwards only with a reason)."""
    scope, unit = _unit(request, unit_id, manage=True)
    form = StatusForm(request.POST, choices=[(value, str(label)) for value, label in ShelterStatus.choices])
    if not form.is_valid():
        _form_errors(request, form)
        return _back(unit)
    data = form.cleaned_data
    try:
        unit_move(
            actor=request.user, scope=scope, unit=unit, status=data["status"], on=data["on"], reason=data["reason"]
        )
    except (ValidationFailed, PermissionDenied) as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            _("Shelter %(code)s: %(status)s.") % {"code": unit.code, "status": ShelterStatus(data["status"]).label},
        )
    return _back(unit)


@login_required
@require_POST
def unit_materials(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Issue materials for the shelter from a warehouse, through the stock ledger."""
    scope, unit = _unit(request, unit_id, manage=True)
    form = MaterialsForm(request.POST, warehouses=warehouses_for_issue(scope=scope))
    if not form.is_valid():
        _form_errors(request, form)
        return _back(unit)
    data = form.cleaned_data
    try:
        unit_materials_issue(
            actor=request.user,
            scope=scope,
            unit=unit,
            warehouse=data["warehouse"],
            lines=[Line(item=data["item"], quantity=data["quantity"])],
            on=data["on"],
        )
    except (ValidationFailed, PermissionDenied) as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("Materials issued for %(code)s.") % {"code": unit.code})
    return _back(unit)


@login_required
@require_POST
def unit_allocate(request: HttpRequest, unit_id: int) -> HttpResponse:
    """Hand the shelter to a household (its registration number in the body), before witnesses."""
    scope, unit = _unit(request, unit_id, manage=True)
    form = AllocationForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(unit)
    data = form.cleaned_data
    witnesses = (
        [WitnessInput(name=data["witness_name"], kind=data["witness_kind"], title=data["witness_title"])]
        if data["witness_name"].strip()
        else []
    )
    try:
        household = access_household_by_number(scope=scope, number=data["household"].strip())
        allocation_record(
            actor=request.user,
            scope=scope,
            unit=unit,
            household=household,
            on=data["on"],
            receiver=data["receiver"],
            proxy_name=data["proxy_name"],
            proxy_relationship=data["proxy_relationship"],
            witnesses=witnesses,
        )
    except (ValidationFailed, PermissionDenied, NotFound) as refused:
        _refused(request, refused)
    else:
        messages.success(
            request,
            _("Shelter %(code)s allocated to household %(number)s.")
            % {"code": unit.code, "number": household.registration_number},
        )
    return _back(unit)


@login_required
@require_POST
def allocation_end_view(request: HttpRequest, unit_id: int) -> HttpResponse:
    """End the shelter's allocation, with the reason."""
    scope, unit = _unit(request, unit_id, manage=True)
    active = unit_active_allocation(unit=unit)
    form = AllocationEndForm(request.POST)
    if active is None:
        messages.error(request, _("The shelter %(code)s is not allocated.") % {"code": unit.code})
        return _back(unit)
    if not form.is_valid():
        _form_errors(request, form)
        return _back(unit)
    try:
        allocation_end(
            actor=request.user,
            scope=scope,
            allocation=active,
            reason=form.cleaned_data["reason"],
            on=form.cleaned_data["on"],
        )
    except (ValidationFailed, PermissionDenied) as refused:
        _refused(request, refused)
    else:
        messages.success(request, _("The allocation of %(code)s has ended.") % {"code": unit.code})
    return _back(unit)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def relocation_create(request: HttpRequest) -> HttpResponse:
    """Move a group of households from one site to another in one operation."""
    scope = scope_for(user=request.user)
    if not scope.allows(RELOCATE_HOUSEHOLDS):
        raise Forbidden(_("Your role does not relocate households."))
    sites = sites_for_relocation(scope=scope)
    origin_id = (request.POST or request.GET).get("origin", "")
    origin = sites.filter(pk=int(origin_id)).first() if origin_id.isdigit() else None
    households: list[tuple[int, str]] = []
    if origin is not None:
        found = (
            households_visible(scope=scope)
            .filter(site=origin)
            .exclude(status__in=GONE)
            .order_by("registration_number")
            .values_list("pk", "registration_number", "size")[:RELOCATION_LIMIT]
        )
        households = [
            (pk, _("%(number)s · %(size)s people") % {"number": number, "size": size}) for pk, number, size in found
        ]
    initial = {"origin": origin, "households": [str(pk) for pk, _label in households]}
    form = RelocationForm(request.POST or None, sites=sites, households=households, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            relocation = relocation_record(
                actor=request.user,
                scope=scope,
                origin=data["origin"],
                destination=data["destination"],
                household_ids=[int(pk) for pk in data["households"]],
                moved_on=data["moved_on"],
                note=data["note"],
            )
        except ValidationFailed as refused:
            for field, errors in refused.errors.items():
                form.add_error(field if field in form.fields else None, errors)
        except (PermissionDenied, NotFound) as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(households)s households (%(people)s people) moved from %(origin)s to %(destination)s.")
                % {
                    "households": relocation.households,
                    "people": relocation.individuals,
                    "origin": data["origin"].name,
                    "destination": data["destination"].name,
                },
            )
            return HttpResponseRedirect(reverse("shelter:site_detail", args=[relocation.destination_id]))
    return render(request, "shelter/relocation_form.html", {"form": form, "origin": origin, "sites": sites})
