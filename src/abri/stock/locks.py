"""The stock's row locks, always taken in one order: balances by warehouse id, then item id.

A write that takes stock out of several balances (a kit of six items, a transfer) locks them
all first, in this order, so that two such writes queue behind each other instead of
deadlocking. The decrement itself stays a conditional update (``quantity >= n``): the lock
only fixes the order, the database still refuses a negative balance.
"""

from __future__ import annotations

from collections.abc import Iterable

from abri.stock.models import Kit, StockBalance


def balances_lock(pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """Lock the balances of ``pairs`` (warehouse id, item id) inside a transaction, in the fixed order."""
    ordered = sorted(set(pairs))
    if not ordered:
        return {}
    warehouses = {warehouse for warehouse, _item in ordered}
    items = {item for _warehouse, item in ordered}
    locked = (
        StockBalance.objects.select_for_update()
        .filter(warehouse_id__in=warehouses, item_id__in=items)
        .order_by("warehouse_id", "item_id")
    )
    return {(row.warehouse_id, row.item_id): row for row in locked if (row.warehouse_id, row.item_id) in ordered}


def kit_lock(kit: Kit) -> Kit:
    """Lock one kit (inside a transaction) before writing a new version of its contents."""
    return Kit.objects.select_for_update().get(pk=kit.pk)
