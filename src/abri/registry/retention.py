"""The personal data of closed cases removed once past their retention period, the figures kept.

A case is closed when its household is inactive, returned or merged into another; its retention
runs from its last change (`ABRI_RETENTION_DAYS`, two years by default). Purging a household
clears its phone, and its members' names, identity numbers and exact dates of birth (the year
stays, so ages, age groups, sex, vulnerability flags, sizes, handovers and the 5W still count
it); every app's registered eraser clears what it keeps about it (`abri.core.retention`). The
household stays, with its registration number and a mark of when its data was removed. Each
batch is one transaction whose updates only touch households still closed and unchanged since
the cutoff: a household reopened meanwhile is kept whole.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Case, F, QuerySet, Value, When
from django.db.models.functions import TruncYear
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from abri.access.roles import ERASE_PERSONAL_DATA
from abri.access.selectors import Scope
from abri.core.errors import ValidationFailed
from abri.core.models import AuditEntry
from abri.core.retention import erasers
from abri.core.services import audit_entries_add, audit_record
from abri.registry.access import household_allows
from abri.registry.models import BirthDatePrecision, Household, HouseholdStatus, Individual
from abri.registry.services import Actor

CLOSED = (HouseholdStatus.INACTIVE, HouseholdStatus.RETURNED, HouseholdStatus.MERGED)
BATCH = 500

Progress = Callable[[int, int], None]  # done, total


def _silent(done: int, total: int) -> None:
    """Progress sink that ignores the progress."""


@dataclass
class PurgeResult:
    cutoff: datetime.datetime
    households: int = 0
    members: int = 0
    cleared: dict[str, int] = field(default_factory=dict)  # per eraser, rows cleared


def retention_cutoff(days: int | None = None) -> datetime.datetime:
    """Closed cases last changed before this moment are past their retention."""
    return timezone.now() - datetime.timedelta(days=settings.ABRI_RETENTION_DAYS if days is None else days)


def households_purgeable(*, cutoff: datetime.datetime) -> QuerySet[Household]:
    """Closed households past their retention whose personal data is still there."""
    return Household.objects.filter(status__in=CLOSED, updated_at__lt=cutoff, personal_data_purged_at__isnull=True)


def _erase(household_ids: list[int], result: PurgeResult) -> None:
    """Clear the personal data of these (locked) households and what every app keeps about them."""
    Household.objects.filter(pk__in=household_ids).update(
        phone_encrypted="", phone_hash="", personal_data_purged_at=timezone.now()
    )
    members = Individual.objects.filter(household_id__in=household_ids)
    result.members += members.update(
        given_names="", family_name="", search_name="", id_number_encrypted="", id_number_hash=""
    )
    members.filter(birth_date__isnull=False).update(
        birth_date=TruncYear("birth_date"),
        birth_date_precision=Case(
            When(birth_date_precision=BirthDatePrecision.EXACT, then=Value(BirthDatePrecision.YEAR.value)),
            default=F("birth_date_precision"),
        ),
    )
    for name, eraser in erasers().items():
        result.cleared[name] = result.cleared.get(name, 0) + eraser(household_ids)


class ErasureReason(models.TextChoices):
    """Why one household's personal data is removed before its time (never a free text: it is audited)."""

    REQUEST = "request", gettext_lazy("The person asked for their data to be deleted")
    CONSENT_WITHDRAWN = "consent_withdrawn", gettext_lazy("Consent withdrawn")
    REGISTERED_IN_ERROR = "registered_in_error", gettext_lazy("Registered in error")


def household_erase(*, actor: Actor, scope: Scope, household: Household, reason: str) -> PurgeResult:
    """Remove one household's personal data now, whatever its status (a person's right to deletion),
    as `abri purge` does; needs `registry.erase_personal_data` over the household."""
    if not household_allows(scope=scope, household=household, permissions=[ERASE_PERSONAL_DATA]):
        raise PermissionDenied
    if reason not in ErasureReason.values:
        raise ValidationFailed({"reason": [_("Choose why the data is removed.")]})
    result = PurgeResult(cutoff=timezone.now())
    with transaction.atomic():
        # Read as the batches read: the row itself, locked (`exists()` would not take the lock everywhere).
        locked = list(
            Household.objects.select_for_update()
            .filter(pk=household.pk, personal_data_purged_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not locked:
            raise ValidationFailed({"__all__": [_("This household's personal data was already removed.")]})
        _erase(locked, result)
        audit_record(actor=actor, action="household.erased", target=household, changes={"reason": reason})
    result.households = 1
    return result


def households_purge(*, cutoff: datetime.datetime, batch: int = BATCH, progress: Progress = _silent) -> PurgeResult:
    """Remove the personal data of every household `households_purgeable` finds, in batches."""
    result = PurgeResult(cutoff=cutoff)
    total = households_purgeable(cutoff=cutoff).count()
    after = 0
    while True:
        ids = list(
            households_purgeable(cutoff=cutoff).filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch]
        )
        if not ids:
            break
        after = ids[-1]
        with transaction.atomic():
            # Locked and checked again: a household reopened or edited since is left whole.
            locked = list(
                households_purgeable(cutoff=cutoff)
                .select_for_update()
                .filter(pk__in=ids)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            if not locked:
                continue
            _erase(locked, result)
            audit_entries_add(
                [
                    AuditEntry(
                        action="household.purged",
                        target_type=Household._meta.label_lower,
                        target_id=str(pk),
                        changes={"closed_before": cutoff.isoformat(timespec="seconds")},
                    )
                    for pk in locked
                ]
            )
        result.households += len(locked)
        progress(result.households, total)
    return result
