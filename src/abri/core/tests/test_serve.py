"""`abri serve` runs the web server and the job worker together and stops both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from abri.core.management.commands.serve import run_together


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") >= 0  # a zombie has stopped


def test_when_one_command_stops_the_others_are_stopped(tmp_path: Path) -> None:
    pid_file = tmp_path / "sleeper.pid"
    sleeper = f"import os, pathlib, time; pathlib.Path({str(pid_file)!r}).write_text(str(os.getpid())); time.sleep(60)"
    failing = (
        f"import pathlib, sys, time\nwhile not pathlib.Path({str(pid_file)!r}).exists(): time.sleep(0.05)\nsys.exit(3)"
    )

    code = run_together([[sys.executable, "-c", sleeper], [sys.executable, "-c", failing]], poll_seconds=0.05)

    assert code == 3
    assert _gone(int(pid_file.read_text()))


def _children(parent: int) -> list[tuple[int, str]]:
    """The (pid, Django command) of the direct children of ``parent``, read from /proc."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            arguments = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        if fields.get("PPid", "").strip() == str(parent):
            found.append((int(status.parent.name), arguments[3].decode()))  # python -m abri.manage COMMAND
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 -- a local test server
        return int(response.status)


def test_serve_answers_then_stops_server_and_worker_on_interrupt(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "ABRI_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "abri.config.settings",
        "ABRI_TASKS_IMMEDIATE": "false",
        "DATABASE_URL": "",  # the laptop case: SQLite in the data folder, whatever database the suite runs on
    }
    abri = [sys.executable, "-m", "abri.manage"]
    subprocess.run([*abri, "migrate", "-v0"], env=env, check=True)  # noqa: S603 -- our own command
    port = _free_port()
    serve = subprocess.Popen(  # noqa: S603 -- our own command
        [*abri, "serve", "--port", str(port), "--noreload"], env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        status = 0
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and status != 200:
            try:
                status = _get(f"http://127.0.0.1:{port}/accounts/login/")
            except OSError:
                time.sleep(0.2)
        stylesheet = _get(f"http://127.0.0.1:{port}/static/core/abri.css")  # pages are styled on a laptop too
        children = _children(serve.pid)
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=20)
    finally:
        if serve.poll() is None:
            serve.kill()

    assert status == 200
    assert stylesheet == 200
    assert sorted(command for _pid, command in children) == ["db_worker", "runserver"]
    assert all(_gone(pid) for pid, _command in children)
    assert serve.returncode == 0
    lines = output.splitlines()
    assert (lines[0], lines[-1]) == ("Starting the web server and the job worker (Ctrl-C stops both).", "Stopped.")
    with pytest.raises(urllib.error.URLError):
        _get(f"http://127.0.0.1:{port}/accounts/login/")
