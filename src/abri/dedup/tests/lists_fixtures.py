"""What the partner-list tests share: a French-named list, uploads, the officers, a private data folder."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from abri.access.models import Role
from abri.access.tests.factories import MembershipFactory
from abri.dedup.models import ListRun

# The columns as a French-speaking partner names them.
HEADER = ["ID", "Ménage", "Prénom", "Nom", "Sexe", "Naissance", "Téléphone", "Commune"]
GUESSED = {
    "ID": "id",
    "Ménage": "household_id",
    "Prénom": "given_name",
    "Nom": "family_name",
    "Sexe": "sex",
    "Naissance": "birth_date",
    "Téléphone": "phone",
    "Commune": "location",
}
CLI_OPTIONS = [
    "--id-column=ID",
    "--map=household_id=Ménage",
    "--map=given_name=Prénom",
    "--map=family_name=Nom",
    "--map=sex=Sexe",
    "--map=birth_date=Naissance",
    "--map=phone=Téléphone",
    "--map=location=Commune",
]


def csv_bytes(rows: list[tuple[str, ...]], *, header: list[str] = HEADER, encoding: str = "utf-8") -> bytes:
    lines = [";".join(header)] + [";".join(row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def upload(client: Client, first: tuple[str, bytes], second: tuple[str, bytes] | None = None) -> Any:
    data: dict[str, Any] = {"first": _file(*first)}
    if second:
        data["second"] = _file(*second)
    return client.post(reverse("lists:home"), data)


def _file(name: str, content: bytes) -> io.BytesIO:
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def accept_guesses(client: Client, run: ListRun, **changes: str) -> Any:
    """Post the mapping page as shown (the guesses), with some columns changed: {"Commune": "compare"}."""
    page = client.get(reverse("lists:map", args=[run.uuid]))
    form = page.context["form"]
    data = {"threshold": "0.5"}
    for index, column in enumerate(form.columns):
        data[f"role_{index}"] = changes.get(column.name, form.fields[f"role_{index}"].initial or "")
    return client.post(reverse("lists:map", args=[run.uuid]), data)


@pytest.fixture
def data_dir(settings, tmp_path: Path) -> Path:
    """Each test its own data folder, to see exactly which files a run leaves."""
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def en_client(client: Client) -> Client:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "en"  # Abri speaks French until told otherwise
    return client


@pytest.fixture
def im_officer(iom):
    return MembershipFactory(
        organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True, user__username="im.mali"
    ).user


@pytest.fixture
def other_im_officer(iom):
    return MembershipFactory(
        organisation=iom, role=Role.INFORMATION_MANAGEMENT_OFFICER, all_areas=True, user__username="im.other"
    ).user


@pytest.fixture
def logged_in(en_client, im_officer) -> Client:
    en_client.force_login(im_officer)
    return en_client
