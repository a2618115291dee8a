"""`abri scheduler`: run the daily work (ABRI_SCHEDULED_COMMANDS) at ABRI_SCHEDULE_HOUR, until stopped."""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections
from django.utils import timezone

from abri.core.scheduler import STATE_FILE, read_state, run_due

CHECK_SECONDS = 60


class Command(BaseCommand):
    help = (
        "Run each daily command (refresh-flags, purge-partner-lists, audit verify) "
        "once a day at ABRI_SCHEDULE_HOUR, and at "
        "start when a run was missed; `abri serve` starts it. --once: run what is due, then stop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="run the commands that are due, then stop")

    def handle(self, *args: Any, **options: Any) -> None:
        path = settings.DATA_DIR / STATE_FILE
        commands = list(settings.ABRI_SCHEDULED_COMMANDS)
        hour = int(settings.ABRI_SCHEDULE_HOUR)
        try:
            read_state(path)  # a damaged state file stops the scheduler at start, saying which file
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Scheduler: {', '.join(commands)} daily at {hour:02d}:00 ({settings.TIME_ZONE}).")
        self.stdout.flush()
        failed: dict[str, Any] = {}

        def run(name: str) -> None:
            self.stdout.write(f"Running {name}.")
            self.stdout.flush()
            close_old_connections()  # a connection idle since yesterday may have been closed by the server
            call_command(*name.split(), stdout=self.stdout, stderr=self.stderr)

        if options["once"]:
            run_due(commands, path=path, now=timezone.localtime(), hour=hour, run=run, failed=failed)
            return
        # SIGTERM (systemd, `abri serve`) stops at once: a command under way rolls its batch back.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            while True:
                run_due(commands, path=path, now=timezone.localtime(), hour=hour, run=run, failed=failed)
                time.sleep(CHECK_SECONDS)
        except KeyboardInterrupt:
            self.stdout.write("Scheduler stopped.")
