"""Write services of intake: create a batch, validate it, commit it, discard it, save mappings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from abri.access.models import Organisation
from abri.access.roles import IMPORT_REGISTRATIONS
from abri.access.selectors import scope_for
from abri.core.errors import ValidationFailed
from abri.core.rows import rows_insert, timestamp_literal
from abri.core.services import audit_record
from abri.intake import staging
from abri.intake.duplicates import likely_duplicates
from abri.intake.flows import batch_move
from abri.intake.models import (
    BatchSource,
    BatchStatus,
    ColumnMapping,
    ImportBatch,
    ImportedSubmission,
    ImportIssue,
    IssueSeverity,
    LikelyDuplicate,
)
from abri.intake.parsers.files import UnreadableFile, Workbook, read_file
from abri.intake.parsers.layout import HOUSEHOLD_FIELDS, MEMBER_FIELDS, Staged, column_filter, stage
from abri.intake.selectors import batch_scope_fields
from abri.intake.validate import column_for, existing_submissions, validate
from abri.registry.bulk import households_bulk_update, households_prepare, households_write_new
from abri.registry.models import HouseholdStatus

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
    household_key: str = "",
) -> ImportBatch:
    """Start a batch from uploaded or pulled files (read together: a workbook, or main and repeat CSVs);
    ``household_key`` names the column that links people to their household, over the mapping's."""
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
    scope_fields = batch_scope_fields(actor=actor, organisation=organisation)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            **scope_fields,
            organisation=organisation,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            source=source,
            file_name=", ".join(name for _path, name in files)[:255],
            mapping=mapping,
            household_key=household_key.strip(),
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
        )
        # A folder left by a batch whose creation was rolled back must not leak into this one.
        staging.folder_remove(batch)
        for path, name in files:
            staging.source_add(batch, path, name, group=1, move=move)
        audit_record(actor=actor, action="import_batch.create", target=batch, changes={"files": len(files)})
    return batch


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


def batch_mapping_set(
    *, actor: Actor, batch: ImportBatch, mapping: ColumnMapping | None, household_key: str = ""
) -> ImportBatch:
    """Read a batch under review again with another column mapping (or none) and household
    number column; the caller then validates it again."""
    if batch.status not in {BatchStatus.VALIDATED, BatchStatus.PARTIALLY_COMMITTED, BatchStatus.FAILED}:
        raise ValidationFailed({"mapping": [_("The mapping can be changed only on a batch under review.")]})
    if mapping is not None and mapping.organisation_id != batch.organisation_id:
        raise ValidationFailed({"mapping": [_("Choose a mapping of the organisation that imports this batch.")]})
    with transaction.atomic():
        updated = ImportBatch.objects.filter(pk=batch.pk, status=batch.status).update(
            mapping=mapping, household_key=household_key.strip(), updated_at=timezone.now()
        )
        if not updated:  # its status changed meanwhile (a job started)
            raise ValidationFailed({"mapping": [_("The mapping can be changed only on a batch under review.")]})
        audit_record(
            actor=actor,
            action="import_batch.mapping",
            target=batch,
            changes={"mapping": mapping.name if mapping else "", "household_key": household_key.strip()},
        )
    batch.refresh_from_db()
    return batch


def _stage_sources(batch: ImportBatch) -> Staged:
    """Read every file group of the batch; a submission in a later group replaces an earlier one."""
    spec: dict[str, Any] = dict(batch.mapping.spec) if batch.mapping else {}
    if batch.household_key:
        spec["household_key"] = batch.household_key
    staged_groups: list[Staged] = []
    keep = column_filter(spec)
    for _group, entries in staging.source_groups(batch):
        workbook = Workbook(tables=[])
        for path, name in entries:
            with staging.opened(path) as clear:
                read = read_file(clear, original_name=name, max_bytes=_max_bytes(), keep_column=keep)
            workbook.tables.extend(read.tables)
            workbook.warnings.extend(read.warnings)
            workbook.unmatched.update(read.unmatched)
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


def progress_to(batch_id: int, progress: Progress | None) -> Progress:
    """A progress sink that records in the batch folder (for the page) and tells ``progress`` too."""

    def report(phase: str, done: int, total: int) -> None:
        staging.progress_write(batch_id, phase=phase, done=done, total=total)
        if progress is not None:
            progress(phase, done, total)

    return report


def batch_validate(*, batch_id: int, progress: Progress | None = None) -> ImportBatch:
    """Read, stage and check every household of the batch; problems are stored with their cells."""
    report = progress_to(batch_id, progress)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        batch_move(batch, BatchStatus.VALIDATING)
        batch.save(update_fields=["status", "updated_at"])
    with translation.override(batch.language):
        report("reading", 0, 4)
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
        report("checking", 1, 4)
        validated = validate(staged, organisation=batch.organisation, today=timezone.localdate())
        report("duplicates", 2, 4)
        duplicates, households = _likely_duplicates_find(validated.households, validated.members, report)
        report("saving", 3, 4)
        staging.frames_write(
            batch,
            households=households,
            members=validated.members,
            raw_households=staged.households,
            raw_members=staged.members,
        )
        staging.columns_write(batch, staged.columns)
        verdicts = validated.households["verdict"].value_counts()
        count = dict(zip(verdicts["verdict"].to_list(), verdicts["count"].to_list(), strict=True))
        with transaction.atomic():
            ImportIssue.objects.filter(batch=batch).delete()
            _issues_store(batch, validated.issues, staged.warnings)
            LikelyDuplicate.objects.filter(batch=batch).delete()
            _duplicates_store(batch, duplicates, households)
            batch.households_likely_duplicate = int(households["likely_duplicate"].sum())
            batch_move(batch, BatchStatus.VALIDATED)
            batch.households_total = validated.households.height
            batch.individuals_total = staged.members.height
            batch.individuals_without_household = int(staged.members["_household_key"].is_null().sum())
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
        report("validated", 4, 4)
    return batch


def _likely_duplicates_find(
    households: pl.DataFrame, members: pl.DataFrame, report: Progress
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The engine's likely duplicates of the households without errors, and the households marked."""
    checked = households.filter(pl.col("verdict") != "invalid")
    duplicates = likely_duplicates(
        checked,
        members.filter(pl.col("household_key").is_in(checked["key"].implode())),
        progress=lambda stage, done, total: report(f"duplicates: {stage}", done, total),
        within_batch_max=settings.ABRI_BATCH_PAIRS_MAX_PEOPLE,
    )
    flagged = duplicates["household_key"].unique().implode()
    return duplicates, households.with_columns(pl.col("key").is_in(flagged).alias("likely_duplicate"))


def _duplicates_store(batch: ImportBatch, duplicates: pl.DataFrame, households: pl.DataFrame) -> None:
    where = households.select(pl.col("key").alias("household_key"), "submission_id", "_sheet", "_row")
    other = households.select(pl.col("key").alias("other_key"), pl.col("_row").alias("_other_row"))
    rows = duplicates.join(where, on="household_key", how="left").join(other, on="other_key", how="left")
    LikelyDuplicate.objects.bulk_create(
        (
            LikelyDuplicate(
                batch=batch,
                household_key=row["household_key"],
                submission_id=row["submission_id"] or "",
                sheet=row["_sheet"] or "",
                row=row["_row"],
                registered_household_id=row["registered_household"],
                other_row=row["_other_row"],
                members_matched=row["members_matched"],
                size=row["size"] or 0,
                probability=min(max(row["probability"], 0.0), 1.0),
                evidence=row["evidence"] or "",
                member_rows=row["member_rows"] or [],
            )
            for row in rows.iter_rows(named=True)
        ),
        batch_size=5000,
    )


def _outside_scope(batch: ImportBatch, chosen: pl.DataFrame, actor: Actor) -> pl.DataFrame:
    """The chosen households whose admin area the committing user may not import into.

    A commit with no user (the operator's command line, without ``--user``) is not limited.
    """
    if actor is None:
        return chosen.head(0)
    scope = scope_for(user=actor)
    areas = [area for area in chosen["admin_area"].unique().to_list() if area]
    allowed = [
        area
        for area in areas
        if scope.covers(IMPORT_REGISTRATIONS, organisation_id=batch.organisation_id, area_pcode=area)
    ]
    return chosen.filter(~pl.col("admin_area").is_in(allowed))


def _scope_issues_store(batch: ImportBatch, refused: pl.DataFrame) -> None:
    """One error per refused household, at its sheet, row and admin area column."""
    columns = staging.columns_read(batch)
    with translation.override(batch.language):
        template = _(
            "You may not import households into the admin area %(pcode)s for %(organisation)s: "
            "it is outside your scope. This household was not committed."
        )
        located = refused.select(
            "submission_id",
            "_sheet",
            "_row",
            "admin_area",
            column_for(columns, pl.col("_sheet"), pl.lit("admin_area")).alias("_column"),
        )
        ImportIssue.objects.bulk_create(
            (
                ImportIssue(
                    batch=batch,
                    severity=IssueSeverity.ERROR,
                    submission_id=row["submission_id"] or "",
                    sheet=row["_sheet"] or "",
                    row=row["_row"],
                    column=row["_column"] or "",
                    field="admin_area",
                    message=template % {"pcode": row["admin_area"] or "—", "organisation": batch.organisation.acronym},
                )
                for row in located.iter_rows(named=True)
            ),
            batch_size=5000,
        )


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


def _households_chosen(
    batch: ImportBatch,
    households: pl.DataFrame,
    *,
    actor: Actor,
    include_duplicates: bool,
    hold_likely_duplicates: bool,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The staged households (those outside the user's scope now invalid, with an error each) and
    those to commit."""
    wanted = ["valid", "duplicate"] if include_duplicates else ["valid"]
    if "likely_duplicate" not in households.columns:  # validated before the engine ran at validation
        households = households.with_columns(pl.lit(False).alias("likely_duplicate"))
    chosen = households.filter(pl.col("verdict").is_in(wanted))
    if hold_likely_duplicates:
        chosen = chosen.filter(~pl.col("likely_duplicate"))
    refused = _outside_scope(batch, chosen, actor)
    if refused.height:
        chosen = chosen.filter(~pl.col("key").is_in(refused["key"].implode()))
        _scope_issues_store(batch, refused)
        households = households.with_columns(
            pl.when(pl.col("key").is_in(refused["key"].implode()))
            .then(pl.lit("invalid"))
            .otherwise(pl.col("verdict"))
            .alias("verdict")
        )
        batch.households_invalid += refused.height
        batch.households_valid -= int((refused["verdict"] == "valid").sum())
        batch.households_duplicate -= int((refused["verdict"] == "duplicate").sum())
    # An imported household starts its life registered (`abri.registry.flows`), whatever a column said.
    chosen = chosen.with_columns(pl.lit(HouseholdStatus.REGISTERED.value).alias("status"))
    return households, chosen.drop("existing_household_id", "likely_duplicate", "verdict")


def batch_commit(
    *,
    batch_id: int,
    actor: Actor,
    include_duplicates: bool = False,
    hold_likely_duplicates: bool = False,
    progress: Progress | None = None,
) -> ImportBatch:
    """Write the batch's valid households in one transaction: all of them or none.

    ``include_duplicates`` commits the households flagged as exact duplicates too;
    ``hold_likely_duplicates`` leaves those the engine finds likely duplicates in the batch.
    Households in an admin area outside the committing user's scope get an error and stay.
    Safe to run again after a crash: it finishes the job once (the batch row is locked, and a
    batch no longer "committing" is left alone).
    """
    report = progress_to(batch_id, progress)
    with transaction.atomic():
        batch = ImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status != BatchStatus.COMMITTING:
            return batch
        households = staging.households_read(batch)
        members = staging.frame_read(batch, "members")
        if households is None or members is None:
            raise ValidationFailed({"__all__": [_("This batch has not been validated.")]})
        households, chosen = _households_chosen(
            batch,
            households,
            actor=actor,
            include_duplicates=include_duplicates,
            hold_likely_duplicates=hold_likely_duplicates,
        )
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
            # A re-import changes what the form says, never the household's place in its lifecycle.
            prepared=type(prepared)(
                households=prepared.households.drop("status", "registered_on", strict=False),
                members=prepared.members,
            ),
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
        batch.households_skipped_merged = sum(1 for result in results.values() if result.skipped_merged)
        batch.households_unchanged = len(results) - batch.households_updated - batch.households_skipped_merged
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
                "skipped_merged": batch.households_skipped_merged,
                "left_in_batch": left,
            },
        )
    staging.frames_write(
        batch,
        households=households.with_columns(
            pl.when(pl.col("key").is_in(chosen["key"]))
            .then(pl.lit("committed"))
            .otherwise(pl.col("verdict"))
            .alias("verdict")
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
        **({"roster": str(spec["roster"])} if spec.get("roster") else {}),
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
