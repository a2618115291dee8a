"""Template context: the membership the user is acting under."""

from typing import Any

from django.http import HttpRequest

from abri.access.selectors import membership_current


def access(request: HttpRequest) -> dict[str, Any]:
    """Expose ``current_membership`` to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_membership": None}
    return {"current_membership": membership_current(user=user)}
