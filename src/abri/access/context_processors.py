"""Template context: the membership the user is acting under, and what the menu may offer."""

from typing import Any

from django.http import HttpRequest

from abri.access import roles
from abri.access.roles import role_allows
from abri.access.selectors import memberships_active


def access(request: HttpRequest) -> dict[str, Any]:
    """Expose ``current_membership`` and what the menu may offer (``can_…``), in one query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "current_membership": None,
            "can_view_households": False,
            "can_import": False,
            "can_review_duplicates": False,
            "can_dedupe_files": False,
            "can_view_targeting": False,
            "can_view_grievances": False,
            "can_view_distributions": False,
            "can_view_stock": False,
            "can_view_shelter": False,
            "can_view_reports": False,
            "can_view_agreements": False,
            "can_view_audit": False,
        }
    memberships = memberships_active(user=user)

    def may(permission: str) -> bool:
        return user.is_active and (user.is_superuser or any(role_allows(m.role, permission) for m in memberships))

    return {
        "current_membership": memberships[0] if memberships else None,
        "can_view_households": may(roles.VIEW_HOUSEHOLD),
        "can_import": may(roles.IMPORT_REGISTRATIONS),
        "can_review_duplicates": may(roles.REVIEW_DUPLICATES),
        "can_dedupe_files": may(roles.DEDUPE_FILES),
        "can_view_targeting": may(roles.VIEW_TARGETING),
        "can_view_grievances": may(roles.VIEW_GRIEVANCES),
        "can_view_distributions": may(roles.VIEW_DISTRIBUTIONS) or may(roles.RECORD_HANDOVERS),
        "can_view_stock": may(roles.VIEW_STOCK),
        "can_view_shelter": may(roles.VIEW_SHELTER),
        "can_view_reports": may(roles.VIEW_REPORTS),
        "can_view_agreements": may(roles.VIEW_AGREEMENTS),
        "can_view_audit": may(roles.VIEW_AUDIT),
    }
