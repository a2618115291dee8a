"""Write services of shelter: site profiles, plots, services and headcounts; shelter units, their
lifecycle and materials; allocations; relocations of groups of households.

Every write checks the caller's scope, runs in one transaction with its audit entry, and
refuses bad input with every reason at once and nothing written. Materials go out through the
stock ledger (`abri.stock.services.movements_record`); households move through the registry
(`abri.registry.moves.households_move`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import MANAGE_SHELTER, RELOCATE_HOUSEHOLDS
from abri.access.selectors import Scope
from abri.assistance.models import Receiver, WitnessKind
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import Site
from abri.registry.access import household_allows, households_visible
from abri.registry.models import Household, Individual
from abri.registry.moves import GONE, households_move
from abri.shelter.flows import ALLOCATABLE, SHELTER, is_backwards
from abri.shelter.locks import sites_lock, unit_lock
from abri.shelter.models import (
    Allocation,
    AllocationStatus,
    AllocationWitness,
    Plot,
    PopulationCount,
    Relocation,
    ServiceKind,
    ShelterStatus,
    ShelterType,
    ShelterUnit,
    SiteProfile,
    SiteService,
    StatusChange,
)
from abri.shelter.selectors import population_now, site_organisation_id
from abri.stock.models import MovementKind, StockMovement, Warehouse
from abri.stock.services import Line, movements_record

Actor = User | AnonymousUser | None


@dataclass(frozen=True)
class WitnessInput:
    """A person present at an allocation."""

    name: str
    kind: str = WitnessKind.COMMUNITY_LEADER
    title: str = ""


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _may_manage_site(scope: Scope, site: Site) -> None:
    organisation_id = site_organisation_id(site=site)
    if organisation_id is None or not scope.covers(
        MANAGE_SHELTER, organisation_id=organisation_id, area_pcode=site.admin_area_id
    ):
        raise PermissionDenied(_("You may not manage the shelters of %(site)s.") % {"site": site.name})


def _may_manage_unit(scope: Scope, unit: ShelterUnit) -> None:
    if not scope.covers(MANAGE_SHELTER, organisation_id=unit.organisation_id, area_pcode=unit.site.admin_area_id):
        raise PermissionDenied(_("You may not manage the shelter %(code)s.") % {"code": unit.code})


def _not_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationFailed({field: [_("The date is in the future.")]})


# --- sites ------------------------------------------------------------------------------------------


def site_profile_set(
    *,
    actor: Actor,
    scope: Scope,
    site: Site,
    organisation: Organisation,
    supporting: Sequence[Organisation] = (),
    plan_columns: int = 10,
) -> SiteProfile:
    """Say which organisation runs the shelter work of ``site`` and which support it."""
    if not scope.covers(MANAGE_SHELTER, organisation_id=organisation.pk, area_pcode=site.admin_area_id):
        raise PermissionDenied(_("You may not manage the shelters of %(site)s.") % {"site": site.name})
    if not 1 <= plan_columns <= 50:
        raise ValidationFailed({"plan_columns": [_("Between 1 and 50 plots per row.")]})
    with transaction.atomic():
        profile, _created = SiteProfile.objects.update_or_create(
            site=site, defaults={"organisation": organisation, "plan_columns": plan_columns}
        )
        profile.supporting_organisations.set(supporting)
        audit_record(
            actor=actor,
            action="site_profile.set",
            target=profile,
            changes={"organisation": organisation.acronym, "supporting": sorted(o.acronym for o in supporting)},
        )
    return profile


def plots_lay_out(*, actor: Actor, scope: Scope, site: Site, blocks: Sequence[str], per_block: int) -> list[Plot]:
    """Lay out ``per_block`` plots in each of ``blocks`` (A-01, A-02...), one block per row of the plan."""
    _may_manage_site(scope, site)
    names = [block.strip().upper() for block in blocks]
    if not names or any(not name for name in names) or len(set(names)) != len(names):
        raise ValidationFailed({"blocks": [_("Name each block once.")]})
    if not 1 <= per_block <= 50:
        raise ValidationFailed({"per_block": [_("Between 1 and 50 plots per block.")]})
    taken = set(Plot.objects.filter(site=site).values_list("code", flat=True))
    first_row = (Plot.objects.filter(site=site).order_by("-row").values_list("row", flat=True).first() or 0) + 1
    plots = [
        Plot(site=site, code=f"{name}-{number:02d}", block=name, row=first_row + position, column=number)
        for position, name in enumerate(names)
        for number in range(1, per_block + 1)
    ]
    clash = sorted(plot.code for plot in plots if plot.code in taken)
    if clash:
        raise ValidationFailed({"blocks": [_("These plots exist already: %(codes)s.") % {"codes": ", ".join(clash)}]})
    with transaction.atomic():
        Plot.objects.bulk_create(plots)
        audit_record(actor=actor, action="plots.lay_out", target=site, changes={"blocks": names, "plots": len(plots)})
    return list(Plot.objects.filter(site=site, code__in=[plot.code for plot in plots]).order_by("row", "column"))


def site_service_set(*, actor: Actor, scope: Scope, site: Site, kind: str, count: int, working: int) -> SiteService:
    """Record how many of a service (water points, latrines, lighting) a site has, and how many work."""
    _may_manage_site(scope, site)
    errors: dict[str, list[str]] = {}
    if kind not in ServiceKind.values:
        errors["kind"] = [_("%(kind)s is not a known service.") % {"kind": kind}]
    if count < 0 or working < 0:
        errors["count"] = [_("A number of services is 0 or more.")]
    elif working > count:
        errors["working"] = [
            _("More working (%(working)s) than there are (%(count)s).") % {"working": working, "count": count}
        ]
    if errors:
        raise ValidationFailed(errors)
    with transaction.atomic():
        service, _created = SiteService.objects.update_or_create(
            site=site, kind=kind, defaults={"count": count, "working": working}
        )
        audit_record(actor=actor, action="site_service.set", target=site, changes={kind: [count, working]})
    return service


def population_record(*, actor: Actor, site: Site, counted_on: datetime.date, reference: str = "") -> PopulationCount:
    """Write the population living at ``site`` now, from the registry, as the count of ``counted_on``.

    Callers check access; a relocation calls it for both its sites in its transaction.
    """
    now = population_now(site=site, on=counted_on)
    with transaction.atomic():
        count = PopulationCount.objects.create(
            site=site,
            counted_on=counted_on,
            households=now.households,
            reference=reference,
            recorded_by=_user(actor),
            **now.groups,
        )
        audit_record(actor=actor, action="population.count", target=site, changes={"on": counted_on.isoformat()})
    return count


def site_population_count(*, actor: Actor, scope: Scope, site: Site, counted_on: datetime.date) -> PopulationCount:
    """Count the population of ``site`` from the registry, as of ``counted_on`` (today or earlier)."""
    _may_manage_site(scope, site)
    _not_future(counted_on, "counted_on")
    return population_record(actor=actor, site=site, counted_on=counted_on)


# --- shelter units -----------------------------------------------------------------------------------


def unit_create(
    *,
    actor: Actor,
    scope: Scope,
    site: Site,
    code: str,
    shelter_type: ShelterType,
    plot: Plot | None = None,
    built_by: Organisation | None = None,
    planned_on: datetime.date | None = None,
) -> ShelterUnit:
    """Plan a shelter unit on ``site`` (and ``plot``), of the site's shelter organisation."""
    _may_manage_site(scope, site)
    code = code.strip().upper()
    planned_on = planned_on or timezone.localdate()
    errors: dict[str, list[str]] = {}
    if not code:
        errors["code"] = [_("Give the shelter a code.")]
    elif ShelterUnit.objects.filter(site=site, code=code).exists():
        errors["code"] = [_("A shelter %(code)s exists already on this site.") % {"code": code}]
    if plot is not None and plot.site_id != site.pk:
        errors["plot"] = [_("The plot %(plot)s is not on this site.") % {"plot": plot.code}]
    if not shelter_type.is_active:
        errors["shelter_type"] = [_("The type %(type)s is no longer used.") % {"type": shelter_type.name}]
    if planned_on > timezone.localdate():
        errors["planned_on"] = [_("The date is in the future.")]
    if errors:
        raise ValidationFailed(errors)
    organisation_id = site_organisation_id(site=site)
    assert organisation_id is not None  # _may_manage_site found it
    with transaction.atomic():
        unit = ShelterUnit.objects.create(
            code=code,
            site=site,
            plot=plot,
            shelter_type=shelter_type,
            organisation_id=organisation_id,
            built_by=built_by,
            status_since=planned_on,
        )
        StatusChange.objects.create(
            unit=unit, from_status="", to_status=ShelterStatus.PLANNED, changed_on=planned_on, changed_by=_user(actor)
        )
        audit_record(actor=actor, action="shelter.create", target=unit, changes={"code": code, "site": site.pk})
    return unit


def _move(*, actor: Actor, unit: ShelterUnit, status: str, on: datetime.date, reason: str) -> ShelterUnit:
    """Move the locked ``unit`` to ``status``; the caller holds the lock and checked access."""
    current = unit.status
    reason = reason.strip()
    errors: dict[str, list[str]] = {}
    if status not in ShelterStatus.values:
        errors["status"] = [_("%(status)s is not a shelter status.") % {"status": status}]
    elif not SHELTER.allows(current, status):
        errors["status"] = [
            _("A shelter cannot go from %(current)s to %(target)s.")
            % {"current": ShelterStatus(current).label, "target": ShelterStatus(status).label}
        ]
    elif is_backwards(current, status) and not reason:
        errors["reason"] = [
            _("Going back from %(current)s to %(target)s needs a reason.")
            % {"current": ShelterStatus(current).label, "target": ShelterStatus(status).label}
        ]
    if on > timezone.localdate():
        errors["on"] = [_("The date is in the future.")]
    elif on < unit.status_since:
        errors["on"] = [
            _("The shelter is %(current)s since %(date)s: a later move cannot be dated before.")
            % {"current": ShelterStatus(current).label, "date": unit.status_since.isoformat()}
        ]
    if errors:
        raise ValidationFailed(errors)
    moved = SHELTER.move(ShelterUnit.objects.filter(pk=unit.pk), status, status_since=on, updated_at=timezone.now())
    if moved != 1:  # the lock makes this unreachable; refuse rather than write a change that did not happen
        raise ValidationFailed({"status": [_("The shelter changed meanwhile; nothing was saved.")]})
    StatusChange.objects.create(
        unit=unit,
        from_status=current,
        to_status=status,
        changed_on=on,
        changed_by=_user(actor),
        backwards=is_backwards(current, status),
        reason=reason,
    )
    audit_record(actor=actor, action="shelter.move", target=unit, changes={"status": [current, status]})
    unit.status, unit.status_since = status, on
    return unit


def unit_move(
    *, actor: Actor, scope: Scope, unit: ShelterUnit, status: str, on: datetime.date | None = None, reason: str = ""
) -> ShelterUnit:
    """Move ``unit`` along its lifecycle on ``on``: backwards only with a reason, and an allocated
    unit is not decommissioned."""
    _may_manage_unit(scope, unit)
    with transaction.atomic():
        locked = unit_lock(unit)
        if (
            status == ShelterStatus.DECOMMISSIONED
            and locked.allocations.filter(status=AllocationStatus.ACTIVE).exists()
        ):
            raise ValidationFailed(
                {"status": [_("The shelter %(code)s is allocated: end its allocation first.") % {"code": locked.code}]}
            )
        return _move(actor=actor, unit=locked, status=status, on=on or timezone.localdate(), reason=reason)


def unit_materials_issue(
    *,
    actor: Actor,
    scope: Scope,
    unit: ShelterUnit,
    warehouse: Warehouse,
    lines: Sequence[Line],
    on: datetime.date | None = None,
) -> list[StockMovement]:
    """Issue materials for ``unit`` from ``warehouse`` through the stock ledger (filed under the unit);
    a planned unit then has its materials delivered. Refused, nothing written, when the stock is short."""
    _may_manage_unit(scope, unit)
    if not scope.covers(MANAGE_SHELTER, organisation_id=warehouse.organisation_id, area_pcode=warehouse.admin_area_id):
        raise PermissionDenied(_("You may not issue from the warehouse %(code)s.") % {"code": warehouse.code})
    on = on or timezone.localdate()
    with transaction.atomic():
        locked = unit_lock(unit)
        if locked.status in (ShelterStatus.DECOMMISSIONED,):
            raise ValidationFailed({"status": [_("The shelter %(code)s is decommissioned.") % {"code": locked.code}]})
        movements = movements_record(
            actor=actor,
            kind=MovementKind.SHELTER_ISSUE,
            warehouse=warehouse,
            lines=lines,
            occurred_on=on,
            reference=locked.reference,
        )
        if locked.status == ShelterStatus.PLANNED:
            _move(
                actor=actor,
                unit=locked,
                status=ShelterStatus.MATERIALS_DELIVERED,
                on=max(on, locked.status_since),
                reason="",
            )
    return movements


# --- allocation --------------------------------------------------------------------------------------


class AlreadyAllocated(ValidationFailed):
    """The unit has a household, or the household a unit, already."""


def _allocation_errors(
    *,
    household: Household,
    on: datetime.date,
    receiver: str,
    proxy_name: str,
    proxy_relationship: str,
    witnesses: Sequence[WitnessInput],
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if receiver not in Receiver.values:
        errors["receiver"] = [_("Say who received the shelter: the head of household or a proxy.")]
    elif receiver == Receiver.PROXY and not (proxy_name and proxy_relationship):
        errors["proxy_name"] = [_("Give the proxy's name and relationship to the household.")]
    for position, witness in enumerate(witnesses, start=1):
        if not witness.name.strip() or witness.kind not in WitnessKind.values:
            errors.setdefault("witnesses", []).append(
                _("Witness %(position)s: give a name and who they stand for.") % {"position": position}
            )
    if household.status in GONE:
        errors["household"] = [
            _("Household %(number)s is %(status)s.")
            % {"number": household.registration_number, "status": household.get_status_display()}
        ]
    if on > timezone.localdate():
        errors["on"] = [_("The date is in the future.")]
    return errors


def allocation_record(
    *,
    actor: Actor,
    scope: Scope,
    unit: ShelterUnit,
    household: Household,
    on: datetime.date | None = None,
    receiver: str = Receiver.HEAD,
    proxy_name: str = "",
    proxy_relationship: str = "",
    witnesses: Sequence[WitnessInput] = (),
) -> Allocation:
    """Hand ``unit`` to ``household``, as a handover: who received it, when, before which witnesses.

    The household is reached through the registry's access path with ``scope``. Refused, nothing
    written, when the unit is occupied or not ready, or the household has a shelter already.
    """
    _may_manage_unit(scope, unit)
    if not households_visible(scope=scope).filter(pk=household.pk).exists():
        raise NotFound(_("No household %(number)s.") % {"number": household.registration_number})
    on = on or timezone.localdate()
    proxy_name, proxy_relationship = proxy_name.strip(), proxy_relationship.strip()
    errors = _allocation_errors(
        household=household,
        on=on,
        receiver=receiver,
        proxy_name=proxy_name,
        proxy_relationship=proxy_relationship,
        witnesses=witnesses,
    )
    with transaction.atomic():
        locked = unit_lock(unit)
        occupant = locked.allocations.filter(status=AllocationStatus.ACTIVE).select_related("household").first()
        if occupant is not None:
            errors["unit"] = [
                _("The shelter %(code)s is occupied: it is allocated to household %(number)s since %(date)s.")
                % {
                    "code": locked.code,
                    "number": occupant.household.registration_number,
                    "date": occupant.allocated_on.isoformat(),
                }
            ]
        elif locked.status not in ALLOCATABLE:
            errors["unit"] = [
                _("The shelter %(code)s is %(status)s: only a completed shelter is allocated.")
                % {"code": locked.code, "status": locked.get_status_display()}
            ]
        elif on < locked.status_since:
            errors["on"] = [
                _("The shelter was completed on %(date)s, after this date.") % {"date": locked.status_since}
            ]
        current = (
            Allocation.objects.filter(household=household, status=AllocationStatus.ACTIVE)
            .select_related("unit")
            .first()
        )
        if current is not None:
            errors["household"] = [
                _("Household %(number)s has the shelter %(code)s already: end that allocation first.")
                % {"number": household.registration_number, "code": current.unit.code}
            ]
        if errors:
            raise ValidationFailed(errors)
        try:
            with transaction.atomic():
                allocation = Allocation.objects.create(
                    unit=locked,
                    household=household,
                    allocated_on=on,
                    recorded_by=_user(actor),
                    receiver=receiver,
                    proxy_name=proxy_name if receiver == Receiver.PROXY else "",
                    proxy_relationship=proxy_relationship if receiver == Receiver.PROXY else "",
                )
        except IntegrityError as error:  # another officer allocated the household meanwhile
            raise AlreadyAllocated(
                {
                    "household": [
                        _("Household %(number)s was allocated a shelter meanwhile; nothing was saved.")
                        % {"number": household.registration_number}
                    ]
                }
            ) from error
        AllocationWitness.objects.bulk_create(
            [
                AllocationWitness(allocation=allocation, name=w.name.strip(), kind=w.kind, title=w.title.strip())
                for w in witnesses
            ]
        )
        if locked.status == ShelterStatus.COMPLETED:
            _move(actor=actor, unit=locked, status=ShelterStatus.HANDED_OVER, on=on, reason="")
        audit_record(
            actor=actor,
            action="allocation.record",
            target=allocation,
            changes={"unit": locked.pk, "household": household.pk, "witnesses": len(witnesses)},
        )
    return allocation


def allocation_end(
    *, actor: Actor, scope: Scope, allocation: Allocation, reason: str, on: datetime.date | None = None
) -> Allocation:
    """End an allocation (the household moved to its next shelter, or left), with the reason."""
    _may_manage_unit(scope, allocation.unit)
    on = on or timezone.localdate()
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the allocation ends.")]})
    _not_future(on, "on")
    if on < allocation.allocated_on:
        raise ValidationFailed({"on": [_("The allocation began on %(date)s.") % {"date": allocation.allocated_on}]})
    with transaction.atomic():
        unit_lock(allocation.unit)
        ended = Allocation.objects.filter(pk=allocation.pk, status=AllocationStatus.ACTIVE).update(
            status=AllocationStatus.ENDED, ended_on=on, ended_by=_user(actor), end_reason=reason.strip()
        )
        if ended != 1:
            raise ValidationFailed({"allocation": [_("This allocation has ended already.")]})
        audit_record(actor=actor, action="allocation.end", target=allocation, changes={"on": on.isoformat()})
    allocation.refresh_from_db()
    return allocation


# --- relocation --------------------------------------------------------------------------------------


def relocation_record(
    *,
    actor: Actor,
    scope: Scope,
    origin: Site,
    destination: Site,
    household_ids: Sequence[int],
    moved_on: datetime.date,
    note: str = "",
) -> Relocation:
    """Move a group of households from ``origin`` to ``destination`` in one operation.

    Their location history keeps both sites, and both sites' populations are counted again in
    the same transaction. Refused, nothing changed, when the destination is closed or has no room
    for everyone, when a household is not at the origin, or the user may not move one of them.
    """
    ids = sorted(set(household_ids))
    errors: dict[str, list[str]] = {}
    if origin.pk == destination.pk:
        errors["destination"] = [_("A relocation goes to another site.")]
    if not ids:
        errors["households"] = [_("Choose the households that move.")]
    if moved_on > timezone.localdate():
        errors["moved_on"] = [_("The date is in the future.")]
    if errors:
        raise ValidationFailed(errors)
    organisation_id = site_organisation_id(site=destination)
    if organisation_id is None or not scope.covers(
        RELOCATE_HOUSEHOLDS, organisation_id=organisation_id, area_pcode=destination.admin_area_id
    ):
        raise PermissionDenied(_("You may not relocate households to %(site)s.") % {"site": destination.name})
    households = list(households_visible(scope=scope).filter(pk__in=ids).order_by("pk"))
    if len(households) != len(ids):
        raise NotFound(_("%(count)s of the households chosen were not found.") % {"count": len(ids) - len(households)})
    refused = [
        h.registration_number
        for h in households
        if not household_allows(scope=scope, household=h, permissions=[RELOCATE_HOUSEHOLDS])
    ]
    if refused:
        raise PermissionDenied(_("You may not relocate %(numbers)s.") % {"numbers": ", ".join(refused[:10])})
    with transaction.atomic():
        locked = sites_lock(origin.pk, destination.pk)
        destination = locked[destination.pk]
        if not destination.is_open:
            errors["destination"] = [_("%(site)s is closed: nobody moves there.") % {"site": destination.name}]
        at_origin = set(
            Household.objects.filter(pk__in=ids, site_id=origin.pk)
            .exclude(status__in=GONE)
            .values_list("pk", flat=True)
        )
        away = [h.registration_number for h in households if h.pk not in at_origin]
        if away:
            errors["households"] = [
                _("Not living at %(site)s: %(numbers)s.") % {"site": origin.name, "numbers": ", ".join(away[:10])}
            ]
        arriving = Individual.objects.filter(household_id__in=ids, merged_into__isnull=True).count()
        present = population_now(site=destination, on=moved_on)
        if destination.capacity is not None and present.individuals + arriving > destination.capacity:
            errors.setdefault("destination", []).append(
                _(
                    "%(site)s is full: %(present)s people live there, %(arriving)s would arrive, "
                    "for a capacity of %(capacity)s."
                )
                % {
                    "site": destination.name,
                    "present": present.individuals,
                    "arriving": arriving,
                    "capacity": destination.capacity,
                }
            )
        if errors:
            raise ValidationFailed(errors)
        relocation = Relocation.objects.create(
            origin=origin,
            destination=destination,
            organisation_id=organisation_id,
            moved_on=moved_on,
            households=len(ids),
            individuals=arriving,
            note=note.strip(),
            recorded_by=_user(actor),
        )
        relocation.moved.set(ids)
        households_move(
            actor=actor, household_ids=ids, site=destination, moved_on=moved_on, reference=relocation.reference
        )
        population_record(actor=actor, site=origin, counted_on=moved_on, reference=relocation.reference)
        population_record(actor=actor, site=destination, counted_on=moved_on, reference=relocation.reference)
        audit_record(
            actor=actor,
            action="relocation.record",
            target=relocation,
            changes={"households": len(ids), "individuals": arriving, "from": origin.pk, "to": destination.pk},
        )
    return relocation
