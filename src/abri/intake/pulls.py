"""Write services of intake for pulls from a server: a Kobo or ODK Central form's submissions
become a batch's source file.

From a page, a pull is a background job (`abri.intake.tasks`): `batch_pull_start` makes the
batch, the job pulls with progress (`batch_pull_kobo`, `batch_pull_odk`) and validates. From
the command line or a script, `batch_create_from_kobo` and `batch_create_from_odk` pull and
create the batch in one call.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.core.errors import ValidationFailed
from abri.core.services import audit_record
from abri.intake import staging
from abri.intake.connectors.kobo import kobo_pull
from abri.intake.connectors.odk import SubmissionsReader, odk_pull
from abri.intake.flows import batch_move
from abri.intake.models import BatchSource, BatchStatus, ImportBatch
from abri.intake.selectors import batch_scope_fields
from abri.intake.services import Actor, Progress, batch_create, progress_to


def batch_create_from_kobo(
    *,
    actor: Actor,
    organisation: Organisation,
    base_url: str,
    token: str,
    asset_uid: str,
    transport: httpx.BaseTransport | None = None,
) -> ImportBatch:
    """Pull a Kobo form's submissions (API v2, page by page) into a new batch."""
    with tempfile.TemporaryDirectory() as folder:
        destination = Path(folder) / f"kobo-{asset_uid}.json"
        count = kobo_pull(
            base_url=base_url, token=token, asset_uid=asset_uid, destination=destination, transport=transport
        )
        if count == 0:
            raise ValidationFailed({"asset_uid": [_("The form has no submission yet.")]})
        return batch_create(
            actor=actor,
            organisation=organisation,
            files=[(destination, destination.name)],
            source=BatchSource.KOBO_API,
            move=True,
        )


def batch_create_from_odk(
    *, actor: Actor, organisation: Organisation, submissions: SubmissionsReader, form_id: str, project_id: int
) -> ImportBatch:
    """Pull an ODK Central form's submissions (pyodk, repeats expanded) into a new batch."""
    with tempfile.TemporaryDirectory() as folder:
        destination = Path(folder) / f"odk-{project_id}-{form_id}.json"
        count = odk_pull(submissions=submissions, form_id=form_id, project_id=project_id, destination=destination)
        if count == 0:
            raise ValidationFailed({"form_id": [_("The form has no submission yet.")]})
        return batch_create(
            actor=actor,
            organisation=organisation,
            files=[(destination, destination.name)],
            source=BatchSource.ODK_CENTRAL,
            move=True,
        )


def batch_pull_start(*, actor: Actor, organisation: Organisation, source: str, name: str) -> ImportBatch:
    """A batch waiting for the submissions of a form on a server: its job pulls them, then validates."""
    scope_fields = batch_scope_fields(actor=actor, organisation=organisation)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            **scope_fields,
            organisation=organisation,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            source=source,
            file_name=name[:255],
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        # A folder left by a batch whose creation was rolled back must not leak into this one.
        staging.folder_remove(batch)
        audit_record(actor=actor, action="import_batch.create", target=batch, changes={"source": source})
    return batch


def _pull_failed(batch: ImportBatch, failure: ValidationFailed, report: Progress) -> ImportBatch:
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch_move(locked, BatchStatus.FAILED)
        locked.message = " ".join(message for messages in failure.errors.values() for message in messages)
        locked.save(update_fields=["status", "message", "updated_at"])
        audit_record(actor=None, action="import_batch.failed", target=locked, changes={})
    report("failed", 0, 0)
    return locked


def _pulled(batch_id: int, name: str, pull: Callable[[Path, Progress], int], progress: Progress | None) -> ImportBatch:
    """Run ``pull`` into the batch folder with progress; the file becomes the batch's source, or the batch fails."""
    report = progress_to(batch_id, progress)
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status != BatchStatus.UPLOADED:
        return batch  # pulled already (a job run twice)
    destination = staging.batch_folder(batch) / f"{name}.part"
    with translation.override(batch.language):
        report("pulling", 0, 0)
        try:
            if pull(destination, report) == 0:
                raise ValidationFailed({"form": [_("The form has no submission yet.")]})
        except ValidationFailed as failure:
            destination.unlink(missing_ok=True)
            return _pull_failed(batch, failure, report)
        except Exception as error:
            # The batch must not wait forever: it fails with the kind of error, and the job fails too.
            destination.unlink(missing_ok=True)
            reason = _("The pull stopped on an unexpected error (%(reason)s): try again, or tell the administrator.")
            _pull_failed(batch, ValidationFailed({"server": [reason % {"reason": type(error).__name__}]}), report)
            raise
    staging.source_add(batch, destination, name, move=True)
    return batch


def batch_pull_kobo(
    *,
    batch_id: int,
    base_url: str,
    token: str | None,
    asset_uid: str,
    transport: httpx.BaseTransport | None = None,
    progress: Progress | None = None,
) -> ImportBatch:
    """Pull a Kobo form's submissions (API v2, page by page) into a waiting batch; a refusal fails the batch."""

    def pull(destination: Path, report: Progress) -> int:
        if not token:
            raise ValidationFailed({"token": [_("The token is no longer kept: pull the form again.")]})
        return kobo_pull(
            base_url=base_url,
            token=token,
            asset_uid=asset_uid,
            destination=destination,
            transport=transport,
            progress=report,
            open_text=staging.encrypted_text,
        )

    return _pulled(batch_id, f"kobo-{asset_uid}.json", pull, progress)


def batch_pull_odk(
    *,
    batch_id: int,
    submissions: SubmissionsReader | None,
    form_id: str,
    project_id: int,
    progress: Progress | None = None,
) -> ImportBatch:
    """Pull an ODK Central form's submissions (pyodk, repeats expanded) into a waiting batch."""

    def pull(destination: Path, report: Progress) -> int:
        if submissions is None:
            raise ValidationFailed({"password": [_("The password is no longer kept: pull the form again.")]})
        return odk_pull(
            submissions=submissions,
            form_id=form_id,
            project_id=project_id,
            destination=destination,
            progress=report,
            open_text=staging.encrypted_text,
        )

    return _pulled(batch_id, f"odk-{project_id}-{form_id}.json", pull, progress)
