"""Helpers for race tests on PostgreSQL: writers in threads, each on its own connection.

A race test starts two writers at once and checks that the database keeps the rule (one wins,
the other is refused; nothing lost, nothing written twice). To make the race certain rather
than likely, the first writer holds its locks (`LockHolder.hold`, called from inside its
transaction) until PostgreSQL shows the second one queueing behind them. Used by the tests of
every app that locks rows; not imported by Abri itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

import pytest
from django.db import connection, connections
from django.utils import translation


def postgres_only(reason: str = "SQLite has no row locks, it runs one writer at a time") -> None:
    """Skip the calling test unless it runs on PostgreSQL."""
    if connection.vendor != "postgresql":
        pytest.skip(f"needs PostgreSQL: {reason}")


def other_session_waits_for_a_lock(*, timeout: float = 60) -> bool:
    """Whether another session of this database is blocked on a lock, asked for up to ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_clear_snapshot()")  # the view is otherwise frozen per transaction
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            row = cursor.fetchone()
            if row and row[0]:
                return True
        time.sleep(0.05)
    return False


class LockHolder:
    """The first writer's pause: it holds its locks until another session is seen waiting for them."""

    def __init__(self) -> None:
        self.locked = threading.Event()
        self.seen_waiting: list[bool] = []  # one entry per hold: whether the other writer queued

    def hold(self, *, timeout: float = 60) -> None:
        """Called by the first writer inside its transaction, once it holds its locks."""
        self.locked.set()
        self.seen_waiting.append(other_session_waits_for_a_lock(timeout=timeout))

    def wait_until_held(self, *, timeout: float = 60) -> None:
        """Called by the second writer before it writes: it starts once the first holds its locks."""
        self.locked.wait(timeout)


def run_at_once(writers: Mapping[str, Callable[[], object]], *, timeout: float = 120) -> dict[str, object]:
    """Run each writer in its own thread (named by its key, in English) and return what each gave back
    or raised. Every thread closes its connection; the test fails if one is still running after ``timeout``."""
    outcomes: dict[str, object] = {}

    def run(name: str, writer: Callable[[], object]) -> None:
        try:
            with translation.override("en"):  # each thread starts in the default language otherwise
                outcomes[name] = writer()
        except Exception as error:  # the outcome, success or refusal, is what a race test looks at
            outcomes[name] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(name, writer), name=name) for name, writer in writers.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    still = [thread.name for thread in threads if thread.is_alive()]
    assert not still, f"still running after {timeout} s: {still}"
    return outcomes
