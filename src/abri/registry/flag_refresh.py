"""The daily refresh of the flags that ages move: elderly head, child-headed, single parent, separated child.

Write services compute the flags with the ages on the registration date (ADR 0003); a head
registered at 59 turns 60 without anyone editing the household. `households_refresh_flags`
recomputes every flag of every household with the ages on a given day (today, for `abri
refresh-flags`), batch by batch, each batch in one transaction with the households locked, so a
clerk's save is never overwritten with older members. It writes only the households whose flags
changed, each with an audit entry naming the flags, and running it twice the same day changes
nothing the second time.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone

from abri.core.models import AuditEntry
from abri.core.services import audit_entries_add
from abri.registry.flags import FLAG_FIELDS, WG_FIELDS, household_flags
from abri.registry.models import Household, HouseholdStatus, Individual

BATCH_SIZE = 2000
_MEMBER_FIELDS = ("household_id", "sex", "birth_date", "relationship", "marital_status", "pregnancy", *WG_FIELDS)


@dataclass(frozen=True)
class RefreshProgress:
    checked: int
    changed: int
    total: int


def households_refresh_flags(
    *,
    on: date,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[RefreshProgress], None] | None = None,
) -> RefreshProgress:
    """Recompute the flags of every household (merged ones aside) with the ages on ``on``."""
    if batch_size < 1:
        raise ValueError(f"batch size must be at least 1, got {batch_size}")
    live = Household.objects.exclude(status=HouseholdStatus.MERGED)
    total = live.count()
    checked = changed = 0
    after = 0
    while True:
        with transaction.atomic():
            ids = list(live.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                break
            households = list(
                Household.objects.select_for_update()
                .filter(pk__in=ids)
                .exclude(status=HouseholdStatus.MERGED)  # merged since the ids were read: a tombstone now
                .order_by("pk")
                .only("pk", "updated_at", *FLAG_FIELDS)
            )
            members: dict[int, list[Individual]] = defaultdict(list)
            for member in Individual.objects.filter(household_id__in=ids, merged_into__isnull=True).only(
                *_MEMBER_FIELDS
            ):
                members[member.household_id].append(member)
            now = timezone.now()
            updated: list[Household] = []
            entries: list[AuditEntry] = []
            for household in households:
                flags = household_flags(members[household.pk], on=on)
                difference = {
                    name: [getattr(household, name), value]
                    for name, value in flags.items()
                    if getattr(household, name) != value
                }
                if not difference:
                    continue
                for name, (_before, value) in difference.items():
                    setattr(household, name, value)
                household.updated_at = now
                updated.append(household)
                entries.append(
                    AuditEntry(
                        actor=None,
                        action="household.flags_refreshed",
                        target_type=Household._meta.label_lower,
                        target_id=str(household.pk),
                        changes={**difference, "ages_on": on.isoformat()},
                    )
                )
            Household.objects.bulk_update(updated, [*FLAG_FIELDS, "updated_at"])
            audit_entries_add(entries)
        after = ids[-1]
        checked += len(households)
        changed += len(updated)
        if progress is not None:
            progress(RefreshProgress(checked=checked, changed=changed, total=total))
    return RefreshProgress(checked=checked, changed=changed, total=total)
