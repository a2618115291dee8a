"""What a given scope may see of a household and its members: the one place that decides.

Personal fields are shown in clear only where the scope holds ``registry.view_personal_data``
on the household (its organisation and admin area); elsewhere they are masked.
"""

from __future__ import annotations

from abri.access.roles import VIEW_PERSONAL_DATA
from abri.access.selectors import Scope
from abri.registry.models import Household


def personal_data_visible(*, scope: Scope, household: Household) -> bool:
    """Whether ``scope`` may read the personal data (names, dates of birth, phone, identity numbers,
    disability, pregnancy and health answers) of ``household``."""
    return scope.covers(
        VIEW_PERSONAL_DATA, organisation_id=household.organisation_id, area_pcode=household.admin_area_id
    )
