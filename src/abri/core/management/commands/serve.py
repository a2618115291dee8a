"""`abri serve`: the web server (gunicorn), the job worker and the scheduler together, stopped together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.management import call_command
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


MAX_AUTOMATIC_WORKERS = 4


def web_workers() -> int:
    """ABRI_WEB_WORKERS, or twice the CPUs plus one, at most 4: each worker holds its own registry index."""
    configured = int(settings.ABRI_WEB_WORKERS)
    if configured:
        return configured
    return min(2 * (os.cpu_count() or 1) + 1, MAX_AUTOMATIC_WORKERS)


class Command(BaseCommand):
    help = (
        "Run the web server (gunicorn, several workers), the background job worker and the daily scheduler "
        "together; Ctrl-C or SIGTERM stops them all. --reload: the development server instead of gunicorn."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port to listen on (default 8000)")
        parser.add_argument(
            "--reload",
            action="store_true",
            help="development mode: Django's server, restarted when the code changes, instead of gunicorn",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        abri = [sys.executable, "-m", "abri.manage"]
        address = f"{options['host']}:{options['port']}"
        if options["reload"]:
            # --insecure: the development server serves the static files from the apps, even with DEBUG off.
            server = [*abri, "runserver", "--insecure", address]
            name = "the development server (restarts when the code changes)"
        else:
            # WhiteNoise serves STATIC_ROOT: fill it first, so a new release's files are served.
            call_command("collectstatic", interactive=False, verbosity=0)
            workers = web_workers()
            server = [
                sys.executable,
                "-m",
                "gunicorn",
                "abri.config.wsgi:application",
                "--bind",
                address,
                "--workers",
                str(workers),
                "--timeout",
                "120",  # a large upload on a slow field connection
                "--no-control-socket",  # one fixed socket path per user: two servers on a machine would collide
                "--graceful-timeout",
                str(GRACE_SECONDS - 2),  # finish requests under way, within the grace serve gives
            ]
            name = f"the web server (gunicorn, {workers} workers)"
        commands = [server]
        parts = [name]
        if _uses_database_worker():
            commands.append([*abri, "db_worker", "--no-startup-delay"])
            parts.append("the job worker")
        else:
            parts.append("no job worker (ABRI_TASKS_IMMEDIATE: jobs run inside requests)")
        commands.append([*abri, "scheduler"])
        parts.append("the scheduler")
        self.stdout.write(f"Starting {', '.join(parts)}. Ctrl-C stops them all.")
        self.stdout.flush()
        code = run_together(commands)
        self.stdout.write("Stopped.")
        if code:
            sys.exit(code)
