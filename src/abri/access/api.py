"""API authentication: bearer tokens (hashed at rest) and the browser session (with CSRF on writes)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security.apikey import APIKeyCookie
from ninja.utils import check_csrf

from abri.access.models import ApiToken
from abri.access.second_factor import needs_second_factor
from abri.access.selectors import Scope, scope_for
from abri.access.services import token_hash

# Writing last_used_at on every call would make each read a write; a minute is precise enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; revoked or expired tokens, and inactive users, are refused."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        now = timezone.now()
        api_token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
            .filter(Q(expires_at__isnull=True) | Q(expires_at__gt=now))
            .first()
        )
        if api_token is None:
            return None
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class SessionCsrfAuth(APIKeyCookie):
    """The logged-in browser session; unsafe methods need the CSRF token, as in every Django form.

    Unlike ninja's SessionAuth, a request without a session cookie is simply not
    authenticated (401), instead of failing the CSRF check (403).
    """

    param_name: str = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        key = request.COOKIES.get(self.param_name)
        if key is None:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header with the csrftoken cookie."))
        return key

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        # A session that still owes its authenticator code reads nothing, as on the pages.
        if key is not None and request.user.is_authenticated and not needs_second_factor(request.user):
            return request.user
        return None


session_auth = SessionCsrfAuth()


def request_scope(request: HttpRequest) -> Scope:
    """The scope of the authenticated caller, read once per request."""
    cached: Scope | None = getattr(request, "_abri_scope", None)
    if cached is None:
        cached = scope_for(user=getattr(request, "auth", None))
        request._abri_scope = cached  # type: ignore[attr-defined]  # a per-request cache
    return cached
