"""`abri serve`: the web server and the background job worker together, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

GRACE_SECONDS = 10


def _stop(processes: Sequence[subprocess.Popen[bytes]]) -> None:
    """Interrupt every process group still running, then kill what has not stopped in time."""
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGINT)
    deadline = time.monotonic() + GRACE_SECONDS
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def run_together(commands: Sequence[Sequence[str]], *, poll_seconds: float = 0.2) -> int:
    """Run ``commands`` side by side until Ctrl-C or until one stops; then stop them all.

    Each runs in its own process group, so the server's autoreloader child stops with it.
    Returns the exit code of the first command that stopped (0 on Ctrl-C).
    """

    def interrupted(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Ctrl-C, `kill -INT` (even when started in the background) and a service manager's SIGTERM all stop both.
    previous = {number: signal.signal(number, interrupted) for number in (signal.SIGINT, signal.SIGTERM)}
    processes = [subprocess.Popen(list(command), start_new_session=True) for command in commands]  # noqa: S603 -- our own commands
    try:
        while True:
            for process in processes:
                code = process.poll()
                if code is not None:
                    return code
            time.sleep(poll_seconds)
    except KeyboardInterrupt:
        return 0
    finally:
        _stop(processes)
        for number, handler in previous.items():
            signal.signal(number, handler)


def _uses_database_worker() -> bool:
    return str(settings.TASKS["default"]["BACKEND"]).startswith("django_tasks_db.")


class Command(BaseCommand):
    help = "Run the web server and the background job worker together; Ctrl-C stops both."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument("--noreload", action="store_true", help="do not restart the server when code changes")

    def handle(self, *args: Any, **options: Any) -> None:
        abri = [sys.executable, "-m", "abri.manage"]
        server = [*abri, "runserver", f"{options['host']}:{options['port']}"]
        if options["noreload"]:
            server.append("--noreload")
        commands = [server]
        if _uses_database_worker():
            commands.append([*abri, "db_worker", "--no-startup-delay"])
            self.stdout.write("Starting the web server and the job worker (Ctrl-C stops both).")
        else:
            self.stdout.write("Jobs run inside requests (ABRI_TASKS_IMMEDIATE): starting the web server only.")
        self.stdout.flush()
        code = run_together(commands)
        self.stdout.write("Stopped.")
        if code:
            sys.exit(code)
