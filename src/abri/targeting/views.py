"""Targeting pages: plans, a run's ranking with reasons (and a what-if that saves nothing), the
committee's sessions and decisions, published lists on screen, on paper (PDF) and as XLSX.

Households are reached through `abri.registry.access` and named through `abri.registry.shown`.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from abri.access import roles
from abri.access.selectors import Scope, scope_for
from abri.core import pdf
from abri.core.errors import NotFound, ValidationFailed
from abri.core.errors import PermissionDenied as AbriPermissionDenied
from abri.registry.selectors import FEATURE_KINDS
from abri.registry.shown import name_shown
from abri.targeting.criteria import (
    OPERATOR_LABELS,
    TEMPLATES,
    TIE_BREAK_LABELS,
    criteria_parse,
    field_label,
    rule_label,
)
from abri.targeting.forms import (
    CriteriaForm,
    DecisionForm,
    MemberForm,
    PlanForm,
    ReasonForm,
    SessionForm,
    ValidationForm,
    WhatIfForm,
    value_text,
)
from abri.targeting.models import PublishedList, TargetingPlan
from abri.targeting.selectors import (
    access_plan,
    access_published_list,
    access_session,
    plan_list,
    plan_members,
    plan_sessions,
    published_list_entries,
    published_lists,
    ranked_rows,
    run_latest,
    run_ranking,
    session_agenda,
    session_open_of,
    session_undecided_count,
)
from abri.targeting.services import (
    decision_record,
    decisions_confirm_proposals,
    member_add,
    plan_create,
    plan_frame,
    plan_run,
    plan_score,
    plan_update,
    programme_for_plan,
    published_list_export,
    session_open,
    session_publish,
    validation_record,
)

PAGE_SIZE = 50
WHAT_IF_SHOWN = 20


def _plan_or_404(scope: Scope, plan_id: int, permission: str = roles.VIEW_TARGETING) -> TargetingPlan:
    try:
        return access_plan(scope=scope, plan_id=plan_id, permission=permission)
    except NotFound as error:
        raise Http404(str(error)) from error
    except AbriPermissionDenied as error:
        raise PermissionDenied(str(error)) from error


def _list_or_404(scope: Scope, list_id: int) -> PublishedList:
    try:
        return access_published_list(scope=scope, list_id=list_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def _refused(request: HttpRequest, error: ValidationFailed) -> None:
    for field_messages in error.errors.values():
        for message in field_messages:
            messages.error(request, message)


@login_required
@require_GET
def plan_list_view(request: HttpRequest) -> HttpResponse:
    """The targeting plans in the user's scope."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.VIEW_TARGETING):
        raise Http404
    context = {"plans": plan_list(scope=scope), "can_create": scope.allows(roles.MANAGE_PLANS)}
    return render(request, "targeting/plan_list.html", context)


@login_required
@never_cache  # names of heads of household
@vary_on_headers("HX-Request")
@require_GET
def plan_detail(request: HttpRequest, plan_id: int) -> HttpResponse:
    """A plan: criteria, the latest run's ranking with reasons (50 a page), sessions, published versions."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id)
    run = run_latest(plan=plan)
    page = None
    rows: list[Any] = []
    if run is not None:
        paginator = Paginator(run_ranking(scope=scope, run=run), PAGE_SIZE)
        page = paginator.get_page(request.GET.get("page") or 1)
        rows = ranked_rows(scope=scope, run=run, scores=list(page.object_list))
    criteria = criteria_parse(plan.criteria)
    context = {
        "plan": plan,
        "criteria": criteria,
        "eligibility": [(rule.mode, rule_label(rule)) for rule in criteria.eligibility],
        "scoring": [(rule_label(rule), rule.weight) for rule in criteria.scoring],
        "tie_breaks": [str(TIE_BREAK_LABELS.get(name, name)) for name in criteria.tie_breaks],
        "run": run,
        "page": page,
        "rows": rows,
        "sessions": plan_sessions(plan=plan),
        "open_session": session_open_of(plan=plan),
        "lists": published_lists(plan=plan),
        "members": plan_members(plan=plan),
        "can_run": scope.allows(roles.MANAGE_PLANS),
        "can_decide": scope.allows(roles.RECORD_DECISIONS),
        "member_form": MemberForm(),
        "session_form": SessionForm(members=[(member.pk, member.name) for member in plan_members(plan=plan)]),
        "what_if": WhatIfForm(
            rules=[(rule_label(rule), rule.weight) for rule in criteria.scoring], initial={"quota": plan.quota}
        ),
    }
    htmx = getattr(request, "htmx", None)
    if htmx and not htmx.history_restore_request:
        return render(request, "targeting/plan_detail.html#ranking", context)
    return render(request, "targeting/plan_detail.html", context)


@login_required
@require_POST
def plan_run_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Score and rank the plan now."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id, roles.MANAGE_PLANS)
    try:
        run = plan_run(actor=request.user, plan=plan, on=timezone.localdate())
    except ValidationFailed as error:
        _refused(request, error)
    else:
        messages.success(
            request,
            _("%(count)s households scored, %(eligible)s eligible.")
            % {"count": run.households, "eligible": run.eligible},
        )
    return HttpResponseRedirect(reverse("targeting:plan_detail", args=[plan.pk]))


@login_required
@never_cache
@require_POST
def plan_what_if(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The list as it would be with other weights or another quota, against the latest run; nothing saved."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id)
    criteria = criteria_parse(plan.criteria)
    form = WhatIfForm(request.POST, rules=[(rule_label(rule), rule.weight) for rule in criteria.scoring])
    context: dict[str, Any] = {"plan": plan, "what_if": form}
    if form.is_valid():
        changed = criteria.model_copy(
            update={
                "scoring": [
                    rule.model_copy(update={"weight": form.cleaned_data[f"weight_{index}"]})
                    for index, rule in enumerate(criteria.scoring)
                ]
            }
        )
        run = run_latest(plan=plan)
        try:
            scored = plan_score(
                frame=plan_frame(actor=request.user, plan=plan, on=run.scored_on if run else timezone.localdate()),
                criteria=changed,
                quota=form.cleaned_data["quota"],
            )
        except ValidationFailed as error:
            context["errors"] = [message for values in error.errors.values() for message in values]
        else:
            now = set(scored.filter(scored["proposed"])["household_id"].to_list())
            before = set(run.scores.filter(proposed=True).values_list("household_id", flat=True)) if run else set()
            context.update(
                {
                    "proposed": len(now),
                    "entering": len(now - before),
                    "leaving": len(before - now),
                    "top": scored.head(WHAT_IF_SHOWN).select("rank", "registration_number", "score").rows(named=True),
                }
            )
    return render(request, "targeting/plan_detail.html#what_if_result", context)


@login_required
@never_cache
@require_GET
def session_detail(request: HttpRequest, plan_id: int, session_id: int) -> HttpResponse:
    """A committee session: attendees, minutes, the agenda with each decision, validations, publishing."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id)
    session = _session_or_404(plan, session_id)
    context = {
        "plan": plan,
        "session": session,
        "agenda": session_agenda(scope=scope, session=session),
        "undecided": session_undecided_count(session=session),
        "attendees": list(session.attendees.order_by("id")),
        "validators": [member for member in plan_members(plan=plan) if member.validates],
        "validated": set(session.validations.values_list("member_id", flat=True)),
        "can_decide": scope.allows(roles.RECORD_DECISIONS) and session.status == "open",
        "decision_form": DecisionForm(),
    }
    return render(request, "targeting/session_detail.html", context)


def _session_or_404(plan: TargetingPlan, session_id: int) -> Any:
    try:
        return access_session(plan=plan, session_id=session_id)
    except NotFound as error:
        raise Http404(str(error)) from error


def _committee_action(request: HttpRequest, plan_id: int, session_id: int) -> tuple[TargetingPlan, Any, str]:
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id, roles.RECORD_DECISIONS)
    session = _session_or_404(plan, session_id)
    return plan, session, reverse("targeting:session_detail", args=[plan.pk, session.pk])


@login_required
@require_POST
def session_decide(request: HttpRequest, plan_id: int, session_id: int) -> HttpResponse:
    """Record a decision on one household (a household the score missed joins the agenda)."""
    _plan, session, back = _committee_action(request, plan_id, session_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for message in errors:
                messages.error(request, f"{form.fields[field].label if field in form.fields else ''}: {message}")
        return HttpResponseRedirect(back)
    try:
        decision_record(
            actor=request.user,
            session=session,
            number=form.cleaned_data["household"],
            decision=form.cleaned_data["decision"],
            reason=form.cleaned_data["reason"],
        )
    except NotFound as error:
        messages.error(request, str(error))
    except ValidationFailed as error:
        _refused(request, error)
    else:
        messages.success(request, _("Decision recorded."))
    return HttpResponseRedirect(back)


@login_required
@require_POST
def session_confirm(request: HttpRequest, plan_id: int, session_id: int) -> HttpResponse:
    """Include every proposed household not decided yet."""
    _plan, session, back = _committee_action(request, plan_id, session_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        count = decisions_confirm_proposals(
            actor=request.user, session=session, reason=form.cleaned_data.get("reason") or ""
        )
    except ValidationFailed as error:
        _refused(request, error)
    else:
        messages.success(request, _("%(count)s proposed households included.") % {"count": count})
    return HttpResponseRedirect(back)


@login_required
@require_POST
def session_validate(request: HttpRequest, plan_id: int, session_id: int) -> HttpResponse:
    """Record a named member's validation of the list."""
    _plan, session, back = _committee_action(request, plan_id, session_id)
    form = ValidationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the member who validates."))
        return HttpResponseRedirect(back)
    try:
        validation_record(actor=request.user, session=session, member_id=form.cleaned_data["member"])
    except ValidationFailed as error:
        _refused(request, error)
    else:
        messages.success(request, _("Validation recorded."))
    return HttpResponseRedirect(back)


@login_required
@require_POST
def session_publish_view(request: HttpRequest, plan_id: int, session_id: int) -> HttpResponse:
    """Publish the session's list as the plan's next version."""
    _plan, session, back = _committee_action(request, plan_id, session_id)
    form = ReasonForm(request.POST)
    form.is_valid()
    try:
        published = session_publish(actor=request.user, session=session, reason=form.cleaned_data.get("reason") or "")
    except ValidationFailed as error:
        _refused(request, error)
        return HttpResponseRedirect(back)
    messages.success(request, _("Version %(version)s published.") % {"version": published.version})
    return HttpResponseRedirect(reverse("targeting:list_detail", args=[published.pk]))


@login_required
@never_cache
@require_GET
def list_detail(request: HttpRequest, list_id: int) -> HttpResponse:
    """A published version: its households in order, what changed and why."""
    scope = scope_for(user=request.user)
    published = _list_or_404(scope, list_id)
    page = Paginator(published_list_entries(scope=scope, published_list=published), PAGE_SIZE).get_page(
        request.GET.get("page") or 1
    )
    rows = [
        {
            "entry": entry,
            "head_name": name_shown(scope=scope, household=entry.household, individual=entry.household.head),
        }
        for entry in page.object_list
    ]
    can_export = scope.allows(roles.EXPORT_PERSONAL_DATA)
    return render(
        request,
        "targeting/list_detail.html",
        {"published": published, "page": page, "rows": rows, "can_export": can_export},
    )


@login_required
@never_cache
@require_GET
def list_pdf(request: HttpRequest, list_id: int) -> HttpResponse:
    """The published list on paper (French, or English with ``?lang=en``), with a sign-off page for those present."""
    scope = scope_for(user=request.user)
    published = _list_or_404(scope, list_id)
    language = "en" if request.GET.get("lang") == "en" else "fr"
    with translation.override(language):
        document = pdf.Document(
            title=_("Final list — %(plan)s, version %(version)s")
            % {"plan": published.plan.name, "version": published.version},
            subtitle=str(published.plan.programme),
            footer=_("Abri · published list v%(version)s") % {"version": published.version},
        )
        rows = [
            (
                entry.position,
                entry.household.registration_number,
                str(name_shown(scope=scope, household=entry.household, individual=entry.household.head)),
                entry.household.size,
                entry.get_status_display(),
                "" if entry.score is None else f"{entry.score:g}",
            )
            for entry in published_list_entries(scope=scope, published_list=published)
        ]
        document.add(
            pdf.table(
                [_("No."), _("Registration number"), _("Head of household"), _("Size"), _("Status"), _("Score")],
                rows,
                widths_mm=(12, 35, 60, 15, 30, 20),
            ),
            pdf.page_break(),
            pdf.sign_off(
                _("Members of the committee present"),
                [(member.name, member.get_role_display()) for member in published.session.attendees.order_by("id")],
                labels=(_("Name"), _("Role"), _("Signature")),
            ),
        )
        content = document.render()
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="liste-{published.plan_id}-v{published.version}.pdf"'
    return response


@login_required
@never_cache
@require_http_methods(["GET"])
def list_xlsx(request: HttpRequest, list_id: int) -> HttpResponse:
    """The published list as XLSX, for the roles that may export personal data; audited."""
    scope = scope_for(user=request.user)
    published = _list_or_404(scope, list_id)
    if not scope.covers(
        roles.EXPORT_PERSONAL_DATA,
        organisation_id=published.plan.organisation_id,
        area_pcode=published.plan.admin_areas.values_list("pcode", flat=True).first(),
        programme_id=published.plan.programme_id,
        programme_bound=True,
    ):
        raise PermissionDenied(_("Your role may not export this list."))
    content = published_list_export(actor=request.user, published_list=published)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="liste-{published.plan_id}-v{published.version}.xlsx"'
    return response


def _form_errors(request: HttpRequest, form: Any) -> None:
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for message in errors:
            messages.error(request, f"{label}: {message}" if label else message)


@login_required
@require_http_methods(["GET", "POST"])
def plan_create_view(request: HttpRequest) -> HttpResponse:
    """A new plan: programme, areas, criteria from a template or written as JSON, quota."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.MANAGE_PLANS):
        if scope.allows(roles.VIEW_TARGETING):
            raise PermissionDenied(_("Your role does not build targeting plans."))
        raise Http404
    form = PlanForm(request.POST or None, initial={"template": "menaka_nfi"})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            criteria = TEMPLATES[data["template"]]() if data["template"] in TEMPLATES else json.loads(data["criteria"])
        except json.JSONDecodeError as error:
            form.add_error("criteria", _("The criteria are not valid JSON (line %(line)s).") % {"line": error.lineno})
        else:
            try:
                plan = plan_create(
                    actor=request.user,
                    programme=programme_for_plan(actor=request.user, code=data["programme"].strip()),
                    name=data["name"],
                    area_pcodes=[code.strip().upper() for code in data["areas"].split(",") if code.strip()],
                    criteria=criteria,
                    quota=data["quota"],
                )
            except NotFound as error:
                form.add_error("programme", str(error))
            except ValidationFailed as error:
                _refused(request, error)
            else:
                messages.success(request, _("Plan created: score and rank it when ready."))
                return HttpResponseRedirect(reverse("targeting:plan_detail", args=[plan.pk]))
    return render(request, "targeting/plan_form.html", {"form": form})


BLANK_RULE_ROWS = 4  # empty rows under a plan's rules, for new ones


def _criteria_initial(plan: TargetingPlan) -> dict[str, Any]:
    criteria = criteria_parse(plan.criteria)
    initial: dict[str, Any] = {
        "quota": plan.quota,
        "tie_breaks": criteria.tie_breaks,
        "minimum_score": criteria.minimum_score,
    }
    rules: list[tuple[str, Any]] = [(rule.mode, rule) for rule in criteria.eligibility]
    rules += [("score", rule) for rule in criteria.scoring]
    for index, (kind, rule) in enumerate(rules):
        initial |= {
            f"rule_{index}_kind": kind,
            f"rule_{index}_field": rule.field,
            f"rule_{index}_op": rule.op,
            f"rule_{index}_value": value_text(rule.value),
            f"rule_{index}_weight": getattr(rule, "weight", None),
            f"rule_{index}_label": getattr(rule, "label", ""),
        }
    return initial | {"_rows": len(rules)}


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def plan_criteria_edit(request: HttpRequest, plan_id: int) -> HttpResponse:
    """The criteria builder: the plan's rules as rows of field, test, value and points, its quota
    and tie-breaks; saved only while the plan has not gone to the committee."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id, roles.MANAGE_PLANS)
    initial = _criteria_initial(plan)
    rows = initial.pop("_rows") + BLANK_RULE_ROWS
    if request.method == "POST":
        rows = max(rows, sum(1 for name in request.POST if name.endswith("_kind") and name.startswith("rule_")))
    fields = sorted(((name, field_label(name)) for name in FEATURE_KINDS), key=lambda pair: pair[1].casefold())
    operators = [("is", _("is")), *((code, str(label)) for code, label in OPERATOR_LABELS.items())]
    form = CriteriaForm(
        request.POST or None,
        initial=initial,
        rows=rows,
        fields=fields,
        operators=operators,
        tie_breaks=[(code, str(label)) for code, label in TIE_BREAK_LABELS.items()],
    )
    if request.method == "POST" and form.is_valid():
        kept = {key: value for key, value in plan.criteria.items() if key in {"bands", "maximum_score"}}
        criteria = form.criteria(kinds=FEATURE_KINDS, kept=kept)
        if form.is_valid():  # the rows may have added errors
            try:
                plan_update(actor=request.user, plan=plan, criteria=criteria, quota=form.cleaned_data["quota"])
            except ValidationFailed as error:
                for field_messages in error.errors.values():
                    for message in field_messages:
                        form.add_error(None, message)
            else:
                messages.success(request, _("Criteria saved: score and rank the plan again to see the new list."))
                return HttpResponseRedirect(reverse("targeting:plan_detail", args=[plan.pk]))
    return render(
        request,
        "targeting/plan_criteria.html",
        {"plan": plan, "form": form},
    )


@login_required
@require_POST
def plan_member_add(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Add a member to the plan's selection committee."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id, roles.RECORD_DECISIONS)
    form = MemberForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
    else:
        try:
            member_add(actor=request.user, plan=plan, **form.cleaned_data)
        except ValidationFailed as error:
            _refused(request, error)
        else:
            messages.success(request, _("Member added."))
    return HttpResponseRedirect(reverse("targeting:plan_detail", args=[plan.pk]))


@login_required
@require_POST
def plan_session_open(request: HttpRequest, plan_id: int) -> HttpResponse:
    """Open a committee session on the plan's latest run."""
    scope = scope_for(user=request.user)
    plan = _plan_or_404(scope, plan_id, roles.RECORD_DECISIONS)
    form = SessionForm(request.POST, members=[(member.pk, member.name) for member in plan_members(plan=plan)])
    if not form.is_valid():
        _form_errors(request, form)
        return HttpResponseRedirect(reverse("targeting:plan_detail", args=[plan.pk]))
    data = form.cleaned_data
    try:
        session = session_open(
            actor=request.user,
            plan=plan,
            held_on=data["held_on"],
            place=data["place"],
            attendee_ids=data["attendees"],
            minutes=data["minutes"],
        )
    except ValidationFailed as error:
        _refused(request, error)
        return HttpResponseRedirect(reverse("targeting:plan_detail", args=[plan.pk]))
    return HttpResponseRedirect(reverse("targeting:session_detail", args=[plan.pk, session.pk]))
