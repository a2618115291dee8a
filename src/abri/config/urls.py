"""Abri's URLs: the UI per app, the API under /api/v1/, the language switch."""

from django.contrib import admin
from django.urls import include, path

from abri.config.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("abri.access.urls")),
    path("access/agreements/", include("abri.access.agreement_urls")),
    path("audit/", include("abri.access.audit_urls")),
    path("geo/", include("abri.geo.urls")),
    path("households/", include("abri.registry.urls")),
    path("households/", include("abri.dedup.merges.urls")),  # a merge is reached from a household
    path("households/", include("abri.dedup.live.urls")),  # the register form's duplicate check
    path("imports/", include("abri.intake.urls")),
    path("duplicates/", include("abri.dedup.urls")),
    path("lists/", include("abri.dedup.lists.urls")),
    path("distributions/", include("abri.assistance.urls")),
    path("stock/", include("abri.stock.urls")),
    path("targeting/", include("abri.targeting.urls")),
    path("grievances/", include("abri.grievances.urls")),
    path("shelter/", include("abri.shelter.urls")),
    path("reporting/", include("abri.reporting.urls")),
    path("", include("abri.dashboard.urls")),
]
