"""Reporting pages: the 5W with its filters and exports, the import of partners' 5W rows, the
operation dashboard. Only aggregates: no page or file here names a person.

Without ``reporting.view_reports`` these pages answer 404, as for a page that does not exist.
Filters (period, programme, area, organisation) are not personal and travel in the URL.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import polars as pl
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from abri.access.models import Organisation
from abri.access.roles import IMPORT_ACTIVITIES, VIEW_REPORTS
from abri.access.selectors import Scope, scope_for
from abri.assistance.models import Programme
from abri.assistance.selectors import distributions_visible
from abri.core.errors import PermissionDenied, ValidationFailed
from abri.core.exports import Sheet, xlsx_bytes
from abri.core.services import audit_record
from abri.registry.selectors import area_choices, households_features_frame, scope_areas
from abri.reporting import exports, printing
from abri.reporting.fivew import Filters, activities
from abri.reporting.forms import FiltersForm, ImportForm
from abri.reporting.indicators import indicators_by_area
from abri.reporting.microdata import DEFAULT_K, microdata_anonymise, microdata_notes
from abri.reporting.operation import operation_dashboard as dashboard_figures
from abri.reporting.services import partner_activities_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scope(request: HttpRequest, permission: str = VIEW_REPORTS) -> Scope:
    scope = scope_for(user=request.user)
    if not scope.allows(permission):
        raise Http404(_("No such page."))
    return scope


def _filters_form(request: HttpRequest, scope: Scope) -> FiltersForm:
    distributions = distributions_visible(scope=scope, permission=VIEW_REPORTS)
    programmes = list(Programme.objects.filter(pk__in=distributions.values("programme_id")).order_by("code"))
    organisations = list(
        Organisation.objects.filter(pk__in=[grant.organisation_id for grant in scope.grants_for(VIEW_REPORTS)])
        if not scope.is_superuser
        else Organisation.objects.all()
    )
    areas = area_choices(covered=scope_areas(scope=scope, permission=VIEW_REPORTS))
    return FiltersForm(request.GET or None, programmes=programmes, areas=areas, organisations=organisations)


def _period_name(filters: Filters) -> str:
    start = filters.start.isoformat() if filters.start else "debut"
    end = filters.end.isoformat() if filters.end else "fin"
    return f"{start}_{end}"


def _download(content: bytes, *, name: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@never_cache
@require_GET
def activity_list(request: HttpRequest) -> HttpResponse:
    """The 5W in the user's scope, filtered, with its exports."""
    scope = _scope(request)
    form = _filters_form(request, scope)
    filters = form.filters()
    rows = activities(scope=scope, filters=filters)
    return render(
        request,
        "reporting/activity_list.html",
        {
            "section": "reporting",
            "form": form,
            "rows": rows,
            "query": request.GET.urlencode(),
            "can_import": scope.allows(IMPORT_ACTIVITIES),
        },
    )


def _activity_file(request: HttpRequest, *, xlsx: bool) -> HttpResponse:
    scope = _scope(request)
    filters = _filters_form(request, scope).filters()
    columns, table = exports.activity_table(activities(scope=scope, filters=filters))
    name = f"abri-5w_{_period_name(filters)}"
    if xlsx:
        return _download(exports.table_xlsx(columns, table, sheet="5W"), name=f"{name}.xlsx", content_type=XLSX)
    return _download(exports.table_csv(columns, table), name=f"{name}.csv", content_type="text/csv; charset=utf-8")


def _indicator_file(request: HttpRequest, *, xlsx: bool) -> HttpResponse:
    scope = _scope(request)
    filters = _filters_form(request, scope).filters()
    columns, table = exports.indicator_table(indicators_by_area(activities(scope=scope, filters=filters)))
    name = f"abri-indicateurs_{_period_name(filters)}"
    if xlsx:
        return _download(
            exports.table_xlsx(columns, table, sheet="Indicateurs"), name=f"{name}.xlsx", content_type=XLSX
        )
    return _download(exports.table_csv(columns, table), name=f"{name}.csv", content_type="text/csv; charset=utf-8")


@login_required
@require_GET
def activity_csv(request: HttpRequest) -> HttpResponse:
    """The 5W as CSV with French, English and HXL header rows."""
    return _activity_file(request, xlsx=False)


@login_required
@require_GET
def activity_xlsx(request: HttpRequest) -> HttpResponse:
    """The 5W as XLSX with French, English and HXL header rows."""
    return _activity_file(request, xlsx=True)


@login_required
@require_GET
def indicator_csv(request: HttpRequest) -> HttpResponse:
    """The indicators per cercle as CSV with French, English and HXL header rows."""
    return _indicator_file(request, xlsx=False)


@login_required
@require_GET
def indicator_xlsx(request: HttpRequest) -> HttpResponse:
    """The indicators per cercle as XLSX with French, English and HXL header rows."""
    return _indicator_file(request, xlsx=True)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def activity_import(request: HttpRequest) -> HttpResponse:
    """Upload a partner's 5W rows; every refused row is listed with its reasons and nothing is written."""
    scope = _scope(request, IMPORT_ACTIVITIES)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors: dict[str, list[str]] = {}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.ABRI_IMPORT_MAX_BYTES:
            errors = {"file": [_("The file is larger than Abri accepts.")]}
        else:
            with tempfile.TemporaryDirectory() as folder:
                path = Path(folder) / "upload"
                with path.open("wb") as handle:
                    for chunk in upload.chunks():
                        handle.write(chunk)
                try:
                    result = partner_activities_import(
                        actor=request.user, scope=scope, path=path, file_name=Path(upload.name).name
                    )
                except ValidationFailed as error:
                    errors = error.errors
                except PermissionDenied as error:
                    errors = {"file": [str(error)]}
                else:
                    messages.success(
                        request,
                        _("%(created)s 5W rows imported (%(replaced)s earlier rows of this file replaced).")
                        % {"created": result.created, "replaced": result.replaced},
                    )
    status = 422 if errors else 200
    return render(
        request,
        "reporting/activity_import.html",
        {"section": "reporting", "form": form, "errors": errors, "columns": exports.activity_columns()},
        status=status,
    )


@login_required
@never_cache
@require_GET
def operation_dashboard(request: HttpRequest) -> HttpResponse:
    """The dashboard of an operation or programme: figures, SVG charts, the site map, stock."""
    scope = _scope(request)
    form = _filters_form(request, scope)
    dashboard = dashboard_figures(scope=scope, filters=form.filters())
    return render(
        request,
        "reporting/dashboard.html",
        {"section": "reporting", "form": form, "dashboard": dashboard, "query": request.GET.urlencode()},
    )


@login_required
@require_GET
def situation_report(request: HttpRequest) -> HttpResponse:
    """The one-page situation report (PDF) for the filters, in French or English (``?lang=``)."""
    scope = _scope(request)
    form = _filters_form(request, scope)
    filters = form.filters()
    language = request.GET.get("lang", "")
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language() or settings.LANGUAGE_CODE
    with translation.override(language):
        programme = next((p for p in form.programmes if p.pk == filters.programme_id), None)
        title = str(programme) if programme else _("all operations in your scope")
        content = printing.situation_report_pdf(
            title=title, filters=filters, dashboard=dashboard_figures(scope=scope, filters=filters)
        )
    return _download(content, name=f"abri-sitrep_{_period_name(filters)}.pdf", content_type="application/pdf")


@login_required
@never_cache
@require_GET
def microdata_xlsx(request: HttpRequest) -> HttpResponse:
    """Anonymised household records (k-anonymous) for sharing, with a sheet of notes on how."""
    scope = _scope(request)
    filters = _filters_form(request, scope).filters()
    covered = scope_areas(scope=scope, permission=VIEW_REPORTS)
    areas = [filters.area] if filters.area else (covered if covered is not None else [""])
    on = timezone.localdate()
    features = households_features_frame(scope=scope, area_pcodes=areas, on=on)
    if covered is not None:  # the households of the areas where the viewer reports, no others
        features = features.filter(
            pl.any_horizontal(*(pl.col("admin_area").str.starts_with(pcode) for pcode in covered))
            if covered
            else pl.lit(False)
        )
    if filters.organisation_id:
        features = features.filter(pl.col("organisation_id") == filters.organisation_id)
    try:
        result = microdata_anonymise(features, k=DEFAULT_K)
    except ValidationFailed as refused:
        for field_messages in refused.errors.values():
            for message in field_messages:
                messages.error(request, message)
        query = request.GET.urlencode()
        return HttpResponseRedirect(reverse("reporting:activity_list") + (f"?{query}" if query else ""))
    notes = microdata_notes(result, on=on, scope_label=", ".join(area for area in areas if area) or _("all areas"))
    content = xlsx_bytes(
        [
            Sheet(name=_("Households"), header=result.frame.columns, rows=result.frame.iter_rows()),
            Sheet(name=_("Notes"), header=[_("What"), _("Value")], rows=notes),
        ]
    )
    with transaction.atomic():
        audit_record(
            actor=request.user,
            action="reporting.microdata_export",
            target=request.user,  # type: ignore[arg-type]  # a logged-in user (login_required)
            changes={"k": result.k, "rows": result.frame.height, "areas": areas},
        )
    return _download(content, name=f"abri-microdonnees_k{result.k}_{on.isoformat()}.xlsx", content_type=XLSX)
