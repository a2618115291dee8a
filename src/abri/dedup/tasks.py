"""Background jobs of dedup: a run over the whole registry outside the request (django-tasks)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django_tasks import task

from abri.dedup.models import DeduplicationRun
from abri.dedup.services import registry_deduplicate


@task()
def registry_deduplicate_job(actor_id: int | None, threshold: float = 0.5, run_id: int | None = None) -> int:
    """Run the engine over the registry (see `abri.dedup.services.registry_deduplicate`); return the run's id.

    ``run_id``: the run recorded when it was asked for (`abri.dedup.services.registry_run_start`).
    """
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    run = DeduplicationRun.objects.get(pk=run_id) if run_id is not None else None
    return registry_deduplicate(actor=actor, threshold=threshold, run=run).pk
