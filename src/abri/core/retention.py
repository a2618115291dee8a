"""What `abri purge` removes besides the registry's own fields: each app that keeps personal
data about a household (the name of a proxy at a handover, the words of a grievance) registers
an *eraser* in its ``AppConfig.ready``; the registry's purge calls every eraser with the ids of
the households it purges, inside the same transaction."""

from __future__ import annotations

from collections.abc import Callable

# What a required text (the name of a proxy) becomes once removed.
REMOVED = "—"

Eraser = Callable[[list[int]], int]  # household ids → how many rows were cleared

_ERASERS: dict[str, Eraser] = {}


def eraser_register(name: str, eraser: Eraser) -> None:
    """Make ``eraser`` part of every purge (apps call it when they are ready)."""
    _ERASERS[name] = eraser


def erasers() -> dict[str, Eraser]:
    return dict(_ERASERS)
