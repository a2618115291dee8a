"""Printable documents (lists, cards, sign-off pages) as PDF, with reportlab alone.

Pure Python, so a laptop in the field prints without system libraries. Every text given
here is escaped before reportlab reads it as markup: a name such as ``<b>`` or ``A & B`` is
printed as typed. Callers decide which personal data a document may hold.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

_STYLES = getSampleStyleSheet()
TITLE = ParagraphStyle("AbriTitle", parent=_STYLES["Title"], fontSize=16, leading=20, spaceAfter=4)
HEADING = ParagraphStyle("AbriHeading", parent=_STYLES["Heading2"], fontSize=12, leading=15, spaceBefore=8)
BODY = ParagraphStyle("AbriBody", parent=_STYLES["BodyText"], fontSize=9, leading=11.5)
CELL = ParagraphStyle("AbriCell", parent=BODY, fontSize=8, leading=10)
SMALL = ParagraphStyle("AbriSmall", parent=BODY, fontSize=7, leading=9, textColor=colors.grey)


def text(value: object, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped; line breaks kept)."""
    return Paragraph(escape("" if value is None else str(value)).replace("\n", "<br/>"), style)


def heading(value: object) -> Paragraph:
    """A section heading."""
    return text(value, HEADING)


def spacer(height_mm: float = 4) -> Spacer:
    """Vertical space."""
    return Spacer(1, height_mm * mm)


def page_break() -> PageBreak:
    """Start a new page."""
    return PageBreak()


def table(
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths_mm: Sequence[float] | None = None,
    row_height_mm: float | None = None,
) -> Table:
    """A table whose header repeats on every page; cells wrap.

    ``row_height_mm`` leaves room in each row to sign or press a thumb. A cell that is already a
    flowable (a QR code) is placed as it is.
    """
    data = [[text(title, CELL) for title in header]]
    data += [[value if isinstance(value, Flowable) else text(value, CELL) for value in row] for row in rows]
    heights = None
    if row_height_mm is not None:
        heights = [None] + [row_height_mm * mm] * len(rows)
    result = Table(
        data,
        colWidths=[width * mm for width in widths_mm] if widths_mm else None,
        rowHeights=heights,
        repeatRows=1,
    )
    result.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef4")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return result


def sign_off(title: str, people: Sequence[tuple[str, str]], *, labels: tuple[str, str, str]) -> KeepTogether:
    """A block to sign: one line per (name, role), with ``labels`` naming the name, role and signature columns."""
    rows = [(name, role, "") for name, role in people] or [("", "", "")] * 6
    return KeepTogether([heading(title), table(labels, rows, widths_mm=(65, 55, 60), row_height_mm=12)])


def qr_code(value: str, *, size_mm: float = 22) -> Image:
    """A QR code of ``value`` (segno), ``size_mm`` wide, for a card or a list."""
    output = io.BytesIO()
    segno.make(value, error="m").save(output, kind="png", scale=6, border=2)
    output.seek(0)
    return Image(output, width=size_mm * mm, height=size_mm * mm)


@dataclass
class Document:
    """A printable document: a title, an optional subtitle and footer, and its blocks in order."""

    title: str
    subtitle: str = ""
    footer: str = ""
    wide: bool = False
    blocks: list[Flowable] = field(default_factory=list)

    def add(self, *blocks: Flowable) -> Document:
        """Append blocks; returns the document so calls chain."""
        self.blocks.extend(blocks)
        return self

    def render(self) -> bytes:
        """The PDF's bytes, with the footer and the page number at the bottom of each page."""
        output = io.BytesIO()
        size = landscape(A4) if self.wide else A4
        template = SimpleDocTemplate(
            output,
            pagesize=size,
            leftMargin=14 * mm,
            rightMargin=14 * mm,
            topMargin=14 * mm,
            bottomMargin=16 * mm,
            title=self.title,
            author="Abri",
        )
        story: list[Flowable] = [text(self.title, TITLE)]
        if self.subtitle:
            story.append(text(self.subtitle, SMALL))
        story.append(spacer(3))
        story.extend(self.blocks)
        footer = self.footer

        def _page(canvas: Any, document: Any) -> None:  # reportlab's canvas and document are untyped
            canvas.saveState()
            canvas.setFont("Helvetica", 7)
            canvas.setFillColor(colors.grey)
            page = canvas.getPageNumber()
            canvas.drawString(14 * mm, 8 * mm, f"{footer}  ·  {page}")
            canvas.restoreState()

        template.build(story, onFirstPage=_page, onLaterPages=_page)
        return output.getvalue()
