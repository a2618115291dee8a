"""Background jobs of intake: validation and commit run outside the request (django-tasks)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django_tasks import task

from abri.intake.services import batch_commit, batch_validate


@task()
def batch_validate_job(batch_id: int) -> None:
    """Validate a batch (see `abri.intake.services.batch_validate`)."""
    batch_validate(batch_id=batch_id)


@task()
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
