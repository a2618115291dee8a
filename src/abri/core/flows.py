"""Lifecycles: which status may follow which, checked in Python and applied as conditional updates.

Each app declares its lifecycles with :class:`Lifecycle` in its own ``flows.py``. A change of
status is never read-decide-write: :meth:`Lifecycle.move` is one ``UPDATE … WHERE status IN
(the states that may lead there)``, so of two requests racing on the same record only one
moves it, and the other learns it (0 rows) without having written anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from abri.core.errors import ValidationFailed


@dataclass(frozen=True)
class Lifecycle:
    """The states of one status field and the moves between them (a state absent as a key is final)."""

    name: str
    transitions: Mapping[str, frozenset[str]]
    field: str = "status"

    def allows(self, current: str, target: str) -> bool:
        """Whether a record in ``current`` may move to ``target``."""
        return target in self.transitions.get(current, frozenset())

    def sources(self, target: str) -> frozenset[str]:
        """The states from which ``target`` may be reached."""
        return frozenset(state for state, targets in self.transitions.items() if target in targets)

    def check(self, current: str, target: str, *, message: str, field: str = "status") -> None:
        """Refuse the move with ``message`` (already translated) under ``field`` unless it is allowed."""
        if not self.allows(current, target):
            raise ValidationFailed({field: [message]})

    def move(self, queryset: QuerySet[Any], target: str, /, **changes: Any) -> int:
        """Move every record of ``queryset`` whose state may lead to ``target``; returns how many moved.

        ``changes``: other fields written in the same UPDATE (any field name, ``records`` included).
        """
        return queryset.filter(**{f"{self.field}__in": sorted(self.sources(target))}).update(
            **{self.field: target}, **changes
        )
