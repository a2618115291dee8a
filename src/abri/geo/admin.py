"""Admin pages for admin areas (read-only but their display names) and sites (through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.forms import ModelForm
from django.http import HttpRequest

from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.geo.models import AdminArea, Site
from abri.geo.services import SITE_FIELDS, admin_area_rename, site_create, site_update, site_values_check


@admin.register(AdminArea)
class AdminAreaAdmin(admin.ModelAdmin):
    list_display = ("pcode", "name", "name_fr", "name_en", "level", "parent")
    list_filter = ("level", "country_code")
    search_fields = ("pcode", "name", "name_fr", "name_en")
    readonly_fields = ("pcode", "level", "parent", "name", "country_code", "valid_from")
    fields = ("pcode", "level", "parent", "name", "name_fr", "name_en", "country_code", "valid_from")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # areas come from P-code lists: `abri load-pcodes`

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: AdminArea, form: ModelForm, change: bool) -> None:
        admin_area_rename(actor=request.user, area=obj, name_fr=obj.name_fr, name_en=obj.name_en)


class SiteForm(ModelForm):
    class Meta:
        model = Site
        fields = list(SITE_FIELDS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        try:
            site_values_check({field: cleaned.get(field) for field in SITE_FIELDS}, site_id=self.instance.pk)
        except ValidationFailed as error:
            for field, messages in error.errors.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        return cleaned


@admin.register(Site)
class SiteAdmin(admin.ModelAdmin):
    form = SiteForm
    list_display = ("name", "kind", "admin_area", "capacity", "managed_by", "is_open")
    list_filter = ("kind", "is_open")
    search_fields = ("name", "admin_area__pcode", "admin_area__name", "admin_area__name_fr")
    autocomplete_fields = ("admin_area",)

    def save_model(self, request: HttpRequest, obj: Site, form: ModelForm, change: bool) -> None:
        data: dict[str, Any] = {field: form.cleaned_data.get(field) for field in SITE_FIELDS}
        try:
            if change:
                saved = site_update(actor=request.user, site=Site.objects.get(pk=obj.pk), data=data)
            else:
                saved = site_create(
                    actor=request.user,
                    admin_area=data["admin_area"],
                    name=data["name"],
                    kind=data["kind"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    area_hectares=data["area_hectares"],
                    capacity=data["capacity"],
                    managed_by=data["managed_by"],
                    is_open=bool(data["is_open"]),
                )
        except (PermissionDenied, NotFound) as error:
            raise DjangoPermissionDenied(str(error)) from error
        obj.pk = saved.pk
