"""Partner-list pages: upload one list (or two), map its columns, follow the run, read and download the pairs."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from abri.access.roles import DEDUPE_FILES
from abri.access.selectors import user_has_permission
from abri.core.errors import NotFound, ValidationFailed
from abri.dedup.lists import storage
from abri.dedup.lists.forms import ListMappingForm, ListUploadForm
from abri.dedup.lists.selectors import (
    column_previews,
    list_run_get_for_user,
    list_run_pairs,
    list_run_tables,
    list_runs_for_user,
)
from abri.dedup.lists.services import (
    HISTOGRAM_BANDS,
    STAGES,
    list_run_configure,
    list_run_create,
    list_run_delete,
    list_run_download,
)
from abri.dedup.lists.tasks import list_run_job
from abri.dedup.models import ListRun, ListRunMode, ListRunStatus
from abri.dedup.stages import ENGINE_STAGES

PAIRS_PER_PAGE = 25
WEIGHT_SCALE = 8.0  # bits: an evidence bar is full at ±8 (256 times more or less likely)
STAGE_LABELS = {"read": gettext_lazy("Reading the lists"), **ENGINE_STAGES}


def _require(request: HttpRequest) -> None:
    if not user_has_permission(user=request.user, permission=DEDUPE_FILES):
        raise Http404


def _run(request: HttpRequest, run_uuid: uuid.UUID) -> ListRun:
    try:
        return list_run_get_for_user(user=request.user, run_uuid=run_uuid)
    except NotFound as error:
        raise Http404 from error


def _errors(failure: ValidationFailed) -> list[str]:
    return [message for messages_ in failure.errors.values() for message in messages_]


@login_required
def list_home(request: HttpRequest) -> HttpResponse:
    """Upload one list to find duplicates in it, or two to find the people they share; the user's runs."""
    _require(request)
    form = ListUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        uploads = [
            (upload.name or "list.csv", upload.read())
            for upload in (form.cleaned_data["first"], form.cleaned_data.get("second"))
            if upload
        ]
        try:
            run = list_run_create(actor=request.user, uploads=uploads)  # type: ignore[arg-type]  # login_required: an authenticated User
        except ValidationFailed as failure:
            for message in _errors(failure):
                form.add_error(None, message)
        else:
            return redirect("lists:map", run_uuid=run.uuid)
    return render(
        request,
        "dedup/lists/home.html",
        {
            "form": form,
            "runs": list_runs_for_user(user=request.user),
            "retention_days": settings.ABRI_LIST_RETENTION_DAYS,
        },
    )


@login_required
def list_map(request: HttpRequest, run_uuid: uuid.UUID) -> HttpResponse:
    """The list's columns with a few values each: say what each holds, then run."""
    run = _run(request, run_uuid)
    if run.status in {ListRunStatus.QUEUED, ListRunStatus.RUNNING}:
        return redirect("lists:detail", run_uuid=run.uuid)
    try:
        tables = list_run_tables(run=run)
    except ValidationFailed as failure:
        return render(request, "dedup/lists/map.html", {"run": run, "errors": _errors(failure)})
    columns = column_previews(tables)
    initial: dict[str, Any] = {}
    if run.options:  # mapped before: start from the last choices
        roles = {column: "id" for column in [run.options.get("id_column")] if column}
        roles |= {column: field for field, column in run.options.get("fields", {}).items()}
        roles |= dict.fromkeys(run.options.get("compare", []), "compare")
        initial = {f"role_{index}": roles.get(column.name, "") for index, column in enumerate(columns)}
        initial["threshold"] = run.options.get("threshold", 0.5)
    form = ListMappingForm(request.POST or None, columns=columns, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            run = list_run_configure(
                actor=request.user,  # type: ignore[arg-type]  # login_required: an authenticated User
                run=run,
                fields=form.cleaned_data["fields"],
                compare=form.cleaned_data["compare"],
                id_column=form.cleaned_data["id_column"],
                threshold=form.cleaned_data["threshold"],
            )
        except ValidationFailed as failure:
            for message in _errors(failure):
                form.add_error(None, message)
        else:
            list_run_job.enqueue(run_id=run.pk)
            return redirect("lists:detail", run_uuid=run.uuid)
    notes = [note for _name, table in tables for note in table.notes]
    counts = [(name, table.frame.height) for name, table in tables]
    return render(request, "dedup/lists/map.html", {"run": run, "form": form, "notes": notes, "counts": counts})


def _histogram(run: ListRun) -> dict[str, Any]:
    counts = run.histogram or [0] * HISTOGRAM_BANDS
    top = max(counts) or 1
    width = 100 / len(counts)
    bands = [
        {
            "x": round(index * width, 2),
            "width": round(width * 0.85, 2),
            "height": round(100 * count / top),
            "y": 110 - round(100 * count / top),
            "count": count,
            "low": round(index / len(counts), 2),
            "high": round((index + 1) / len(counts), 2),
        }
        for index, count in enumerate(counts)
    ]
    return {"bands": bands, "threshold_x": round(100 * float(run.options.get("threshold", 0.5)), 2)}


def _progress(run: ListRun) -> dict[str, Any]:
    reached = STAGES.index(run.stage) + 1 if run.stage in STAGES else 0
    return {
        "percent": int(100 * reached / (len(STAGES) + 1)),
        "stage_label": STAGE_LABELS.get(run.stage, _("Waiting for the background worker")),
    }


def _with_bars(pairs: list[Any]) -> list[Any]:
    for pair in pairs:
        pair.percent = round(100 * pair.probability, 1)
        for item in pair.evidence:
            weight = float(item["weight"])
            item["width"] = round(50 * min(abs(weight), WEIGHT_SCALE) / WEIGHT_SCALE, 1)
            item["positive"] = weight >= 0
    return pairs


@login_required
@vary_on_headers("HX-Request")
def list_detail(request: HttpRequest, run_uuid: uuid.UUID) -> HttpResponse:
    """A run: its progress while it runs; then counts, the histogram, the pairs and the downloads."""
    run = _run(request, run_uuid)
    running = run.status in {ListRunStatus.QUEUED, ListRunStatus.RUNNING}
    context: dict[str, Any] = {"run": run, "running": running, **_progress(run)}
    if getattr(request, "htmx", False):
        response = render(request, "dedup/lists/run.html#progress", context)
        if not running:
            response["HX-Refresh"] = "true"  # finished: show the results
        return response
    if run.status == ListRunStatus.UPLOADED:
        return redirect("lists:map", run_uuid=run.uuid)
    if run.status == ListRunStatus.DONE:
        paginator = Paginator(range(run.pairs_found), PAIRS_PER_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        offset = (page.number - 1) * PAIRS_PER_PAGE
        context.update(
            page=page,
            pairs=_with_bars(list_run_pairs(run=run, offset=offset, limit=PAIRS_PER_PAGE)),
            first_rank=offset + 1,
            histogram=_histogram(run),
            link=run.mode == ListRunMode.LINK,
        )
    return render(request, "dedup/lists/run.html", context)


def _download(request: HttpRequest, run_uuid: uuid.UUID, name: str, stem: str) -> HttpResponse:
    run = _run(request, run_uuid)
    try:
        content = list_run_download(actor=request.user, run=run, name=name)  # type: ignore[arg-type]  # login_required: an authenticated User
    except ValidationFailed as error:
        raise Http404 from error
    response = HttpResponse(content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{run.created_at:%Y%m%d-%H%M}.csv"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def list_download_pairs(request: HttpRequest, run_uuid: uuid.UUID) -> HttpResponse:
    """PAIRS.csv, as `abri dedupe-file --out` writes it."""
    return _download(request, run_uuid, storage.PAIRS, "pairs")


@login_required
def list_download_clusters(request: HttpRequest, run_uuid: uuid.UUID) -> HttpResponse:
    """The clusters CSV, as `abri dedupe-file --clusters` writes it."""
    return _download(request, run_uuid, storage.CLUSTERS, "clusters")


@login_required
@require_POST
def list_delete(request: HttpRequest, run_uuid: uuid.UUID) -> HttpResponse:
    """Delete the run, its lists and its results now."""
    run = _run(request, run_uuid)
    list_run_delete(actor=request.user, run=run)
    messages.success(request, _("The lists and their results are deleted."))
    return redirect("lists:home")
