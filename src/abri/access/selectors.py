"""Read access: who is a user acting as, and which records may they see."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User

from abri.access.models import Membership


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
