"""The registry's row locks and the household version: every write that changes a household or
moves its members goes through here, so that all of them lock in one order and none overwrites
a change it did not see.

The order is fixed: households by primary key, then their members by primary key. Two writers
that need the same rows then queue behind each other instead of deadlocking. A writer takes its
locks first and reads what it will change only after (a member list resolved before the lock
may be stale: a merge may have moved members meanwhile).

``Household.version`` counts the writes of a household. A page or an API client that read
version N sends N back with its change; `version_bump` refuses the write when the household
is no longer at N.
"""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.core.errors import Conflict, NotFound
from abri.registry.models import Household, Individual


def households_lock(*pks: int) -> dict[int, Household]:
    """Lock the households (inside a transaction), in the order of their ids; id → household as now stored."""
    locked = Household.objects.select_for_update().filter(pk__in=sorted(set(pks))).order_by("pk")
    return {household.pk: household for household in locked}


def household_lock(household: Household) -> Household:
    """Lock one household (inside a transaction) and return it as now stored; NotFound when it is gone."""
    locked = households_lock(household.pk).get(household.pk)
    if locked is None:
        raise NotFound(_("No household %(number)s.") % {"number": household.registration_number})
    return locked


def members_lock(*households: Household) -> dict[int, Individual]:
    """Lock the members of ``households`` (after the households themselves), in the order of their ids."""
    locked = (
        Individual.objects.select_for_update().filter(household__in=[household.pk for household in households])
    ).order_by("pk")
    return {member.pk: member for member in locked}


def stale_message(household: Household) -> str:
    return _(
        "This household (%(number)s) was changed in the meantime by someone else. Nothing was saved: "
        "open it again to see the changes, then make yours."
    ) % {"number": household.registration_number}


def version_check(household: Household, expected: int | None) -> None:
    """Refuse (Conflict) when the locked ``household`` is no longer at the ``expected`` version."""
    if expected is not None and household.version != expected:
        raise Conflict(stale_message(household))


def version_bump(household: Household) -> None:
    """Count one more write of the locked ``household``: a conditional update from the version it was
    read at, so that a write that did not take the lock cannot be overwritten silently."""
    expected = household.version
    updated = Household.objects.filter(pk=household.pk, version=expected).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if updated != 1:
        raise Conflict(stale_message(household))
    household.version = expected + 1
