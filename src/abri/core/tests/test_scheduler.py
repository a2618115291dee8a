"""`abri scheduler`: each daily command once a day at the set hour, and at start when a run was missed."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from abri.core.scheduler import STATE_FILE, read_state, run_due

BAMAKO = ZoneInfo("Africa/Bamako")
COMMANDS = ["refresh-flags", "purge-partner-lists"]


def _at(day: int, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, minute, tzinfo=BAMAKO)


def _run(path: Path, now: datetime.datetime, ran: list[str], failed=None, broken: str = "") -> list[str]:
    def run(name: str) -> None:
        if name == broken:
            raise RuntimeError("database unreachable")
        ran.append(name)

    return run_due(COMMANDS, path=path, now=now, hour=2, run=run, failed={} if failed is None else failed)


def test_a_first_start_runs_everything_then_nothing_until_the_next_day_at_the_hour(tmp_path):
    path = tmp_path / STATE_FILE
    ran: list[str] = []

    assert _run(path, _at(10, 15), ran) == COMMANDS  # never ran: overdue at start
    assert _run(path, _at(10, 23, 59), ran) == []
    assert _run(path, _at(11, 1, 59), ran) == []  # before 02:00 the next day
    assert _run(path, _at(11, 2, 0), ran) == COMMANDS
    assert _run(path, _at(11, 2, 1), ran) == []
    assert ran == COMMANDS * 2
    assert read_state(path) == dict.fromkeys(COMMANDS, _at(11, 2, 0))


def test_a_scheduler_stopped_over_the_hour_catches_up_at_start_once(tmp_path):
    path = tmp_path / STATE_FILE
    ran: list[str] = []
    _run(path, _at(10, 3), ran)

    assert _run(path, _at(12, 9), ran) == COMMANDS  # stopped from the 10th to the 12th: missed two runs
    assert _run(path, _at(12, 9, 1), ran) == []  # one catch-up, not one per missed day


def test_a_failing_command_is_retried_later_and_does_not_stop_the_others(tmp_path):
    path = tmp_path / STATE_FILE
    ran: list[str] = []
    failed: dict = {}

    assert _run(path, _at(10, 3), ran, failed, broken="refresh-flags") == ["purge-partner-lists"]
    assert _run(path, _at(10, 3, 10), ran, failed) == []  # not tried again in a loop
    assert _run(path, _at(10, 3, 30), ran, failed) == ["refresh-flags"]
    assert set(read_state(path)) == set(COMMANDS)


def test_a_damaged_state_file_is_refused_naming_the_file(tmp_path):
    path = tmp_path / STATE_FILE
    path.write_text(json.dumps({"refresh-flags": "yesterday"}))
    with pytest.raises(ValueError, match=r"scheduler\.json: the last run of 'refresh-flags' is not a date"):
        _run(path, _at(10, 3), [])
    path.write_text("{not json")
    with pytest.raises(ValueError, match=r"scheduler\.json: not a scheduler state file"):
        _run(path, _at(10, 3), [])


@pytest.mark.django_db(transaction=True)  # as in its own process: it closes stale connections between commands
def test_the_command_runs_the_daily_work_once(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    output = io.StringIO()

    call_command("scheduler", "--once", stdout=output)
    call_command("scheduler", "--once", stdout=output)

    lines = output.getvalue().splitlines()
    assert [line for line in lines if line.startswith("Running")] == [
        "Running refresh-flags.",
        "Running purge-partner-lists.",
        "Running audit verify.",
    ]
    assert "Flags refreshed with the ages on" in output.getvalue()
    assert "0 expired list run(s) deleted." in lines
    assert "The audit log's chain is intact." in lines
    assert set(json.loads((tmp_path / STATE_FILE).read_text())) == {*COMMANDS, "audit verify"}


def test_the_command_refuses_a_damaged_state_file_at_start(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    (tmp_path / STATE_FILE).write_text("[]")
    with pytest.raises(CommandError, match=r"scheduler\.json: not a scheduler state file \(expected an object\)"):
        call_command("scheduler", "--once", stdout=io.StringIO())
