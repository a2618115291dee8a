"""Field encryption for phone and identity numbers, with a keyed hash to find them.

The key lives outside the database: ABRI_FIELD_KEY, or the key file (created once, mode 0600).
From it, HKDF derives independent keys: one for Fernet (authenticated encryption of fields),
one for HMAC-SHA256 (the blind index that lets us find a number without decrypting all), and
one for Fernet over whole files (uploaded partner lists and what was found in them).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class FieldKeyError(RuntimeError):
    """The field key is missing or malformed."""


@lru_cache(maxsize=4)  # read once per process: a bulk registration encrypts thousands of values
def _read_or_create_key_file(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
    return path.read_text().strip().encode()


@lru_cache(maxsize=4)
def _derived(master_b64: bytes) -> tuple[bytes, bytes, bytes]:
    """The Fernet key of fields (signing half, then encryption half), the blind index key, and
    the Fernet key of files."""
    try:
        master = base64.urlsafe_b64decode(master_b64)
    except ValueError as error:
        raise FieldKeyError("the field key is not valid base64") from error
    if len(master) < 32:
        raise FieldKeyError("the field key must hold at least 32 bytes")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return derive(b"abri field encryption"), derive(b"abri blind index"), derive(b"abri file encryption")


@lru_cache(maxsize=4)
def _keys(master_b64: bytes) -> tuple[Fernet, bytes, Fernet]:
    fernet_key, index_key, files_key = _derived(master_b64)
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


def _master_key() -> bytes:
    configured: str = settings.ABRI_FIELD_KEY
    if configured:
        return configured.encode()
    return _read_or_create_key_file(Path(settings.ABRI_FIELD_KEY_FILE))


def encrypt(value: str) -> str:
    """Encrypt ``value``; the empty string stays empty."""
    if not value:
        return ""
    fernet, _, _ = _keys(_master_key())
    return fernet.encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    """Decrypt a value written by :func:`encrypt`."""
    if not token:
        return ""
    fernet, _, _ = _keys(_master_key())
    try:
        return fernet.decrypt(token.encode()).decode()
    except InvalidToken as error:
        raise FieldKeyError("a value could not be decrypted with the configured field key") from error


def blind_index(value: str, *, purpose: str) -> str:
    """Keyed hash of a normalised ``value``, for exact look-ups; empty for empty input."""
    if not value:
        return ""
    _, index_key, _ = _keys(_master_key())
    message = f"{purpose}:{value}".encode()
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


def encrypt_bytes(data: bytes) -> bytes:
    """Encrypt a whole file's content (authenticated: a changed byte fails to decrypt)."""
    _, _, files = _keys(_master_key())
    return files.encrypt(data)


def decrypt_bytes(token: bytes) -> bytes:
    """Decrypt content written by :func:`encrypt_bytes`."""
    _, _, files = _keys(_master_key())
    try:
        return files.decrypt(token)
    except InvalidToken as error:
        raise FieldKeyError("a file could not be decrypted with the configured field key") from error


_FERNET_VERSION = b"\x80"
_BLOCK = 16


def encrypt_many(values: Sequence[str]) -> list[str]:
    """:func:`encrypt` of every value, for imports of many thousands: the same Fernet tokens
    (version, time, random IV, AES-128-CBC with PKCS7 padding, HMAC-SHA256; `decrypt` reads them),
    with the AES work of all the values done in a few large calls instead of one per value.

    CBC is computed block position by block position: C(j) = AES(P(j) xor C(j-1)), C(-1) = IV,
    for all the values of the same length at once.
    """
    fernet_key, _index_key, _files_key = _derived(_master_key())
    signing_key, encryption_key = fernet_key[:16], fernet_key[16:]
    results = [""] * len(values)
    header = _FERNET_VERSION + int(time.time()).to_bytes(8, "big")
    by_blocks: dict[int, list[int]] = {}
    encoded = [value.encode() for value in values]
    for position, data in enumerate(encoded):
        if data:
            by_blocks.setdefault(len(data) // _BLOCK + 1, []).append(position)
    for blocks, positions in by_blocks.items():
        count = len(positions)
        size = blocks * _BLOCK
        padded = b"".join(
            encoded[position] + bytes([size - len(encoded[position])]) * (size - len(encoded[position]))
            for position in positions
        )
        plain = np.frombuffer(padded, dtype=np.uint8).reshape(count, size)
        iv = np.frombuffer(os.urandom(_BLOCK * count), dtype=np.uint8).reshape(count, _BLOCK)
        cipher = np.empty_like(plain)
        previous = iv
        # Each AES call below encrypts one block of every value: CBC chaining, not ECB use.
        encryptor = Cipher(algorithms.AES(encryption_key), modes.ECB()).encryptor()  # noqa: S305
        for block in range(blocks):
            mixed = np.bitwise_xor(plain[:, block * _BLOCK : (block + 1) * _BLOCK], previous)
            chained = np.frombuffer(encryptor.update(mixed.tobytes()), dtype=np.uint8).reshape(count, _BLOCK)
            cipher[:, block * _BLOCK : (block + 1) * _BLOCK] = chained
            previous = chained
        width = _BLOCK + size
        bodies = np.concatenate([iv, cipher], axis=1).tobytes()
        messages = [header + bodies[row * width : (row + 1) * width] for row in range(count)]
        encode = base64.urlsafe_b64encode
        for position, body, mac in zip(positions, messages, _hmac_sha256_many(signing_key, messages), strict=True):
            results[position] = encode(body + mac).decode()
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
    """HMAC-SHA256 (RFC 2104) of each message, the keyed inner and outer states computed once."""
    block = key.ljust(64, b"\0") if len(key) <= 64 else hashlib.sha256(key).digest().ljust(64, b"\0")
    inner_start = hashlib.sha256(bytes(byte ^ 0x36 for byte in block))
    outer_start = hashlib.sha256(bytes(byte ^ 0x5C for byte in block))
    digests = []
    for message in messages:
        inner = inner_start.copy()
        inner.update(message)
        outer = outer_start.copy()
        outer.update(inner.digest())
        digests.append(outer.digest())
    return digests
