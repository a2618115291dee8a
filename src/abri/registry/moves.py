"""Moving households to another site, with their location history (write services).

A move locks the households (in the registry's order, `abri.registry.locks`), closes each one's
open location row (writing the first one from the household record when it has none yet), opens
the row of the new site, and changes the household's site and area, all in one transaction. The
caller (a relocation, `abri.shelter`) has checked who may move them and whether the site has room.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from abri.core.errors import Conflict, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import Site
from abri.registry.locks import households_lock, stale_message, version_bump
from abri.registry.models import Household, HouseholdLocation, HouseholdStatus

Actor = User | AnonymousUser | None

# A household in one of these statuses no longer lives at a site: it cannot be moved.
GONE = (HouseholdStatus.MERGED, HouseholdStatus.RETURNED, HouseholdStatus.INACTIVE)


def households_move(
    *, actor: Actor, household_ids: Sequence[int], site: Site, moved_on: datetime.date, reference: str
) -> list[Household]:
    """Move the households to ``site`` on ``moved_on``; their location history keeps where they were.

    Refused (ValidationFailed, nothing written) when a household is gone, merged, already at the
    site, or arrived at its present place after ``moved_on``. Call inside the caller's transaction.
    """
    if moved_on > timezone.localdate():
        raise ValidationFailed({"moved_on": [_("The date of the move is in the future.")]})
    with transaction.atomic():
        locked = households_lock(*household_ids)
        missing = sorted(set(household_ids) - set(locked))
        if missing:
            raise Conflict(_("%(count)s of the households no longer exist.") % {"count": len(missing)})
        errors: list[str] = []
        open_rows = {
            row.household_id: row
            for row in HouseholdLocation.objects.select_for_update().filter(
                household_id__in=locked, left_on__isnull=True
            )
        }
        for household in locked.values():
            if household.status in GONE:
                errors.append(
                    _("%(number)s is %(status)s: it does not live at a site any more.")
                    % {"number": household.registration_number, "status": household.get_status_display()}
                )
            elif household.site_id == site.pk:
                errors.append(
                    _("%(number)s lives at %(site)s already.") % {"number": household.registration_number, "site": site}
                )
            else:
                since = open_rows[household.pk].arrived_on if household.pk in open_rows else household.arrival_date
                if since is not None and since > moved_on:
                    errors.append(
                        _("%(number)s arrived at its present place on %(date)s, after the move.")
                        % {"number": household.registration_number, "date": since.isoformat()}
                    )
        if errors:
            raise ValidationFailed({"households": errors})
        first_rows = [
            HouseholdLocation(
                household=household,
                admin_area_id=household.admin_area_id,
                site_id=household.site_id,
                arrived_on=household.arrival_date,
                left_on=moved_on,
            )
            for household in locked.values()
            if household.pk not in open_rows
        ]
        HouseholdLocation.objects.bulk_create(first_rows)
        HouseholdLocation.objects.filter(pk__in=[row.pk for row in open_rows.values()]).update(left_on=moved_on)
        HouseholdLocation.objects.bulk_create(
            [
                HouseholdLocation(
                    household=household,
                    admin_area_id=site.admin_area_id,
                    site=site,
                    arrived_on=moved_on,
                    reference=reference,
                )
                for household in locked.values()
            ]
        )
        moved = []
        for household in locked.values():
            before = household.site_id
            version_bump(household)
            updated = Household.objects.filter(pk=household.pk, version=household.version).update(
                site=site, admin_area_id=site.admin_area_id
            )
            if updated != 1:
                raise Conflict(stale_message(household))
            household.site = site
            household.admin_area_id = site.admin_area_id
            audit_record(
                actor=actor,
                action="household.move",
                target=household,
                changes={"site": [before, site.pk], "on": moved_on.isoformat(), "reference": reference},
            )
            moved.append(household)
    return moved


def household_locations(*, household: Household) -> list[HouseholdLocation]:
    """The location history of ``household``, oldest first, with sites and areas (check access first)."""
    return list(
        HouseholdLocation.objects.filter(household=household).select_related("site", "admin_area").order_by("id")
    )
