"""Rotating the field key while Abri runs, and destroying the keys in an emergency.

Each app that keeps values encrypted under the field key registers a *store* in its
``AppConfig.ready`` (`store_register`): how many of its values are not under the current key,
and how to write some of them again under it. `rotate` then:

1. puts a new key first in the key file (the ring: new, old). Running processes read the file
   again on their next use of the key: from then on they write under the new key and still read
   and find values under the old one (`abri.core.crypto`);
2. waits a few seconds, for requests that started before to end;
3. writes every store's values again under the new key, in batches, each batch one transaction
   whose updates are conditional (a value changed meanwhile by its owner is left to them: they
   wrote it under the new key);
4. once no store holds a value under an old key, drops the old key from the file.

A rotation stopped half-way (a crash, Ctrl-C) loses nothing: both keys are still in the file,
and running the command again finishes it. When the key comes from ABRI_FIELD_KEY (not a file),
Abri cannot change the environment of running processes: the operator puts the new key first
(``ABRI_FIELD_KEY=new,old``), restarts, runs ``abri rotate-key`` for step 3, then removes the
old key.

`destroy` replaces the key file with a tombstone, after overwriting it: everything encrypted
under it (phone and identity numbers, staged import files, partner lists) is unreadable from then
on, and Abri refuses to make a new key silently.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from abri.core import crypto

BATCH = 500


class RotationError(RuntimeError):
    """The rotation cannot start or cannot finish; the message says why and what to do."""


@dataclass(frozen=True)
class Store:
    """Values encrypted under the field key, somewhere (a column, a folder of files)."""

    name: str
    remaining: Callable[[], int]  # how many values are not under the current key
    # Write up to ``limit`` of them again, after ``after`` (a position: an id, a path); return
    # (how many were looked at, how many were rewritten, the position of the last one).
    reencrypt_some: Callable[[int, str], tuple[int, int, str]]
    # What no key of the ring opens any more (written under a key that is gone): left as it is,
    # named in the rotation's report, never a reason to stop it.
    unreadable: Callable[[], list[str]] = list


_STORES: dict[str, Store] = {}


def store_register(store: Store) -> None:
    """Make ``store`` part of every rotation (apps call it when they are ready)."""
    _STORES[store.name] = store


def stores() -> list[Store]:
    return list(_STORES.values())


def column_store(name: str, model: type[models.Model], *, encrypted: str, hashed: str, purpose: str) -> Store:
    """A store of one encrypted column and its keyed hash (the hash of the same clear value)."""

    def old_values() -> models.QuerySet:
        return (
            model._default_manager.exclude(**{encrypted: ""})
            .exclude(**{f"{encrypted}__startswith": crypto.current_prefix()})
            .order_by("pk")
        )

    def remaining() -> int:
        return old_values().count()

    def reencrypt_some(limit: int, after: str) -> tuple[int, int, str]:
        rows = list(old_values().filter(pk__gt=int(after or 0)).values_list("pk", encrypted)[:limit])
        if not rows:
            return 0, 0, after
        clear = [crypto.decrypt(token) for _, token in rows]
        tokens = crypto.encrypt_many(clear)
        hashes = crypto.blind_index_many(clear, purpose=purpose)
        changed = 0
        manager = model._default_manager
        with transaction.atomic():
            for (pk, token), new_token, new_hash in zip(rows, tokens, hashes, strict=True):
                # Only if nobody wrote the value since it was read: their value is under the new key.
                changed += manager.filter(pk=pk, **{encrypted: token}).update(
                    **{encrypted: new_token, hashed: new_hash}
                )
        return len(rows), changed, str(rows[-1][0])

    return Store(name=name, remaining=remaining, reencrypt_some=reencrypt_some)


def file_store(
    name: str,
    root: Callable[[], Path],
    *,
    pattern: str,
    current: Callable[[Path], bool],
    readable: Callable[[Path], bool],
    rewrite: Callable[[Path], object],
) -> Store:
    """A store of encrypted files under ``root()`` matching ``pattern``.

    ``current``: the file is under the current key (or needs no key); ``readable``: some key of
    the ring opens it.
    """

    def not_current() -> list[Path]:
        folder = root()
        if not folder.is_dir():
            return []
        return sorted(path for path in folder.rglob(pattern) if path.is_file() and not current(path))

    def old_files() -> list[Path]:
        return [path for path in not_current() if readable(path)]

    def unreadable() -> list[str]:
        return [str(path) for path in not_current() if not readable(path)]

    def remaining() -> int:
        return len(old_files())

    def reencrypt_some(limit: int, after: str) -> tuple[int, int, str]:
        chosen = [path for path in old_files() if str(path) > after][:limit]
        changed = 0
        for path in chosen:
            with contextlib.suppress(FileNotFoundError):  # removed meanwhile (an import finished)
                rewrite(path)
                changed += 1
        return len(chosen), changed, str(chosen[-1]) if chosen else after

    return Store(name=name, remaining=remaining, reencrypt_some=reencrypt_some, unreadable=unreadable)


# -- the key file ----------------------------------------------------------------------------


def key_file() -> Path:
    return Path(settings.ABRI_FIELD_KEY_FILE)


def _key_lines(path: Path) -> list[str]:
    return [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    """One rotation or destruction at a time on this key file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = path.with_name(f".{path.name}.lock")
    descriptor = os.open(lock, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise RotationError(f"{path}: another rotation or destruction of the keys is running") from error
        yield
    finally:
        os.close(descriptor)


# -- rotating --------------------------------------------------------------------------------

Progress = Callable[[str, int, int], None]  # store name, done, total


def _silent(name: str, done: int, total: int) -> None:
    """Progress sink that ignores the progress."""


def unreadable_all() -> dict[str, list[str]]:
    """Per store, what no key of the ring opens (see `Store.unreadable`); stores with none left out."""
    return {store.name: found for store in stores() if (found := store.unreadable())}


def reencrypt_all(*, batch: int = BATCH, progress: Progress = _silent, passes: int = 3) -> dict[str, int]:
    """Write every store's values again under the current key; return how many per store.

    A value that keeps being written under an old key (a process with an old configuration)
    stops it after ``passes`` passes that found it again, with the store's name.
    """
    rewritten: dict[str, int] = {}
    for store in stores():
        total = store.remaining()
        done = 0
        for _pass in range(passes):
            after = ""
            while True:
                looked, changed, after = store.reencrypt_some(batch, after)
                if not looked:
                    break
                done += changed
                progress(store.name, min(done, total), total)
            if not store.remaining():
                break
        left = store.remaining()
        if left:
            raise RotationError(
                f"{store.name}: {left} value(s) are still written under an old key; "
                "is a process running with an old ABRI_FIELD_KEY? Restart it and run the rotation again."
            )
        rewritten[store.name] = done
        progress(store.name, total, total)
    return rewritten


@dataclass(frozen=True)
class Rotation:
    new_key_id: str
    dropped: list[str]  # ids of the keys no longer configured
    rewritten: dict[str, int]
    environment: bool  # the keys come from ABRI_FIELD_KEY: the operator drops the old one
    unreadable: dict[str, list[str]]  # per store, what no key of the ring opened (left as it was)


def rotate(*, grace_seconds: float = 5.0, batch: int = BATCH, progress: Progress = _silent) -> Rotation:
    """Rotate the field key (the module's steps 1 to 4); safe to run again after a stop."""
    if settings.ABRI_FIELD_KEY:
        ring = crypto.key_ring()
        if len(ring) < 2:
            raise RotationError(
                "The field key is set by ABRI_FIELD_KEY, which Abri cannot change in running processes. "
                "Put a new key first and the old one after a comma (ABRI_FIELD_KEY=new,old; "
                "`abri rotate-key --new-key` prints one), restart every process, and run `abri rotate-key` "
                "again: it then writes every value under the new key."
            )
        rewritten = reencrypt_all(batch=batch, progress=progress)
        return Rotation(crypto.current_key_id(), [], rewritten, environment=True, unreadable=unreadable_all())
    path = key_file()
    with _exclusive(path):
        crypto.key_ring()  # creates the file on a first start, refuses a destroyed one
        lines = _key_lines(path)
        if len(lines) == 1:  # not resuming: a new key first
            crypto.key_file_write(path, [crypto.new_key(), *lines])
            time.sleep(grace_seconds)  # requests that read the old ring finish writing
        old_ids = [crypto.key_id(line.encode()) for line in _key_lines(path)[1:]]
        rewritten = reencrypt_all(batch=batch, progress=progress)
        unreadable = unreadable_all()
        crypto.key_file_write(path, _key_lines(path)[:1])
        return Rotation(crypto.current_key_id(), old_ids, rewritten, environment=False, unreadable=unreadable)


# -- destroying ------------------------------------------------------------------------------


def destroy() -> Path:
    """Overwrite the key file and leave a tombstone in its place; return its path."""
    if settings.ABRI_FIELD_KEY:
        raise RotationError(
            "The field key is set by ABRI_FIELD_KEY: Abri cannot erase it. Remove it from the environment "
            "of every process and from wherever it is kept (the service file, the secret store), then stop Abri."
        )
    path = key_file()
    with _exclusive(path):
        if path.exists():
            size = path.stat().st_size
            with path.open("r+b") as handle:  # the bytes on disk, not only the name
                handle.write(os.urandom(max(size, 64)))
                handle.flush()
                os.fsync(handle.fileno())
        crypto.key_file_write(path, [f"{crypto.TOMBSTONE} {timezone.now().isoformat(timespec='seconds')}"])
    return path
