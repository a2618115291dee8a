"""The daily work of `abri scheduler`: each command once a day at a set hour, and at start if overdue.

A command is due when it has not run since the last time the clock passed the hour (today's if
the hour is past, yesterday's otherwise): a scheduler stopped over night catches up at start,
one started twice in a day does not run the work twice. The last successful run of each command
is kept in ``scheduler.json`` in the data folder, written atomically. Run one scheduler per
installation, whatever the number of web servers.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

logger = logging.getLogger(__name__)

STATE_FILE = "scheduler.json"
RETRY_AFTER = datetime.timedelta(minutes=30)  # a failed command is tried again after this, not in a loop


def last_slot(now: datetime.datetime, hour: int) -> datetime.datetime:
    """The latest moment at ``hour`` o'clock not after ``now`` (an aware datetime, in its own zone)."""
    slot = now.replace(hour=hour, minute=0, second=0, microsecond=0)
    return slot if slot <= now else slot - datetime.timedelta(days=1)


def read_state(path: Path) -> dict[str, datetime.datetime]:
    """The last successful run of each command; empty when the file does not exist yet."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: not a scheduler state file ({error}); delete it to run everything again") from error
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: not a scheduler state file (expected an object); delete it to run everything again")
    state = {}
    for name, value in raw.items():
        try:
            state[name] = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path}: the last run of {name!r} is not a date and time ({value!r})") from error
    return state


def write_state(path: Path, state: dict[str, datetime.datetime]) -> None:
    """Replace the state file in one step: a crash leaves the old file or the new one, never half of one."""
    content = json.dumps({name: moment.isoformat() for name, moment in sorted(state.items())}, indent=2)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def due(
    commands: Sequence[str], state: dict[str, datetime.datetime], *, now: datetime.datetime, hour: int
) -> list[str]:
    """The commands that have not run since the last time the clock passed ``hour``."""
    slot = last_slot(now, hour)
    return [name for name in commands if name not in state or state[name] < slot]


def run_due(
    commands: Sequence[str],
    *,
    path: Path,
    now: datetime.datetime,
    hour: int,
    run: Callable[[str], None],
    failed: dict[str, datetime.datetime],
) -> list[str]:
    """Run each due command with ``run``, recording each success at once; return the ones that ran.

    A command that raises is logged and left due; it is tried again RETRY_AFTER later (``failed``
    keeps when it last failed), and the others still run.
    """
    state = read_state(path)
    done = []
    for name in due(commands, state, now=now, hour=hour):
        if name in failed and now - failed[name] < RETRY_AFTER:
            continue
        try:
            run(name)
        except Exception:
            logger.exception("scheduled command %s failed; trying again in %s", name, RETRY_AFTER)
            failed[name] = now
            continue
        failed.pop(name, None)
        state[name] = now
        write_state(path, state)
        done.append(name)
    return done
