"""The HTTP API: one NinjaAPI, each app adds its router; errors answered in the caller's language.

- 401: no valid token nor session;
- 403: the record is visible but the action is not allowed (or the CSRF check failed);
- 404: the record does not exist or is outside the caller's scope (the same answer);
- 422: ``{"detail": [{"field": "members[2].birth_date", "message": "..."}]}``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as RequestValidationError

from abri.access.api import ApiTokenAuth, session_auth
from abri.assistance.api import router as assistance_router
from abri.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from abri.grievances.api import router as grievances_router
from abri.registry.api import router as registry_router
from abri.targeting.api import router as targeting_router

# Answers every operation may give besides its own, as the error handlers below write them.
_ERROR_ANSWERS = {
    "401": "No valid API token nor logged-in session.",
    "403": "The record is visible but this action is not allowed (or, with a session, the CSRF check failed).",
    "422": "The request is not valid: every problem, with its field.",
}
_NOT_FOUND = "The record does not exist or is outside your scope (the same answer for both)."


def _errors_documented(schema: dict[str, Any]) -> dict[str, Any]:
    """Every operation lists the error answers it may give (401, 403, 422; 404 when it names a record)."""
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    components["FieldErrors"] = {
        "type": "object",
        "properties": {
            "detail": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                    "required": ["field", "message"],
                },
            }
        },
        "required": ["detail"],
    }
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            answers = dict(_ERROR_ANSWERS)
            if "{" in path or method != "get":  # a record named in the path, or in the body of a write
                answers["404"] = _NOT_FOUND
            for status, description in answers.items():
                shape = "FieldErrors" if status == "422" else "Error"
                responses.setdefault(
                    status,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{shape}"}}},
                    },
                )
    return schema


class AbriAPI(NinjaAPI):
    """Abri's API: its OpenAPI document lists the error answers too."""

    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None) -> Any:
        return _errors_documented(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))


api = AbriAPI(
    title="Abri API",
    version="1",
    description=(
        "Registration, targeting and assistance of internally displaced people. "
        "Authenticate with `Authorization: Bearer <token>` (`abri create-token`) or a logged-in session "
        "(writes then need the `X-CSRFToken` header). Records outside your scope answer 404. "
        "Messages follow `Accept-Language` (fr, en)."
    ),
    urls_namespace="api",
    auth=[ApiTokenAuth(), session_auth],
)
api.add_router("/", registry_router)
api.add_router("/", targeting_router)
api.add_router("/", grievances_router)
api.add_router("/", assistance_router)


def _field_path(location: Sequence[Any]) -> str:
    """``("body", "payload", "members", 1, "birth_date")`` → ``members[2].birth_date`` (positions from 1)."""
    parts = list(location)
    if parts and parts[0] in {"body", "query", "path", "header", "cookie", "form"}:
        parts = parts[1:]
    # A body parameter is nested under its name (payload); a query schema is not.
    if location and location[0] == "body" and parts and isinstance(parts[0], str) and len(parts) > 1:
        parts = parts[1:]
    path = ""
    for part in parts:
        if isinstance(part, int):
            path += f"[{part + 1}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "__all__"


def _message(error: Mapping[str, Any]) -> str:
    """A translated message for one pydantic error (pydantic's own messages are English only)."""
    kind = str(error.get("type", ""))
    context = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith(("date_", "datetime_")):
        return _("Enter a valid date (YYYY-MM-DD).")
    if kind.startswith("int_"):
        return _("Enter a whole number.")
    if kind.startswith("bool_"):
        return _("Enter true or false.")
    if kind == "string_type":
        return _("Enter text.")
    if kind == "list_type":
        return _("Enter a list.")
    if kind in {"greater_than_equal", "greater_than"}:
        return _("Enter a value of at least %(limit)s.") % {"limit": context.get("ge", context.get("gt"))}
    if kind in {"less_than_equal", "less_than"}:
        return _("Enter a value of at most %(limit)s.") % {"limit": context.get("le", context.get("lt"))}
    if kind == "json_invalid":
        return _("The request body is not valid JSON.")
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        return _("Enter an object.")
    return _("Enter a valid value.")


def _detail(pairs: Iterable[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    return {"detail": [{"field": field, "message": message} for field, message in pairs]}


@api.exception_handler(ValidationFailed)
def _validation_failed(request: HttpRequest, error: ValidationFailed) -> HttpResponse:
    pairs = [(field, message) for field, messages in error.errors.items() for message in messages]
    return api.create_response(request, _detail(pairs), status=422)


@api.exception_handler(RequestValidationError)
def _request_invalid(request: HttpRequest, error: RequestValidationError) -> HttpResponse:
    pairs = [(_field_path(item.get("loc", ())), _message(item)) for item in error.errors]
    return api.create_response(request, _detail(pairs), status=422)


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, error: Conflict) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=409)


@api.exception_handler(NotFound)
def _not_found(request: HttpRequest, error: NotFound) -> HttpResponse:
    return api.create_response(request, {"detail": str(error) or _("Not found.")}, status=404)


@api.exception_handler(Http404)
def _http_404(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=403)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    # ninja's only 400 is a body it could not parse; its message is English only.
    message = _("The request body is not valid JSON.") if error.status_code == 400 else str(error)
    return api.create_response(request, {"detail": message}, status=error.status_code)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    response = api.create_response(
        request, {"detail": _("Authentication required: send a valid API token, or log in.")}, status=401
    )
    response["WWW-Authenticate"] = 'Bearer realm="abri"'
    return response


def _out_of_range(request: HttpRequest, error: Any) -> HttpResponse:
    # A number beyond what the database stores (an id of 30 digits) or a text longer than its
    # column: the database refused it and nothing was written; the client hears which kind.
    return api.create_response(
        request, _detail([("__all__", _("A value is out of range or too long to be stored."))]), status=422
    )


api.add_exception_handler(OverflowError, _out_of_range)
api.add_exception_handler(DataError, _out_of_range)
