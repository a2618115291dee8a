"""Where uploaded partner lists and what was found in them are kept: encrypted, in a private folder.

Each run has its own folder, ``ABRI_DATA_DIR/private/lists/<uuid>/`` (mode 0700), holding only
files encrypted with the file key (`abri.core.crypto.encrypt_bytes`): the uploaded lists, the
pairs and clusters to download, and the pairs as the results page shows them. The engine reads
plain files, so a run decrypts the lists into a temporary folder of its own (0700) and removes
it as soon as the engine is done with them.
"""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
from django.conf import settings

from abri.core.crypto import decrypt_bytes, encrypt_bytes
from abri.dedup.models import ListRun

PAIRS = "pairs.csv"
CLUSTERS = "clusters.csv"
SHOWN = "shown.parquet"


def _private(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    return folder


def lists_root() -> Path:
    """The folder of every run's files (created private on first use)."""
    return _private(_private(Path(settings.DATA_DIR) / "private") / "lists")


def run_folder(run: ListRun) -> Path:
    """The run's private folder (created on first use)."""
    return _private(lists_root() / str(run.uuid))


def write(run: ListRun, name: str, data: bytes) -> None:
    """Store ``data`` encrypted as ``name`` in the run's folder (replacing it whole, never half-written)."""
    folder = run_folder(run)
    temporary = folder / f"{name}.enc.tmp"
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(encrypt_bytes(data))
    temporary.replace(folder / f"{name}.enc")


def read(run: ListRun, name: str) -> bytes | None:
    """The decrypted content of ``name``, or None when the run has no such file."""
    path = run_folder(run) / f"{name}.enc"
    return decrypt_bytes(path.read_bytes()) if path.exists() else None


def source_name(index: int) -> str:
    """Stored name of the ``index``-th uploaded list (0 or 1)."""
    return f"source-{index + 1}"


def write_frame(run: ListRun, name: str, frame: pl.DataFrame) -> None:
    """Store a frame as encrypted Parquet."""
    buffer = io.BytesIO()
    frame.write_parquet(buffer)
    write(run, name, buffer.getvalue())


def read_frame(run: ListRun, name: str) -> pl.DataFrame | None:
    """A frame stored by :func:`write_frame`, or None."""
    data = read(run, name)
    return pl.read_parquet(io.BytesIO(data)) if data is not None else None


@contextmanager
def plain_sources(run: ListRun) -> Iterator[list[Path]]:
    """The uploaded lists decrypted under their original names, in a private folder removed on exit."""
    with tempfile.TemporaryDirectory(prefix="abri-list-") as folder:  # mkdtemp creates it 0700
        paths = []
        for index, name in enumerate(run.file_names):
            data = read(run, source_name(index))
            if data is None:
                raise FileNotFoundError(source_name(index))
            # One sub-folder per list: two lists may carry the same name.
            path = _private(Path(folder) / str(index)) / name
            path.write_bytes(data)
            paths.append(path)
        yield paths


def remove(run: ListRun) -> None:
    """Delete the run's folder and everything in it."""
    shutil.rmtree(lists_root() / str(run.uuid), ignore_errors=True)
