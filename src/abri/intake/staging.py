"""The batch's folder: the files it came from, the staged rows (Parquet) and the live progress.

Progress is a small JSON file rather than a database row: a commit runs in one transaction, and
on SQLite nobody else may write while it does, so progress written to the database would only
appear once the commit is over.

The files that hold personal data (the uploaded or pulled files, the staged Parquet frames) are
never written in clear: they are encrypted as they are written, in chunks of 1 MiB, with
AES-256-GCM under a key derived from the field key (`abri.core.crypto.purpose_key`). Each chunk
has a fresh random nonce, and its index and whether it is the last one are bound to it as
associated data, so a chunk moved, dropped, repeated or a file cut short fails to decrypt. For
parsing, a file is decrypted chunk by chunk into memory (an anonymous in-memory file on Linux),
never onto a disk.

File layout: ``ABRISTG1``, then per chunk: a flag byte (1 on the last chunk), the 12-byte nonce,
the length of the ciphertext (4 bytes, big-endian), the ciphertext with its 16-byte tag.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import tempfile
import time
from collections.abc import Generator, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

import polars as pl
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings

from abri.core import crypto
from abri.intake.models import ImportBatch

MAGIC = b"ABRISTG1"
CHUNK_BYTES = 1 << 20
_NONCE_BYTES = 12


class StagedFileError(RuntimeError):
    """A staged file cannot be decrypted: damaged, cut short, or written under another field key."""


def _aead() -> AESGCM:
    return AESGCM(crypto.purpose_key("staged import files"))


def _associated(index: int, last: bool) -> bytes:
    return MAGIC + index.to_bytes(8, "big") + (b"\x01" if last else b"\x00")


class _EncryptingWriter(io.RawIOBase):
    """A binary file that encrypts what is written to it, chunk by chunk, into ``target``.

    It writes a temporary file beside ``target`` (mode 0600) and puts it in place on close: a
    reader sees the whole old file or the whole new one. ``abort`` drops what was written.
    """

    def __init__(self, target: Path) -> None:
        super().__init__()
        self._target = target
        self._temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        descriptor = os.open(self._temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self._out = os.fdopen(descriptor, "wb")
        self._out.write(MAGIC)
        self._aead = _aead()
        self._pending = bytearray()
        self._index = 0
        self._aborted = False

    def writable(self) -> bool:
        return True

    def _emit(self, data: bytes, *, last: bool) -> None:
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, data, _associated(self._index, last))
        self._out.write((b"\x01" if last else b"\x00") + nonce + len(sealed).to_bytes(4, "big") + sealed)
        self._index += 1

    def write(self, data: Any) -> int:
        view = bytes(data)
        self._pending += view
        # A full chunk is written once more data follows it: the last chunk must be marked so.
        while len(self._pending) > CHUNK_BYTES:
            self._emit(bytes(self._pending[:CHUNK_BYTES]), last=False)
            del self._pending[:CHUNK_BYTES]
        return len(view)

    def abort(self) -> None:
        self._aborted = True
        self.close()

    def close(self) -> None:
        if self.closed:
            return
        try:
            if self._aborted:
                self._out.close()
                self._temporary.unlink(missing_ok=True)
            else:
                self._emit(bytes(self._pending), last=True)
                self._out.close()
                self._temporary.replace(self._target)
        finally:
            self._pending.clear()
            super().close()


def encrypted_writer(target: Path) -> _EncryptingWriter:
    """A binary file whose content lands encrypted in ``target`` when it is closed."""
    return _EncryptingWriter(target)


def encrypted_text(target: Path) -> IO[str]:
    """A UTF-8 text file whose content lands encrypted in ``target`` when it is closed."""
    return io.TextIOWrapper(io.BufferedWriter(encrypted_writer(target), CHUNK_BYTES), encoding="utf-8")


def encrypt_to(target: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` encrypted to ``target`` (in place only once all are written)."""
    writer = encrypted_writer(target)
    try:
        for chunk in chunks:
            writer.write(chunk)
    except BaseException:
        writer.abort()
        raise
    writer.close()


def is_encrypted(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(MAGIC)) == MAGIC


def decrypted_chunks(path: Path) -> Iterator[bytes]:
    """The clear content of an encrypted staged file, chunk by chunk (every chunk checked), under
    whichever key of the ring it was written with (the first chunk tells)."""
    yield from _decrypted_chunks(path, current_only=False)


def under_current_key(path: Path) -> bool:
    """Whether the staged file ``path`` was written under the field key that writes today."""
    return _opens(path, current_only=True)


def readable(path: Path) -> bool:
    """Whether some key of the ring opens the staged file ``path`` (its first chunk)."""
    return _opens(path, current_only=False)


def _opens(path: Path, *, current_only: bool) -> bool:
    with contextlib.closing(_decrypted_chunks(path, current_only=current_only)) as chunks:
        try:
            next(chunks)
        except StopIteration:
            return True
        except StagedFileError:
            return False
    return True


def reencrypt(path: Path) -> bool:
    """Write the staged file ``path`` again under the current field key; False if it already was."""
    if not is_encrypted(path) or under_current_key(path):
        return False
    encrypt_to(path, decrypted_chunks(path))
    return True


def _decrypted_chunks(path: Path, *, current_only: bool) -> Generator[bytes, None, None]:
    keys = crypto.purpose_keys("staged import files")
    candidates = [AESGCM(key) for key in (keys[:1] if current_only else keys)]
    aead: AESGCM | None = None
    with path.open("rb") as handle:
        if handle.read(len(MAGIC)) != MAGIC:
            raise StagedFileError(f"{path.name} is not an encrypted staged file")
        index = 0
        while True:
            head = handle.read(1 + _NONCE_BYTES + 4)
            if len(head) < 1 + _NONCE_BYTES + 4:
                raise StagedFileError(f"{path.name} is cut short")
            last = head[0] == 1
            nonce, length = head[1 : 1 + _NONCE_BYTES], int.from_bytes(head[1 + _NONCE_BYTES :], "big")
            sealed = handle.read(length)
            if aead is None:  # the first chunk: which key of the ring opens it
                for candidate in candidates:
                    try:
                        clear = candidate.decrypt(nonce, sealed, _associated(index, last))
                    except InvalidTag:
                        continue
                    aead = candidate
                    break
                else:
                    raise StagedFileError(f"{path.name} cannot be decrypted (chunk {index})")
            else:
                try:
                    clear = aead.decrypt(nonce, sealed, _associated(index, last))
                except InvalidTag as error:
                    raise StagedFileError(f"{path.name} cannot be decrypted (chunk {index})") from error
            yield clear
            index += 1
            if last:
                if handle.read(1):
                    raise StagedFileError(f"{path.name} has data after its last chunk")
                return


def _file_chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            yield chunk


@contextlib.contextmanager
def opened(path: Path) -> Iterator[Path]:
    """A path to the clear content of the staged file ``path``, for parsers that read paths.

    The content is decrypted into an anonymous in-memory file (Linux ``memfd``), gone when the
    block ends; a file staged before encryption is read as it is.
    """
    if not is_encrypted(path):
        yield path
        return
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is None:  # not Linux: a temporary file, removed at once after reading
        with tempfile.TemporaryDirectory() as folder:
            clear = Path(folder) / path.name
            with clear.open("wb") as out:
                for chunk in decrypted_chunks(path):
                    out.write(chunk)
            yield clear
        return
    descriptor = memfd_create(f"abri-{path.name}", getattr(os, "MFD_CLOEXEC", 0))
    try:
        with os.fdopen(os.dup(descriptor), "wb") as out:
            for chunk in decrypted_chunks(path):
                out.write(chunk)
        yield Path(f"/proc/self/fd/{descriptor}")
    finally:
        os.close(descriptor)


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
    if is_encrypted(source):  # written encrypted from the start (an upload, a pull)
        if move:
            shutil.move(source, folder / stored)
        else:
            shutil.copyfile(source, folder / stored)
    else:
        encrypt_to(folder / stored, _file_chunks(source))
        if move:
            source.unlink()
    entries.append({"stored": stored, "name": name, "group": group})
    temporary = manifest.with_suffix(".tmp")
    temporary.write_text(json.dumps(entries))
    temporary.replace(manifest)
    return folder / stored


def frames_write(batch: ImportBatch, **frames: pl.DataFrame) -> None:
    """Store staged frames (households, members, raw_households, raw_members, …) encrypted, atomically each."""
    folder = batch_folder(batch)
    for name, frame in frames.items():
        writer = io.BufferedWriter(encrypted_writer(folder / f"{name}.parquet"), CHUNK_BYTES)
        try:
            frame.write_parquet(writer, compression="lz4")
        except BaseException:
            writer.detach().abort()  # type: ignore[attr-defined]  # pyarrow's stream writer, untyped
            raise
        writer.close()


def frame_read(batch: ImportBatch, name: str) -> pl.DataFrame | None:
    path = batch_folder(batch) / f"{name}.parquet"
    if not path.exists():
        return None
    if not is_encrypted(path):  # staged before encryption
        return pl.read_parquet(path)
    return pl.read_parquet(io.BytesIO(b"".join(decrypted_chunks(path))))


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
