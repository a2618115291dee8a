"""French first: the pages ignore the browser's language; the FR/EN switch decides.

Field phones are often set to English while the teams work in French, so the pages start in
French (settings.LANGUAGE_CODE) until the user picks English, which a cookie remembers. The API
keeps honouring Accept-Language, since a client program asks for its language on purpose.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"


class FrenchFirstMiddleware:
    """Drop Accept-Language outside the API, before LocaleMiddleware reads it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX):
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
