"""deploy/backup.sh and deploy/restore.sh: a PostgreSQL installation backed up, lost, and found back."""

from __future__ import annotations

import os
import secrets
import subprocess
import tarfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.db import connection

from abri.access.tests.factories import OrganisationFactory
from abri.core import crypto
from abri.geo.tests.factories import mali_areas
from abri.registry.tests.factories import household_saved

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def _url(name: str) -> str:
    database = connection.settings_dict
    password = f":{quote(database['PASSWORD'], safe='')}" if database["PASSWORD"] else ""
    host = database["HOST"] or "127.0.0.1"
    return f"postgres://{quote(database['USER'], safe='')}{password}@{host}:{database['PORT'] or 5432}/{name}"


def _script(name: str, *arguments: object, **environment: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ["PATH"], **environment}
    return subprocess.run(  # noqa: S603 -- our own scripts
        [str(DEPLOY / name), *map(str, arguments)], capture_output=True, text=True, env=env, timeout=300, check=False
    )


def _households(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as db:
        rows = db.execute("SELECT registration_number, phone_encrypted FROM registry_household ORDER BY 1").fetchall()
    return [(number, crypto.decrypt(phone)) for number, phone in rows]


@pytest.fixture
def target():
    """An empty database to restore into, dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: pg_dump and pg_restore")
    name = f"abri_restore_{secrets.token_hex(4)}"
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(_url("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_backup_restored_into_an_empty_database_and_a_lost_data_folder_finds_everything_back(tmp_path, target):
    mali_areas()
    household = household_saved(organisation=OrganisationFactory(acronym="IOM"), phone="+223 76 12 34 56")
    data = tmp_path / "data"
    (data / "lists" / "run-1").mkdir(parents=True)
    (data / "lists" / "run-1" / "source-1.enc").write_bytes(b"encrypted partner list")
    (data / "secret.key").write_text("the session key")
    (data / "field.key").write_text("the field key, kept apart")
    (data / "static").mkdir()
    (data / "static" / "abri.css").write_text("body {}")
    source = _url(connection.settings_dict["NAME"])

    backup = _script("backup.sh", tmp_path / "backups", DATABASE_URL=source, ABRI_DATA_DIR=str(data))

    assert backup.returncode == 0, backup.stderr
    dump, archive = (Path(line) for line in backup.stdout.split())
    assert dump.name.endswith(".dump")
    assert archive.name.endswith("-data.tgz")
    assert oct(dump.stat().st_mode & 0o777) == "0o600"
    with tarfile.open(archive) as packed:
        names = set(packed.getnames())
    assert "./lists/run-1/source-1.enc" in names
    assert not {"./field.key", "./static"} & names  # the key is kept apart; static files are rebuilt

    lost = tmp_path / "lost"
    data.rename(lost)  # the data folder is gone
    restore = _script("restore.sh", dump, archive, DATABASE_URL=_url(target), ABRI_DATA_DIR=str(data))

    assert restore.returncode == 0, restore.stderr
    assert _households(_url(target)) == [(household.registration_number, "+22376123456")]
    assert (data / "lists" / "run-1" / "source-1.enc").read_bytes() == b"encrypted partner list"
    assert (data / "secret.key").read_text() == "the session key"
    assert not (data / "field.key").exists()
    assert "no field key in" in restore.stderr  # said before Abri would create a new one


def test_restoring_over_a_database_and_a_data_folder_replaces_them_and_keeps_the_key(tmp_path, target):
    mali_areas()
    household = household_saved(organisation=OrganisationFactory(acronym="IOM"), phone="+223 66 00 11 22")
    data = tmp_path / "data"
    data.mkdir()
    (data / "secret.key").write_text("the session key")
    backup = _script(
        "backup.sh", tmp_path / "backups", DATABASE_URL=_url(connection.settings_dict["NAME"]), ABRI_DATA_DIR=str(data)
    )
    assert backup.returncode == 0, backup.stderr
    dump, archive = (Path(line) for line in backup.stdout.split())
    first = _script("restore.sh", dump, DATABASE_URL=_url(target))
    assert first.returncode == 0, first.stderr
    with psycopg.connect(_url(target)) as db:  # later changes, to be undone by the restore
        db.execute("DELETE FROM registry_individual")
        db.execute("DELETE FROM registry_household")
    (data / "secret.key").write_text("a newer session key")
    (data / "field.key").write_text("this installation's field key")

    again = _script("restore.sh", dump, archive, DATABASE_URL=_url(target), ABRI_DATA_DIR=str(data))

    assert again.returncode == 0, again.stderr
    assert _households(_url(target)) == [(household.registration_number, "+22366001122")]
    assert (data / "secret.key").read_text() == "the session key"
    assert (data / "field.key").read_text() == "this installation's field key"
    (previous,) = tmp_path.glob("data.before-restore-*")
    assert (previous / "secret.key").read_text() == "a newer session key"


def test_a_missing_setting_is_named_and_nothing_is_written(tmp_path):
    result = _script("backup.sh", tmp_path / "backups", ABRI_DATA_DIR=str(tmp_path))
    assert result.returncode == 1
    assert "DATABASE_URL is not set" in result.stderr
    assert not (tmp_path / "backups").exists()
    result = _script("restore.sh", tmp_path / "none.dump", DATABASE_URL="postgres://abri@127.0.0.1/abri")
    assert result.returncode == 1
    assert f"no dump file at {tmp_path / 'none.dump'}" in result.stderr
