"""Template context: the membership the user is acting under, and what its role opens in the menu."""

from typing import Any

from django.http import HttpRequest

from abri.access.roles import DEDUPE_FILES, role_allows
from abri.access.selectors import membership_current


def access(request: HttpRequest) -> dict[str, Any]:
    """Expose ``current_membership`` and ``can_dedupe_files`` to every template."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"current_membership": None, "can_dedupe_files": False}
    membership = membership_current(user=user)
    can_dedupe_files = user.is_superuser or (membership is not None and role_allows(membership.role, DEDUPE_FILES))
    return {"current_membership": membership, "can_dedupe_files": can_dedupe_files}
