"""Background job of the partner-list pages: the engine runs outside the request (django-tasks)."""

from __future__ import annotations

from django_tasks import task

from abri.dedup.lists.services import list_run_execute


@task()
def list_run_job(run_id: int) -> None:
    """Run a queued list run (see `abri.dedup.lists.services.list_run_execute`)."""
    list_run_execute(run_id=run_id)
