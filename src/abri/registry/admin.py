"""Admin for households and individuals: read-only, within the staff member's scope.

Writes go through the registry services (web forms, API, imports), which validate,
derive the flags and audit. Encrypted numbers and their keyed hashes are never shown here.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from abri.access.roles import VIEW_PERSONAL_DATA
from abri.access.selectors import scope_for
from abri.core.admin import ReadOnlyModelAdmin
from abri.registry.flags import FLAG_FIELDS
from abri.registry.models import Household, HouseholdLocation, HouseholdMerge, Individual, RegistrationSequence

MEMBER_FIELDS = (
    "given_names",
    "family_name",
    "sex",
    "birth_date",
    "birth_date_precision",
    "relationship",
    "marital_status",
    "id_document_type",
)


class MemberInline(admin.TabularInline):
    model = Individual
    fields = MEMBER_FIELDS
    readonly_fields = MEMBER_FIELDS
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Household)
class HouseholdAdmin(ReadOnlyModelAdmin):
    """Households whose personal data the staff member may read (their names show here)."""

    list_display = ("registration_number", "organisation", "admin_area", "site", "status", "size", "registered_on")
    list_filter = ("status", "organisation", *FLAG_FIELDS)
    search_fields = ("registration_number",)
    list_select_related = ("organisation", "admin_area", "site")
    fields = (
        "registration_number",
        "organisation",
        "head",
        "admin_area",
        "site",
        "origin_area",
        "departure_date",
        "arrival_date",
        "displacement_cause",
        "consent",
        "consent_date",
        "consent_recorded_by",
        "status",
        "registered_on",
        "size",
        "merged_into",
        *FLAG_FIELDS,
    )
    readonly_fields = fields
    inlines = (MemberInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Household]:
        return super().get_queryset(request).filter(scope_for(user=request.user).q(VIEW_PERSONAL_DATA))


@admin.register(Individual)
class IndividualAdmin(ReadOnlyModelAdmin):
    list_display = ("__str__", "household", "sex", "relationship", "birth_date")
    list_filter = ("sex", "relationship")
    search_fields = ("household__registration_number",)
    list_select_related = ("household",)
    fields = ("household", *MEMBER_FIELDS, "pregnancy", "chronic_illness", "merged_into")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Individual]:
        scope = scope_for(user=request.user)
        return (
            super()
            .get_queryset(request)
            .filter(
                scope.q(
                    VIEW_PERSONAL_DATA, organisation_field="household__organisation", area_field="household__admin_area"
                )
            )
        )


@admin.register(RegistrationSequence)
class RegistrationSequenceAdmin(ReadOnlyModelAdmin):
    """The last registration number given per organisation and year; moved only by the services."""

    list_display = ("organisation", "year", "last")
    list_filter = ("organisation", "year")


@admin.register(HouseholdMerge)
class HouseholdMergeAdmin(ReadOnlyModelAdmin):
    """Merges of two registrations of one household; made and undone only through the services."""

    list_display = ("created_at", "kept", "absorbed", "merged_by", "undone_at")
    list_select_related = ("kept", "absorbed", "merged_by")
    search_fields = ("kept__registration_number", "absorbed__registration_number")
    fields = (
        "kept",
        "absorbed",
        "merged_by",
        "reason",
        "moved",
        "undone_at",
        "undone_by",
        "undo_reason",
        "undo_skipped",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[HouseholdMerge]:
        scope = scope_for(user=request.user)
        return (
            super()
            .get_queryset(request)
            .filter(scope.q(VIEW_PERSONAL_DATA, organisation_field="kept__organisation", area_field="kept__admin_area"))
        )


@admin.register(HouseholdLocation)
class HouseholdLocationAdmin(ReadOnlyModelAdmin):
    """Where households lived, from when to when; written only by moves (`abri.registry.moves`), within scope."""

    list_display = ("household", "site", "admin_area", "arrived_on", "left_on", "reference")
    list_select_related = ("household", "site", "admin_area")
    search_fields = ("household__registration_number", "reference")

    def get_queryset(self, request: HttpRequest) -> QuerySet[HouseholdLocation]:
        return (
            super()
            .get_queryset(request)
            .filter(
                scope_for(user=request.user).q(
                    VIEW_PERSONAL_DATA, organisation_field="household__organisation", area_field="household__admin_area"
                )
            )
        )
