"""abri import FILE [FILE ...] [--household-key COLUMN] [--mapping NAME | --mapping-file F] [--commit] [--json]:
stage, validate and (optionally) commit."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.core.errors import ValidationFailed
from abri.intake import staging
from abri.intake.models import BatchStatus, ColumnMapping, ImportBatch
from abri.intake.selectors import batch_summary
from abri.intake.services import batch_commit, batch_commit_request, batch_create, batch_validate, mapping_save


class ProgressBar:
    """A one-line progress bar on stderr: phase, bar, count, elapsed time."""

    def __init__(self, stream: Any = sys.stderr) -> None:
        self.stream = stream
        self.started = time.monotonic()
        self.phase = ""
        self.phase_started = self.started
        self.timings: dict[str, float] = {}

    def __call__(self, phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        if phase != self.phase:
            if self.phase:
                self.timings[self.phase] = self.timings.get(self.phase, 0.0) + now - self.phase_started
            self.phase, self.phase_started = phase, now
        width = 30
        filled = int(width * done / total) if total else width
        elapsed = time.monotonic() - self.started
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{phase:<11} [{bar}] {done}/{total} {elapsed:6.1f}s")
        self.stream.flush()
        if phase in {"validated", "committed", "failed"}:
            self.stream.write("\n")
            if phase != "validated":
                spent = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in self.timings.items())
                self.stream.write(f"time per phase: {spent}\n")


class Command(BaseCommand):
    help = "Import registrations from Kobo/ODK exports or spreadsheets: stage, validate, then commit with --commit."
    # The web checks (URLs, templates) say nothing about an import and cost a second of start-up.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="*", type=Path, help="XLSX, CSV or Kobo JSON files read together")
        parser.add_argument("--mapping", default="", help="name of a saved column mapping")
        parser.add_argument(
            "--mapping-file",
            type=Path,
            default=None,
            help="a column mapping as a JSON file (saved under its name, or the file's name, for the organisation)",
        )
        parser.add_argument(
            "--household-key", default="", help="the column that links the people sheet to the household sheet"
        )
        parser.add_argument("--json", action="store_true", help="print a summary as one JSON object on the last line")
        parser.add_argument("--organisation", default="", help="acronym of the registering organisation")
        parser.add_argument("--user", default="", help="username recorded as the actor")
        parser.add_argument("--commit", action="store_true", help="commit the valid households after validation")
        parser.add_argument(
            "--include-duplicates", action="store_true", help="also commit households flagged as possible duplicates"
        )
        parser.add_argument(
            "--hold-likely-duplicates",
            action="store_true",
            help="leave the households the deduplication engine finds likely duplicates in the batch for review",
        )
        parser.add_argument("--follow", type=int, default=0, help="follow the progress of batch N (another user's too)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["follow"]:
            self._follow(options["follow"])
            return
        if not options["files"]:
            raise CommandError(_("Give at least one file to import."))
        organisation = self._organisation(options["organisation"])
        actor = User.objects.filter(username=options["user"]).first() if options["user"] else None
        if options["user"] and actor is None:
            raise CommandError(_("No user called %(name)s.") % {"name": options["user"]})
        mapping = self._mapping(options, organisation, actor)
        for path in options["files"]:
            if not path.is_file():
                raise CommandError(_("No such file: %(path)s") % {"path": path})
        progress = ProgressBar(self.stderr._out)
        try:
            batch = batch_create(
                actor=actor,
                organisation=organisation,
                files=[(path, path.name) for path in options["files"]],
                mapping=mapping,
                household_key=options["household_key"],
            )
            batch = batch_validate(batch_id=batch.pk, progress=progress)
        except ValidationFailed as failure:
            raise CommandError(
                " ".join(message for messages in failure.errors.values() for message in messages)
            ) from None
        self._summary(batch)
        if batch.status == BatchStatus.FAILED:
            if options["json"]:
                self.stdout.write(json.dumps(batch_summary(batch=batch), ensure_ascii=False))
            raise CommandError(batch.message)
        if options["commit"]:
            batch = batch_commit_request(actor=actor, batch=batch)
            batch = batch_commit(
                batch_id=batch.pk,
                actor=actor,
                include_duplicates=options["include_duplicates"],
                hold_likely_duplicates=options["hold_likely_duplicates"],
                progress=progress,
            )
            self.stdout.write(
                _("Committed: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "created": batch.households_created,
                    "updated": batch.households_updated,
                    "unchanged": batch.households_unchanged,
                }
            )
            if batch.households_skipped_merged:
                self.stdout.write(
                    _(
                        "Not updated: %(count)s households merged into others since their first import "
                        "(update them on the kept household's page)."
                    )
                    % {"count": batch.households_skipped_merged}
                )
        if options["json"]:
            self.stdout.write(json.dumps(batch_summary(batch=batch), ensure_ascii=False))

    def _mapping(self, options: dict[str, Any], organisation: Organisation, actor: User | None) -> ColumnMapping | None:
        if options["mapping"] and options["mapping_file"]:
            raise CommandError(_("Give a saved mapping (--mapping) or a mapping file (--mapping-file), not both."))
        if options["mapping_file"]:
            return self._mapping_from_file(options["mapping_file"], organisation, actor)
        if not options["mapping"]:
            return None
        mapping = ColumnMapping.objects.filter(organisation=organisation, name=options["mapping"]).first()
        if mapping is None:
            raise CommandError(_("No column mapping called %(name)s.") % {"name": options["mapping"]})
        return mapping

    def _mapping_from_file(self, path: Path, organisation: Organisation, actor: User | None) -> ColumnMapping:
        try:
            spec = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise CommandError(
                _("The mapping file %(path)s is not readable JSON: %(reason)s")
                % {"path": path, "reason": str(error).splitlines()[0]}
            ) from None
        if not isinstance(spec, dict):
            raise CommandError(_("The mapping file %(path)s must hold one JSON object.") % {"path": path})
        try:
            return mapping_save(
                actor=actor, organisation=organisation, name=str(spec.get("name") or path.stem), spec=spec
            )
        except ValidationFailed as failure:
            raise CommandError(
                _("The mapping file %(path)s: %(errors)s")
                % {
                    "path": path,
                    "errors": " ".join(
                        f"{field}: {message}" for field, messages in failure.errors.items() for message in messages
                    ),
                }
            ) from None

    def _organisation(self, acronym: str) -> Organisation:
        organisations = Organisation.objects.filter(is_active=True)
        if acronym:
            organisations = organisations.filter(acronym__iexact=acronym)
        found = list(organisations[:2])
        if len(found) != 1:
            raise CommandError(_("Say which organisation registers these households: --organisation ACRONYM."))
        return found[0]

    def _summary(self, batch: ImportBatch) -> None:
        self.stdout.write(
            _(
                "Batch %(batch)s: %(total)s households (%(individuals)s people): %(valid)s valid, "
                "%(invalid)s with errors, %(duplicate)s possible duplicates, %(update)s already imported."
            )
            % {
                "batch": batch.pk,
                "total": batch.households_total,
                "individuals": batch.individuals_total,
                "valid": batch.households_valid,
                "invalid": batch.households_invalid,
                "duplicate": batch.households_duplicate,
                "update": batch.households_update,
            }
        )
        if batch.households_likely_duplicate:
            self.stdout.write(
                _("  %(count)s households are likely duplicates of registered households or of each other.")
                % {"count": batch.households_likely_duplicate}
            )
        for issue in batch.issues.all()[:20]:
            where = f"{issue.sheet}!{issue.column}{issue.row or ''}" if issue.sheet else ""
            self.stdout.write(f"  {issue.get_severity_display()}: {where} {issue.message}")
        remaining = batch.issues.count() - 20
        if remaining > 0:
            self.stdout.write(_("  … and %(count)s more problems (see the batch page).") % {"count": remaining})

    def _follow(self, batch_id: int) -> None:
        batch = ImportBatch.objects.filter(pk=batch_id).first()
        if batch is None:
            raise CommandError(_("No import batch %(number)s.") % {"number": batch_id})
        progress = ProgressBar(self.stderr._out)
        while True:
            state = staging.progress_read(batch)
            progress(state["phase"] or "waiting", state["done"], state["total"])
            batch.refresh_from_db()
            if batch.status not in {BatchStatus.UPLOADED, BatchStatus.VALIDATING, BatchStatus.COMMITTING}:
                self.stdout.write("\n" + batch.get_status_display())
                return
            time.sleep(1)
