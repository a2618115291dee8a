"""Every environment variable Abri reads, typed, with its default and its meaning.

This table is the only place settings touch ``os.environ``: `abri env` style help and the
operations guide are generated from it, so an unknown knob cannot hide in the code.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected a boolean (true/false), got {raw!r}")


def _workers(raw: str) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError(f"expected 0 (automatic) or a number of processes, got {raw!r}")
    return value


def _hour(raw: str) -> int:
    value = int(raw)
    if not 0 <= value <= 23:
        raise ValueError(f"expected an hour from 0 to 23, got {raw!r}")
    return value


def _region(raw: str) -> str:
    value = raw.strip().upper()
    if len(value) != 2 or not value.isalpha():
        raise ValueError(f"expected a two-letter country code (ML, BF, NE), got {raw!r}")
    return value


def _hours(raw: str) -> tuple[int, int]:
    try:
        start, end = (int(part) for part in raw.strip().split("-"))
    except ValueError:
        raise ValueError(f"expected two hours from-to (07-19), got {raw!r}") from None
    if not 0 <= start < end <= 24:
        raise ValueError(f"expected two hours from 0 to 24, the first before the second (07-19), got {raw!r}")
    return start, end


def _list(raw: str) -> list[str]:
    return [item.strip() for item in raw.split(",") if item.strip()]


@dataclass(frozen=True)
class Variable:
    name: str
    parse: Callable[[str], Any]
    default: Any
    help: str

    def read(self) -> Any:
        raw = os.environ.get(self.name)
        if raw is None:
            return self.default() if callable(self.default) else self.default
        try:
            return self.parse(raw)
        except ValueError as error:
            raise ValueError(f"environment variable {self.name}: {error}") from error


def _default_data_dir() -> Path:
    return Path.cwd() / "data"


VARIABLES: dict[str, Variable] = {
    variable.name: variable
    for variable in [
        Variable(
            "ABRI_DATA_DIR",
            lambda raw: Path(raw).expanduser().resolve(),
            _default_data_dir,
            "Folder for the SQLite database, the generated secret key and the field key.",
        ),
        Variable(
            "DATABASE_URL",
            str,
            "",
            "Database URL (postgres://user@host:5432/name). Empty: SQLite in ABRI_DATA_DIR.",
        ),
        Variable("SECRET_KEY", str, "", "Django secret key. Empty: generated once into ABRI_DATA_DIR."),
        Variable(
            "ABRI_AUDIT_KEY",
            str,
            "",
            "Key sealing the audit log's chain; keep it outside the database and its backups. "
            "Empty: generated once into ABRI_DATA_DIR/audit.key.",
        ),
        Variable(
            "ABRI_AUDIT_VIEWS_PER_HOUR",
            int,
            100,
            "Households' personal data one user may open in an hour before administrators are warned.",
        ),
        Variable(
            "ABRI_WORKING_HOURS",
            _hours,
            (7, 19),
            "Working hours (local time, from-to); exports outside them are flagged to administrators.",
        ),
        Variable("DEBUG", _bool, False, "Show detailed error pages. Never in production."),
        Variable(
            "ALLOWED_HOSTS",
            _list,
            ["127.0.0.1", "localhost"],
            "Comma-separated host names Abri answers to.",
        ),
        Variable(
            "ABRI_TRUSTED_PROXIES",
            _list,
            [],
            "Comma-separated addresses or networks (10.0.0.0/8) of the reverse proxies in front of Abri: "
            "only from them is X-Forwarded-For believed, for the login lockout. Empty: no proxy.",
        ),
        Variable(
            "CSRF_TRUSTED_ORIGINS",
            _list,
            [],
            "Comma-separated origins (https://abri.example.org) trusted for form posts.",
        ),
        Variable(
            "ABRI_FIELD_KEY",
            str,
            "",
            "Base64 key (32 bytes) encrypting phone and identity numbers. Empty: key file in ABRI_DATA_DIR.",
        ),
        Variable(
            "ABRI_FIELD_KEY_FILE",
            str,
            "",
            "Path of a file holding the field key, kept outside the database. Empty: ABRI_DATA_DIR/field.key.",
        ),
        Variable(
            "ABRI_TASKS_IMMEDIATE",
            _bool,
            False,
            "Run background jobs in the request instead of the database queue (tests, tiny setups).",
        ),
        Variable(
            "ABRI_PHONE_REGION",
            _region,
            "ML",
            "Country (ISO 3166 code) of a phone number written without its country code (76 12 34 56).",
        ),
        Variable("ABRI_LOG_LEVEL", str, "INFO", "Log level of Abri's own loggers."),
        Variable(
            "ABRI_IMPORT_MAX_MB",
            int,
            200,
            "Largest registration file an import accepts, in megabytes.",
        ),
        Variable(
            "ABRI_IMPORT_MAX_UNCOMPRESSED_MB",
            int,
            1000,
            "Largest uncompressed content of an uploaded XLSX (all its parts together), in megabytes.",
        ),
        Variable(
            "ABRI_IMPORT_MAX_COMPRESSION_RATIO",
            int,
            100,
            "Largest compression ratio of a part of an uploaded XLSX; a higher one is refused as a zip bomb.",
        ),
        Variable("ABRI_IMPORT_MAX_COLUMNS", int, 2000, "Most columns a sheet or CSV file of an import may have."),
        Variable("ABRI_IMPORT_MAX_ROWS", int, 2_000_000, "Most rows a sheet or CSV file of an import may have."),
        Variable(
            "ABRI_IMPORT_MAX_JSON_DEPTH",
            int,
            64,
            "Deepest nesting of objects and lists an uploaded JSON file may have.",
        ),
        Variable(
            "ABRI_BATCH_PAIRS_MAX_PEOPLE",
            int,
            100_000,
            "Largest import batch (people) whose people are also compared with each other before commit; "
            "a larger batch is compared with the registry only, and a registry search finds the pairs inside it.",
        ),
        Variable(
            "ABRI_LIST_RETENTION_DAYS",
            int,
            7,
            "Days an uploaded partner list and what was found in it are kept before deletion.",
        ),
        Variable(
            "ABRI_RETENTION_DAYS",
            int,
            730,
            "Days the personal data of a closed case (a household inactive, returned or merged) is kept after "
            "its last change; then `abri purge` removes names, phone, identity numbers and exact birth dates, "
            "keeping the figures.",
        ),
        Variable(
            "ABRI_WEB_WORKERS",
            _workers,
            0,
            "Web server (gunicorn) worker processes `abri serve` starts. 0: twice the CPUs plus one, at most 4 "
            "(each worker keeps its own index of the registry for the live duplicate check).",
        ),
        Variable(
            "ABRI_SCHEDULE_HOUR",
            _hour,
            2,
            "Hour of the day (0-23, TIME_ZONE) at which the scheduler runs the daily work: flags, list purge.",
        ),
        Variable(
            "ABRI_SECURE_COOKIES",
            _bool,
            True,
            "Production profile: send cookies over HTTPS only and redirect HTTP to HTTPS.",
        ),
    ]
}


def env(name: str) -> Any:
    """Return the typed value of the environment variable ``name`` from the table."""
    return VARIABLES[name].read()


def private_folder(path: Path) -> Path:
    """``path`` as a folder only Abri's account can open (0700), created or tightened."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)
    return path


def private_file(path: Path) -> Path:
    """``path`` as a file only Abri's account can read (0600), created empty if missing.

    SQLite gives its -wal and -shm files the permissions of the database file, so creating the
    database this way keeps all three private.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
    return path


def secret_key(data_dir: Path, variable: str = "SECRET_KEY", filename: str = "secret.key") -> str:
    """Return the secret named ``variable``, generating it once into ``data_dir/filename`` when it is not set."""
    configured = env(variable)
    if configured:
        return str(configured)
    path = data_dir / filename
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process wrote it first: use theirs
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()
