"""The stock ledger: receipts, dispatches, transfers, losses, adjustments; balances never negative;
movements never changed; kit contents versioned."""

from __future__ import annotations

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client

from abri.access.models import Role
from abri.access.selectors import scope_for
from abri.access.tests.factories import MembershipFactory, OrganisationFactory
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.models import AuditEntry
from abri.stock.models import MovementKind, StockBalance, StockMovement
from abri.stock.selectors import balances_from_ledger, kit_version_latest
from abri.stock.services import (
    Line,
    kit_contents_set,
    kit_lines,
    movements_record,
    stock_adjust,
    stock_receive,
    stock_transfer,
    stock_write_off,
)
from abri.stock.tests.factories import items, nfi_kit, warehouse

pytestmark = pytest.mark.django_db

DAY = datetime.date(2022, 11, 28)


def _keeper(organisation):
    store = warehouse(organisation=organisation)
    user = MembershipFactory(
        organisation=organisation, role=Role.WAREHOUSE_OFFICER, areas=[store.admin_area.parent]
    ).user
    return user, scope_for(user=user)


def _planner(organisation):
    store = warehouse(organisation=organisation)
    return MembershipFactory(
        organisation=organisation, role=Role.DISTRIBUTION_OFFICER, areas=[store.admin_area.parent]
    ).user


def _held(store) -> dict[str, int]:
    return dict(StockBalance.objects.filter(warehouse=store).values_list("item__code", "quantity"))


def test_a_receipt_then_a_dispatch_move_the_balances_and_the_ledger_alike():
    iom = OrganisationFactory(acronym="IOM")
    user, scope = _keeper(iom)
    store = warehouse(organisation=iom)
    other = warehouse(organisation=iom, code="MNK-02")  # bystander
    by_code = items()
    stock_receive(
        actor=user,
        scope=scope,
        warehouse=store,
        lines=[Line(by_code["BLANKET"], 700), Line(by_code["SOAP"], 1400)],
        consignment="WB-2022-118",
        donor=OrganisationFactory(acronym="ECHO"),
        occurred_on=DAY,
    )
    movements_record(
        actor=user, kind=MovementKind.DISPATCH, warehouse=store, lines=[Line(by_code["BLANKET"], 200)], reference="x"
    )
    assert _held(store) == {"BLANKET": 500, "SOAP": 1400}
    assert balances_from_ledger(warehouse=store) == {by_code["BLANKET"].pk: 500, by_code["SOAP"].pk: 1400}
    assert list(StockMovement.objects.order_by("id").values_list("kind", "item__code", "quantity")) == [
        ("receipt", "BLANKET", 700),
        ("receipt", "SOAP", 1400),
        ("dispatch", "BLANKET", -200),
    ]
    assert _held(other) == {}
    assert AuditEntry.objects.filter(action="stock.receipt", target_id=str(store.pk)).count() == 1


def test_taking_more_than_is_held_is_refused_and_nothing_moves():
    iom = OrganisationFactory(acronym="IOM")
    user, scope = _keeper(iom)
    store = warehouse(organisation=iom)
    by_code = items()
    stock_receive(
        actor=user,
        scope=scope,
        warehouse=store,
        lines=[Line(by_code["BLANKET"], 10), Line(by_code["MAT"], 3)],
        consignment="WB-1",
        donor=None,
    )
    before = StockMovement.objects.count()
    with pytest.raises(ValidationFailed) as refused:
        stock_write_off(
            actor=user,
            scope=scope,
            warehouse=store,
            lines=[Line(by_code["BLANKET"], 2), Line(by_code["MAT"], 4)],
            reason="Pluie",
        )
    assert "Sleeping mat" in str(refused.value) or "Natte de couchage" in str(refused.value)
    assert "3 held" in str(refused.value) or "3 en stock" in str(refused.value)
    assert _held(store) == {"BLANKET": 10, "MAT": 3}  # the blankets of the same loss did not move either
    assert StockMovement.objects.count() == before


def test_the_database_refuses_a_negative_balance():
    store = warehouse()
    blanket = items()["BLANKET"]
    StockBalance.objects.create(warehouse=store, item=blanket, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockBalance.objects.filter(warehouse=store, item=blanket).update(quantity=-1)


def test_the_database_refuses_to_change_or_delete_a_movement():
    iom = OrganisationFactory(acronym="IOM")
    user, scope = _keeper(iom)
    store = warehouse(organisation=iom)
    stock_receive(
        actor=user, scope=scope, warehouse=store, lines=[Line(items()["BUCKET"], 5)], consignment="WB-2", donor=None
    )
    movement = StockMovement.objects.get()
    with pytest.raises(Exception, match="append-only"), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=50)
    with pytest.raises(Exception, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM stock_stockmovement WHERE id = %s", [movement.pk])
    assert StockMovement.objects.get().quantity == 5


def test_a_correction_is_a_new_movement_with_its_reason():
    iom = OrganisationFactory(acronym="IOM")
    user, scope = _keeper(iom)
    store = warehouse(organisation=iom)
    bucket = items()["BUCKET"]
    stock_receive(actor=user, scope=scope, warehouse=store, lines=[Line(bucket, 50)], consignment="WB-3", donor=None)
    with pytest.raises(ValidationFailed, match="reason"):
        stock_adjust(actor=user, scope=scope, warehouse=store, lines=[Line(bucket, -5)], reason=" ")
    stock_adjust(actor=user, scope=scope, warehouse=store, lines=[Line(bucket, -5)], reason="Inventaire du 30/11")
    assert _held(store) == {"BUCKET": 45}
    assert list(StockMovement.objects.order_by("id").values_list("kind", "quantity")) == [
        ("receipt", 50),
        ("adjustment", -5),
    ]


def test_a_transfer_writes_both_sides_of_one_operation():
    iom = OrganisationFactory(acronym="IOM")
    user, scope = _keeper(iom)
    source, destination = warehouse(organisation=iom), warehouse(organisation=iom, code="MNK-02")
    soap = items()["SOAP"]
    stock_receive(actor=user, scope=scope, warehouse=source, lines=[Line(soap, 100)], consignment="WB-4", donor=None)
    stock_transfer(actor=user, scope=scope, source=source, destination=destination, lines=[Line(soap, 40)])
    assert (_held(source), _held(destination)) == ({"SOAP": 60}, {"SOAP": 40})
    out, into = StockMovement.objects.exclude(kind="receipt").order_by("id")
    assert (out.kind, out.quantity, into.kind, into.quantity) == ("transfer_out", -40, "transfer_in", 40)
    assert out.operation == into.operation


def test_a_receipt_needs_its_consignment_and_a_keeper_of_the_warehouse():
    iom = OrganisationFactory(acronym="IOM")
    user, scope = _keeper(iom)
    store = warehouse(organisation=iom)
    soap = items()["SOAP"]
    with pytest.raises(ValidationFailed, match="consignment"):
        stock_receive(actor=user, scope=scope, warehouse=store, lines=[Line(soap, 1)], consignment="", donor=None)
    stranger = MembershipFactory(organisation=OrganisationFactory(acronym="NRC"), role=Role.WAREHOUSE_OFFICER).user
    with pytest.raises(PermissionDenied):
        stock_receive(
            actor=stranger,
            scope=scope_for(user=stranger),
            warehouse=store,
            lines=[Line(soap, 1)],
            consignment="WB-5",
            donor=None,
        )
    assert StockMovement.objects.count() == 0


def test_new_kit_contents_are_a_new_version_and_the_old_one_stays():
    kit = nfi_kit()
    first = kit_version_latest(kit_id=kit.pk)
    by_code = items()
    planner = _planner(OrganisationFactory(acronym="IOM"))
    scope = scope_for(user=planner)
    second = kit_contents_set(
        actor=planner, scope=scope, kit=kit, contents={by_code["BLANKET"]: 3, by_code["SOAP"]: 2}, note="hiver"
    )
    assert (first.number, second.number) == (1, 2)
    assert sorted((line.item.code, line.quantity) for line in kit_lines(first, 10)) == [
        ("BLANKET", 20),
        ("BUCKET", 10),
        ("COOKSET", 10),
        ("JERRYCAN", 20),
        ("MAT", 20),
        ("SOAP", 40),
    ]
    assert sorted((line.item.code, line.quantity) for line in kit_lines(second, 1)) == [("BLANKET", 3), ("SOAP", 2)]
    with pytest.raises(ValidationFailed):
        kit_contents_set(actor=planner, scope=scope, kit=kit, contents={by_code["BLANKET"]: 0})
    assert kit.versions.count() == 2


def test_a_keeper_receives_a_consignment_through_the_page():
    iom = OrganisationFactory(acronym="IOM")
    user, _scope = _keeper(iom)
    store = warehouse(organisation=iom)
    items()
    client = Client()
    client.force_login(user)
    form = {
        "warehouse": store.pk,
        "consignment": "WB-77",
        "occurred_on": "2022-11-28",
        "lines": "BLANKET 700\nSOAP x",
    }
    response = client.post("/stock/receipts/new/", form)
    assert response.status_code == 200  # the second line is refused, naming it
    assert "SOAP x" in response.content.decode()
    assert StockMovement.objects.count() == 0
    response = client.post("/stock/receipts/new/", form | {"lines": "blanket 700\nSOAP 1400"})
    assert response.status_code == 302
    assert _held(store) == {"BLANKET": 700, "SOAP": 1400}
