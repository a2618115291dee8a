"""The one-page situation report (PDF) of a programme or an operation for a period, in French or English.

Key figures, a chart of the people reached by sex and age, the map of the sites, and the 5W
table, drawn with reportlab (`abri.core.pdf`) like every printed document of Abri. A
situation report leaves the organisation: the small counts of sensitive groups read "<5".
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Circle, Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from abri.core import pdf
from abri.reporting.charts import BarChart, SiteMap
from abri.reporting.fivew import Filters
from abri.reporting.indicators import small_count
from abri.reporting.operation import Dashboard

BLUE = colors.HexColor("#1d5c8f")
TABLE_ROWS = 12  # what fits on the page under the figures, the chart and the map


def _period(filters: Filters) -> str:
    start = date_format(filters.start, "SHORT_DATE_FORMAT") if filters.start else "…"
    end = date_format(filters.end, "SHORT_DATE_FORMAT") if filters.end else "…"
    return _("Period: %(start)s – %(end)s") % {"start": start, "end": end}


def _bars(chart: BarChart, *, width: float, title: str) -> Drawing:
    row = 11.0
    height = row * max(len(chart.bars), 1) + 14
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 9, title, fontName="Helvetica-Bold", fontSize=8))
    label_width = width * 0.32
    for index, bar in enumerate(chart.bars):
        y = height - 14 - (index + 1) * row + 2
        drawing.add(String(0, y + 1, bar.label, fontName="Helvetica", fontSize=7))
        length = (width - label_width - 30) * bar.percent / 100
        drawing.add(Rect(label_width, y, length, row - 4, fillColor=BLUE, strokeColor=None))
        drawing.add(String(label_width + length + 3, y + 1, str(bar.value), fontName="Helvetica", fontSize=7))
    return drawing


def _map(site_map: SiteMap, *, width: float, title: str) -> Drawing:
    scale = width / site_map.width
    height = site_map.height * scale
    drawing = Drawing(width, height + 12)
    drawing.add(String(0, height + 3, title, fontName="Helvetica-Bold", fontSize=8))
    drawing.add(Rect(0, 0, width, height, fillColor=colors.HexColor("#f4f1ea"), strokeColor=colors.HexColor("#d8d2c4")))
    for number, point in enumerate(site_map.points, start=1):
        x, y = point.x * scale, height - point.y * scale
        drawing.add(Circle(x, y, point.radius * scale, fillColor=BLUE, fillOpacity=0.55, strokeColor=BLUE))
        drawing.add(String(x, y - 2.5, str(number), fontSize=7, textAnchor="middle", fillColor=colors.white))
        # The legend, top left: each site's number, name and households.
        drawing.add(String(4, height - 4 - 8 * number, f"{number}. {point.label} ({point.value})", fontSize=6))
    if not site_map.points:
        drawing.add(String(width / 2, height / 2, _("No site with coordinates."), fontSize=7, textAnchor="middle"))
    return drawing


def situation_report_pdf(*, title: str, filters: Filters, dashboard: Dashboard) -> bytes:
    """The situation report: one landscape A4 page."""
    figures = dashboard.figures
    document = pdf.Document(
        title=_("Situation report · %(title)s") % {"title": title},
        subtitle=_period(filters),
        footer=_("Abri · situation report · printed %(at)s") % {"at": timezone.localtime().strftime("%Y-%m-%d %H:%M")},
        wide=True,
    )
    document.add(
        pdf.table(
            [
                _("Households registered"),
                _("People registered"),
                _("Households targeted"),
                _("Households reached"),
                _("People reached"),
                _("Of which IDPs"),
                _("Of which people with disabilities"),
            ],
            [
                [
                    figures.registered_households,
                    figures.registered_people,
                    figures.targeted_households,
                    figures.reached_households,
                    figures.reached_people,
                    dashboard.reached["idps"],
                    small_count(dashboard.reached["with_disabilities"]),
                ]
            ],
        ),
        pdf.spacer(3),
    )
    column = 125 * mm
    side_by_side = Table(
        [
            [
                _bars(dashboard.by_sex_and_age, width=column, title=_("People reached by sex and age")),
                _map(dashboard.map, width=column, title=_("Sites (households registered)")),
            ]
        ],
        colWidths=[column + 8 * mm, column + 8 * mm],
    )
    side_by_side.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    document.add(side_by_side, pdf.spacer(3), pdf.heading(_("5W")))
    rows = [
        [
            row.organisation,
            row.activity,
            row.adm2_name or row.adm1_name,
            row.site,
            date_format(row.start_date, "SHORT_DATE_FORMAT"),
            date_format(row.end_date, "SHORT_DATE_FORMAT") if row.end_date else "",
            row.households,
            row.people,
            small_count(row.with_disabilities),
        ]
        for row in dashboard.rows[:TABLE_ROWS]
    ]
    document.add(
        pdf.table(
            [
                _("Organisation"),
                _("Activity"),
                _("Admin area"),
                _("Site"),
                _("Start"),
                _("End"),
                _("Households"),
                _("People"),
                _("With disabilities"),
            ],
            rows or [[_("No 5W activity for these filters."), "", "", "", "", "", "", "", ""]],
        )
    )
    if len(dashboard.rows) > TABLE_ROWS:
        document.add(
            pdf.text(
                _("%(count)s more rows: see the 5W export.") % {"count": len(dashboard.rows) - TABLE_ROWS}, pdf.SMALL
            )
        )
    return document.render()
