"""Admin for the audit log (read-only), and the base that audits every admin write."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import models, transaction
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from abri.core.models import AuditChainHead, AuditEntry
from abri.core.services import audit_record


class AuditedModelAdmin(admin.ModelAdmin):
    """A model admin whose creations, changes and deletions are audited like any service write.

    The audit entry names the changed fields (never their values) and runs in the admin's transaction.
    """

    def save_related(self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        # Recorded after the many-to-many fields are saved, still inside the admin's transaction.
        self._audit(request, form.instance, "update" if change else "create", sorted(form.changed_data))

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        with transaction.atomic():
            self._audit(request, obj, "delete", [])
            super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        with transaction.atomic():
            for obj in queryset:
                self._audit(request, obj, "delete", [])
            super().delete_queryset(request, queryset)

    @staticmethod
    def _audit(request: HttpRequest, obj: models.Model, verb: str, fields: list[str]) -> None:
        changes: dict[str, Any] = {"via": "admin"}
        if fields:
            changes["fields"] = fields
        audit_record(actor=request.user, action=f"{obj._meta.model_name}.{verb}", target=obj, changes=changes)


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here: writes go through the services."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyModelAdmin):
    list_filter = ("action", "target_type")
    search_fields = ("target_id", "actor__username", "action")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    list_display = ("at", "actor", "action", "target_type", "target_id", "source", "seq")


@admin.register(AuditChainHead)
class AuditChainHeadAdmin(ReadOnlyModelAdmin):
    """The last sealed entry, for who checks the chain by hand; only the sealer moves it."""

    list_display = ("seq", "digest")
