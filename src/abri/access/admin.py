"""Admin for organisations, memberships (scopes) and API tokens."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from abri.access.models import ApiToken, DataSharingAgreement, Membership, Organisation
from abri.access.services import token_revoke
from abri.core.admin import AuditedModelAdmin


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ("acronym", "name", "kind", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("acronym", "name")


@admin.register(Membership)
class MembershipAdmin(AuditedModelAdmin):
    list_display = ("user", "organisation", "role", "is_active", "all_areas", "all_programmes")
    list_filter = ("role", "is_active", "organisation")
    search_fields = ("user__username", "user__first_name", "user__last_name", "organisation__acronym")
    list_select_related = ("user", "organisation")
    autocomplete_fields = ("user", "organisation")
    filter_horizontal = ("admin_areas", "programmes")
    fieldsets = (
        (None, {"fields": ("user", "organisation", "role", "is_active")}),
        (_("Scope: admin areas (each covers the areas within it)"), {"fields": ("all_areas", "admin_areas")}),
        (_("Scope: programmes"), {"fields": ("all_programmes", "programmes")}),
    )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created with `abri create-token` (the only time the token is shown); here they are revoked."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = ("revoked_at",)
    search_fields = ("name", "prefix", "user__username")
    list_select_related = ("user",)
    fields = ("name", "user", "prefix", "key_hash", "created_at", "expires_at", "last_used_at", "revoked_at")
    readonly_fields = fields
    actions = ("revoke",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoked tokens stay, so the audit trail can name them

    def has_revoke_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("access.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=["revoke"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        """Revoke each selected token that is still active."""
        active = list(queryset.filter(revoked_at__isnull=True))
        for token in active:
            token_revoke(actor=request.user, token=token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(active)) % {"count": len(active)},
            messages.SUCCESS,
        )


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(admin.ModelAdmin):
    """Read only: agreements are recorded and revoked on their pages (audited), never deleted."""

    list_display = (
        "providing_organisation",
        "receiving_organisation",
        "level",
        "valid_from",
        "valid_to",
        "revoked_at",
    )
    list_filter = ("level", "providing_organisation", "receiving_organisation")
    list_select_related = ("providing_organisation", "receiving_organisation")
    search_fields = ("purpose", "signed_by", "providing_organisation__acronym", "receiving_organisation__acronym")
    fields = (
        "providing_organisation",
        "receiving_organisation",
        "level",
        "purpose",
        "all_areas",
        "admin_areas",
        "all_programmes",
        "programmes",
        "valid_from",
        "valid_to",
        "signed_by",
        "created_by",
        "created_at",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
