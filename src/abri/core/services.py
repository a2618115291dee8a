"""Write services of the core app."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db import models, transaction

from abri.core.audit_chain import seal_on_commit
from abri.core.audit_signals import PERSONAL_DATA_VIEW
from abri.core.client import current_source
from abri.core.models import AuditEntry


def audit_record(
    *,
    actor: User | AnonymousUser | None,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEntry:
    """Record that ``actor`` did ``action`` to ``target``; call inside the change's transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record must run inside the transaction of the change it records")
    entry = AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        changes=changes or {},
        source=current_source.get(),
    )
    seal_on_commit()
    return entry


def audit_entries_add(entries: Sequence[AuditEntry], *, batch_size: int = 1000) -> None:
    """Record many entries at once (imports, daily refreshes), from where the request came, sealed on commit."""
    if not entries:
        return
    source = current_source.get()
    for entry in entries:
        entry.source = entry.source or source
    AuditEntry.objects.bulk_create(entries, batch_size=batch_size)
    seal_on_commit()


def audit_personal_data_viewed(*, actor: User | AnonymousUser | None, targets: Sequence[models.Model]) -> None:
    """Record that ``actor`` was shown the personal data of each of ``targets`` (households), in one write."""
    if not targets or actor is None or not actor.is_authenticated:
        return
    # One INSERT: atomic on its own, sealed when the surrounding transaction (if any) commits.
    audit_entries_add(
        [
            AuditEntry(
                actor=actor,
                action=PERSONAL_DATA_VIEW,
                target_type=target._meta.label_lower,
                target_id=str(target.pk),
                changes={},
            )
            for target in targets
        ]
    )
