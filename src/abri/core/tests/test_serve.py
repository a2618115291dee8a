"""`abri serve` runs the web server (gunicorn), the job worker and the scheduler together and stops them all."""

from __future__ import annotations

import http.client
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


def _processes() -> dict[int, tuple[int, list[str]]]:
    """Every process as pid: (parent pid, command line), read from /proc."""
    found = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
            arguments = (status.parent / "cmdline").read_bytes().split(b"\0")
        except OSError:  # the process ended while we looked
            continue
        if "State:\tZ" not in status.read_text():
            found[int(status.parent.name)] = (int(fields["PPid"]), [part.decode() for part in arguments if part])
    return found


def _descendants(root: int) -> dict[int, tuple[int, list[str]]]:
    processes = _processes()
    found: dict[int, tuple[int, list[str]]] = {}
    parents = {root}
    while parents:
        children = {pid: entry for pid, entry in processes.items() if entry[0] in parents and pid not in found}
        found.update(children)
        parents = set(children)
    return found


def _name(arguments: list[str]) -> str:
    """gunicorn, or the Django command: python -m abri.manage COMMAND."""
    return arguments[2] if arguments[2] == "gunicorn" else arguments[3]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str, **headers: str) -> http.client.HTTPResponse:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 -- a local test server
    with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 -- a local test server
        response.read()
        return response


def _environment(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "ABRI_DATA_DIR": str(data_dir),
        "DJANGO_SETTINGS_MODULE": "abri.config.settings",
        "ABRI_TASKS_IMMEDIATE": "false",
        "DATABASE_URL": "",  # the laptop case: SQLite in the data folder, whatever database the suite runs on
        **extra,
    }


ABRI = [sys.executable, "-m", "abri.manage"]


def _start(data_dir: Path, *options: str, **extra: str) -> tuple[subprocess.Popen[str], int]:
    env = _environment(data_dir, **extra)
    subprocess.run([*ABRI, "migrate", "-v0"], env=env, check=True)  # noqa: S603 -- our own command
    port = _free_port()
    serve = subprocess.Popen(  # noqa: S603 -- our own command
        [*ABRI, "serve", "--port", str(port), *options], env=env, stdout=subprocess.PIPE, text=True
    )
    return serve, port


def _wait_for_login_page(port: int) -> int:
    deadline = time.monotonic() + 90  # workers start slowly on a loaded machine
    while time.monotonic() < deadline:
        try:
            return _get(f"http://127.0.0.1:{port}/accounts/login/").status
        except OSError:
            time.sleep(0.3)
    return 0


def test_serve_runs_gunicorn_workers_the_job_worker_and_the_scheduler_and_sigterm_stops_them_all(
    tmp_path: Path,
) -> None:
    serve, port = _start(tmp_path, ABRI_WEB_WORKERS="2")
    try:
        login = _wait_for_login_page(port)
        page = _get(f"http://127.0.0.1:{port}/accounts/login/")
        stylesheet = _get(f"http://127.0.0.1:{port}/static/core/abri.css", **{"Accept-Encoding": "gzip"})
        tree = _descendants(serve.pid)
        serve.send_signal(signal.SIGTERM)  # what systemd sends
        output, _ = serve.communicate(timeout=30)
    finally:
        if serve.poll() is None:
            serve.kill()

    assert login == 200
    assert page.headers["Server"].startswith("gunicorn")
    assert stylesheet.status == 200
    assert stylesheet.headers["Content-Encoding"] == "gzip"  # WhiteNoise's compressed copy, from collectstatic
    assert (tmp_path / "static" / "core" / "abri.css").exists()
    children = {pid: _name(arguments) for pid, (parent, arguments) in tree.items() if parent == serve.pid}
    assert sorted(children.values()) == ["db_worker", "gunicorn", "scheduler"]
    (master,) = [pid for pid, name in children.items() if name == "gunicorn"]
    workers = [pid for pid, (parent, _arguments) in tree.items() if parent == master]
    assert len(workers) == 2
    assert all(_gone(pid) for pid in tree)
    assert serve.returncode == 0
    lines = output.splitlines()
    assert lines[0] == (
        "Starting the web server (gunicorn, 2 workers), the job worker, the scheduler. Ctrl-C stops them all."
    )
    assert lines[-1] == "Stopped."
    with pytest.raises(urllib.error.URLError):
        _get(f"http://127.0.0.1:{port}/accounts/login/")


def test_serve_reload_runs_the_development_server_with_the_worker_and_the_scheduler(tmp_path: Path) -> None:
    serve, port = _start(tmp_path, "--reload")
    try:
        login = _wait_for_login_page(port)
        stylesheet = _get(f"http://127.0.0.1:{port}/static/core/abri.css").status  # styled without collectstatic
        tree = _descendants(serve.pid)
        serve.send_signal(signal.SIGINT)
        output, _ = serve.communicate(timeout=30)
    finally:
        if serve.poll() is None:
            serve.kill()

    assert (login, stylesheet) == (200, 200)
    children = sorted(_name(arguments) for parent, arguments in tree.values() if parent == serve.pid)
    assert children == ["db_worker", "runserver", "scheduler"]
    assert all(_gone(pid) for pid in tree)  # the autoreloader's child too
    assert output.splitlines()[0].startswith("Starting the development server (restarts when the code changes)")
