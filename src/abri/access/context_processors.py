"""Template context: the membership the user is acting under, and what the menu may offer."""

from functools import cache
from typing import Any

from django.http import HttpRequest

from abri.access import roles
from abri.access.selectors import membership_current, user_has_permission


def access(request: HttpRequest) -> dict[str, Any]:
    """Expose ``current_membership`` and ``can_review_duplicates`` (read only if a template asks) to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_membership": None, "can_review_duplicates": False}

    @cache
    def can_review_duplicates() -> bool:
        return user_has_permission(user=user, permission=roles.REVIEW_DUPLICATES)

    return {"current_membership": membership_current(user=user), "can_review_duplicates": can_review_duplicates}
