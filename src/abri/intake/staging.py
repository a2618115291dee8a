"""The batch's folder: the files it came from, the staged rows (Parquet) and the live progress.

Progress is a small JSON file rather than a database row: a commit runs in one transaction, and
on SQLite nobody else may write while it does, so progress written to the database would only
appear once the commit is over.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import polars as pl
from django.conf import settings

from abri.core import crypto
from abri.intake.models import ImportBatch


def batch_folder(batch: ImportBatch | int) -> Path:
    """The folder holding the batch's files (created on first use)."""
    number = batch if isinstance(batch, int) else batch.pk
    root = Path(settings.DATA_DIR) / "imports"
    folder = root / str(number)
    if not folder.is_dir():
        # Staged files hold personal data: only Abri's own account may open the folders.
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        root.chmod(0o700)
        folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def source_entries(batch: ImportBatch) -> list[dict[str, Any]]:
    """The batch's uploaded files in upload order: stored name, original name, group."""
    manifest = batch_folder(batch) / "sources.json"
    return json.loads(manifest.read_text()) if manifest.exists() else []


def source_groups(batch: ImportBatch) -> list[tuple[int, list[tuple[Path, str]]]]:
    """Files uploaded together (read as one workbook), group by group in upload order."""
    groups: dict[int, list[tuple[Path, str]]] = {}
    for entry in source_entries(batch):
        groups.setdefault(entry["group"], []).append((batch_folder(batch) / entry["stored"], entry["name"]))
    return sorted(groups.items())


def source_add(batch: ImportBatch, source: Path, name: str, *, group: int = 1, move: bool = False) -> Path:
    """Keep a copy of ``source`` in the batch folder; later files replace earlier submissions."""
    folder = batch_folder(batch)
    manifest = folder / "sources.json"
    entries = json.loads(manifest.read_text()) if manifest.exists() else []
    stored = f"source-{len(entries) + 1}{Path(name).suffix.lower()}"
    if move:
        shutil.move(source, folder / stored)
    else:
        shutil.copyfile(source, folder / stored)
    entries.append({"stored": stored, "name": name, "group": group})
    temporary = manifest.with_suffix(".tmp")
    temporary.write_text(json.dumps(entries))
    temporary.replace(manifest)
    return folder / stored


def frames_write(batch: ImportBatch, **frames: pl.DataFrame) -> None:
    """Store staged frames (households, members, raw_households, raw_members, …) atomically each."""
    folder = batch_folder(batch)
    for name, frame in frames.items():
        temporary = folder / f"{name}.parquet.tmp"
        frame.write_parquet(temporary, compression="lz4")
        temporary.replace(folder / f"{name}.parquet")


def frame_read(batch: ImportBatch, name: str) -> pl.DataFrame | None:
    path = batch_folder(batch) / f"{name}.parquet"
    return pl.read_parquet(path) if path.exists() else None


def households_read(batch: ImportBatch) -> pl.DataFrame | None:
    """The staged households, each with its row ``verdict`` (valid, invalid, duplicate, committed).

    Batches staged before the verdict had its own column kept it in ``status``.
    """
    households = frame_read(batch, "households")
    if households is not None and "verdict" not in households.columns:
        households = households.rename({"status": "verdict"}).with_columns(pl.lit("registered").alias("status"))
    return households


def columns_write(batch: ImportBatch, columns: dict[str, dict[str, str]]) -> None:
    (batch_folder(batch) / "columns.json").write_text(json.dumps(columns))


def columns_read(batch: ImportBatch) -> dict[str, dict[str, str]]:
    path = batch_folder(batch) / "columns.json"
    return json.loads(path.read_text()) if path.exists() else {}


def progress_write(batch_id: int, *, phase: str, done: int, total: int) -> None:
    """Record how far the batch's job is; readers see the whole old or the whole new state."""
    path = batch_folder(batch_id) / "progress.json"
    temporary = path.with_name(f"progress.{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"phase": phase, "done": done, "total": total, "at": time.time()}))
    temporary.replace(path)


def progress_read(batch: ImportBatch) -> dict[str, Any]:
    path = batch_folder(batch) / "progress.json"
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {"phase": "", "done": 0, "total": 0, "at": 0}


def secret_keep(batch: ImportBatch | int, name: str, value: str) -> None:
    """Keep a credential (a server token, a password) for the batch's job, encrypted with the field key.

    It waits in the batch folder, never in the database or the job's arguments, and the job
    takes it (`secret_take`) before doing anything else.
    """
    path = batch_folder(batch) / f"{name}.secret"
    temporary = path.with_suffix(".tmp")
    temporary.write_text(crypto.encrypt(value))
    temporary.chmod(0o600)
    temporary.replace(path)


def secret_take(batch: ImportBatch | int, name: str) -> str | None:
    """The credential kept for the batch's job, deleted as it is read; None if it is gone."""
    path = batch_folder(batch) / f"{name}.secret"
    try:
        token = path.read_text()
    except OSError:
        return None
    path.unlink(missing_ok=True)
    return crypto.decrypt(token)


def folder_remove(batch: ImportBatch) -> None:
    """Delete the batch's files (its personal data) once they are no longer needed."""
    shutil.rmtree(batch_folder(batch), ignore_errors=True)
