"""Pull submissions of a form from a KoboToolbox server (API v2), page by page.

The token is used for the requests only: it is never logged or put in an audit entry. A pull
from the web page waits for its background job with the token encrypted in the batch's folder
(`abri.intake.staging.secret_keep`), deleted as the job takes it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO

import httpx
from django.utils.translation import gettext as _

from abri.core.errors import ValidationFailed

PAGE_SIZE = 5000
TIMEOUT = httpx.Timeout(60.0, connect=15.0)


def kobo_pull(
    *,
    base_url: str,
    token: str,
    asset_uid: str,
    destination: Path,
    transport: httpx.BaseTransport | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    page_size: int = PAGE_SIZE,
    open_text: Callable[[Path], IO[str]] | None = None,
) -> int:
    """Write every submission of form ``asset_uid`` to ``destination`` (JSON); returns how many.

    ``open_text`` opens the destination for writing (encrypted, for a batch); a clear UTF-8 file by default.
    """
    url: str | None = f"{base_url.rstrip('/')}/api/v2/assets/{asset_uid}/data/"
    params: dict[str, str | int] | None = {"format": "json", "limit": page_size, "start": 0}
    count = 0
    with (
        httpx.Client(headers={"Authorization": f"Token {token}"}, timeout=TIMEOUT, transport=transport) as client,
        open_text(destination) if open_text else destination.open("w", encoding="utf-8") as out,
    ):
        out.write('{"results": [')
        while url:
            try:
                response = client.get(url, params=params)
            except httpx.HTTPError as error:
                raise ValidationFailed(
                    {
                        "server": [
                            _("The Kobo server could not be reached (%(reason)s).") % {"reason": type(error).__name__}
                        ]
                    }
                ) from error
            if response.status_code in {401, 403}:
                raise ValidationFailed(
                    {"token": [_("The Kobo server refused the token: check it and its rights on the form.")]}
                )
            if response.status_code == 404:
                raise ValidationFailed({"asset_uid": [_("The Kobo server has no form %(uid)s.") % {"uid": asset_uid}]})
            if response.status_code >= 400:
                raise ValidationFailed(
                    {
                        "server": [
                            _("The Kobo server answered with error %(status)s.") % {"status": response.status_code}
                        ]
                    }
                )
            page = response.json()
            for record in page.get("results", []):
                out.write(("," if count else "") + json.dumps(record))
                count += 1
            if progress is not None:
                progress("pulling", count, int(page.get("count") or count))
            url, params = page.get("next"), None  # "next" already carries the paging parameters
        out.write("]}")
    return count
