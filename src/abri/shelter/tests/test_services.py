"""Shelter services: the unit lifecycle, materials through the stock ledger, allocations, relocations;
every refusal names its reason and leaves everything as it was."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from abri.access.models import Role
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.registry.models import Household, HouseholdLocation
from abri.shelter.models import Allocation, PopulationCount, Relocation, ShelterStatus, StatusChange
from abri.shelter.selectors import population_now
from abri.shelter.services import (
    WitnessInput,
    allocation_end,
    allocation_record,
    relocation_record,
    unit_create,
    unit_materials_issue,
    unit_move,
)
from abri.shelter.tests.factories import (
    BUILT_ON,
    household_at,
    officer,
    scope_of,
    shelter_types,
    site,
    unit_completed,
)
from abri.stock.models import Item, MovementKind, StockBalance, StockMovement
from abri.stock.services import Line, item_create, movements_record, warehouse_create

S = ShelterStatus
MOVED_ON = datetime.date(2022, 9, 15)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(areas, iom):
    user = officer(organisation=iom, area=areas["ML0501"], name="shelter.bandiagara")
    museum = site(area=areas["ML0501"], organisation=iom, name="Musée", capacity=30, kind="collective_centre")
    planned = site(area=areas["ML0501"], organisation=iom, name="Site planifié", capacity=10)
    return {"user": user, "scope": scope_of(user), "museum": museum, "planned": planned, "iom": iom, "areas": areas}


def test_a_unit_moves_forward_step_by_step_and_each_move_is_recorded(world):
    user, scope = world["user"], world["scope"]
    unit = unit_create(
        actor=user,
        scope=scope,
        site=world["planned"],
        code="a-01",
        shelter_type=shelter_types()["SEMI_HARD"],
        planned_on=BUILT_ON,
    )
    unit_move(actor=user, scope=scope, unit=unit, status=S.MATERIALS_DELIVERED, on=datetime.date(2022, 9, 21))
    unit.refresh_from_db()
    assert (unit.code, unit.status, unit.status_since) == ("A-01", S.MATERIALS_DELIVERED, datetime.date(2022, 9, 21))
    changes = list(StatusChange.objects.filter(unit=unit).values_list("from_status", "to_status", "changed_by"))
    assert changes == [("", S.PLANNED, user.pk), (S.PLANNED, S.MATERIALS_DELIVERED, user.pk)]


def test_a_unit_cannot_skip_steps(world):
    unit = unit_create(
        actor=world["user"],
        scope=world["scope"],
        site=world["planned"],
        code="A-01",
        shelter_type=shelter_types()["SEMI_HARD"],
        planned_on=BUILT_ON,
    )
    with pytest.raises(ValidationFailed) as refused:
        unit_move(actor=world["user"], scope=world["scope"], unit=unit, status=S.COMPLETED, on=BUILT_ON)
    assert refused.value.errors == {"status": ["A shelter cannot go from planned to completed."]}
    unit.refresh_from_db()
    assert unit.status == S.PLANNED
    assert StatusChange.objects.filter(unit=unit).count() == 1


def test_backwards_without_a_reason_is_refused_and_nothing_changes(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    bystander = unit_completed(user=world["user"], at=world["planned"], code="A-02")
    changes = StatusChange.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        unit_move(actor=world["user"], scope=world["scope"], unit=unit, status=S.UNDER_CONSTRUCTION, reason="  ")
    assert refused.value.errors == {"reason": ["Going back from completed to under construction needs a reason."]}
    unit.refresh_from_db()
    bystander.refresh_from_db()
    assert (unit.status, bystander.status) == (S.COMPLETED, S.COMPLETED)
    assert StatusChange.objects.count() == changes


def test_backwards_with_a_reason_is_kept_with_its_reason(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    unit_move(actor=world["user"], scope=world["scope"], unit=unit, status=S.UNDER_CONSTRUCTION, reason="Toit mal fixé")
    last = StatusChange.objects.filter(unit=unit).last()
    assert (last.from_status, last.to_status, last.backwards, last.reason) == (
        S.COMPLETED,
        S.UNDER_CONSTRUCTION,
        True,
        "Toit mal fixé",
    )


def test_an_officer_of_another_area_may_not_move_a_unit(world, areas, iom):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    menaka = officer(organisation=iom, area=areas["ML1001"], name="shelter.menaka")
    with pytest.raises(PermissionDenied):
        unit_move(actor=menaka, scope=scope_of(menaka), unit=unit, status=S.DAMAGED)
    unit.refresh_from_db()
    assert unit.status == S.COMPLETED


@pytest.fixture
def store(world):
    bandiagara = warehouse_create(
        actor=None,
        code="BDG-01",
        name="Magasin de Bandiagara",
        organisation=world["iom"],
        admin_area=world["areas"]["ML0501"],
    )
    tarpaulin = item_create(actor=None, code="TARPAULIN", name_fr="Bâche", name_en="Tarpaulin")
    movements_record(
        actor=None, kind=MovementKind.RECEIPT, warehouse=bandiagara, lines=[Line(tarpaulin, 3)], consignment="WB-1"
    )
    return bandiagara


def test_materials_go_out_through_the_stock_ledger(world, store):
    tarpaulin = Item.objects.get(code="TARPAULIN")
    unit = unit_create(
        actor=world["user"],
        scope=world["scope"],
        site=world["planned"],
        code="A-01",
        shelter_type=shelter_types()["SEMI_HARD"],
        planned_on=BUILT_ON,
    )
    unit_materials_issue(
        actor=world["user"], scope=world["scope"], unit=unit, warehouse=store, lines=[Line(tarpaulin, 2)], on=BUILT_ON
    )
    movement = StockMovement.objects.get(kind=MovementKind.SHELTER_ISSUE)
    assert (movement.quantity, movement.reference, movement.recorded_by) == (-2, f"shelter:{unit.pk}", world["user"])
    assert StockBalance.objects.get(warehouse=store, item=tarpaulin).quantity == 1
    unit.refresh_from_db()
    assert unit.status == S.MATERIALS_DELIVERED


def test_materials_not_in_stock_are_refused_and_nothing_moves(world, store):
    tarpaulin = Item.objects.get(code="TARPAULIN")
    unit = unit_create(
        actor=world["user"],
        scope=world["scope"],
        site=world["planned"],
        code="A-01",
        shelter_type=shelter_types()["SEMI_HARD"],
        planned_on=BUILT_ON,
    )
    movements = StockMovement.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        unit_materials_issue(
            actor=world["user"], scope=world["scope"], unit=unit, warehouse=store, lines=[Line(tarpaulin, 4)]
        )
    assert refused.value.errors == {
        "quantity": ["Not enough Tarpaulin in BDG-01: 4 wanted, 3 held. Nothing was moved."]
    }
    assert StockMovement.objects.count() == movements
    assert StockBalance.objects.get(warehouse=store, item=tarpaulin).quantity == 3
    unit.refresh_from_db()
    assert unit.status == S.PLANNED


def test_an_allocation_is_recorded_like_a_handover(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    household = household_at(organisation=world["iom"], at=world["planned"])
    allocation = allocation_record(
        actor=world["user"],
        scope=world["scope"],
        unit=unit,
        household=household,
        on=datetime.date(2022, 9, 25),
        witnesses=[WitnessInput(name="Amadou Guindo", kind="authority", title="Préfet de Bandiagara")],
    )
    assert (allocation.recorded_by, allocation.allocated_on, allocation.receiver) == (
        world["user"],
        datetime.date(2022, 9, 25),
        "head",
    )
    assert list(allocation.witnesses.values_list("name", "kind", "title")) == [
        ("Amadou Guindo", "authority", "Préfet de Bandiagara")
    ]
    unit.refresh_from_db()
    assert unit.status == S.HANDED_OVER
    assert AuditEntry.objects.filter(action="allocation.record", target_id=str(allocation.pk)).count() == 1


def test_allocating_an_occupied_shelter_is_refused_and_nothing_changes(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    first = household_at(organisation=world["iom"], at=world["planned"])
    second = household_at(organisation=world["iom"], at=world["planned"])
    allocation_record(actor=world["user"], scope=world["scope"], unit=unit, household=first, on=BUILT_ON)
    with pytest.raises(ValidationFailed) as refused:
        allocation_record(actor=world["user"], scope=world["scope"], unit=unit, household=second, on=BUILT_ON)
    assert refused.value.errors == {
        "unit": [
            f"The shelter A-01 is occupied: it is allocated to household {first.registration_number} since 2022-09-20."
        ]
    }
    assert list(Allocation.objects.values_list("household", flat=True)) == [first.pk]


def test_a_household_gets_one_shelter_at_a_time(world):
    one = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    other = unit_completed(user=world["user"], at=world["planned"], code="A-02")
    household = household_at(organisation=world["iom"], at=world["planned"])
    first = allocation_record(actor=world["user"], scope=world["scope"], unit=one, household=household, on=BUILT_ON)
    with pytest.raises(ValidationFailed) as refused:
        allocation_record(actor=world["user"], scope=world["scope"], unit=other, household=household, on=BUILT_ON)
    assert refused.value.errors["household"] == [
        f"Household {household.registration_number} has the shelter A-01 already: end that allocation first."
    ]
    other.refresh_from_db()
    assert other.status == S.COMPLETED
    allocation_end(actor=world["user"], scope=world["scope"], allocation=first, reason="Abri semi-durable prêt")
    moved = allocation_record(actor=world["user"], scope=world["scope"], unit=other, household=household)
    assert moved.unit == other
    first.refresh_from_db()
    assert (first.status, first.end_reason) == ("ended", "Abri semi-durable prêt")


def test_the_database_holds_one_household_per_unit(world):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    first = household_at(organisation=world["iom"], at=world["planned"])
    second = household_at(organisation=world["iom"], at=world["planned"])
    Allocation.objects.create(unit=unit, household=first, allocated_on=BUILT_ON)
    with pytest.raises(IntegrityError), transaction.atomic():
        Allocation.objects.create(unit=unit, household=second, allocated_on=BUILT_ON)


def test_a_unit_not_built_is_not_allocated(world):
    unit = unit_create(
        actor=world["user"],
        scope=world["scope"],
        site=world["planned"],
        code="A-01",
        shelter_type=shelter_types()["SEMI_HARD"],
        planned_on=BUILT_ON,
    )
    household = household_at(organisation=world["iom"], at=world["planned"])
    with pytest.raises(ValidationFailed) as refused:
        allocation_record(actor=world["user"], scope=world["scope"], unit=unit, household=household)
    assert refused.value.errors == {"unit": ["The shelter A-01 is planned: only a completed shelter is allocated."]}
    assert not Allocation.objects.exists()


def test_a_household_out_of_scope_is_not_found(world, areas, iom):
    unit = unit_completed(user=world["user"], at=world["planned"], code="A-01")
    menaka_site = site(area=areas["ML1001"], organisation=iom, name="Ménaka Nord")
    household = household_at(organisation=iom, at=menaka_site)
    with pytest.raises(NotFound):
        allocation_record(actor=world["user"], scope=world["scope"], unit=unit, household=household)
    assert not Allocation.objects.exists()


def test_a_relocation_moves_the_group_and_keeps_both_places(world):
    museum, planned = world["museum"], world["planned"]
    moving = [household_at(organisation=world["iom"], at=museum) for _ in range(2)]
    staying = household_at(organisation=world["iom"], at=museum, members=2)
    relocation = relocation_record(
        actor=world["user"],
        scope=world["scope"],
        origin=museum,
        destination=planned,
        household_ids=[h.pk for h in moving],
        moved_on=MOVED_ON,
    )
    assert (relocation.households, relocation.individuals) == (2, 6)
    for household in moving:
        household.refresh_from_db()
        assert household.site == planned
        history = list(
            HouseholdLocation.objects.filter(household=household)
            .order_by("id")
            .values_list("site", "arrived_on", "left_on", "reference")
        )
        assert history == [
            (museum.pk, datetime.date(2022, 8, 1), MOVED_ON, ""),
            (planned.pk, MOVED_ON, None, f"relocation:{relocation.pk}"),
        ]
    staying.refresh_from_db()
    assert staying.site == museum
    assert not HouseholdLocation.objects.filter(household=staying).exists()
    counted = {
        count.site_id: (count.households, count.individuals)
        for count in PopulationCount.objects.filter(reference=relocation.reference)
    }
    assert counted == {museum.pk: (1, 2), planned.pk: (2, 6)}


def _nothing_moved(households: list[Household], site_id: int) -> None:
    for household in households:
        household.refresh_from_db()
        assert household.site_id == site_id
    assert not HouseholdLocation.objects.exists()
    assert not Relocation.objects.exists()
    assert not PopulationCount.objects.exists()


def test_relocating_to_a_closed_site_is_refused_and_nothing_changes(world):
    museum, planned = world["museum"], world["planned"]
    planned.is_open = False
    planned.save()
    moving = [household_at(organisation=world["iom"], at=museum)]
    with pytest.raises(ValidationFailed) as refused:
        relocation_record(
            actor=world["user"],
            scope=world["scope"],
            origin=museum,
            destination=planned,
            household_ids=[h.pk for h in moving],
            moved_on=MOVED_ON,
        )
    assert refused.value.errors == {"destination": ["Site planifié is closed: nobody moves there."]}
    _nothing_moved(moving, museum.pk)


def test_relocating_to_a_full_site_is_refused_and_nothing_changes(world):
    museum, planned = world["museum"], world["planned"]  # the planned site holds 10 people
    household_at(organisation=world["iom"], at=planned, members=5)
    moving = [household_at(organisation=world["iom"], at=museum, members=3) for _ in range(2)]
    HouseholdLocation.objects.all().delete()  # none yet: the check below counts the relocation's own
    with pytest.raises(ValidationFailed) as refused:
        relocation_record(
            actor=world["user"],
            scope=world["scope"],
            origin=museum,
            destination=planned,
            household_ids=[h.pk for h in moving],
            moved_on=MOVED_ON,
        )
    assert refused.value.errors == {
        "destination": ["Site planifié is full: 5 people live there, 6 would arrive, for a capacity of 10."]
    }
    _nothing_moved(moving, museum.pk)
    assert population_now(site=planned, on=MOVED_ON).individuals == 5


def test_a_household_not_at_the_origin_is_refused(world, areas):
    museum, planned = world["museum"], world["planned"]
    elsewhere = household_at(organisation=world["iom"], at=planned)
    moving = household_at(organisation=world["iom"], at=museum)
    with pytest.raises(ValidationFailed) as refused:
        relocation_record(
            actor=world["user"],
            scope=world["scope"],
            origin=museum,
            destination=world["planned"],
            household_ids=[moving.pk, elsewhere.pk],
            moved_on=MOVED_ON,
        )
    assert refused.value.errors == {"households": [f"Not living at Musée: {elsewhere.registration_number}."]}
    _nothing_moved([moving], museum.pk)


def test_only_those_who_relocate_may_relocate(world, areas, iom):
    registration = officer(organisation=iom, area=areas["ML0501"], role=Role.REGISTRATION_OFFICER)
    moving = household_at(organisation=iom, at=world["museum"])
    with pytest.raises(PermissionDenied):
        relocation_record(
            actor=registration,
            scope=scope_of(registration),
            origin=world["museum"],
            destination=world["planned"],
            household_ids=[moving.pk],
            moved_on=MOVED_ON,
        )
    _nothing_moved([moving], world["museum"].pk)
