"""Allocations and relocations racing (PostgreSQL): two allocations of one shelter, one household
allocated two shelters at once, two relocations into a site with room for one of them. In each
race the first writer holds its locks until the second is seen queueing behind them; one wins,
the other is refused with its reason, and the database holds the rule."""

from __future__ import annotations

import datetime
import threading

import pytest

from abri.access.tests.factories import OrganisationFactory
from abri.core.errors import ValidationFailed
from abri.core.testing import LockHolder, postgres_only, run_at_once
from abri.geo.tests.factories import mali_areas
from abri.registry.models import Household
from abri.shelter import services as shelter_services
from abri.shelter.models import Allocation, Relocation
from abri.shelter.services import allocation_record, relocation_record
from abri.shelter.tests.factories import BUILT_ON, household_at, officer, scope_of, site, unit_completed

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    postgres_only()
    areas = mali_areas()
    iom = OrganisationFactory(acronym="IOM")
    user = officer(organisation=iom, area=areas["ML0501"], name="shelter.bandiagara")
    museum = site(area=areas["ML0501"], organisation=iom, name="Musée", capacity=40)
    planned = site(area=areas["ML0501"], organisation=iom, name="Site planifié", capacity=8)
    return {"iom": iom, "user": user, "museum": museum, "planned": planned}


def _holding_in(monkeypatch, name: str, holder: LockHolder, thread: str) -> None:
    """Make ``thread`` hold its locks right after the service's call of ``name`` (inside its transaction)."""
    original = getattr(shelter_services, name)

    def held(*args, **kwargs):
        result = original(*args, **kwargs)
        if threading.current_thread().name == thread:
            holder.hold()
        return result

    monkeypatch.setattr(shelter_services, name, held)


def test_two_allocations_of_one_shelter_give_it_to_one_household(world, monkeypatch):
    user, planned = world["user"], world["planned"]
    unit = unit_completed(user=user, at=planned, code="A-01")
    first, second = (household_at(organisation=world["iom"], at=planned, members=2) for _ in range(2))
    holder = LockHolder()
    _holding_in(monkeypatch, "unit_lock", holder, "first")

    def allocate(household, *, wait: bool):
        if wait:
            holder.wait_until_held()
        return allocation_record(actor=user, scope=scope_of(user), unit=unit, household=household, on=BUILT_ON)

    outcomes = run_at_once(
        {"first": lambda: allocate(first, wait=False), "second": lambda: allocate(second, wait=True)}
    )
    assert holder.seen_waiting == [True]
    assert isinstance(outcomes["first"], Allocation)
    assert isinstance(outcomes["second"], ValidationFailed)
    assert outcomes["second"].errors["unit"] == [
        f"The shelter A-01 is occupied: it is allocated to household {first.registration_number} since 2022-09-20."
    ]
    assert list(Allocation.objects.values_list("unit", "household")) == [(unit.pk, first.pk)]


def test_one_household_allocated_two_shelters_at_once_gets_one(world, monkeypatch):
    user, planned = world["user"], world["planned"]
    one, other = unit_completed(user=user, at=planned, code="A-01"), unit_completed(user=user, at=planned, code="A-02")
    household = household_at(organisation=world["iom"], at=planned, members=2)
    holder = LockHolder()
    original = shelter_services.audit_record

    def audit_then_hold(**kwargs):
        entry = original(**kwargs)
        if kwargs["action"] == "allocation.record" and threading.current_thread().name == "first":
            holder.hold()  # the allocation is written, not committed: the second insert must wait for it
        return entry

    monkeypatch.setattr(shelter_services, "audit_record", audit_then_hold)

    def allocate(unit, *, wait: bool):
        if wait:
            holder.wait_until_held()
        return allocation_record(actor=user, scope=scope_of(user), unit=unit, household=household, on=BUILT_ON)

    outcomes = run_at_once({"first": lambda: allocate(one, wait=False), "second": lambda: allocate(other, wait=True)})
    assert holder.seen_waiting == [True]
    assert isinstance(outcomes["first"], Allocation)
    assert isinstance(outcomes["second"], ValidationFailed)
    assert outcomes["second"].errors == {
        "household": [
            f"Household {household.registration_number} was allocated a shelter meanwhile; nothing was saved."
        ]
    }
    assert list(Allocation.objects.values_list("unit", "household")) == [(one.pk, household.pk)]
    other.refresh_from_db()
    assert other.status == "completed"  # the refused allocation did not hand it over


def test_two_relocations_into_a_site_with_room_for_one_keep_its_capacity(world, monkeypatch):
    user, museum, planned = world["user"], world["museum"], world["planned"]  # room for 8 people
    groups = {
        name: [household_at(organisation=world["iom"], at=museum, members=3) for _ in range(2)]
        for name in ("first", "second")
    }
    holder = LockHolder()
    _holding_in(monkeypatch, "sites_lock", holder, "first")

    def relocate(name: str, *, wait: bool):
        if wait:
            holder.wait_until_held()
        return relocation_record(
            actor=user,
            scope=scope_of(user),
            origin=museum,
            destination=planned,
            household_ids=[h.pk for h in groups[name]],
            moved_on=datetime.date(2022, 9, 15),
        )

    outcomes = run_at_once(
        {"first": lambda: relocate("first", wait=False), "second": lambda: relocate("second", wait=True)}
    )
    assert holder.seen_waiting == [True]
    assert isinstance(outcomes["first"], Relocation)
    assert isinstance(outcomes["second"], ValidationFailed)
    assert outcomes["second"].errors == {
        "destination": ["Site planifié is full: 6 people live there, 6 would arrive, for a capacity of 8."]
    }
    at_planned = set(Household.objects.filter(site=planned).values_list("pk", flat=True))
    assert at_planned == {h.pk for h in groups["first"]}
