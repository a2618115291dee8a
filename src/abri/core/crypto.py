"""Field encryption for phone and identity numbers, with a keyed hash to find them.

The key lives outside the database: ABRI_FIELD_KEY, or the key file (created once, mode 0600).
From it, HKDF derives independent keys: one for AES-256-GCM (authenticated encryption of each
field value, a fresh random nonce each time), one for HMAC-SHA256 (the blind index that lets us
find a number without decrypting all), and one for Fernet over whole files (uploaded partner
lists and what was found in them). Values written by earlier versions as Fernet tokens are
still read. Every construction is the library's (cryptography, hmac): none is built by hand.

The key is a ring: ABRI_FIELD_KEY holds one key or several separated by commas, the key file one
per line. The first key encrypts and hashes what is written; every key of the ring decrypts and
finds. `abri rotate-key` (abri.core.key_rotation) puts a new key first, re-encrypts every value
under it while Abri runs, then drops the old key. Each value names the key it was written under
(its key id), so what is left under an old key is found by a query, not by trying to decrypt.
A key file changed on disk is read again by the running processes (its modification time is
checked on each use). `abri destroy-keys` replaces it with a tombstone: from then on nothing
encrypted can be read, and Abri does not quietly make a new key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class FieldKeyError(RuntimeError):
    """The field key is missing or malformed."""


TOMBSTONE = "destroyed"  # the first line of a key file after `abri destroy-keys`


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it first
        return
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key() + "\n")


def new_key() -> str:
    """A fresh field key: 32 random bytes, base64url."""
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


@lru_cache(maxsize=4)  # read once per version of the file: a bulk registration encrypts thousands of values
def _read_key_file(path: Path, _version: tuple[int, int]) -> tuple[bytes, ...]:
    lines = [line.strip() for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    if lines and lines[0].startswith(TOMBSTONE):
        raise FieldKeyError(f"{path}: the field keys were destroyed ({lines[0]}); encrypted values are unreadable")
    if not lines:
        raise FieldKeyError(f"{path}: the key file holds no key")
    return tuple(line.encode() for line in lines)


def _ring_from_file(path: Path) -> tuple[bytes, ...]:
    try:
        stat = path.stat()
    except FileNotFoundError:
        _create_key_file(path)
        stat = path.stat()
    return _read_key_file(path, (stat.st_mtime_ns, stat.st_size))


def key_ring() -> tuple[bytes, ...]:
    """The configured field keys, the one that writes first."""
    configured: str = settings.ABRI_FIELD_KEY
    if configured:
        return tuple(part.strip().encode() for part in configured.split(",") if part.strip())
    return _ring_from_file(Path(settings.ABRI_FIELD_KEY_FILE))


def key_file_write(path: Path, lines: Sequence[str]) -> None:
    """Replace the key file with ``lines`` (mode 0600), whole or not at all."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write("".join(f"{line}\n" for line in lines))
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)


@lru_cache(maxsize=4)
def _derived(master_b64: bytes) -> tuple[bytes, bytes, bytes, bytes]:
    """The Fernet key of fields written by earlier versions (read only), the blind index key, the
    Fernet key of files, and the AES-256-GCM key of fields."""
    try:
        master = base64.urlsafe_b64decode(master_b64)
    except ValueError as error:
        raise FieldKeyError("the field key is not valid base64") from error
    if len(master) < 32:
        raise FieldKeyError("the field key must hold at least 32 bytes")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return (
        derive(b"abri field encryption"),
        derive(b"abri blind index"),
        derive(b"abri file encryption"),
        derive(b"abri field encryption aes-gcm"),
    )


@lru_cache(maxsize=4)
def _keys(master_b64: bytes) -> tuple[Fernet, bytes, Fernet]:
    fernet_key, index_key, files_key, _aead_key = _derived(master_b64)
    return Fernet(base64.urlsafe_b64encode(fernet_key)), index_key, Fernet(base64.urlsafe_b64encode(files_key))


@lru_cache(maxsize=16)
def _purpose_key(master_b64: bytes, purpose: str) -> bytes:
    _derived(master_b64)  # the same checks of the field key
    master = base64.urlsafe_b64decode(master_b64)
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=f"abri {purpose}".encode()).derive(master)


def purpose_key(purpose: str) -> bytes:
    """A 32-byte key for ``purpose`` (such as "staged import files"), derived from the field key by
    HKDF-SHA256 like the others, and independent of them."""
    return _purpose_key(_master_key(), purpose)


def purpose_keys(purpose: str) -> list[bytes]:
    """:func:`purpose_key` under every key of the ring, the current one first (for reading)."""
    return [_purpose_key(master, purpose) for master in key_ring()]


def _master_key() -> bytes:
    return key_ring()[0]


@lru_cache(maxsize=16)
def _key_id(master_b64: bytes) -> str:
    """Eight hex digits naming a key (a keyed hash of nothing: it tells keys apart, reveals none)."""
    _derived(master_b64)
    master = base64.urlsafe_b64decode(master_b64)
    return hmac.new(master, b"abri key id", hashlib.sha256).hexdigest()[:8]


def key_id(master_b64: bytes) -> str:
    """The id of one key of the ring."""
    return _key_id(master_b64)


def current_key_id() -> str:
    """The id of the key that writes."""
    return _key_id(_master_key())


def ring_id() -> str:
    """The ids of every key of the ring, in order: it changes when a rotation starts and ends."""
    return ",".join(_key_id(key) for key in key_ring())


def current_prefix() -> str:
    """How a value written under the current key begins (values with another beginning are older)."""
    return f"{_AEAD_PREFIX_KEYED}{current_key_id()}."


# A value: "a2.", the key id, "." and base64url(96-bit random nonce, AES-256-GCM ciphertext and
# tag), bound to this use. Values "a1." (no key id) were written by earlier versions.
_AEAD_PREFIX = "a1."
_AEAD_PREFIX_KEYED = "a2."
_AEAD_CONTEXT = b"abri field value"
_NONCE = 12


@lru_cache(maxsize=4)
def _aead(master_b64: bytes) -> AESGCM:
    return AESGCM(_derived(master_b64)[3])


def encrypt(value: str) -> str:
    """Encrypt ``value`` (AES-256-GCM, a fresh random nonce each time); the empty string stays empty."""
    return encrypt_many([value])[0]


def decrypt(token: str) -> str:
    """Decrypt a value written by :func:`encrypt` under any key of the ring (or a Fernet token of
    earlier versions of Abri)."""
    if not token:
        return ""
    ring = key_ring()
    try:
        if token.startswith(_AEAD_PREFIX_KEYED):
            key_id, _, body = token[len(_AEAD_PREFIX_KEYED) :].partition(".")
            for master in ring:
                if _key_id(master) == key_id:
                    data = base64.urlsafe_b64decode(body)
                    return _aead(master).decrypt(data[:_NONCE], data[_NONCE:], _AEAD_CONTEXT).decode()
            raise FieldKeyError(f"a value was written under key {key_id}, which is not among the configured keys")
        for master in ring:
            try:
                if token.startswith(_AEAD_PREFIX):
                    data = base64.urlsafe_b64decode(token[len(_AEAD_PREFIX) :])
                    return _aead(master).decrypt(data[:_NONCE], data[_NONCE:], _AEAD_CONTEXT).decode()
                return _keys(master)[0].decrypt(token.encode()).decode()
            except (InvalidToken, InvalidTag):
                continue
    except (InvalidToken, InvalidTag, ValueError) as error:
        raise FieldKeyError("a value could not be decrypted with the configured field key") from error
    raise FieldKeyError("a value could not be decrypted with the configured field key")


def readable(token: str) -> str | None:
    """:func:`decrypt`, or None when the value cannot be read (its key is gone or was destroyed)."""
    try:
        return decrypt(token)
    except FieldKeyError:
        return None


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised ``value``, for exact look-ups; empty for empty input."""
    if not value:
        return ""
    _, index_key, _ = _keys(_master_key())
    message = f"{purpose}:{value}".encode()
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


def blind_indexes(value: str, *, purpose: str) -> list[str]:
    """The keyed hash of ``value`` under every key of the ring, for look-ups (a rotation leaves
    values under the old key until it is over); empty for empty input."""
    if not value:
        return []
    message = f"{purpose}:{value}".encode()
    return [hmac.new(_keys(master)[1], message, hashlib.sha256).hexdigest() for master in key_ring()]


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a whole file's content (authenticated: a changed byte fails to decrypt)."""
    _, _, files = _keys(_master_key())
    return files.encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt content written by :func:`encrypt_bytes`."""
    files = MultiFernet([_keys(master)[2] for master in key_ring()])
    try:
        return files.decrypt(token)
    except InvalidToken as error:
        raise FieldKeyError("a file could not be decrypted with the configured field key") from error


def bytes_under_current_key(token: bytes) -> bool:
    """Whether file content written by :func:`encrypt_bytes` is under the key that writes today."""
    try:
        _keys(_master_key())[2].decrypt(token)
    except InvalidToken:
        return False
    return True


def reencrypt_bytes(token: bytes) -> bytes:
    """A file's content encrypted under the current key, from its content under any key of the ring."""
    return MultiFernet([_keys(master)[2] for master in key_ring()]).rotate(token)


def encrypt_many(values: Sequence[str]) -> list[str]:
    """:func:`encrypt` of every value, for imports of many thousands (the key is set up once)."""
    master = _master_key()
    aead = _aead(master)
    prefix = f"{_AEAD_PREFIX_KEYED}{_key_id(master)}."
    nonces = os.urandom(_NONCE * len(values))
    encode = base64.urlsafe_b64encode
    results = []
    for position, value in enumerate(values):
        if not value:
            results.append("")
            continue
        nonce = nonces[position * _NONCE : (position + 1) * _NONCE]
        results.append(prefix + encode(nonce + aead.encrypt(nonce, value.encode(), _AEAD_CONTEXT)).decode())
    return results


def blind_index_many(values: Sequence[str], *, purpose: str) -> list[str]:
    """:func:`blind_index` of every value (the key is looked up once)."""
    _fernet, index_key, _files = _keys(_master_key())
    prefix = f"{purpose}:"
    present = [position for position, value in enumerate(values) if value]
    digests = _hmac_sha256_many(index_key, [(prefix + values[position]).encode() for position in present])
    results = [""] * len(values)
    for position, digest in zip(present, digests, strict=True):
        results[position] = digest.hex()
    return results


def _hmac_sha256_many(key: bytes, messages: Sequence[bytes]) -> list[bytes]:
    """HMAC-SHA256 of each message: the standard library's HMAC, keyed once and copied per message."""
    keyed = hmac.new(key, digestmod=hashlib.sha256)
    digests = []
    for message in messages:
        mac = keyed.copy()
        mac.update(message)
        digests.append(mac.digest())
    return digests
