"""Handover endpoint: one handover per request, exactly once per idempotency key.

``POST /api/v1/handovers`` with the token and an ``Idempotency-Key`` header answers 201 with
the handover; the same key and body again answers the same (a replay: a client that lost the
answer may resend); the same key with another body 422; a token already redeemed 409 with the
earlier handover. Every refusal writes nothing.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Header, Router, Schema, Status
from pydantic import Field

from abri.access.api import request_scope
from abri.access.roles import RECORD_HANDOVERS
from abri.assistance.selectors import access_distribution, handover_summary
from abri.assistance.services import AlreadyHandedOver, handover_record_once
from abri.core.errors import ValidationFailed

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
