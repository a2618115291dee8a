"""Grievance endpoints: the grievances readable within scope (sensitive ones only for the roles named)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Router, Schema

from abri.access.api import request_scope
from abri.grievances.models import Grievance
from abri.grievances.selectors import access_grievance, grievance_list

router = Router(tags=["grievances"])


class GrievanceOut(Schema):
    id: int
    reference: str
    channel: str
    category: str
    status: str
    admin_area: str
    household: str | None
    received_on: datetime.date
    due_on: datetime.date
    response: str


def _out(grievance: Grievance) -> dict:
    return {
        "id": grievance.pk,
        "reference": grievance.reference,
        "channel": grievance.channel,
        "category": grievance.category,
        "status": grievance.status,
        "admin_area": grievance.admin_area_id,
        "household": grievance.household.registration_number if grievance.household else None,
        "received_on": grievance.received_on,
        "due_on": grievance.due_on,
        "response": grievance.response,
    }


@router.get("/grievances", response=list[GrievanceOut], summary="List grievances")
def grievances_list(request: HttpRequest) -> list[dict]:
    """The grievances in your scope, the most urgent first."""
    return [_out(grievance) for grievance in grievance_list(scope=request_scope(request))]


@router.get("/grievances/{grievance_id}", response=GrievanceOut, summary="Read a grievance")
def grievances_retrieve(request: HttpRequest, grievance_id: int) -> dict:
    """One grievance and the response given."""
    return _out(access_grievance(scope=request_scope(request), grievance_id=grievance_id))
