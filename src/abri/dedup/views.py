"""Review pages of duplicates in the registry: the runs, the queue, the clusters and one pair side by side.

Everything here is in the reviewer's scope: a pair shows only when both its households are;
a pair outside answers 404 like a missing one. Names, dates of birth, phone and identity
numbers show only where the role may read personal data; the evidence never holds values.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from abri.access import roles
from abri.access.selectors import Scope, scope_for
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.core.services import audit_personal_data_viewed
from abri.dedup.engine.comparisons import HOUSEHOLD, PERSON_COMPARISONS
from abri.dedup.forms import DecisionForm
from abri.dedup.models import CandidateStatus, DeduplicationRun, MatchCandidate
from abri.dedup.selectors import (
    access_candidate_for_review,
    candidate_decisions,
    candidates_between,
    clusters_load,
    match_clusters,
    match_next,
    match_queue,
    review_counts,
    run_current,
    runs_recent,
)
from abri.dedup.services import match_decide, registry_run_abandon, registry_run_start
from abri.dedup.stages import ENGINE_STAGES
from abri.dedup.tasks import registry_deduplicate_job
from abri.registry.models import Individual
from abri.registry.selectors import household_members
from abri.registry.shown import Shown, ShownHousehold, ShownMember, household_shown, name_shown

QUEUE_PAGE_SIZE = 25
CLUSTER_PAGE_SIZE = 20

# The stages a run goes through, in order, with what the page says of each.
RUN_STAGES = (
    ("queued", gettext_lazy("Waiting for the background worker")),
    ("reading", gettext_lazy("Reading the registry")),
    *ENGINE_STAGES.items(),
    ("storing", gettext_lazy("Saving the pairs to review")),
)
COMPARISONS = {comparison.name: comparison for comparison in (*PERSON_COMPARISONS, HOUSEHOLD)}


def _reviewer_scope(request: HttpRequest) -> Scope:
    """The user's scope; 404 for a user who may review no duplicates anywhere."""
    scope = scope_for(user=request.user)
    if not scope.allows(roles.REVIEW_DUPLICATES):
        raise Http404
    return scope


def _run_progress(run: DeduplicationRun | None) -> dict[str, Any]:
    if run is None:
        return {"run": None}
    names = [name for name, _label in RUN_STAGES]
    step = names.index(run.stage) if run.stage in names else 0
    return {
        "run": run,
        "stage_label": dict(RUN_STAGES).get(run.stage, ""),
        "step": step + 1,
        "steps": len(RUN_STAGES),
        "percent": int(100 * step / len(RUN_STAGES)),
    }


@login_required
@never_cache
@vary_on_headers("HX-Request")
def overview(request: HttpRequest) -> HttpResponse:
    """The runs over the registry (the one going on, with its progress), and how many pairs wait for review."""
    _reviewer_scope(request)
    context = _run_progress(run_current())
    if getattr(request, "htmx", False):
        response = render(request, "dedup/overview.html#run", context)
        if context["run"] is None and request.GET.get("was") == "running":
            response["HX-Refresh"] = "true"  # the run finished: show its figures and the new pairs
        return response
    context.update(runs=runs_recent(), counts=review_counts(user=request.user))
    return render(request, "dedup/overview.html", context)


@login_required
@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    """Start a run over the whole registry as a background job; the overview page follows it."""
    _reviewer_scope(request)
    try:
        run = registry_run_start(actor=request.user)
    except PermissionDenied as error:
        raise Http404 from error
    except ValidationFailed as failure:
        messages.error(request, " ".join(text for texts in failure.errors.values() for text in texts))
    else:
        try:
            registry_deduplicate_job.enqueue(actor_id=request.user.pk, run_id=run.pk)
        except Exception:
            registry_run_abandon(actor=request.user, run=run)  # not left "running" with no job behind it
            raise
    return redirect("dedup:overview")


def _probability(candidate: MatchCandidate) -> int:
    return round(100 * candidate.match_probability)


@login_required
@never_cache
def queue(request: HttpRequest) -> HttpResponse:
    """The open pairs in the reviewer's scope, most likely first, 25 a page."""
    _reviewer_scope(request)
    page = Paginator(match_queue(user=request.user, limit=None), QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"candidate": candidate, "percent": _probability(candidate)} for candidate in page.object_list]
    return render(request, "dedup/queue.html", {"page": page, "rows": rows, "counts": review_counts(user=request.user)})


@login_required
@never_cache
def clusters(request: HttpRequest) -> HttpResponse:
    """Households linked by open pairs, grouped, the most likely group first, 20 a page."""
    _reviewer_scope(request)
    page = Paginator(match_clusters(user=request.user), CLUSTER_PAGE_SIZE).get_page(request.GET.get("page"))
    clusters_load(list(page.object_list))
    rows = [{"cluster": cluster, "percent": round(100 * cluster.best_probability)} for cluster in page.object_list]
    return render(request, "dedup/clusters.html", {"page": page, "rows": rows})


def _member(member: ShownMember | None, *, focus: set[int]) -> dict[str, Any] | None:
    """A member's cell: what `abri.registry.shown` lets the reviewer see, and whether it is under review."""
    if member is None:
        return None
    return {"member": member, "focus": member.pk in focus}


def _aligned(
    candidate: MatchCandidate, between: list[MatchCandidate], *, first: ShownHousehold, second: ShownHousehold
) -> list[dict[str, Any]]:
    """Rows of (member of the first household, member of the second): matched members side by side.

    Each member is matched at most once, the most likely pair first; the pair under review
    always is. Members matched with nobody follow on their own side.
    """
    left = first.members
    right = left if candidate.household_b_id == candidate.household_a_id else second.members
    left_ids = {member.pk for member in left}
    right_ids = {member.pk for member in right}
    partner: dict[int, tuple[int, MatchCandidate]] = {}
    taken: set[int] = set()
    for pair in [candidate, *[other for other in between if other.pk != candidate.pk]]:
        a, b = pair.individual_a_id, pair.individual_b_id
        if not (a in left_ids and b in right_ids):
            a, b = b, a
        if not (a in left_ids and b in right_ids) or a in taken or b in taken:
            continue  # a pair inside one of the households, or a member already beside a likelier match
        partner[a] = (b, pair)
        taken.update((a, b))
    by_id = {member.pk: member for member in (*left, *right)}
    focus = {candidate.individual_a_id, candidate.individual_b_id}
    rows = []
    for member in left:
        if member.pk in taken and member.pk not in partner:
            continue  # shown on the right, beside its match (same household on both sides)
        matched = partner.get(member.pk)
        other = by_id[matched[0]] if matched else None
        rows.append(
            {
                "left": _member(member, focus=focus),
                "right": _member(other, focus=focus),
                "pair": matched[1] if matched else None,
                "percent": _probability(matched[1]) if matched else None,
                "focus": matched is not None and matched[1].pk == candidate.pk,
            }
        )
    rows += [
        {"left": None, "right": _member(member, focus=focus), "pair": None, "focus": False}
        for member in right
        if member.pk not in taken and member.pk not in left_ids  # one household on both sides: listed once
    ]
    return rows


def _evidence(candidate: MatchCandidate) -> list[dict[str, Any]]:
    """One row per field compared: the field, the agreement in words, the weight in bits as a bar."""
    evidence = candidate.evidence or {}
    scale = max([abs(float(item.get("weight") or 0)) for item in evidence.values()] + [1.0])
    rows = []
    names = [name for name in COMPARISONS if name in evidence] + [name for name in evidence if name not in COMPARISONS]
    for name in names:
        item = evidence[name]
        weight = float(item.get("weight") or 0)
        comparison = COMPARISONS.get(name)
        level = item.get("level")
        if comparison is not None and isinstance(level, int) and 0 <= level < len(comparison.levels):
            level_label = comparison.levels[level].label
        else:
            level_label = "—"
        rows.append(
            {
                "field": comparison.label if comparison is not None else name,
                "level": level_label,
                "weight": weight,
                "width": round(50 * abs(weight) / scale, 1),
                "positive": weight >= 0,
            }
        )
    return rows


def _merge_href(candidate: MatchCandidate) -> str:
    """Where merging the two households starts: the registry's merge page, once it exists."""
    first = candidate.household_a.registration_number
    query = urlencode({"with": candidate.household_b.registration_number})
    try:
        return f"{reverse('merges:household_merge', args=[first])}?{query}"
    except NoReverseMatch:
        return f"/households/{first}/merge/?{query}"


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def pair_detail(request: HttpRequest, candidate_id: int) -> HttpResponse:
    """One pair side by side: both households and their members, the evidence, the decision form."""
    scope = _reviewer_scope(request)
    try:
        candidate = access_candidate_for_review(user=request.user, candidate_id=candidate_id)
    except NotFound as error:
        raise Http404 from error
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            match_decide(
                actor=request.user,
                candidate=candidate,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except PermissionDenied as error:
            raise Http404 from error
        except ValidationFailed as failure:
            for field, texts in failure.errors.items():
                for text in texts:
                    form.add_error(field if field in form.fields else None, text)
        else:
            messages.success(
                request,
                _("Decision recorded for %(first)s and %(second)s.")
                % {
                    "first": candidate.household_a.registration_number,
                    "second": candidate.household_b.registration_number,
                },
            )
            following = match_next(user=request.user, after=candidate)
            if following is None:
                return redirect("dedup:queue")
            return redirect("dedup:pair_detail", candidate_id=following.pk)
    first = household_shown(
        scope=scope, household=candidate.household_a, members=household_members(household=candidate.household_a)
    )
    second = (
        first
        if candidate.household_b_id == candidate.household_a_id
        else household_shown(
            scope=scope, household=candidate.household_b, members=household_members(household=candidate.household_b)
        )
    )
    audit_personal_data_viewed(
        actor=request.user,
        targets=[side.household for side in {id(first): first, id(second): second}.values() if side.personal],
    )
    between = candidates_between(user=request.user, candidate=candidate)
    households = {candidate.household_a_id: candidate.household_a, candidate.household_b_id: candidate.household_b}

    def shown(individual: Individual) -> Shown[str]:
        return name_shown(scope=scope, household=households[individual.household_id], individual=individual)

    others = [
        {
            "candidate": other,
            "percent": _probability(other),
            "names": (shown(other.individual_a), shown(other.individual_b)),
        }
        for other in between
        if other.pk != candidate.pk and other.status == CandidateStatus.OPEN
    ]
    decisions = candidate_decisions(candidates=between)
    context = {
        "candidate": candidate,
        "percent": _probability(candidate),
        "first": first,
        "second": second,
        "rows": _aligned(candidate, between, first=first, second=second),
        "evidence": _evidence(candidate),
        "others": others,
        "decisions": [
            {"decision": decision, "this_pair": decision.candidate_id == candidate.pk} for decision in decisions
        ],
        "form": form,
        "merge_href": _merge_href(candidate),
        "is_open": candidate.status == CandidateStatus.OPEN,
    }
    return render(request, "dedup/pair_detail.html", context)
