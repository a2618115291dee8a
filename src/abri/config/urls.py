"""Abri's URLs: the UI per app, the API under /api/v1/, the language switch."""

from django.contrib import admin
from django.urls import include, path

from abri.config.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("accounts/", include("abri.access.urls")),
    path("geo/", include("abri.geo.urls")),
    path("households/", include("abri.registry.urls")),
    path("imports/", include("abri.intake.urls")),
    path("duplicates/", include("abri.dedup.urls")),
    path("lists/", include("abri.dedup.lists_urls")),
    path("targeting/", include("abri.targeting.urls")),
    path("grievances/", include("abri.grievances.urls")),
    path("", include("abri.dashboard.urls")),
]
