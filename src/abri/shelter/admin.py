"""Admin for shelter: the shelter types editable (data, not code); what the services write, read only."""

from __future__ import annotations

from django.contrib import admin

from abri.core.admin import AuditedModelAdmin, ReadOnlyModelAdmin
from abri.shelter.models import (
    Allocation,
    AllocationWitness,
    Plot,
    PopulationCount,
    Relocation,
    ShelterType,
    ShelterUnit,
    SiteProfile,
    SiteService,
    StatusChange,
)


@admin.register(ShelterType)
class ShelterTypeAdmin(AuditedModelAdmin):
    list_display = ("code", "name_fr", "name_en", "is_active")
    search_fields = ("code", "name_fr", "name_en")


@admin.register(SiteProfile)
class SiteProfileAdmin(ReadOnlyModelAdmin):
    list_display = ("site", "organisation", "plan_columns")


@admin.register(Plot)
class PlotAdmin(ReadOnlyModelAdmin):
    list_display = ("site", "code", "block", "row", "column")
    list_filter = ("site",)


@admin.register(SiteService)
class SiteServiceAdmin(ReadOnlyModelAdmin):
    list_display = ("site", "kind", "count", "working")


@admin.register(PopulationCount)
class PopulationCountAdmin(ReadOnlyModelAdmin):
    list_display = ("site", "counted_on", "households", "reference")


@admin.register(ShelterUnit)
class ShelterUnitAdmin(ReadOnlyModelAdmin):
    list_display = ("code", "site", "plot", "shelter_type", "status", "status_since", "organisation")
    list_filter = ("site", "status", "shelter_type")
    list_select_related = ("site", "plot", "shelter_type", "organisation")


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyModelAdmin):
    list_display = ("unit", "from_status", "to_status", "changed_on", "changed_by", "backwards")
    list_select_related = ("unit", "changed_by")


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyModelAdmin):
    """Allocations name households by number only; the registry's admin decides what else is shown."""

    list_display = ("unit", "household", "status", "allocated_on", "ended_on")
    list_select_related = ("unit", "household")
    fields = ("unit", "household", "status", "allocated_on", "recorded_by", "receiver", "ended_on", "end_reason")


@admin.register(AllocationWitness)
class AllocationWitnessAdmin(ReadOnlyModelAdmin):
    list_display = ("allocation", "name", "kind", "title")


@admin.register(Relocation)
class RelocationAdmin(ReadOnlyModelAdmin):
    list_display = ("moved_on", "origin", "destination", "households", "individuals")
    list_select_related = ("origin", "destination")
