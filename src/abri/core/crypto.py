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
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
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
def _keys(master_b64: bytes) -> tuple[Fernet, bytes, Fernet]:
    try:
        master = base64.urlsafe_b64decode(master_b64)
    except ValueError as error:
        raise FieldKeyError("the field key is not valid base64") from error
    if len(master) < 32:
        raise FieldKeyError("the field key must hold at least 32 bytes")

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    fernet = Fernet(base64.urlsafe_b64encode(derive(b"abri field encryption")))
    files = Fernet(base64.urlsafe_b64encode(derive(b"abri file encryption")))
    return fernet, derive(b"abri blind index"), files


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
