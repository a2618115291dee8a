"""Field encryption for phone and identity numbers, with a keyed hash to find them.

The key lives outside the database: ABRI_FIELD_KEY, or the key file (created once, mode 0600).
From it, HKDF derives independent keys: one for AES-256-GCM (authenticated encryption of each
field value, a fresh random nonce each time), one for HMAC-SHA256 (the blind index that lets us
find a number without decrypting all), and one for Fernet over whole files (uploaded partner
lists and what was found in them). Values written by earlier versions as Fernet tokens are
still read. Every construction is the library's (cryptography, hmac): none is built by hand.
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
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
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


def _master_key() -> bytes:
    configured: str = settings.ABRI_FIELD_KEY
    if configured:
        return configured.encode()
    return _read_or_create_key_file(Path(settings.ABRI_FIELD_KEY_FILE))


# A value: "a1." and base64url(96-bit random nonce, AES-256-GCM ciphertext and tag), bound to this use.
_AEAD_PREFIX = "a1."
_AEAD_CONTEXT = b"abri field value"
_NONCE = 12


@lru_cache(maxsize=4)
def _aead(master_b64: bytes) -> AESGCM:
    return AESGCM(_derived(master_b64)[3])


def encrypt(value: str) -> str:
    """Encrypt ``value`` (AES-256-GCM, a fresh random nonce each time); the empty string stays empty."""
    return encrypt_many([value])[0]


def decrypt(token: str) -> str:
    """Decrypt a value written by :func:`encrypt` (or a Fernet token of earlier versions of Abri)."""
    if not token:
        return ""
    master = _master_key()
    try:
        if token.startswith(_AEAD_PREFIX):
            data = base64.urlsafe_b64decode(token[len(_AEAD_PREFIX) :])
            return _aead(master).decrypt(data[:_NONCE], data[_NONCE:], _AEAD_CONTEXT).decode()
        fernet, _, _ = _keys(master)
        return fernet.decrypt(token.encode()).decode()
    except (InvalidToken, InvalidTag, ValueError) as error:
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


def encrypt_many(values: Sequence[str]) -> list[str]:
    """:func:`encrypt` of every value, for imports of many thousands (the key is set up once)."""
    aead = _aead(_master_key())
    nonces = os.urandom(_NONCE * len(values))
    encode = base64.urlsafe_b64encode
    results = []
    for position, value in enumerate(values):
        if not value:
            results.append("")
            continue
        nonce = nonces[position * _NONCE : (position + 1) * _NONCE]
        results.append(_AEAD_PREFIX + encode(nonce + aead.encrypt(nonce, value.encode(), _AEAD_CONTEXT)).decode())
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
