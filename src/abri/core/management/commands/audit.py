"""`abri audit verify|seal|alerts`: check the audit chain, seal what waits, list what looks unusual."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from abri.core.audit_chain import audit_seal, audit_verify
from abri.core.audit_signals import audit_signals


class Command(BaseCommand):
    help = (
        "verify: walk the audit log's chain from its start and name every entry changed, removed, inserted or "
        "cut from the end; exit code 1 when the chain is broken. Print the head (position and seal) so the next "
        "run's head can be compared with it. "
        "seal: seal entries still waiting (normally sealed as their change commits). "
        "alerts: the unusual patterns of the last days (one user opening many households' personal data in an "
        "hour, exports outside working hours); exit code 1 when there are any."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["verify", "seal", "alerts"])
        parser.add_argument("--days", type=int, default=7, help="alerts: how many days back to look (default 7)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "seal":
            self.stdout.write(f"{audit_seal()} entries sealed.")
            return
        if options["action"] == "alerts":
            self._alerts(options["days"])
            return
        result = audit_verify()
        self.stdout.write(f"{result.checked} entries checked.")
        self.stdout.write(f"Head: entry {result.head_seq}, seal {result.head_digest}")
        if result.pending:
            self.stdout.write(f"{result.pending} entries not sealed yet (`abri audit seal` seals them).")
        if not result.intact:
            for problem in result.problems:
                self.stderr.write(problem)
            raise CommandError("the audit log's chain is broken: see above", returncode=1)
        self.stdout.write("The audit log's chain is intact.")

    def _alerts(self, days: int) -> None:
        if days < 1:
            raise CommandError(f"--days: expected 1 or more, got {days}")
        since = timezone.now() - datetime.timedelta(days=days)
        signals = audit_signals(since=since)
        for signal in signals:
            self.stdout.write(str(signal))
        if signals:
            raise CommandError(f"{len(signals)} unusual patterns in the last {days} days", returncode=1)
        self.stdout.write(f"Nothing unusual in the last {days} days.")
