from django.contrib import admin

from abri.core.admin import AuditedModelAdmin, ReadOnlyModelAdmin
from abri.reporting.models import PartnerActivity, ReportingProfile


@admin.register(ReportingProfile)
class ReportingProfileAdmin(AuditedModelAdmin):
    list_display = ("programme", "funder", "cluster", "activity", "modality")


@admin.register(PartnerActivity)
class PartnerActivityAdmin(ReadOnlyModelAdmin):
    """Imported through the 5W import page (all or nothing, audited); a corrected file replaces its rows."""

    list_display = ("reporting_organisation", "activity", "admin_area", "start_date", "households", "people")
    list_filter = ("status", "modality")
