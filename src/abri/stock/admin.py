"""Admin for the stock: reference data editable, the ledger read-only (append-only)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from abri.core.admin import AuditedModelAdmin
from abri.stock.models import Item, Kit, KitLine, KitVersion, StockBalance, StockMovement, Warehouse


@admin.register(Item)
class ItemAdmin(AuditedModelAdmin):
    list_display = ("code", "name_fr", "name_en", "unit")
    search_fields = ("code", "name_fr", "name_en")


@admin.register(Kit)
class KitAdmin(AuditedModelAdmin):
    list_display = ("code", "name_fr", "name_en")


@admin.register(Warehouse)
class WarehouseAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "organisation", "admin_area")


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records written only by services (the ledger, kit versions, handovers): the admin reads them."""

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ("recorded_at", "kind", "warehouse", "item", "quantity", "reference")
    list_filter = ("kind", "warehouse")


@admin.register(KitVersion)
class KitVersionAdmin(ReadOnlyAdmin):
    list_display = ("kit", "number", "created_at", "created_by")


@admin.register(KitLine)
class KitLineAdmin(ReadOnlyAdmin):
    list_display = ("version", "item", "quantity")


@admin.register(StockBalance)
class StockBalanceAdmin(ReadOnlyAdmin):
    list_display = ("warehouse", "item", "quantity")
    list_filter = ("warehouse",)
