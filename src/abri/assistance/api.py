"""Handover endpoint: one handover per request, exactly once per idempotency key.

``POST /api/v1/handovers`` with the token and an ``Idempotency-Key`` header answers 201 with
the handover; the same key and body again answers the same (a replay: a client that lost the
answer may resend); the same key with another body 422; a token already redeemed 409 with the
earlier handover. Every refusal writes nothing.
"""

from __future__ import annotations

import gzip
import json
import re
from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status
from pydantic import Field

from abri.access.api import request_scope
from abri.access.roles import RECORD_HANDOVERS
from abri.assistance.selectors import access_distribution, handover_summary
from abri.assistance.services import AlreadyHandedOver, handover_record_once
from abri.assistance.sync import QueuedHandover, offline_preparation, offline_sync
from abri.core.errors import NotFound, ValidationFailed

router = Router(tags=["assistance"])

IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:-]{8,100}")


class HandoverIn(Schema):
    token: str = Field(max_length=40, description="The entitlement's token, as printed (7KQ2M-X9D4T) or scanned.")
    distribution: str = Field(
        default="", max_length=32, description="The distribution's code: a token of another one is refused."
    )
    receiver: Literal["head", "proxy"] = "head"
    proxy_name: str = Field(default="", max_length=200)
    proxy_relationship: str = Field(default="", max_length=100)
    photo_consent: bool = False
    point: str = Field(default="", max_length=200, description="The distribution point's name.")


class HandoverOut(Schema):
    id: int
    token: str
    distribution: str
    household: str
    status: str
    handed_over_at: str
    recorded_by: str
    receiver: str
    point: str


class HandoverConflict(Schema):
    detail: str
    earlier: HandoverOut


@router.post(
    "/handovers",
    response={201: HandoverOut, 409: HandoverConflict},
    summary="Record a handover",
)
def handovers_create(
    request: HttpRequest, payload: HandoverIn, idempotency_key: str = Header(default="", alias="Idempotency-Key")
) -> Status[Any]:
    """Record that the kit of an entitlement was handed over. Send a fresh `Idempotency-Key` (8 to 100
    letters, digits, `_ . : -`) with each new handover, the same one when resending after a lost answer."""
    if not IDEMPOTENCY_KEY.fullmatch(idempotency_key):
        raise ValidationFailed(
            {
                "Idempotency-Key": [
                    _("Send an Idempotency-Key header of 8 to 100 letters, digits or _ . : - (one per handover).")
                ]
            }
        )
    scope = request_scope(request)
    user: User = request.auth  # type: ignore[attr-defined]  # set by the API's authentication
    distribution = (
        access_distribution(
            scope=scope, code=payload.distribution.strip().upper(), permission=RECORD_HANDOVERS, related=()
        )
        if payload.distribution.strip()
        else None
    )
    try:
        status, answer = handover_record_once(
            actor=user, scope=scope, key=idempotency_key, body=payload.dict(), distribution=distribution
        )
    except AlreadyHandedOver as error:
        return Status(409, {"detail": str(error), "earlier": handover_summary(error.earlier)})
    return Status(status, answer)


# --- offline distribution ----------------------------------------------------------------------


class OfflineEntitlement(Schema):
    t: str = Field(description="Token, without its dash.")
    n: str = Field(description="The household's registration number.")
    h: str = Field(description="The head of household's name.")
    s: str = Field(description="The head's sex, as shown.")
    a: int | None = Field(description="The head's age in years.")
    z: int = Field(description="The household's size.")
    x: bool = Field(description="Cancelled.")
    d: str | None = Field(description="When it was handed over, if it was.")
    p: str = Field(description="Where it was handed over.")


class OfflinePreparation(Schema):
    distribution: str
    point: str
    user: int
    prepared_at: str
    expires_at: str
    entitlements: list[OfflineEntitlement]


class OfflineSession(Schema):
    user: int
    csrf_token: str


class QueuedIn(Schema):
    key: str = Field(pattern=IDEMPOTENCY_KEY.pattern, description="The idempotency key the device made.")
    token: str = Field(max_length=40)
    at: str = Field(max_length=40, description="When it was handed over, by the device's clock (ISO 8601).")
    receiver: Literal["head", "proxy"] = "head"
    proxy_name: str = Field(default="", max_length=200)
    proxy_relationship: str = Field(default="", max_length=100)
    photo_consent: bool = False
    point: str = Field(default="", max_length=200)


class SyncIn(Schema):
    device: str = Field(default="", max_length=64, description="The device's own random name.")
    items: list[QueuedIn] = Field(max_length=100)


class SyncAnswer(Schema):
    key: str
    outcome: Literal["recorded", "conflict", "refused"]
    replayed: bool = False
    message: str = ""
    conflict: int | None = None
    handover: HandoverOut | None = None
    earlier: HandoverOut | None = None


class SyncOut(Schema):
    answers: list[SyncAnswer]


def _offline_distribution(request: HttpRequest, code: str) -> tuple[Any, Any]:
    scope = request_scope(request)
    return scope, access_distribution(scope=scope, code=code.upper(), permission=RECORD_HANDOVERS)


@router.get(
    "/distributions/{code}/offline",
    response=OfflinePreparation,
    summary="Prepare a distribution point for offline use",
    url_name="offline_prepare",
)
def offline_prepare(request: HttpRequest, code: str, point: int | None = None) -> HttpResponse:
    """The entitlements of a distribution point (by its id; all when none) with the least a handover
    needs to check identity, for a device going offline, and when this preparation expires.
    Compressed (gzip) when the client accepts it: 5,000 entitlements are about 100 KB so."""
    scope, distribution = _offline_distribution(request, code)
    found = None
    if point is not None:
        found = distribution.points.filter(pk=point).first()
        if found is None:
            raise NotFound(_("No such distribution point."))
    user: User = request.auth  # type: ignore[attr-defined]
    answer = offline_preparation(actor=user, scope=scope, distribution=distribution, point=found)
    body = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode()
    response = HttpResponse(content_type="application/json")
    # No secret in this body (no CSRF token, nothing the request chose but a point's id): compressing is safe.
    if "gzip" in request.headers.get("Accept-Encoding", "") and len(body) > 1024:
        body = gzip.compress(body, compresslevel=6)
        response["Content-Encoding"] = "gzip"
    response["Vary"] = "Accept-Encoding"
    response.content = body
    return response


@router.get(
    "/distributions/{code}/offline/sync", response=OfflineSession, summary="Before a sync", url_name="offline_sync"
)
def offline_session(request: HttpRequest, code: str) -> dict[str, Any]:
    """Who the session is and a fresh CSRF token: a device checks both before sending its queue."""
    _offline_distribution(request, code)
    user: User = request.auth  # type: ignore[attr-defined]
    return {"user": user.pk, "csrf_token": get_token(request)}


@router.post("/distributions/{code}/offline/sync", response=SyncOut, summary="Send handovers recorded offline")
def offline_sync_create(request: HttpRequest, code: str, payload: SyncIn) -> dict[str, Any]:
    """Record the queued handovers in their order, each once per key: an item sent again gets the
    same answer (``replayed``); one whose entitlement was handed over already is a conflict."""
    scope, distribution = _offline_distribution(request, code)
    user: User = request.auth  # type: ignore[attr-defined]
    items = [QueuedHandover(device=payload.device, **item.dict()) for item in payload.items]
    return {"answers": offline_sync(actor=user, scope=scope, distribution=distribution, items=items)}
