"""Two dispatches racing for the last kits of a warehouse (PostgreSQL): one gets them, the other
is refused, and the balance never goes below zero."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from abri.core.errors import ValidationFailed
from abri.stock.models import MovementKind, StockBalance, StockMovement
from abri.stock.services import kit_lines, movements_record
from abri.stock.tests.factories import nfi_kit, warehouse

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_racing_dispatches_never_take_more_than_is_held():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time")
    store = warehouse()
    version = nfi_kit().versions.get()
    movements_record(
        actor=None, kind=MovementKind.RECEIPT, warehouse=store, lines=kit_lines(version, 10), consignment="WB-9"
    )
    start = threading.Barrier(8)
    outcomes: list[str] = []

    def dispatch() -> None:
        try:
            start.wait()
            movements_record(
                actor=None, kind=MovementKind.DISPATCH, warehouse=store, lines=kit_lines(version, 3), reference="race"
            )
            outcomes.append("dispatched")
        except ValidationFailed:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["dispatched"] * 3 + ["refused"] * 5
    held = dict(StockBalance.objects.filter(warehouse=store).values_list("item__code", "quantity"))
    assert held == {"BLANKET": 2, "BUCKET": 1, "COOKSET": 1, "JERRYCAN": 2, "MAT": 2, "SOAP": 4}
    assert StockMovement.objects.filter(kind="dispatch").count() == 3 * 6
