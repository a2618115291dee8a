"""Writes of targeting: plans, runs, the committee's work and publishing; each audited in its transaction."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import polars as pl
from django.contrib.auth.models import AnonymousUser, User
from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from abri.access.roles import MANAGE_PLANS, VIEW_HOUSEHOLD
from abri.access.selectors import scope_for
from abri.core.errors import NotFound, ValidationFailed
from abri.core.exports import Sheet, xlsx_bytes
from abri.core.services import audit_record
from abri.dedup.merges.services import MergeContext, MergeParticipant
from abri.dedup.selectors import households_in_open_pairs
from abri.geo.models import AdminArea, Site
from abri.registry.access import access_household_by_number
from abri.registry.models import Household
from abri.registry.selectors import households_features_frame
from abri.registry.shown import name_shown
from abri.targeting import flows
from abri.targeting.criteria import Criteria, criteria_parse
from abri.targeting.locks import plan_lock, session_lock
from abri.targeting.models import (
    AgendaItem,
    AgendaSource,
    CommitteeDecision,
    CommitteeMember,
    CommitteeSession,
    Decision,
    ListStatus,
    MemberRole,
    PlanStatus,
    PublishedList,
    PublishedListEntry,
    Referral,
    ScoredHousehold,
    SessionStatus,
    TargetingPlan,
    TargetingRun,
)
from abri.targeting.scoring import score_frame
from abri.targeting.selectors import (
    plan_area_pcodes,
    plan_households,
    plan_site_ids,
    published_list_entries,
    session_undecided_count,
)

Actor = User | AnonymousUser | None
BULK = 5000


def _programme_model() -> type[models.Model]:
    """The programme model, through the plan's foreign key: targeting does not import the assistance app."""
    model = TargetingPlan._meta.get_field("programme").related_model
    assert isinstance(model, type)
    return model


def programme_for_plan(*, actor: Actor, code: str) -> Any:
    """The programme ``code`` if ``actor`` may build plans for it; NotFound otherwise."""
    scope = scope_for(user=actor)
    programme: Any = _programme_model()._default_manager.filter(code=code).first()
    if programme is None or (
        not any(
            grant.organisation_id == programme.organisation_id and grant.covers_programme(programme.pk)
            for grant in scope.grants_for(MANAGE_PLANS)
        )
        and not scope.is_superuser
    ):
        raise NotFound(_("No programme %(code)s.") % {"code": code})
    return programme


def _check_plan_scope(
    *, actor: Actor, programme: Any, area_pcodes: Sequence[str], site_ids: Sequence[int]
) -> tuple[list[AdminArea], list[Site]]:
    errors: dict[str, list[str]] = {}
    areas = list(AdminArea.objects.filter(pk__in=list(area_pcodes)))
    missing = sorted(set(area_pcodes) - {area.pcode for area in areas})
    if not area_pcodes:
        errors["admin_areas"] = [_("Choose at least one admin area.")]
    elif missing:
        errors["admin_areas"] = [_("No admin area %(pcodes)s.") % {"pcodes": ", ".join(missing)}]
    scope = scope_for(user=actor)
    outside = [
        pcode
        for pcode in area_pcodes
        if not scope.covers(
            MANAGE_PLANS,
            organisation_id=programme.organisation_id,
            area_pcode=pcode,
            programme_id=programme.pk,
            programme_bound=True,
        )
    ]
    if outside and not missing:
        errors["admin_areas"] = [
            _("You may not build plans in %(pcodes)s for this programme.") % {"pcodes": ", ".join(outside)}
        ]
    sites = list(Site.objects.filter(pk__in=list(site_ids)))
    if len(sites) != len(set(site_ids)):
        errors["sites"] = [_("One of the sites does not exist.")]
    elif any(not any(site.admin_area_id.startswith(pcode) for pcode in area_pcodes) for site in sites):
        errors["sites"] = [_("Every site must lie in one of the plan's admin areas.")]
    if errors:
        raise ValidationFailed(errors)
    return areas, sites


def _check_quota(*, quota: int, caseload: int) -> None:
    if quota < 1:
        raise ValidationFailed({"quota": [_("The quota must be at least 1 household.")]})
    if quota > caseload:
        raise ValidationFailed(
            {
                "quota": [
                    _("The quota (%(quota)s) is larger than the caseload: %(caseload)s households in the plan's scope.")
                    % {"quota": quota, "caseload": caseload}
                ]
            }
        )


@transaction.atomic
def plan_create(
    *,
    actor: Actor,
    programme: Any,
    name: str,
    area_pcodes: Sequence[str],
    site_ids: Sequence[int] = (),
    criteria: Any,
    quota: int,
) -> TargetingPlan:
    """Create a draft plan of ``programme`` over ``area_pcodes`` (and ``site_ids``) with ``criteria`` and ``quota``."""
    parsed = criteria_parse(criteria)
    if not name.strip():
        raise ValidationFailed({"name": [_("Give the plan a name.")]})
    areas, sites = _check_plan_scope(actor=actor, programme=programme, area_pcodes=area_pcodes, site_ids=site_ids)
    plan = TargetingPlan.objects.create(
        name=name.strip(),
        programme=programme,
        organisation_id=programme.organisation_id,
        criteria=parsed.model_dump(mode="json"),
        quota=quota,
        created_by=actor if isinstance(actor, User) else None,
    )
    plan.admin_areas.set(areas)
    plan.sites.set(sites)
    caseload = plan_households(scope=scope_for(user=actor), plan=plan).count()
    _check_quota(quota=quota, caseload=caseload)  # raising rolls the plan back
    audit_record(
        actor=actor,
        action="targeting_plan.create",
        target=plan,
        changes={"areas": sorted(area_pcodes), "sites": sorted(site_ids), "quota": quota},
    )
    return plan


@transaction.atomic
def plan_update(*, actor: Actor, plan: TargetingPlan, criteria: Any, quota: int) -> TargetingPlan:
    """Change a plan's criteria and quota, before it goes to the committee."""
    parsed = criteria_parse(criteria)
    plan = plan_lock(plan_id=plan.pk)
    if plan.status not in {PlanStatus.DRAFT, PlanStatus.SCORED}:
        raise ValidationFailed({"__all__": [_("The plan is with the committee: its criteria no longer change.")]})
    _check_quota(quota=quota, caseload=plan_households(scope=scope_for(user=actor), plan=plan).count())
    plan.criteria = parsed.model_dump(mode="json")
    plan.quota = quota
    plan.save(update_fields=["criteria", "quota", "updated_at"])
    audit_record(actor=actor, action="targeting_plan.update", target=plan, changes={"fields": ["criteria", "quota"]})
    return plan


def plan_frame(*, actor: Actor, plan: TargetingPlan, on: datetime.date) -> pl.DataFrame:
    """The features of the plan's households the actor may see: those its organisation registered in its
    areas and sites (a read used by runs and what-ifs)."""
    frame = households_features_frame(
        scope=scope_for(user=actor), area_pcodes=plan_area_pcodes(plan=plan), site_ids=plan_site_ids(plan=plan), on=on
    )
    return frame.filter(pl.col("organisation_id") == plan.organisation_id)


def plan_score(*, frame: pl.DataFrame, criteria: Criteria, quota: int) -> pl.DataFrame:
    """Score ``frame`` (see `plan_frame`) and mark the households in a duplicate pair still to review."""
    _check_quota(quota=quota, caseload=frame.height)
    scored = score_frame(frame, criteria, quota=quota)
    duplicates = households_in_open_pairs()
    return scored.with_columns(pl.col("household_id").is_in(sorted(duplicates)).alias("possible_duplicate"))


@transaction.atomic
def plan_run(*, actor: Actor, plan: TargetingPlan, on: datetime.date) -> TargetingRun:
    """Score and rank every household of the plan, store the ranking (bulk), and mark the plan scored."""
    plan = plan_lock(plan_id=plan.pk)
    if plan.status not in flows.PLAN.sources(PlanStatus.SCORED):
        raise ValidationFailed({"__all__": [_("The plan is with the committee: it is not scored again.")]})
    criteria = criteria_parse(plan.criteria)
    frame = plan_frame(actor=actor, plan=plan, on=on)
    scored = plan_score(frame=frame, criteria=criteria, quota=plan.quota)
    run = TargetingRun.objects.create(
        plan=plan,
        criteria=plan.criteria,
        quota=plan.quota,
        scored_on=on,
        households=scored.height,
        eligible=int(scored["eligible"].sum()),
        run_by=actor if isinstance(actor, User) else None,
    )
    columns = (
        "household_id",
        "eligible",
        "score",
        "fired",
        "failed",
        "rank",
        "position",
        "proposed",
        "possible_duplicate",
    )
    for chunk in scored.select(columns).iter_slices(BULK):
        ScoredHousehold.objects.bulk_create(
            [ScoredHousehold(run=run, **dict(zip(columns, row, strict=True))) for row in chunk.iter_rows()],
            batch_size=BULK,
        )
    flows.PLAN.move(TargetingPlan.objects.filter(pk=plan.pk), PlanStatus.SCORED)
    audit_record(
        actor=actor,
        action="targeting_plan.run",
        target=plan,
        changes={"run": run.pk, "households": run.households, "eligible": run.eligible, "quota": run.quota},
    )
    return run


@transaction.atomic
def member_add(
    *, actor: Actor, plan: TargetingPlan, name: str, role: str, affiliation: str = "", validates: bool = False
) -> CommitteeMember:
    """Add a member to the plan's selection committee."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = [_("Give the member's name.")]
    if role not in MemberRole.values:
        errors["role"] = [_("Choose one of the committee roles.")]
    if not errors and CommitteeMember.objects.filter(plan=plan, name=name.strip(), role=role).exists():
        errors["name"] = [_("This member is already on the committee in this role.")]
    if errors:
        raise ValidationFailed(errors)
    member = CommitteeMember.objects.create(
        plan=plan, name=name.strip(), role=role, affiliation=affiliation.strip(), validates=validates
    )
    audit_record(actor=actor, action="committee_member.add", target=member, changes={"plan": plan.pk, "role": role})
    return member


@transaction.atomic
def session_open(
    *,
    actor: Actor,
    plan: TargetingPlan,
    held_on: datetime.date,
    place: str,
    attendee_ids: Sequence[int] = (),
    minutes: str = "",
) -> CommitteeSession:
    """Open a committee session on the plan's latest run: its agenda is the proposed households (first
    session) and the households sent back to the committee since."""
    plan = plan_lock(plan_id=plan.pk)
    run = plan.runs.order_by("-created_at", "-id").first()
    if run is None:
        raise ValidationFailed({"__all__": [_("Run the plan before the committee meets.")]})
    if plan.sessions.filter(status=SessionStatus.OPEN).exists():
        raise ValidationFailed({"__all__": [_("A session of this plan is already open: publish it first.")]})
    if not place.strip():
        raise ValidationFailed({"place": [_("Say where the committee meets.")]})
    attendees = list(plan.members.filter(pk__in=list(attendee_ids)))
    if len(attendees) != len(set(attendee_ids)):
        raise ValidationFailed({"attendees": [_("An attendee is not a member of this committee.")]})
    first = not plan.lists.exists()
    session = CommitteeSession.objects.create(plan=plan, run=run, held_on=held_on, place=place.strip(), minutes=minutes)
    session.attendees.set(attendees)
    if first:
        proposed = ScoredHousehold.objects.filter(run=run, proposed=True).values_list("household_id", flat=True)
        AgendaItem.objects.bulk_create(
            [AgendaItem(session=session, household_id=pk, source=AgendaSource.SCORE) for pk in proposed],
            batch_size=BULK,
        )
    referrals = list(Referral.objects.filter(plan=plan, session__isnull=True))
    AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                session=session, household_id=referral.household_id, source=AgendaSource.REFERRAL, note=referral.reason
            )
            for referral in referrals
        ],
        ignore_conflicts=True,  # a household both proposed and referred is on the agenda once
    )
    Referral.objects.filter(pk__in=[referral.pk for referral in referrals]).update(session=session)
    flows.PLAN.move(TargetingPlan.objects.filter(pk=plan.pk), PlanStatus.IN_COMMITTEE)
    audit_record(
        actor=actor,
        action="committee_session.open",
        target=session,
        changes={"plan": plan.pk, "run": run.pk, "attendees": sorted(attendee_ids), "referrals": len(referrals)},
    )
    return session


def _session_open_locked(session: CommitteeSession) -> CommitteeSession:
    plan_lock(plan_id=session.plan_id)
    locked = session_lock(session_id=session.pk)
    if locked.status != SessionStatus.OPEN:
        raise ValidationFailed({"__all__": [_("This session is published: it no longer changes.")]})
    return locked


@transaction.atomic
def session_record_minutes(
    *, actor: Actor, session: CommitteeSession, minutes: str, attendee_ids: Sequence[int]
) -> CommitteeSession:
    """Record the minutes and the attendees of an open session."""
    session = _session_open_locked(session)
    attendees = list(session.plan.members.filter(pk__in=list(attendee_ids)))
    if len(attendees) != len(set(attendee_ids)):
        raise ValidationFailed({"attendees": [_("An attendee is not a member of this committee.")]})
    session.minutes = minutes
    session.save(update_fields=["minutes", "updated_at"])
    session.attendees.set(attendees)
    audit_record(
        actor=actor,
        action="committee_session.minutes",
        target=session,
        changes={"fields": ["minutes", "attendees"], "attendees": sorted(attendee_ids)},
    )
    return session


def _household_in_plan(*, actor: Actor, plan: TargetingPlan, number: str) -> Household:
    """The household ``number`` if the actor may see it and it lies in the plan's scope; NotFound otherwise."""
    scope = scope_for(user=actor)
    household = access_household_by_number(scope=scope, number=number, permission=VIEW_HOUSEHOLD)
    if not plan_households(scope=scope, plan=plan).filter(pk=household.pk).exists():
        raise ValidationFailed(
            {
                "household": [
                    _("Household %(number)s is outside the plan's areas and sites (or merged into another).")
                    % {"number": household.registration_number}
                ]
            }
        )
    return household


@transaction.atomic
def decision_record(
    *, actor: Actor, session: CommitteeSession, number: str, decision: str, reason: str
) -> CommitteeDecision:
    """Record the committee's decision on one household; a household not on the agenda (one the score
    missed) is added to it, with the reason."""
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Choose include, exclude or wait-list.")]
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the decision.")]
    if errors:
        raise ValidationFailed(errors)
    session = _session_open_locked(session)
    household = _household_in_plan(actor=actor, plan=session.plan, number=number)
    if CommitteeDecision.objects.filter(session=session, household=household).exists():
        raise ValidationFailed(
            {
                "household": [
                    _("The committee already decided on household %(number)s in this session.")
                    % {"number": household.registration_number}
                ]
            }
        )
    _item, added = AgendaItem.objects.get_or_create(
        session=session, household=household, defaults={"source": AgendaSource.COMMITTEE, "note": reason.strip()}
    )
    try:
        with transaction.atomic():
            recorded = CommitteeDecision.objects.create(
                session=session,
                household=household,
                decision=decision,
                reason=reason.strip(),
                decided_by=actor if isinstance(actor, User) else None,
            )
    except IntegrityError as error:  # a concurrent decision on the same household won
        raise ValidationFailed(
            {
                "household": [
                    _("The committee already decided on household %(number)s in this session.")
                    % {"number": household.registration_number}
                ]
            }
        ) from error
    audit_record(
        actor=actor,
        action="committee_decision.record",
        target=recorded,
        changes={"session": session.pk, "household": household.pk, "decision": decision, "added": added},
    )
    return recorded


@transaction.atomic
def decisions_confirm_proposals(*, actor: Actor, session: CommitteeSession, reason: str) -> int:
    """Include every household the score proposed that the session has not decided on yet; returns how many."""
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Give the reason for the decision.")]})
    session = _session_open_locked(session)
    decided = CommitteeDecision.objects.filter(session=session).values("household_id")
    pending = list(
        AgendaItem.objects.filter(session=session, source=AgendaSource.SCORE)
        .exclude(household_id__in=decided)
        .values_list("household_id", flat=True)
    )
    by = actor if isinstance(actor, User) else None
    CommitteeDecision.objects.bulk_create(
        [
            CommitteeDecision(
                session=session, household_id=pk, decision=Decision.INCLUDE, reason=reason.strip(), decided_by=by
            )
            for pk in pending
        ],
        batch_size=BULK,
    )
    audit_record(
        actor=actor, action="committee_decision.confirm_proposals", target=session, changes={"households": len(pending)}
    )
    return len(pending)


@transaction.atomic
def validation_record(*, actor: Actor, session: CommitteeSession, member_id: int) -> None:
    """Record that a member the programme named validated the session's list."""
    session = _session_open_locked(session)
    member = session.plan.members.filter(pk=member_id, is_active=True).first()
    if member is None:
        raise ValidationFailed({"member": [_("This person is not a member of the committee.")]})
    if not member.validates:
        raise ValidationFailed({"member": [_("%(name)s is not named to validate the list.") % {"name": member.name}]})
    if session.validations.filter(member=member).exists():
        raise ValidationFailed({"member": [_("%(name)s has already validated this list.") % {"name": member.name}]})
    validation = session.validations.create(member=member, recorded_by=actor if isinstance(actor, User) else None)
    audit_record(
        actor=actor,
        action="committee_session.validate",
        target=session,
        changes={"validation": validation.pk, "member": member.pk},
    )


def _entries_of(published: PublishedList | None) -> dict[int, tuple[str, str, float | None]]:
    if published is None:
        return {}
    return {
        pk: (status, reason, score)
        for pk, status, reason, score in published.entries.values_list("household_id", "status", "reason", "score")
    }


@transaction.atomic
def session_publish(*, actor: Actor, session: CommitteeSession, reason: str = "") -> PublishedList:
    """Publish the session's list as the plan's next version: the previous version with this session's
    decisions applied. Refused while a household of the agenda is undecided or a named validator has not
    validated; a second version needs the reason it changed."""
    session = _session_open_locked(session)
    plan = session.plan
    errors: list[str] = []
    undecided = session_undecided_count(session=session)
    if undecided:
        errors.append(
            _("%(count)s households of the agenda have no decision yet: decide on each before publishing.")
            % {"count": undecided}
        )
    validators = list(plan.members.filter(validates=True, is_active=True))
    done = set(session.validations.values_list("member_id", flat=True))
    waiting = [member.name for member in validators if member.pk not in done]
    if not validators:
        errors.append(_("The programme has named nobody to validate the list: add a member who validates."))
    elif waiting:
        errors.append(_("Still to validate the list: %(names)s.") % {"names": ", ".join(waiting)})
    previous = plan.lists.order_by("-version").first()
    if previous is not None and not reason.strip():
        errors.append(_("Say why the list changes: the reason goes with the new version."))
    if errors:
        raise ValidationFailed({"__all__": errors})
    entries = _entries_of(previous)
    before = {pk: status for pk, (status, _reason, _score) in entries.items()}
    scores = dict(ScoredHousehold.objects.filter(run_id=session.run_id).values_list("household_id", "score"))
    for pk, decision, decision_reason in session.decisions.values_list("household_id", "decision", "reason"):
        if decision == Decision.EXCLUDE:
            entries.pop(pk, None)
        else:
            status = ListStatus.INCLUDED if decision == Decision.INCLUDE else ListStatus.WAIT_LISTED
            entries[pk] = (status, decision_reason, scores.get(pk))
    ranks = dict(
        ScoredHousehold.objects.filter(run_id=session.run_id, household_id__in=list(entries)).values_list(
            "household_id", "rank"
        )
    )
    ordered = sorted(
        entries.items(),
        key=lambda item: (
            item[1][0] != ListStatus.INCLUDED,
            ranks.get(item[0]) is None,
            ranks.get(item[0]) or 0,
            item[0],
        ),
    )
    published = PublishedList.objects.create(
        plan=plan,
        version=(previous.version + 1) if previous else 1,
        session=session,
        published_by=actor if isinstance(actor, User) else None,
        included=sum(1 for _pk, (status, _r, _s) in ordered if status == ListStatus.INCLUDED),
        wait_listed=sum(1 for _pk, (status, _r, _s) in ordered if status == ListStatus.WAIT_LISTED),
        changes={
            "added": sorted(pk for pk in entries if pk not in before),
            "removed": sorted(pk for pk in before if pk not in entries),
            "changed": sorted(pk for pk in entries if pk in before and before[pk] != entries[pk][0]),
        },
        reason=reason.strip(),
    )
    PublishedListEntry.objects.bulk_create(
        [
            PublishedListEntry(
                published_list=published,
                household_id=pk,
                status=status,
                position=position,
                score=score,
                reason=entry_reason,
            )
            for position, (pk, (status, entry_reason, score)) in enumerate(ordered, start=1)
        ],
        batch_size=BULK,
    )
    flows.SESSION.move(CommitteeSession.objects.filter(pk=session.pk), SessionStatus.PUBLISHED)
    flows.PLAN.move(TargetingPlan.objects.filter(pk=plan.pk), PlanStatus.PUBLISHED)
    audit_record(
        actor=actor,
        action="published_list.publish",
        target=published,
        changes={
            "plan": plan.pk,
            "version": published.version,
            "included": published.included,
            "wait_listed": published.wait_listed,
            "added": len(published.changes["added"]),
            "removed": len(published.changes["removed"]),
        },
    )
    return published


@transaction.atomic
def household_refer(*, actor: Actor, plan: TargetingPlan, household: Household, reason: str) -> Referral:
    """Send a household back to the plan's committee: on the open session's agenda, or the next one's."""
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Say why the household goes back to the committee.")]})
    plan = plan_lock(plan_id=plan.pk)
    if not plan_households(scope=scope_for(user=actor), plan=plan).filter(pk=household.pk).exists():
        raise ValidationFailed(
            {
                "household": [
                    _("Household %(number)s is outside the plan's areas and sites.")
                    % {"number": household.registration_number}
                ]
            }
        )
    if Referral.objects.filter(plan=plan, household=household, session__isnull=True).exists():
        raise ValidationFailed(
            {"household": [_("This household is already waiting for the committee's next session.")]}
        )
    open_session = plan.sessions.filter(status=SessionStatus.OPEN).first()
    referral = Referral.objects.create(
        plan=plan, household=household, reason=reason.strip(), referred_by=actor if isinstance(actor, User) else None
    )
    if open_session is not None:
        AgendaItem.objects.get_or_create(
            session=open_session,
            household=household,
            defaults={"source": AgendaSource.REFERRAL, "note": reason.strip()},
        )
        referral.session = open_session
        referral.save(update_fields=["session", "updated_at"])
    audit_record(
        actor=actor,
        action="targeting_plan.refer",
        target=plan,
        changes={
            "household": household.pk,
            "referral": referral.pk,
            "session": open_session.pk if open_session else None,
        },
    )
    return referral


@transaction.atomic
def published_list_export(*, actor: Actor, published_list: PublishedList) -> bytes:
    """The published list as XLSX (through the one safe writer), audited; the caller checked the export right."""
    scope = scope_for(user=actor)
    entries = published_list_entries(scope=scope, published_list=published_list)
    rows = [
        (
            entry.position,
            entry.household.registration_number,
            str(name_shown(scope=scope, household=entry.household, individual=entry.household.head)),
            entry.household.size,
            entry.household.admin_area_id,
            entry.household.site.name if entry.household.site else "",
            entry.get_status_display(),
            entry.score,
            entry.reason,
        )
        for entry in entries
    ]
    header = [
        _("Position"),
        _("Registration number"),
        _("Head of household"),
        _("Size"),
        _("Admin area"),
        _("Site"),
        _("Status"),
        _("Score"),
        _("Reason"),
    ]
    title = _("List v%(version)s") % {"version": published_list.version}
    content = xlsx_bytes([Sheet(name=title, header=header, rows=rows)])
    audit_record(
        actor=actor,
        action="published_list.export",
        target=published_list,
        changes={"format": "xlsx", "rows": len(rows)},
    )
    return content


def _merged(context: MergeContext) -> dict[str, Any]:
    """Scores, agendas, decisions and published lists are history: they keep naming the household as it
    was when they were written (its registration number resolves to the kept household). A run
    after the merge scores the kept household once; a pending referral follows it."""
    moved = []
    for referral in Referral.objects.filter(household=context.absorbed, session__isnull=True).order_by("id"):
        if not Referral.objects.filter(plan_id=referral.plan_id, household=context.kept, session__isnull=True).exists():
            Referral.objects.filter(pk=referral.pk).update(household=context.kept)
            moved.append(referral.pk)
    return {"referrals": moved}


def _undone(context: MergeContext, moved: dict[str, Any]) -> None:
    Referral.objects.filter(pk__in=moved.get("referrals", []), session__isnull=True).update(household=context.absorbed)


MERGE_PARTICIPANT = MergeParticipant(
    name="targeting",
    models=(
        "targeting.ScoredHousehold",
        "targeting.AgendaItem",
        "targeting.Referral",
        "targeting.CommitteeDecision",
        "targeting.PublishedListEntry",
    ),
    merged=_merged,
    undone=_undone,
)
