"""Who the login lockout counts: the real client, and never the user's own known browser.

Five failed logins for a user name from one address lock that pair for an hour (django-axes).
Two things keep a stranger from using that to lock a known user out:

- **The real address.** Behind a reverse proxy every request comes from the proxy's address;
  :func:`abri.core.client.client_ip` believes ``X-Forwarded-For`` only from the proxies named in
  ``ABRI_TRUSTED_PROXIES`` and takes the last address they did not add themselves.
- **A known browser.** A browser that has logged in as a user gets a signed cookie naming that
  user (:func:`remember_device`); its logins are not locked by the failures of others behind the
  same address (an office's shared connection). A failed login from it spends the cookie, so a
  stolen one buys a single guess, then the ordinary lockout applies.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse

DEVICE_COOKIE = "abri_known_device"
DEVICE_DAYS = 180
_SALT = "abri.access.known-device"


def _username(value: Any) -> str:
    return str(value or "").strip().casefold()


def remember_device(response: HttpResponse, *, username: str) -> None:
    """Mark this browser as one that logged in as ``username``."""
    response.set_cookie(
        DEVICE_COOKIE,
        signing.dumps(_username(username), salt=_SALT),
        max_age=DEVICE_DAYS * 86400,
        path="/accounts/login/",
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Strict",
    )


def forget_device(response: HttpResponse) -> None:
    response.delete_cookie(DEVICE_COOKIE, path="/accounts/login/", samesite="Strict")


def is_known_device(request: HttpRequest, credentials: Any = None) -> bool:
    """Whether the login comes from a browser that has logged in as the user name it gives (axes' whitelist)."""
    cookie = request.COOKIES.get(DEVICE_COOKIE)
    if not cookie:
        return False
    try:
        remembered = signing.loads(cookie, salt=_SALT, max_age=DEVICE_DAYS * 86400)
    except signing.BadSignature:
        return False
    given = (credentials or {}).get("username") if isinstance(credentials, dict) else None
    if given is None:
        given = request.POST.get("username")
    return bool(remembered) and remembered == _username(given)
