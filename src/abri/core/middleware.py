"""French first: the pages ignore the browser's language; the FR/EN switch decides.

Field phones are often set to English while the teams work in French, so the pages start in
French (settings.LANGUAGE_CODE) until the user picks English, which a cookie remembers. The API
keeps honouring Accept-Language, since a client program asks for its language on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from abri.core.client import client_ip, current_source

API_PREFIX = "/api/"


class FrenchFirstMiddleware:
    """Drop Accept-Language outside the API, before LocaleMiddleware reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


# Scripts, styles, images and connections from Abri itself only; the style attributes of the
# bars and charts are allowed, <style> blocks and inline scripts are not.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """The Content-Security-Policy on every page, and ``Cache-Control: no-store`` on every answer but static files.

    Pages, API answers, reports and downloads may all carry names, phones and ID numbers: no
    browser, proxy or shared computer keeps a copy of them. An answer that sets its own
    Cache-Control keeps it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.static_prefix = "/" + str(settings.STATIC_URL).lstrip("/")

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if not request.path.startswith(self.static_prefix) and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response


class AuditSourceMiddleware:
    """Name the client's address (`abri.core.client.client_ip`) for the audit entries of this request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_source.set(client_ip(request)[:64])
        try:
            return self.get_response(request)
        finally:
            current_source.reset(token)
