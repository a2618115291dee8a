"""Read access to import batches and column mappings.

A batch belongs to its uploader's scope at upload (organisation × admin areas × programmes,
recorded on the batch): a user follows it, downloads its report or acts on it only when one of
their grants for the permission, in that organisation, covers every admin area and every
programme the batch is bound to ("not found" otherwise). Column mappings are shared by the organisation.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import IMPORT_REGISTRATIONS
from abri.access.selectors import Grant, Scope, memberships_granting, scope_for
from abri.core.errors import NotFound, ValidationFailed
from abri.intake.models import ColumnMapping, ImportBatch, ImportIssue, LikelyDuplicate


def _organisation_ids(user: User | AnonymousUser) -> list[int] | None:
    """The organisations the user imports for; None means every one (superuser)."""
    if user.is_authenticated and user.is_active and user.is_superuser:
        return None
    return [
        membership.organisation_id for membership in memberships_granting(user=user, permission=IMPORT_REGISTRATIONS)
    ]


def _grant_covers_batch(grant: Grant, *, organisation_id: int, areas: list[str], programmes: list[int]) -> bool:
    """Whether one grant covers every admin area and programme of a batch.

    No area means every area of the organisation (only an all-areas grant covers it); no
    programme means a batch bound to none (registration itself belongs to no programme).
    """
    if grant.organisation_id != organisation_id:
        return False
    areas_covered = grant.all_areas or (bool(areas) and all(grant.covers_area(area) for area in areas))
    programmes_covered = all(grant.covers_programme(programme) for programme in programmes)
    return areas_covered and programmes_covered


def batch_in_scope(scope: Scope, batch: ImportBatch, permission: str = IMPORT_REGISTRATIONS) -> bool:
    """Whether ``scope`` holds ``permission`` over the whole scope of ``batch`` (superusers always)."""
    if scope.is_superuser:
        return True
    return any(
        _grant_covers_batch(
            grant,
            organisation_id=batch.organisation_id,
            areas=list(batch.scope_areas or []),
            programmes=list(batch.scope_programmes or []),
        )
        for grant in scope.grants_for(permission)
    )


def batch_scope_fields(*, actor: User | AnonymousUser | None, organisation: Organisation) -> dict[str, Any]:
    """The scope a new batch records: the areas and programmes of the uploader's import grant in
    ``organisation`` (no area: all of them; no programme: bound to none, as when the grant names
    no programme or covers them all). No user (the operator's command line) or a superuser: all.

    One grant, so that the uploader's own grant always covers the batch: the broadest when the
    uploader holds several (every area first, then every programme), else the first one.
    A user with no import grant covering any area of the organisation may not upload for it.
    """
    if actor is None or (actor.is_authenticated and actor.is_active and actor.is_superuser):
        return {"scope_areas": [], "scope_programmes": []}
    grants = [
        grant
        for grant in scope_for(user=actor).grants_for(IMPORT_REGISTRATIONS)
        if grant.organisation_id == organisation.pk and (grant.all_areas or grant.area_pcodes)
    ]
    if not grants:
        raise ValidationFailed(
            {
                "files": [
                    _("You may not import registrations for %(organisation)s.") % {"organisation": organisation.acronym}
                ]
            }
        )
    grant = min(
        enumerate(grants),
        key=lambda item: (not item[1].all_areas, not (item[1].all_programmes or not item[1].programme_ids), item[0]),
    )[1]
    pcodes = [] if grant.all_areas else sorted(set(grant.area_pcodes))
    # An area below another one already listed adds nothing.
    areas = [pcode for pcode in pcodes if not any(pcode != other and pcode.startswith(other) for other in pcodes)]
    programmes = [] if grant.all_programmes else sorted(grant.programme_ids)
    return {"scope_areas": areas, "scope_programmes": programmes}


def batches_for_user(*, user: User | AnonymousUser, permission: str = IMPORT_REGISTRATIONS) -> QuerySet[ImportBatch]:
    """The batches whose whole scope the user's grants for ``permission`` cover, newest first."""
    batches = ImportBatch.objects.select_related("organisation", "created_by", "mapping")
    scope = scope_for(user=user)
    if scope.is_superuser:
        return batches
    grants = list(scope.grants_for(permission))
    organisations = sorted({grant.organisation_id for grant in grants})
    visible = [
        pk
        for pk, organisation_id, areas, programmes in ImportBatch.objects.filter(
            organisation_id__in=organisations
        ).values_list("pk", "organisation_id", "scope_areas", "scope_programmes")
        if any(
            _grant_covers_batch(
                grant, organisation_id=organisation_id, areas=list(areas or []), programmes=list(programmes or [])
            )
            for grant in grants
        )
    ]
    return batches.filter(pk__in=visible)


def batch_get_for_user(*, user: User | AnonymousUser, batch_id: int) -> ImportBatch:
    """One batch the user may follow and act on (another user's too, same scope), or NotFound."""
    batch = ImportBatch.objects.select_related("organisation", "created_by", "mapping").filter(pk=batch_id).first()
    if batch is None or not batch_in_scope(scope_for(user=user), batch):
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


def batch_summary(*, batch: ImportBatch) -> dict[str, Any]:
    """A batch's counts and every problem with its place, as ``abri import --json`` prints them."""
    return {
        "batch": batch.pk,
        "status": batch.status,
        "message": batch.message,
        "households": batch.households_total,
        "members": batch.individuals_total,
        "members_without_household": batch.individuals_without_household,
        "valid": batch.households_valid,
        "invalid": batch.households_invalid,
        "duplicates": batch.households_duplicate,
        "updates": batch.households_update,
        "created": batch.households_created,
        "updated": batch.households_updated,
        "problems": [
            {
                "severity": issue.severity,
                "submission": issue.submission_id,
                "sheet": issue.sheet,
                "row": issue.row,
                "column": issue.column,
                "field": issue.field,
                "message": issue.message,
            }
            for issue in batch.issues.order_by("id").iterator()
        ],
    }
