"""Read access to import batches and column mappings: only the user's organisations, and only
with the permission to import registrations ("not found" otherwise)."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from abri.access.roles import IMPORT_REGISTRATIONS
from abri.access.selectors import memberships_granting
from abri.core.errors import NotFound
from abri.intake.models import ColumnMapping, ImportBatch, ImportIssue, LikelyDuplicate


def _organisation_ids(user: User | AnonymousUser) -> list[int] | None:
    """The organisations the user imports for; None means every one (superuser)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    return [
        membership.organisation_id for membership in memberships_granting(user=user, permission=IMPORT_REGISTRATIONS)
    ]


def batches_for_user(*, user: User | AnonymousUser) -> QuerySet[ImportBatch]:
    """The batches of the organisations the user imports for, newest first."""
    batches = ImportBatch.objects.select_related("organisation", "created_by", "mapping")
    organisations = _organisation_ids(user)
    return batches if organisations is None else batches.filter(organisation_id__in=organisations)


def batch_get_for_user(*, user: User | AnonymousUser, batch_id: int) -> ImportBatch:
    """One batch the user may follow (another user's too, same organisation), or NotFound."""
    batch = batches_for_user(user=user).filter(pk=batch_id).first()
    if batch is None:
        raise NotFound
    return batch


def batch_issues(*, batch: ImportBatch, limit: int = 200) -> list[ImportIssue]:
    """The first problems of a batch, in sheet and row order."""
    return list(batch.issues.order_by("id")[:limit])


def batch_likely_duplicates(*, batch: ImportBatch, limit: int = 200) -> list[LikelyDuplicate]:
    """The first likely duplicates of a batch, in sheet and row order, most likely first."""
    return list(
        batch.likely_duplicates.select_related("registered_household", "registered_household__admin_area").order_by(
            "sheet", "row", "-probability", "id"
        )[:limit]
    )


def mappings_for_user(*, user: User | AnonymousUser) -> QuerySet[ColumnMapping]:
    """The column mappings of the organisations the user imports for."""
    mappings = ColumnMapping.objects.select_related("organisation")
    organisations = _organisation_ids(user)
    return mappings if organisations is None else mappings.filter(organisation_id__in=organisations)
