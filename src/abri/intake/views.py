"""Import pages: upload, the batch page with live progress, the error report, the mapping builder."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadedfile import UploadedFile
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from abri.access.roles import IMPORT_REGISTRATIONS, VIEW_HOUSEHOLD
from abri.access.selectors import memberships_granting, scope_for, user_has_permission
from abri.core.errors import NotFound, PermissionDenied, ValidationFailed
from abri.dedup.stages import ENGINE_STAGES
from abri.intake import staging
from abri.intake.forms import (
    AddFilesForm,
    CommitForm,
    KoboPullForm,
    MappingForm,
    MappingSampleForm,
    OdkPullForm,
    RemapForm,
    UploadForm,
)
from abri.intake.models import BatchSource, BatchStatus, ImportBatch
from abri.intake.parsers.files import UnreadableFile, read_file
from abri.intake.pulls import batch_pull_start
from abri.intake.report import batch_report_download as report_for_download
from abri.intake.report import may_download_report
from abri.intake.selectors import (
    batch_get_for_user,
    batch_issues,
    batch_likely_duplicates,
    batches_for_user,
    mappings_for_user,
)
from abri.intake.services import (
    batch_add_files,
    batch_commit_request,
    batch_create,
    batch_discard,
    batch_mapping_set,
    mapping_save,
)
from abri.intake.tasks import (
    KOBO_TOKEN,
    ODK_PASSWORD,
    batch_commit_job,
    batch_pull_kobo_job,
    batch_pull_odk_job,
    batch_validate_job,
)

RUNNING = {BatchStatus.UPLOADED, BatchStatus.VALIDATING, BatchStatus.COMMITTING}


def _require_import(request: HttpRequest) -> None:
    if not user_has_permission(user=request.user, permission=IMPORT_REGISTRATIONS):
        raise Http404


def _batch(request: HttpRequest, batch_id: int) -> ImportBatch:
    try:
        return batch_get_for_user(user=request.user, batch_id=batch_id)
    except NotFound as error:
        raise Http404 from error


def _stored(uploads: list[UploadedFile]) -> list[tuple[Path, str]]:
    """Write uploads, encrypted (`abri.intake.staging`), to temporary files the batch then moves into its folder."""
    stored = []
    for upload in uploads:
        descriptor, name = tempfile.mkstemp(suffix=Path(upload.name or "").suffix)
        os.close(descriptor)
        staging.encrypt_to(Path(name), upload.chunks())
        stored.append((Path(name), Path(upload.name or "upload").name))
    return stored


def _unlink(stored: list[tuple[Path, str]]) -> None:
    for path, _name in stored:
        path.unlink(missing_ok=True)


def _errors(failure: ValidationFailed) -> str:
    return " ".join(message for messages_ in failure.errors.values() for message in messages_)


@login_required
@never_cache
def batch_list(request: HttpRequest) -> HttpResponse:
    """The organisation's import batches and the upload form."""
    _require_import(request)
    memberships = memberships_granting(user=request.user, permission=IMPORT_REGISTRATIONS)
    form = UploadForm(request.POST or None, request.FILES or None, mappings=mappings_for_user(user=request.user))
    if request.method == "POST" and form.is_valid():
        if not memberships:
            raise Http404
        stored = _stored(form.cleaned_data["upload"])
        try:
            batch = batch_create(
                actor=request.user,
                organisation=memberships[0].organisation,
                files=stored,
                mapping=form.cleaned_data["mapping"],
                move=True,
            )
        except ValidationFailed as failure:
            form.add_error("upload", _errors(failure))
            _unlink(stored)
        else:
            batch_validate_job.enqueue(batch_id=batch.pk)
            return redirect("intake:batch_detail", batch_id=batch.pk)
    batches = batches_for_user(user=request.user)[:50]
    return render(
        request,
        "intake/batch_list.html",
        {"form": form, "kobo_form": KoboPullForm(), "odk_form": OdkPullForm(), "batches": batches},
    )


def _pull_start(request: HttpRequest, form: forms.Form, problem: str) -> ImportBatch | None:
    """The new batch a pull fills, once its form is valid; None (and a message) otherwise."""
    _require_import(request)
    memberships = memberships_granting(user=request.user, permission=IMPORT_REGISTRATIONS)
    if not form.is_valid() or not memberships:
        messages.error(request, problem)
        return None
    data = form.cleaned_data
    kobo = isinstance(form, KoboPullForm)
    try:
        return batch_pull_start(
            actor=request.user,
            organisation=memberships[0].organisation,
            source=BatchSource.KOBO_API if kobo else BatchSource.ODK_CENTRAL,
            name=f"Kobo {data['asset_uid']}" if kobo else f"ODK {data['project_id']}/{data['form_id']}",
        )
    except ValidationFailed as failure:
        messages.error(request, _errors(failure))
        return None


@login_required
@require_POST
def batch_pull_kobo(request: HttpRequest) -> HttpResponse:
    """Pull a Kobo form's submissions into a new batch, then validate it in the background."""
    form = KoboPullForm(request.POST)
    batch = _pull_start(request, form, _("Give the server address, the token and the form ID."))
    if batch is None:
        return redirect("intake:batch_list")
    data = form.cleaned_data
    staging.secret_keep(batch, KOBO_TOKEN, data["token"])
    batch_pull_kobo_job.enqueue(batch_id=batch.pk, base_url=data["base_url"], asset_uid=data["asset_uid"])
    return redirect("intake:batch_detail", batch_id=batch.pk)


@login_required
@require_POST
def batch_pull_odk(request: HttpRequest) -> HttpResponse:
    """Pull an ODK Central form's submissions into a new batch in the background, then validate it."""
    form = OdkPullForm(request.POST)
    batch = _pull_start(request, form, _("Give the server address, the account, the project and the form ID."))
    if batch is None:
        return redirect("intake:batch_list")
    data = form.cleaned_data
    staging.secret_keep(batch, ODK_PASSWORD, data["password"])
    batch_pull_odk_job.enqueue(
        batch_id=batch.pk,
        base_url=data["base_url"],
        username=data["username"],
        project_id=data["project_id"],
        form_id=data["form_id"],
    )
    return redirect("intake:batch_detail", batch_id=batch.pk)


# What the page says of each phase of a batch's job; the duplicates phase names the engine's stage too.
PHASES = {
    "pulling": gettext_lazy("Pulling the submissions from the server"),
    "reading": gettext_lazy("Reading the files"),
    "checking": gettext_lazy("Checking every row"),
    "duplicates": gettext_lazy("Looking for people registered already"),
    "saving": gettext_lazy("Saving the checked rows"),
    "validated": gettext_lazy("Checked"),
    "preparing": gettext_lazy("Preparing the households"),
    "writing": gettext_lazy("Writing the households"),
    "committed": gettext_lazy("Committed"),
    "failed": gettext_lazy("Failed"),
}


def phase_label(phase: str) -> str:
    """The phase as the page says it, in the user's language (the name itself when unknown)."""
    name, _sep, stage = phase.partition(": ")
    label = str(PHASES.get(name, name))
    side, _sep, stage = stage.rpartition(" ")  # "registry blocking", "batch scoring"
    if stage not in ENGINE_STAGES:
        return label
    against = {"registry": _("with the registry"), "batch": _("within the batch")}.get(side)
    return " · ".join(str(part) for part in (label, against, ENGINE_STAGES[stage]) if part)


def _progress_context(batch: ImportBatch) -> dict[str, Any]:
    progress = staging.progress_read(batch)
    progress["label"] = phase_label(progress.get("phase", ""))
    total = progress.get("total") or 0
    percent = int(100 * progress.get("done", 0) / total) if total else 0
    return {"batch": batch, "progress": progress, "percent": percent, "running": batch.status in RUNNING}


@login_required
@never_cache
@vary_on_headers("HX-Request")
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    """A batch: status, live progress, counts, problems and the actions its status allows."""
    batch = _batch(request, batch_id)
    context = _progress_context(batch)
    if getattr(request, "htmx", False):
        response = render(request, "intake/batch_detail.html#progress", context)
        if not context["running"] and request.GET.get("was") == "running":
            response["HX-Refresh"] = "true"  # the job finished: show the counts and problems
        return response
    scope = scope_for(user=request.user)
    duplicates = [
        {
            "duplicate": duplicate,
            "percent": round(duplicate.probability * 100),
            # A registered household outside the user's scope is not named (nor its area).
            "visible": duplicate.registered_household is not None
            and scope.covers(
                VIEW_HOUSEHOLD,
                organisation_id=duplicate.registered_household.organisation_id,
                area_pcode=duplicate.registered_household.admin_area_id,
            ),
        }
        for duplicate in batch_likely_duplicates(batch=batch)
    ]
    context.update(
        duplicates=duplicates,
        issues=batch_issues(batch=batch),
        issue_count=batch.issues.count(),
        commit_form=CommitForm(),
        add_form=AddFilesForm(),
        remap_form=RemapForm(
            initial={"mapping": batch.mapping_id, "household_key": batch.household_key},
            mappings=_batch_mappings(request, batch),
        ),
        pairs_max=settings.ABRI_BATCH_PAIRS_MAX_PEOPLE,
        pairs_inside_skipped=batch.individuals_total > settings.ABRI_BATCH_PAIRS_MAX_PEOPLE,
        may_download_report=may_download_report(user=request.user, batch=batch),
    )
    return render(request, "intake/batch_detail.html", context)


@login_required
@require_POST
def batch_commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Commit the batch's valid households (a background job; the page follows it)."""
    batch = _batch(request, batch_id)
    form = CommitForm(request.POST)
    form.is_valid()
    try:
        batch = batch_commit_request(actor=request.user, batch=batch)
    except ValidationFailed as failure:
        messages.error(request, _errors(failure))
    else:
        batch_commit_job.enqueue(
            batch_id=batch.pk,
            actor_id=request.user.pk,
            include_duplicates=bool(form.cleaned_data.get("include_duplicates")),
            hold_likely_duplicates=form.hold_likely_duplicates(),
        )
    return redirect("intake:batch_detail", batch_id=batch.pk)


@login_required
@require_POST
def batch_add(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Add a corrected file to the batch and validate it again."""
    batch = _batch(request, batch_id)
    form = AddFilesForm(request.POST, request.FILES)
    if form.is_valid():
        stored = _stored(form.cleaned_data["upload"])
        try:
            batch_add_files(actor=request.user, batch=batch, files=stored)
        except ValidationFailed as failure:
            messages.error(request, _errors(failure))
        else:
            batch_validate_job.enqueue(batch_id=batch.pk)
        finally:
            _unlink(stored)  # the batch keeps its own copies
    return redirect("intake:batch_detail", batch_id=batch.pk)


def _batch_mappings(request: HttpRequest, batch: ImportBatch) -> Any:
    return mappings_for_user(user=request.user).filter(organisation_id=batch.organisation_id)


@login_required
@require_POST
def batch_remap(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Read the batch again with another column mapping or household number column."""
    batch = _batch(request, batch_id)
    form = RemapForm(request.POST, mappings=_batch_mappings(request, batch))
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("intake:batch_detail", batch_id=batch.pk)
    try:
        batch_mapping_set(
            actor=request.user,
            batch=batch,
            mapping=form.cleaned_data["mapping"],
            household_key=form.cleaned_data["household_key"],
        )
    except ValidationFailed as failure:
        messages.error(request, _errors(failure))
    else:
        batch_validate_job.enqueue(batch_id=batch.pk)
    return redirect("intake:batch_detail", batch_id=batch.pk)


@login_required
@require_POST
def batch_discard_view(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Give up the batch and delete its staged files."""
    batch = _batch(request, batch_id)
    try:
        batch_discard(actor=request.user, batch=batch)
    except ValidationFailed as failure:
        messages.error(request, _errors(failure))
    return redirect("intake:batch_detail", batch_id=batch.pk)


@login_required
@never_cache
def batch_report_download(request: HttpRequest, batch_id: int) -> HttpResponse:
    """The households still in the batch and their problems, as an XLSX workbook (an audited export)."""
    batch = _batch(request, batch_id)
    try:
        content = report_for_download(actor=request.user, batch=batch)
    except PermissionDenied as error:
        return render(request, "intake/forbidden.html", {"message": str(error), "batch": batch}, status=403)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="abri-import-{batch.pk}-problems.xlsx"'
    return response


@login_required
@never_cache
def mapping_list(request: HttpRequest) -> HttpResponse:
    """The saved column mappings, and the builder: upload a sample, pick a field per column."""
    _require_import(request)
    memberships = memberships_granting(user=request.user, permission=IMPORT_REGISTRATIONS)
    headers: list[str] = json.loads(request.POST.get("headers", "[]")) if request.method == "POST" else []
    sample_form = MappingSampleForm()
    form: MappingForm | None = None
    if request.method == "POST" and "sample" in request.FILES:
        sample_form = MappingSampleForm(request.POST, request.FILES)
        if sample_form.is_valid():
            [(path, name)] = _stored([sample_form.cleaned_data["sample"]])
            try:
                with staging.opened(path) as clear:
                    workbook = read_file(
                        clear, original_name=name, max_bytes=int(settings.ABRI_IMPORT_MAX_BYTES), sample=True
                    )
                headers = [column for table in workbook.tables for column in table.frame.columns]
            except UnreadableFile as error:
                sample_form.add_error("sample", error.message)
            finally:
                path.unlink(missing_ok=True)
            form = MappingForm(headers=headers) if headers else None
    elif request.method == "POST":
        form = MappingForm(request.POST, headers=headers)
        if form.is_valid() and memberships:
            try:
                mapping_save(
                    actor=request.user,
                    organisation=memberships[0].organisation,
                    name=form.cleaned_data["name"],
                    spec=form.spec(),
                )
            except ValidationFailed as failure:
                form.add_error(None, _errors(failure))
            else:
                messages.success(request, _("Column mapping saved."))
                return redirect("intake:mapping_list")
    return render(
        request,
        "intake/mapping_list.html",
        {
            "mappings": mappings_for_user(user=request.user),
            "sample_form": sample_form,
            "form": form,
            "headers_json": json.dumps(headers),
        },
    )
