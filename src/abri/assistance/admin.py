"""Admin for programmes (edited here); distributions and what hangs on them are read here, written by services."""

from __future__ import annotations

from django.contrib import admin

from abri.assistance.models import (
    Distribution,
    DistributionKits,
    DistributionPoint,
    Entitlement,
    Handover,
    HandoverCancellation,
    HandoverConflict,
    IdempotencyKey,
    Programme,
    Witness,
)
from abri.core.admin import AuditedModelAdmin
from abri.stock.admin import ReadOnlyAdmin


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "organisation", "start_date", "end_date")
    list_filter = ("organisation",)
    search_fields = ("code", "name")
    list_select_related = ("organisation",)
    filter_horizontal = ("admin_areas",)


@admin.register(Distribution)
class DistributionAdmin(ReadOnlyAdmin):
    list_display = ("code", "name", "programme", "admin_area", "starts_on", "ends_on", "status")
    list_filter = ("status",)


@admin.register(DistributionPoint)
class DistributionPointAdmin(ReadOnlyAdmin):
    list_display = ("distribution", "name")


@admin.register(Witness)
class WitnessAdmin(ReadOnlyAdmin):
    list_display = ("distribution", "name", "kind", "present_on")


@admin.register(DistributionKits)
class DistributionKitsAdmin(ReadOnlyAdmin):
    list_display = ("distribution", "dispatched", "available", "returned", "lost")


@admin.register(Entitlement)
class EntitlementAdmin(ReadOnlyAdmin):
    list_display = ("distribution", "household", "status", "created_at")  # no token: it is the card's secret
    exclude = ("token",)


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin):
    list_display = ("distribution", "handed_over_at", "status", "receiver", "recorded_by")
    list_filter = ("status",)


@admin.register(HandoverCancellation)
class HandoverCancellationAdmin(ReadOnlyAdmin):
    list_display = ("handover", "cancelled_at", "cancelled_by")


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(ReadOnlyAdmin):
    list_display = ("user", "status_code", "created_at")
    exclude = ("response",)


@admin.register(HandoverConflict)
class HandoverConflictAdmin(ReadOnlyAdmin):
    list_display = ("distribution", "handed_over_at", "received_at", "device")  # resolved on the conflicts page
