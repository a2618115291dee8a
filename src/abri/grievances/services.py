"""Writes of grievances: receive, review, answer, close, send a household back to the committee."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth.models import AnonymousUser, User
from django.db import transaction
from django.utils.translation import gettext as _

from abri.access.roles import MANAGE_GRIEVANCES, VIEW_SENSITIVE_GRIEVANCES
from abri.access.selectors import scope_for
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.services import audit_record
from abri.geo.models import AdminArea
from abri.grievances.flows import GRIEVANCE
from abri.grievances.models import SENSITIVE_CATEGORIES, Category, Channel, Grievance, GrievanceStatus
from abri.registry.access import access_household_by_number
from abri.targeting.models import Referral, TargetingPlan
from abri.targeting.services import household_refer

Actor = User | AnonymousUser | None
ANSWER_DAYS = 14  # a complaint is answered within two weeks


def _reference(grievance: Grievance) -> str:
    """PL-22-000123: the year received and the row's id, so two desks never hand out the same one."""
    return f"PL-{grievance.received_on:%y}-{grievance.pk:06d}"


@transaction.atomic
def grievance_receive(
    *,
    actor: Actor,
    channel: str,
    category: str,
    description: str,
    received_on: datetime.date,
    admin_area: str = "",
    household_number: str = "",
    plan: TargetingPlan | None = None,
    due_on: datetime.date | None = None,
) -> Grievance:
    """Record a grievance received through ``channel``; a household is reached through the registry's access
    (another organisation's household, or one outside the actor's areas, is "not found")."""
    scope = scope_for(user=actor)
    errors: dict[str, list[str]] = {}
    if channel not in Channel.values:
        errors["channel"] = [_("Choose one of the channels.")]
    if category not in Category.values:
        errors["category"] = [_("Choose one of the categories.")]
    if not description.strip():
        errors["description"] = [_("Describe the complaint or the feedback.")]
    if due_on is not None and due_on < received_on:
        errors["due_on"] = [_("The deadline cannot be before the day it was received.")]
    if errors:
        raise ValidationFailed(errors)
    household = None
    if household_number.strip():
        household = access_household_by_number(scope=scope, number=household_number.strip())
        area_pcode = household.admin_area_id
        organisation_id = household.organisation_id
    else:
        area = AdminArea.objects.filter(pk=admin_area.strip().upper()).first()
        if area is None:
            raise ValidationFailed(
                {"admin_area": [_("Give the household or the admin area the grievance comes from.")]}
            )
        area_pcode = area.pcode
        grants = [grant for grant in scope.grants_for(MANAGE_GRIEVANCES) if grant.covers_area(area_pcode)]
        if not grants:
            raise PermissionDenied(_("You may not record grievances in %(pcode)s.") % {"pcode": area_pcode})
        organisation_id = grants[0].organisation_id
    if not scope.covers(MANAGE_GRIEVANCES, organisation_id=organisation_id, area_pcode=area_pcode):
        raise PermissionDenied(_("Your role does not record grievances here."))
    grievance = Grievance.objects.create(
        reference=uuid.uuid4().hex,  # replaced by the numbered reference below
        organisation_id=organisation_id,
        admin_area_id=area_pcode,
        household=household,
        plan=plan,
        channel=channel,
        category=category,
        sensitive=category in SENSITIVE_CATEGORIES,
        description=description.strip(),
        received_on=received_on,
        due_on=due_on or received_on + datetime.timedelta(days=ANSWER_DAYS),
        recorded_by=actor if isinstance(actor, User) else None,
    )
    grievance.reference = _reference(grievance)
    Grievance.objects.filter(pk=grievance.pk).update(reference=grievance.reference)
    audit_record(
        actor=actor,
        action="grievance.receive",
        target=grievance,
        changes={"channel": channel, "category": category, "household": household.pk if household else None},
    )
    return grievance


def grievance_manageable(*, actor: Actor, grievance: Grievance) -> bool:
    """Whether ``actor`` may review, answer, close or refer ``grievance``: it manages grievances where
    the grievance is, and a sensitive one only with the permission named for them."""
    scope = scope_for(user=actor)
    return all(
        scope.covers(permission, organisation_id=grievance.organisation_id, area_pcode=grievance.admin_area_id)
        for permission in (MANAGE_GRIEVANCES, *([VIEW_SENSITIVE_GRIEVANCES] if grievance.sensitive else []))
    )


def _may_manage(actor: Actor, grievance: Grievance) -> None:
    if not grievance_manageable(actor=actor, grievance=grievance):
        raise PermissionDenied(_("Your role does not handle this grievance."))


def _move(*, actor: Actor, grievance: Grievance, target: str, action: str, **changes: object) -> Grievance:
    _may_manage(actor, grievance)
    GRIEVANCE.check(
        grievance.status,
        target,
        message=_("A grievance %(current)s cannot become %(target)s.")
        % {"current": grievance.get_status_display(), "target": GrievanceStatus(target).label},
    )
    moved = GRIEVANCE.move(Grievance.objects.filter(pk=grievance.pk, status=grievance.status), target, **changes)
    if not moved:
        raise ValidationFailed({"status": [_("The grievance changed meanwhile: read it again.")]})
    grievance.refresh_from_db()
    audit_record(actor=actor, action=action, target=grievance, changes={"status": target, "fields": sorted(changes)})
    return grievance


@transaction.atomic
def grievance_review(*, actor: Actor, grievance: Grievance) -> Grievance:
    """Start reviewing a received grievance."""
    return _move(actor=actor, grievance=grievance, target=GrievanceStatus.IN_REVIEW, action="grievance.review")


@transaction.atomic
def grievance_answer(*, actor: Actor, grievance: Grievance, response: str, on: datetime.date) -> Grievance:
    """Record the response given to the complainant."""
    errors: dict[str, list[str]] = {}
    if not response.strip():
        errors["response"] = [_("Write the response given.")]
    if on < grievance.received_on:
        errors["answered_on"] = [_("The answer cannot come before the day the grievance was received.")]
    if errors:
        raise ValidationFailed(errors)
    return _move(
        actor=actor,
        grievance=grievance,
        target=GrievanceStatus.ANSWERED,
        action="grievance.answer",
        response=response.strip(),
        answered_on=on,
    )


@transaction.atomic
def grievance_close(*, actor: Actor, grievance: Grievance) -> Grievance:
    """Close an answered grievance."""
    return _move(actor=actor, grievance=grievance, target=GrievanceStatus.CLOSED, action="grievance.close")


@transaction.atomic
def grievance_refer(*, actor: Actor, grievance: Grievance, plan: TargetingPlan) -> Referral:
    """Send the household of an exclusion complaint back to the committee's next session of ``plan``."""
    _may_manage(actor, grievance)
    if grievance.category != Category.EXCLUSION or grievance.household_id is None:
        raise ValidationFailed(
            {"__all__": [_("Only an exclusion complaint about a household goes back to the committee.")]}
        )
    if grievance.status not in (GrievanceStatus.RECEIVED, GrievanceStatus.IN_REVIEW):
        raise ValidationFailed({"__all__": [_("The grievance is already answered.")]})
    assert grievance.household is not None
    referral = household_refer(
        actor=actor,
        plan=plan,
        household=grievance.household,
        reason=_("Grievance %(reference)s") % {"reference": grievance.reference},
    )
    Grievance.objects.filter(pk=grievance.pk).update(plan=plan)
    if grievance.status == GrievanceStatus.RECEIVED:
        _move(actor=actor, grievance=grievance, target=GrievanceStatus.IN_REVIEW, action="grievance.review")
    audit_record(
        actor=actor, action="grievance.refer", target=grievance, changes={"plan": plan.pk, "referral": referral.pk}
    )
    return referral
