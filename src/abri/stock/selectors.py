"""Reads of the stock: balances (as kept, and summed from the ledger), movements, kit contents."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet, Sum

from abri.access.roles import VIEW_STOCK
from abri.access.selectors import Scope
from abri.stock.models import Kit, KitVersion, StockBalance, StockMovement, Warehouse


def balances(*, warehouse: Warehouse) -> QuerySet[StockBalance]:
    """The balances of ``warehouse``, by item code."""
    return StockBalance.objects.filter(warehouse=warehouse).select_related("item").order_by("item__code")


def balances_from_ledger(*, warehouse: Warehouse) -> dict[int, int]:
    """Item id → the sum of ``warehouse``'s movements: what the kept balances must equal."""
    rows = StockMovement.objects.filter(warehouse=warehouse).values("item_id").annotate(total=Sum("quantity"))
    return {row["item_id"]: row["total"] for row in rows}


def movements_referring(*, reference: str) -> QuerySet[StockMovement]:
    """The movements that served ``reference`` (e.g. ``distribution:12``), oldest first."""
    return StockMovement.objects.filter(reference=reference).select_related("item", "warehouse").order_by("id")


def kit_version_latest(*, kit_id: int) -> KitVersion | None:
    """The newest contents of a kit."""
    return KitVersion.objects.filter(kit_id=kit_id).order_by("-number").first()


def kit_version_contents(*, version: KitVersion) -> list[tuple[str, str, int]]:
    """(item code, item name, quantity) of each line of ``version``."""
    return [(line.item.code, line.item.name, line.quantity) for line in version.lines.select_related("item")]


def warehouses_visible(*, scope: Scope) -> QuerySet[Warehouse]:
    """The warehouses ``scope`` may see the stock of, by code, with their balances."""
    return (
        Warehouse.objects.filter(scope.q(VIEW_STOCK))
        .select_related("organisation", "admin_area")
        .prefetch_related(
            Prefetch("balances", queryset=StockBalance.objects.select_related("item").order_by("item__code"))
        )
        .order_by("code")
    )


def warehouse_visible(*, scope: Scope, warehouse_id: int) -> Warehouse | None:
    """The warehouse ``warehouse_id`` if ``scope`` may see its stock, else None (a 404 to the user)."""
    return warehouses_visible(scope=scope).filter(pk=warehouse_id).first()


def ledger(*, warehouse: Warehouse) -> QuerySet[StockMovement]:
    """The movements of ``warehouse``, newest first, with what a reader of the ledger needs."""
    return (
        StockMovement.objects.filter(warehouse=warehouse)
        .select_related("item", "donor", "recorded_by")
        .order_by("-occurred_on", "-id")
    )


def kits_with_contents() -> list[tuple[Kit, KitVersion | None, list[tuple[str, str, int]]]]:
    """Each kit with its newest version and that version's lines, by kit code."""
    found = []
    for kit in Kit.objects.prefetch_related("versions").order_by("code"):
        versions = sorted(kit.versions.all(), key=lambda version: version.number)
        latest = versions[-1] if versions else None
        found.append((kit, latest, kit_version_contents(version=latest) if latest else []))
    return found
