"""The production profile passes Django's deployment checks and keeps the login lockout on."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ABRI = str(Path(sys.executable).with_name("abri"))


def run_abri(tmp_path: Path, *arguments: str, **environment: str) -> subprocess.CompletedProcess[str]:
    # A clean environment: only what a server would set (other tests set variables of their own).
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    env.update(
        DJANGO_SETTINGS_MODULE="abri.config.settings_production",
        ABRI_DATA_DIR=str(tmp_path),
        SECRET_KEY=secrets.token_urlsafe(60),
        ALLOWED_HOSTS="abri.example.org",
    )
    env.update(environment)
    return subprocess.run(  # noqa: S603 -- our own console script, fixed arguments
        [ABRI, *arguments], capture_output=True, text=True, env=env, timeout=120, check=False
    )


def test_check_deploy_prints_no_warning_and_lockout_stays_on(tmp_path):
    # One process (Abri starts slowly on a small machine): the deployment checks, then the settings.
    names = ["AXES_ENABLED", "DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_SSL_REDIRECT"]
    code = (
        "from django.core.management import call_command; from django.conf import settings; "
        "call_command('check', deploy=True, fail_level='WARNING'); "
        f"print([getattr(settings, name) for name in {names!r}])"
    )
    data = tmp_path / "data"
    data.mkdir(mode=0o755)  # a folder made by hand, open to every account of the machine
    result = run_abri(tmp_path, "shell", "-v", "0", "-c", code, DEBUG="true", ABRI_DATA_DIR=str(data))
    expected = "System check identified no issues (0 silenced).\n[True, False, True, True, True]\n"
    assert result.stdout == expected, result.stderr
    assert result.stderr == ""
    assert result.returncode == 0
    # The data folder and the SQLite file are Abri's account's only.
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "abri.sqlite3").stat().st_mode & 0o777 == 0o600


def test_check_deploy_does_warn_about_a_weak_secret_key(tmp_path):
    result = run_abri(tmp_path, "check", "--deploy", "--fail-level", "WARNING", SECRET_KEY="short")
    assert result.returncode == 1
    assert "security.W009" in result.stderr


def test_pages_link_the_hashed_static_files_collectstatic_wrote(tmp_path):
    collected = run_abri(tmp_path, "collectstatic", "--noinput", "-v", "0")
    assert collected.returncode == 0, collected.stderr
    code = (
        "import re; from django.test import Client; "
        "page = Client().get('/accounts/login/', secure=True, headers={'host': 'abri.example.org'}); "
        "print(page.status_code, re.search(r'/static/(core/abri\\.[0-9a-f]{12}\\.css)', page.content.decode())[1])"
    )
    result = run_abri(tmp_path, "shell", "-v", "0", "-c", code)
    status, stylesheet = result.stdout.split()
    assert status == "200", result.stderr
    assert (tmp_path / "static" / stylesheet).exists()  # cached for a year under its hashed name
    assert (tmp_path / "static" / f"{stylesheet}.gz").exists()
