"""Write services of intake: create a batch, validate it, commit it, discard it, save mappings."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import httpx
import polars as pl
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.core.errors import ValidationFailed
from abri.core.services import audit_record
from abri.intake import staging
from abri.intake.connectors.kobo import kobo_pull
from abri.intake.connectors.odk import SubmissionsReader, odk_pull
from abri.intake.flows import batch_move
from abri.intake.models import (
    BatchSource,
    BatchStatus,
    ColumnMapping,
    ImportBatch,
    ImportedSubmission,
    ImportIssue,
)
from abri.intake.parsers.files import UnreadableFile, Workbook, read_file
from abri.intake.parsers.layout import HOUSEHOLD_FIELDS, MEMBER_FIELDS, Staged, column_filter, stage
from abri.intake.validate import existing_submissions, validate
from abri.registry.bulk import households_bulk_update, households_prepare, households_write_new
from abri.registry.bulk.write import rows_insert, timestamp_literal

Actor = User | AnonymousUser | None
Progress = Callable[[str, int, int], None]


def _max_bytes() -> int:
    return int(settings.ABRI_IMPORT_MAX_BYTES)


def batch_create(
    *,
    actor: Actor,
    organisation: Organisation,
    files: Sequence[tuple[Path, str]],
    mapping: ColumnMapping | None = None,
    source: str = BatchSource.FILE,
    language: str | None = None,
    move: bool = False,
) -> ImportBatch:
    """Start a batch from uploaded or pulled files (read together: a workbook, or main and repeat CSVs)."""
    if not files:
        raise ValidationFailed({"files": [_("Choose a file to import.")]})
    for path, name in files:
        if path.stat().st_size > _max_bytes():
            raise ValidationFailed(
                {
                    "files": [
                        _("The file %(name)s is %(size).1f MB; the largest file Abri accepts is %(limit).0f MB.")
                        % {"name": name, "size": path.stat().st_size / 1e6, "limit": _max_bytes() / 1e6}
                    ]
                }
            )
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            organisation=organisation,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            source=source,
            file_name=", ".join(name for _path, name in files)[:255],
            mapping=mapping,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
        )
        # A folder left by a batch whose creation was rolled back must not leak into this one.
        staging.folder_remove(batch)
        for path, name in files:
            staging.source_add(batch, path, name, group=1, move=move)
        audit_record(actor=actor, action="import_batch.create", target=batch, changes={"files": len(files)})
    return batch


def batch_create_from_kobo(
    *,
    actor: Actor,
    organisation: Organisation,
    base_url: str,
    token: str,
    asset_uid: str,
    transport: httpx.BaseTransport | None = None,
) -> ImportBatch:
    """Pull a Kobo form's submissions (API v2, page by page) into a new batch."""
    with tempfile.TemporaryDirectory() as folder:
        destination = Path(folder) / f"kobo-{asset_uid}.json"
        count = kobo_pull(
            base_url=base_url, token=token, asset_uid=asset_uid, destination=destination, transport=transport
        )
        if count == 0:
            raise ValidationFailed({"asset_uid": [_("The form has no submission yet.")]})
        return batch_create(
            actor=actor,
            organisation=organisation,
            files=[(destination, destination.name)],
            source=BatchSource.KOBO_API,
            move=True,
        )


def batch_create_from_odk(
    *, actor: Actor, organisation: Organisation, submissions: SubmissionsReader, form_id: str, project_id: int
) -> ImportBatch:
    """Pull an ODK Central form's submissions (pyodk, repeats expanded) into a new batch."""
    with tempfile.TemporaryDirectory() as folder:
        destination = Path(folder) / f"odk-{project_id}-{form_id}.json"
        count = odk_pull(submissions=submissions, form_id=form_id, project_id=project_id, destination=destination)
        if count == 0:
            raise ValidationFailed({"form_id": [_("The form has no submission yet.")]})
        return batch_create(
            actor=actor,
            organisation=organisation,
            files=[(destination, destination.name)],
            source=BatchSource.ODK_CENTRAL,
            move=True,
        )


def batch_add_files(*, actor: Actor, batch: ImportBatch, files: Sequence[tuple[Path, str]]) -> ImportBatch:
    """Add corrected rows to a batch: a submission in the new file replaces the same one before."""
    if batch.status not in {BatchStatus.VALIDATED, BatchStatus.PARTIALLY_COMMITTED, BatchStatus.FAILED}:
        raise ValidationFailed({"files": [_("Files can be added only to a batch under review.")]})
    group = max((entry["group"] for entry in staging.source_entries(batch)), default=0) + 1
    with transaction.atomic():
        for path, name in files:
            staging.source_add(batch, path, name, group=group)
        audit_record(actor=actor, action="import_batch.add_files", target=batch, changes={"files": len(files)})
    return batch


def _stage_sources(batch: ImportBatch) -> Staged:
    """Read every file group of the batch; a submission in a later group replaces an earlier one."""
    spec: dict[str, Any] = batch.mapping.spec if batch.mapping else {}
    staged_groups: list[Staged] = []
    keep = column_filter(spec)
    for _group, entries in staging.source_groups(batch):
        workbook = Workbook(tables=[])
        for path, name in entries:
            read = read_file(path, original_name=name, max_bytes=_max_bytes(), keep_column=keep)
            workbook.tables.extend(read.tables)
            workbook.warnings.extend(read.warnings)
        staged_groups.append(stage(workbook, spec, namespace=batch.mapping.name if batch.mapping else ""))
    return _merge(staged_groups)


def _merge(groups: list[Staged]) -> Staged:
    if len(groups) == 1:
        return groups[0]
    households: list[pl.DataFrame] = []
    members: list[pl.DataFrame] = []
    offset = 0
    later_ids: set[str] = set()
    columns: dict[str, dict[str, str]] = {}
    warnings: list[str] = []
    for staged in reversed(groups):
        keep = staged.households.filter(~pl.col("submission_id").is_in(list(later_ids)))
        later_ids.update(staged.households["submission_id"].to_list())
        kept_keys = keep["_key"]
        households.append(keep.with_columns(pl.col("_key") + offset))
        members.append(
            staged.members.filter(
                pl.col("_household_key").is_in(kept_keys) | pl.col("_household_key").is_null()
            ).with_columns(pl.col("_household_key") + offset)
        )
        offset += staged.households.height
        columns.update(staged.columns)
        warnings.extend(staged.warnings)
    return Staged(
        households=pl.concat(households, how="diagonal_relaxed"),
        members=pl.concat(members, how="diagonal_relaxed"),
        columns=columns,
        warnings=warnings,
    )


def _progress_to(batch_id: int, progress: Progress | None) -> Progress:
    def report(phase: str, done: int, total: int) -> None:
        staging.progress_write(batch_id, phase=phase, done=done, total=total)
        if progress is not None:
            progress(phase, done, total)

    return report


def batch_validate(*, batch_id: int, progress: Progress | None = None) -> ImportBatch:
    """Read, stage and check every household of the batch; problems are stored with their cells."""
    report = _progress_to(batch_id, progress)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        batch_move(batch, BatchStatus.VALIDATING)
        batch.save(update_fields=["status", "updated_at"])
    with translation.override(batch.language):
        report("reading", 0, 3)
        try:
            staged = _stage_sources(batch)
        except UnreadableFile as error:
            with transaction.atomic():
                batch_move(batch, BatchStatus.FAILED)
                batch.message = error.message
                batch.save(update_fields=["status", "message", "updated_at"])
                audit_record(actor=None, action="import_batch.failed", target=batch, changes={})
            report("failed", 0, 0)
            return batch
        report("checking", 1, 3)
        validated = validate(staged, organisation=batch.organisation, today=timezone.localdate())
        report("saving", 2, 3)
        staging.frames_write(
            batch,
            households=validated.households,
            members=validated.members,
            raw_households=staged.households,
            raw_members=staged.members,
        )
        staging.columns_write(batch, staged.columns)
        statuses = validated.households["status"].value_counts()
        count = dict(zip(statuses["status"].to_list(), statuses["count"].to_list(), strict=True))
        with transaction.atomic():
            ImportIssue.objects.filter(batch=batch).delete()
            _issues_store(batch, validated.issues, staged.warnings)
            batch_move(batch, BatchStatus.VALIDATED)
            batch.households_total = validated.households.height
            batch.individuals_total = staged.members.height
            batch.households_valid = count.get("valid", 0)
            batch.households_invalid = count.get("invalid", 0)
            batch.households_duplicate = count.get("duplicate", 0)
            batch.households_update = int(validated.households["existing_household_id"].is_not_null().sum())
            batch.message = ""
            batch.validated_at = timezone.now()
            batch.save()
            audit_record(
                actor=None,
                action="import_batch.validate",
                target=batch,
                changes={"valid": batch.households_valid, "invalid": batch.households_invalid},
            )
        report("validated", 3, 3)
    return batch


def _issues_store(batch: ImportBatch, issues: pl.DataFrame, warnings: list[str]) -> None:
    rows = [ImportIssue(batch=batch, severity="warning", message=message) for message in warnings]
    rows.extend(
        ImportIssue(
            batch=batch,
            severity=row["severity"],
            submission_id=row["submission_id"] or "",
            sheet=row["sheet"] or "",
            row=row["row"],
            column=row["column"] or "",
            field=row["field"] or "",
            message=row["message"],
        )
        for row in issues.sort(["sheet", "row"], nulls_last=True).iter_rows(named=True)
    )
    ImportIssue.objects.bulk_create(rows, batch_size=5000)


def batch_commit_request(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Mark the batch for commit (its job then writes every valid household, or none)."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch_move(locked, BatchStatus.COMMITTING)
        locked.save(update_fields=["status", "updated_at"])
        audit_record(actor=actor, action="import_batch.commit_request", target=locked, changes={})
    return locked


def batch_commit(
    *, batch_id: int, actor: Actor, include_duplicates: bool = False, progress: Progress | None = None
) -> ImportBatch:
    """Write the batch's valid households in one transaction: all of them or none.

    Safe to run again after a crash: it finishes the job once (the batch row is locked, and a
    batch no longer "committing" is left alone).
    """
    report = _progress_to(batch_id, progress)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.COMMITTING:
            return batch
        households = staging.frame_read(batch, "households")
        members = staging.frame_read(batch, "members")
        if households is None or members is None:
            raise ValidationFailed({"__all__": [_("This batch has not been validated.")]})
        wanted = ["valid", "duplicate"] if include_duplicates else ["valid"]
        chosen = households.filter(pl.col("status").is_in(wanted)).drop("existing_household_id")
        existing = existing_submissions(batch.organisation, chosen["submission_id"].to_list())
        chosen = chosen.join(existing, on="submission_id", how="left")
        chosen_members = members.filter(pl.col("household_key").is_in(chosen["key"]))
        report("preparing", 0, chosen.height)
        prepared = households_prepare(chosen, chosen_members, today=timezone.localdate())
        new_keys = chosen.filter(pl.col("existing_household_id").is_null())["key"]
        report("writing", 0, chosen.height)
        new_prepared = (
            prepared  # all new: no copy of a million members
            if new_keys.len() == chosen.height
            else type(prepared)(
                households=prepared.households.filter(pl.col("key").is_in(new_keys)),
                members=prepared.members.filter(pl.col("household_key").is_in(new_keys)),
            )
        )
        audit_extra = {"import_batch": batch.pk}
        written = households_write_new(
            actor=actor, organisation=batch.organisation, prepared=new_prepared, audit_changes=audit_extra
        )
        report("writing", written.height, chosen.height)
        now = staging_now = timezone.now()
        links = written.join(chosen.select("key", "submission_id"), on="key").filter(pl.col("submission_id") != "")
        rows_insert(
            ImportedSubmission._meta.db_table,
            links.select(
                pl.lit(timestamp_literal(now)).alias("created_at"),
                pl.lit(timestamp_literal(now)).alias("updated_at"),
                pl.lit(batch.organisation_id, dtype=pl.Int64).alias("organisation_id"),
                "submission_id",
                "household_id",
                pl.lit(batch.pk, dtype=pl.Int64).alias("batch_id"),
            ),
        )
        updates = chosen.filter(pl.col("existing_household_id").is_not_null())
        results = households_bulk_update(
            actor=actor,
            prepared=prepared,
            household_ids=dict(zip(updates["key"].to_list(), updates["existing_household_id"].to_list(), strict=True)),
            audit_changes=audit_extra,
        )
        ImportedSubmission.objects.filter(
            organisation=batch.organisation, submission_id__in=updates["submission_id"].to_list()
        ).update(batch=batch, updated_at=staging_now)
        left = households.height - chosen.height
        batch_move(batch, BatchStatus.PARTIALLY_COMMITTED if left else BatchStatus.COMMITTED)
        batch.households_created = written.height
        batch.households_updated = sum(1 for result in results.values() if result.changed)
        batch.households_unchanged = len(results) - batch.households_updated
        batch.committed_at = now
        batch.save()
        audit_record(
            actor=actor,
            action="import_batch.commit",
            target=batch,
            changes={
                "created": batch.households_created,
                "updated": batch.households_updated,
                "unchanged": batch.households_unchanged,
                "left_in_batch": left,
            },
        )
    staging.frames_write(
        batch,
        households=households.with_columns(
            pl.when(pl.col("key").is_in(chosen["key"]))
            .then(pl.lit("committed"))
            .otherwise(pl.col("status"))
            .alias("status")
        ),
    )
    report("committed", chosen.height, chosen.height)
    return batch


def batch_discard(*, actor: Actor, batch: ImportBatch) -> ImportBatch:
    """Give up a batch: its staged rows and files (personal data) are deleted."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        batch_move(locked, BatchStatus.DISCARDED)
        locked.save(update_fields=["status", "updated_at"])
        ImportIssue.objects.filter(batch=locked).delete()
        audit_record(actor=actor, action="import_batch.discard", target=locked, changes={})
    staging.folder_remove(locked)
    return locked


ABRI_FIELDS = frozenset(HOUSEHOLD_FIELDS) | frozenset(MEMBER_FIELDS)


def mapping_save(*, actor: Actor, organisation: Organisation, name: str, spec: dict[str, Any]) -> ColumnMapping:
    """Create or replace the organisation's column mapping called ``name``."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("This field is required.")]
    columns = spec.get("columns", {})
    unknown = sorted({target for target in columns.values() if target and target not in ABRI_FIELDS})
    if unknown:
        errors["columns"] = [_("Unknown Abri fields: %(fields)s.") % {"fields": ", ".join(unknown)}]
    if spec.get("layout", "rows") not in {"rows", "kobo"}:
        errors["layout"] = [_("Choose one row per member, or Kobo sheets.")]
    if spec.get("layout", "rows") == "rows" and not spec.get("household_key"):
        errors["household_key"] = [_("Choose the column that holds the household number.")]
    if errors:
        raise ValidationFailed(errors)
    cleaned = {
        "layout": spec.get("layout", "rows"),
        "household_key": spec.get("household_key", ""),
        "columns": {str(source): str(target) for source, target in columns.items() if target},
        "values": {
            str(field): {str(source): str(target) for source, target in table.items()}
            for field, table in spec.get("values", {}).items()
        },
    }
    with transaction.atomic():
        mapping, created = ColumnMapping.objects.update_or_create(
            organisation=organisation,
            name=name.strip(),
            defaults={"spec": cleaned, "created_by": actor if actor is not None and actor.is_authenticated else None},
        )
        audit_record(
            actor=actor,
            action="column_mapping.create" if created else "column_mapping.update",
            target=mapping,
            changes={"columns": sorted(cleaned["columns"].values())},
        )
    return mapping
