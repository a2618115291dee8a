"""Admin for programmes."""

from __future__ import annotations

from django.contrib import admin

from abri.assistance.models import Programme
from abri.core.admin import AuditedModelAdmin


@admin.register(Programme)
class ProgrammeAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "organisation", "start_date", "end_date")
    list_filter = ("organisation",)
    search_fields = ("code", "name")
    list_select_related = ("organisation",)
    filter_horizontal = ("admin_areas",)
