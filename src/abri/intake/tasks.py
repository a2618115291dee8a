"""Background jobs of intake: validation and commit run outside the request (django-tasks)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from abri.core.services import audit_record
from abri.intake import staging
from abri.intake.connectors.odk import odk_client
from abri.intake.flows import batch_move, can_move
from abri.intake.models import BatchStatus, ImportBatch
from abri.intake.pulls import batch_pull_kobo, batch_pull_odk
from abri.intake.services import batch_commit, batch_validate

KOBO_TOKEN = "kobo-token"  # noqa: S105 -- the name of the kept secret, not a token
ODK_PASSWORD = "odk-password"  # noqa: S105 -- the name of the kept secret, not a password

logger = logging.getLogger(__name__)
P = ParamSpec("P")
RUNNING = {BatchStatus.UPLOADED, BatchStatus.VALIDATING, BatchStatus.COMMITTING}


def batch_fail(batch_id: int, error: BaseException) -> None:
    """Leave a batch whose job stopped on ``error`` failed, with the reason in its language (and discardable).

    The reason names the kind of error only: its text may quote a cell of the file.
    """
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().filter(pk=batch_id).first()
        if batch is None or batch.status not in RUNNING or not can_move(batch, BatchStatus.FAILED):
            return
        batch_move(batch, BatchStatus.FAILED)
        with translation.override(batch.language):
            batch.message = _(
                "Abri could not finish this import: an unexpected error (%(error)s) stopped it. Nothing was "
                "written to the registry. Discard the import and try again; if it happens again, tell your "
                "administrator."
            ) % {"error": type(error).__name__}
        batch.save(update_fields=["status", "message", "updated_at"])
        audit_record(actor=None, action="import_batch.failed", target=batch, changes={"error": type(error).__name__})
    staging.progress_write(batch_id, phase="failed", done=0, total=0)


def _failing_the_batch(job: Callable[P, None]) -> Callable[P, None]:
    """Run a batch's job; any error leaves the batch failed with a reason (then the error goes on to the queue)."""

    @functools.wraps(job)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        try:
            job(*args, **kwargs)
        except Exception as error:
            logger.exception("import batch %s: the job stopped", kwargs.get("batch_id"))
            batch_id = kwargs.get("batch_id", args[0] if args else None)
            if isinstance(batch_id, int):
                batch_fail(batch_id, error)
            raise

    return run


@task()
@_failing_the_batch
def batch_validate_job(batch_id: int) -> None:
    """Validate a batch (see `abri.intake.services.batch_validate`)."""
    batch_validate(batch_id=batch_id)


@task()
@_failing_the_batch
def batch_commit_job(
    batch_id: int, actor_id: int | None, include_duplicates: bool = False, hold_likely_duplicates: bool = False
) -> None:
    """Commit a batch (see `abri.intake.services.batch_commit`)."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    batch_commit(
        batch_id=batch_id,
        actor=actor,
        include_duplicates=include_duplicates,
        hold_likely_duplicates=hold_likely_duplicates,
    )


class _CentralSubmissions:
    """ODK Central's submissions, the client made on first use: inside the pull, whose errors fail the batch."""

    def __init__(self, *, base_url: str, username: str, password: str, project_id: int) -> None:
        self._base_url, self._username, self._password, self._project_id = base_url, username, password, project_id
        self._reader: Any = None

    def get_table(self, **options: Any) -> dict[str, Any]:
        if self._reader is None:
            self._reader = odk_client(
                base_url=self._base_url, username=self._username, password=self._password, project_id=self._project_id
            ).submissions
        return dict(self._reader.get_table(**options))


@task()
@_failing_the_batch
def batch_pull_kobo_job(batch_id: int, base_url: str, asset_uid: str) -> None:
    """Pull a Kobo form into a waiting batch, then validate it (the token waits encrypted in the batch folder)."""
    token = staging.secret_take(batch_id, KOBO_TOKEN)
    batch = batch_pull_kobo(batch_id=batch_id, base_url=base_url, token=token, asset_uid=asset_uid)
    if batch.status == BatchStatus.UPLOADED:
        batch_validate(batch_id=batch_id)


@task()
@_failing_the_batch
def batch_pull_odk_job(batch_id: int, base_url: str, username: str, project_id: int, form_id: str) -> None:
    """Pull an ODK Central form into a waiting batch, then validate it (the password waits encrypted)."""
    password = staging.secret_take(batch_id, ODK_PASSWORD)
    submissions = (
        _CentralSubmissions(base_url=base_url, username=username, password=password, project_id=project_id)
        if password
        else None
    )
    batch = batch_pull_odk(batch_id=batch_id, submissions=submissions, form_id=form_id, project_id=project_id)
    if batch.status == BatchStatus.UPLOADED:
        batch_validate(batch_id=batch_id)
