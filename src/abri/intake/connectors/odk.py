"""Pull submissions of a form from ODK Central with the official client (pyodk).

The password is written only to a private temporary configuration file for pyodk, deleted at once.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, Protocol

from django.utils.translation import gettext as _
from pyodk.client import Client
from pyodk.errors import PyODKError

from abri.core.errors import ValidationFailed


class SubmissionsReader(Protocol):
    def get_table(
        self, *, form_id: str, project_id: int, expand: str, skip: int, top: int, count: bool
    ) -> dict[str, Any]: ...


def _toml_string(value: str) -> str:
    return json.dumps(value)  # a JSON string is a valid TOML basic string


def odk_client(*, base_url: str, username: str, password: str, project_id: int) -> Client:
    """A pyodk client for the given server and account (configuration kept in a private temp folder)."""
    folder = Path(tempfile.mkdtemp(prefix="abri-odk-"))
    config = folder / "config.toml"
    descriptor = os.open(config, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(
            "[central]\n"
            f"base_url = {_toml_string(base_url)}\n"
            f"username = {_toml_string(username)}\n"
            f"password = {_toml_string(password)}\n"
            f"default_project_id = {int(project_id)}\n"
        )
    try:
        return Client(config_path=config, cache_path=folder / "cache.toml")
    finally:
        config.unlink(missing_ok=True)


def odk_pull(
    *,
    submissions: SubmissionsReader,
    form_id: str,
    project_id: int,
    destination: Path,
    page_size: int = 5000,
    progress: Callable[[str, int, int], None] | None = None,
    open_text: Callable[[Path], IO[str]] | None = None,
) -> int:
    """Write every submission of ``form_id`` (repeats expanded) to ``destination``; returns how many.

    ``open_text`` opens the destination for writing (encrypted, for a batch); a clear UTF-8 file by default.
    """
    count = 0
    with open_text(destination) if open_text else destination.open("w", encoding="utf-8") as out:
        out.write('{"value": [')
        while True:
            try:
                page = submissions.get_table(
                    form_id=form_id, project_id=project_id, expand="*", skip=count, top=page_size, count=True
                )
            except PyODKError as error:
                raise ValidationFailed(
                    {"server": [_("ODK Central refused the request: %(reason)s") % {"reason": str(error)[:200]}]}
                ) from error
            records = page.get("value", [])
            for record in records:
                out.write(("," if count else "") + json.dumps(record))
                count += 1
            total = page.get("@odata.count", count)
            if progress is not None:
                progress("pulling", count, int(total or count))
            if not records or count >= total:
                break
        out.write("]}")
    return count
