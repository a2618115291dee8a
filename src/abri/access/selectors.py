"""Read access: who is a user acting as, and which records may they see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Q

from abri.access.models import Membership
from abri.access.roles import role_allows


def membership_current(*, user: User | AnonymousUser) -> Membership | None:
    """The user's active membership (the first one, until a switch exists)."""
    if not user.is_authenticated:
        return None
    return (
        Membership.objects.select_related("organisation")
        .filter(user=user, is_active=True, organisation__is_active=True)
        .order_by("id")
        .first()
    )


def memberships_granting(*, user: User | AnonymousUser, permission: str) -> list[Membership]:
    """The user's active memberships whose role carries ``permission``."""
    if not user.is_authenticated or not user.is_active:
        return []
    memberships = (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation")
        .prefetch_related("admin_areas")
    )
    return [membership for membership in memberships if role_allows(membership.role, permission)]


def user_has_permission(*, user: User | AnonymousUser, permission: str) -> bool:
    """Whether any active membership of ``user`` grants ``permission`` (superusers always)."""
    if user.is_authenticated and user.is_superuser:
        return True
    return bool(memberships_granting(user=user, permission=permission))


def scope_q(
    *,
    user: User | AnonymousUser,
    permission: str,
    organisation_field: str = "organisation",
    area_field: str = "admin_area",
) -> Q:
    """A filter keeping the records inside the user's scope for ``permission``.

    A record is in scope when one membership granting the permission belongs to the
    record's organisation and covers its admin area (an area covers its descendants,
    whose P-codes start with its own). No membership: a filter that keeps nothing.
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Q()
    allowed = Q(pk__in=[])
    for membership in memberships_granting(user=user, permission=permission):
        in_organisation = Q(**{f"{organisation_field}_id": membership.organisation_id})
        if membership.all_areas:
            allowed |= in_organisation
            continue
        areas = Q(pk__in=[])
        for area in membership.admin_areas.all():
            # Through ``__pk``: Django refuses ``<fk>_id__startswith``; the join is trimmed away.
            areas |= Q(**{f"{area_field}__pk__startswith": area.pcode})
        allowed |= in_organisation & areas
    return allowed
