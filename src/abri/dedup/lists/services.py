"""Partner lists in the browser: upload, map the columns, run the engine in the background, delete.

The same work as `abri dedupe-file` and `abri link-files` (`abri.dedup.files`), with the files
kept encrypted between the steps (`abri.dedup.lists.storage`) and only for their uploader.
Every refusal is a `ValidationFailed` saying what and where; nothing is stored when a list is
refused.
"""

from __future__ import annotations

import datetime
import logging
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path

import polars as pl
from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from abri.core.errors import ValidationFailed
from abri.core.exports import frame_csv_bytes
from abri.core.services import audit_record
from abri.dedup.engine.linkage import Settings
from abri.dedup.engine.prepare import KNOWN_FIELDS, FieldMap
from abri.dedup.files import (
    SPREADSHEET_SUFFIXES,
    FileRun,
    Table,
    check_columns,
    clusters_for_output,
    deduplicate_file,
    link_files,
    pairs_for_output,
    read_table,
)
from abri.dedup.flows import LIST_RUN
from abri.dedup.lists import storage
from abri.dedup.lists.selectors import list_run_tables
from abri.dedup.models import ListRun, ListRunMode, ListRunStatus

logger = logging.getLogger(__name__)

ACCEPTED_SUFFIXES = frozenset({".csv", ".tsv", ".txt"}) | SPREADSHEET_SUFFIXES
# Each free-text column adds a comparison to every candidate pair; a few tell people apart,
# twenty only slow the run and drown the names.
MAX_COMPARE = 5
# The engine's stages in the order a run meets them (the estimates come back after the
# household context; the bar never goes back).
STAGES = (
    "read",
    "load",
    "blocking",
    "comparison",
    "estimate_u",
    "estimate_m",
    "household_context",
    "scoring",
)
HISTOGRAM_BANDS = 20
# Encrypted workbooks are OLE compound files, whatever their name says.
_OLE_SIGNATURE = bytes.fromhex("d0cf11e0a1b11ae1")

Actor = User | AnonymousUser


def _refuse(key: str, message: str) -> ValidationFailed:
    return ValidationFailed({key: [message]})


def _check_upload(name: str, data: bytes) -> None:
    suffix = Path(name).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise _refuse(
            "file",
            _("%(file)s is not a list Abri reads: give a CSV file or an Excel workbook (.xlsx).") % {"file": name},
        )
    if len(data) > settings.ABRI_IMPORT_MAX_BYTES:
        raise _refuse(
            "file",
            _("%(file)s is larger than %(limit)d MB.") % {"file": name, "limit": settings.ABRI_IMPORT_MAX_BYTES >> 20},
        )
    if suffix in {".xlsx", ".xlsm"} and data.startswith(_OLE_SIGNATURE):
        raise _refuse(
            "file",
            _(
                "%(file)s is protected by a password. Open it in Excel, remove the password "
                "(File › Info › Protect workbook › Encrypt with password) and upload it again."
            )
            % {"file": name},
        )


def read_upload(name: str, data: bytes) -> Table:
    """Read one uploaded list (from a private temporary copy) or refuse it with the reason."""
    _check_upload(name, data)
    with tempfile.TemporaryDirectory(prefix="abri-upload-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        return read_table(path)


def _check_records(tables: Sequence[tuple[str, Table]], *, link: bool) -> None:
    for name, table in tables:
        if not table.frame.columns or table.frame.height == 0:
            raise _refuse("file", _("%(file)s has a header but no records.") % {"file": name})
        if not link and table.frame.height == 1:
            raise _refuse(
                "file",
                _("%(file)s holds only one record: there is nothing to compare it with.") % {"file": name},
            )


@transaction.atomic
def list_run_create(*, actor: User, uploads: Sequence[tuple[str, bytes]]) -> ListRun:
    """Keep one list (to find duplicates in) or two (to link), encrypted, for their uploader to map."""
    if len(uploads) not in {1, 2}:
        raise _refuse("file", _("Give one list, or two lists to link."))
    names = [Path(name).name or "list.csv" for name, _data in uploads]
    tables = [(name, read_upload(name, data)) for name, (_name, data) in zip(names, uploads, strict=True)]
    _check_records(tables, link=len(uploads) == 2)
    run = ListRun.objects.create(
        uuid=uuid.uuid4(),
        owner=actor,
        mode=ListRunMode.LINK if len(uploads) == 2 else ListRunMode.DEDUPLICATE,
        file_names=names,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        expires_at=timezone.now() + datetime.timedelta(days=settings.ABRI_LIST_RETENTION_DAYS),
    )
    audit_record(actor=actor, action="list_run.create", target=run, changes={"mode": run.mode, "files": len(names)})
    try:
        for index, (_name, data) in enumerate(uploads):
            storage.write(run, storage.source_name(index), data)
    except BaseException:  # the row rolls back: its folder must not stay behind
        storage.remove(run)
        raise
    return run


def _field_map(fields: Mapping[str, str], compare: Sequence[str], id_column: str | None) -> FieldMap:
    unknown = [name for name in fields if name not in KNOWN_FIELDS]
    if unknown:
        raise _refuse(
            "map",
            _("“%(field)s” is not a known field; known fields are: %(fields)s.")
            % {"field": unknown[0], "fields": ", ".join(KNOWN_FIELDS)},
        )
    if len(compare) > MAX_COMPARE:
        raise _refuse(
            "compare",
            _(
                "%(count)d columns are chosen to compare as free text; choose at most %(max)d, "
                "the ones that tell people apart: each adds a comparison to every pair."
            )
            % {"count": len(compare), "max": MAX_COMPARE},
        )
    return FieldMap(fields=dict(fields), compare=tuple(compare), id_column=id_column or None)


def list_run_configure(
    *,
    actor: User,
    run: ListRun,
    fields: Mapping[str, str],
    compare: Sequence[str],
    id_column: str | None,
    threshold: float,
) -> ListRun:
    """Check the column map against the lists and queue the run (the caller starts the job)."""
    if run.status in {ListRunStatus.QUEUED, ListRunStatus.RUNNING}:
        raise _refuse("run", _("This run is already under way; wait for it to finish."))
    if not 0.0 < threshold < 1.0:
        raise _refuse("threshold", _("The threshold must be a probability between 0 and 1 (exclusive)."))
    mapping = _field_map(fields, compare, id_column)
    for name, table in list_run_tables(run=run):
        check_columns(table, mapping, name=name)
    with transaction.atomic():
        run = ListRun.objects.select_for_update().get(pk=run.pk)
        if not LIST_RUN.allows(run.status, ListRunStatus.QUEUED):
            raise _refuse("run", _("This run is already under way; wait for it to finish."))
        run.options = {
            "fields": dict(mapping.fields),
            "compare": list(mapping.compare),
            "id_column": mapping.id_column,
            "threshold": threshold,
        }
        run.status = ListRunStatus.QUEUED
        run.stage = ""
        run.message = ""
        run.save(update_fields=["options", "status", "stage", "message", "updated_at"])
        audit_record(
            actor=actor,
            action="list_run.configure",
            target=run,
            changes={"fields": sorted(mapping.fields), "compare": len(mapping.compare), "threshold": threshold},
        )
    return run


class _Progress:
    """Record the furthest stage reached on the run's row (the page polls it)."""

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.reached = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in STAGES or STAGES.index(stage) <= self.reached:
            return
        self.reached = STAGES.index(stage)
        ListRun.objects.filter(pk=self.run_id).update(stage=stage)


def _with_record_ids(frame: pl.DataFrame, id_column: str | None) -> pl.DataFrame:
    """The list with the id each record has in the outputs (the id column, or the row number as prepare gives)."""
    ids = pl.col(id_column) if id_column else (pl.int_range(pl.len(), dtype=pl.UInt32) + 1).cast(pl.String)
    return frame.with_columns(ids.cast(pl.String).alias("__record_id"))


def _shown_pairs(pairs: pl.DataFrame, tables: list[pl.DataFrame], mapping: FieldMap) -> pl.DataFrame:
    """The pairs with the mapped columns of both records side by side, as the results page lists them."""
    columns = list(dict.fromkeys([*(mapping.fields[f] for f in KNOWN_FIELDS if f in mapping.fields), *mapping.compare]))
    first = _with_record_ids(tables[0], mapping.id_column).select("__record_id", *columns)
    second = _with_record_ids(tables[-1], mapping.id_column).select("__record_id", *columns)
    shown = pairs.join(
        first.rename({column: f"a::{column}" for column in columns}),
        left_on="id_a",
        right_on="__record_id",
        how="left",
    ).join(
        second.rename({column: f"b::{column}" for column in columns}),
        left_on="id_b",
        right_on="__record_id",
        how="left",
    )
    return shown.sort(["match_probability", "id_a", "id_b"], descending=[True, False, False], maintain_order=True)


def _histogram(pairs: pl.DataFrame) -> list[int]:
    counts = [0] * HISTOGRAM_BANDS
    for probability in pairs["match_probability"].to_list():
        counts[min(int(probability * HISTOGRAM_BANDS), HISTOGRAM_BANDS - 1)] += 1
    return counts


def _evidence_fields(file_run: FileRun) -> list[dict[str, str]]:
    """Each compared field's column in PAIRS.csv and its label, for the evidence bars."""
    fields = []
    for comparison in file_run.result.comparisons:
        name = comparison.name
        if name.startswith("text_"):
            column = file_run.compare[int(name.removeprefix("text_"))]
            fields.append({"name": f"{column} (text)", "label": column})
        else:
            fields.append({"name": name, "label": str(comparison.label)})
    return fields


def _run_engine(run: ListRun, progress: _Progress) -> tuple[FileRun, list[pl.DataFrame], FieldMap]:
    options = run.options
    mapping = FieldMap(fields=options["fields"], compare=tuple(options["compare"]), id_column=options["id_column"])
    engine_settings = Settings(threshold=float(options["threshold"]))
    with storage.plain_sources(run) as paths:
        if run.mode == ListRunMode.LINK:
            file_run = link_files(paths[0], paths[1], mapping, settings=engine_settings, progress=progress)
        else:
            file_run = deduplicate_file(paths[0], mapping, settings=engine_settings, progress=progress)
        tables = [read_table(path).frame for path in paths]
    return file_run, tables, mapping


def list_run_execute(*, run_id: int) -> None:
    """Run the engine over a queued run's lists and store what it found (the background job's body)."""
    run = ListRun.objects.filter(pk=run_id, status=ListRunStatus.QUEUED).first()
    if run is None:  # deleted, or already taken
        return
    if not LIST_RUN.move(ListRun.objects.filter(pk=run_id), ListRunStatus.RUNNING):
        return
    with translation.override(run.language):
        try:
            file_run, tables, mapping = _run_engine(run, _Progress(run.pk))
        except ValidationFailed as failure:
            _fail(run, " ".join(text for texts in failure.errors.values() for text in texts))
            return
        except Exception as error:  # the page must say it failed; the log names the kind, never the data
            logger.error("list run %s failed: %s", run.uuid, type(error).__name__)
            _fail(
                run,
                _("The run failed unexpectedly (%(kind)s). Check the lists, or ask your administrator.")
                % {"kind": type(error).__name__},
            )
            return
        link = run.mode == ListRunMode.LINK
        pairs = pairs_for_output(file_run)
        clusters = clusters_for_output(file_run, link=link, names=dict(enumerate(run.file_names)))
        storage.write(run, storage.PAIRS, frame_csv_bytes(pairs))
        storage.write(run, storage.CLUSTERS, frame_csv_bytes(clusters))
        storage.write_frame(run, storage.SHOWN, _shown_pairs(pairs, tables, mapping))
        found = {
            "options": {**run.options, "evidence": _evidence_fields(file_run)},
            "records": sum(table.height for table in tables),
            "candidate_pairs": file_run.result.candidate_count,
            "pairs_found": pairs.height,
            "clusters_found": file_run.result.clusters.filter(pl.col("cluster_size") > 1)["cluster"].n_unique(),
            "histogram": _histogram(pairs),
            "notes": file_run.notes,
            "finished_at": timezone.now(),
            "updated_at": timezone.now(),
        }
    with transaction.atomic():
        # An update, not save(): a run deleted while the engine ran must not come back.
        kept = LIST_RUN.move(ListRun.objects.filter(pk=run.pk), ListRunStatus.DONE, **found)
        if kept:
            changes = {"status": ListRunStatus.DONE, "pairs": found["pairs_found"]}
            audit_record(actor=run.owner, action="list_run.finish", target=run, changes=changes)
    if not kept:  # and neither must its files
        storage.remove(run)


def _fail(run: ListRun, message: str) -> None:
    with transaction.atomic():
        updated = LIST_RUN.move(
            ListRun.objects.filter(pk=run.pk), ListRunStatus.FAILED, message=message, finished_at=timezone.now()
        )
        if updated:
            audit_record(actor=run.owner, action="list_run.finish", target=run, changes={"status": "failed"})


def list_run_download(*, actor: User, run: ListRun, name: str) -> bytes:
    """The content of PAIRS.csv or the clusters CSV of a finished run; the download is audited."""
    if name not in {storage.PAIRS, storage.CLUSTERS} or run.status != ListRunStatus.DONE:
        raise _refuse("file", _("This run has no such file."))
    data = storage.read(run, name)
    if data is None:
        raise _refuse("file", _("This run has no such file."))
    with transaction.atomic():
        audit_record(actor=actor, action="list_run.download", target=run, changes={"file": name})
    return data


def list_run_delete(*, actor: Actor | None, run: ListRun, action: str = "list_run.delete") -> None:
    """Delete the run, its lists and its results."""
    with transaction.atomic():
        audit_record(actor=actor, action=action, target=run, changes={"files": len(run.file_names)})
        run.delete()
    storage.remove(run)


def list_runs_purge_expired(*, now: datetime.datetime | None = None) -> int:
    """Delete every run past its retention date, with its files; return how many."""
    expired = list(ListRun.objects.filter(expires_at__lte=now or timezone.now()))
    for run in expired:
        list_run_delete(actor=None, run=run, action="list_run.expire")
    return len(expired)
