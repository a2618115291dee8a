"""Printed documents of a distribution: entitlement cards with QR codes, the distribution list with
a signature or thumbprint column, and the reconciliation (PDF and XLSX), in the active language.

The cards and the list hold the head's name and the household's registration number: what a
handover needs (`abri.registry.shown.handover_shown`), printed only for those who record
handovers or manage the distribution; the reconciliation holds counts only.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from abri.assistance.models import Distribution
from abri.assistance.selectors import EntitlementRow, Reconciliation
from abri.core import pdf
from abri.core.exports import Sheet, xlsx_bytes


def _subtitle(distribution: Distribution) -> str:
    return _("%(code)s · %(area)s · from %(first)s to %(last)s · kit %(kit)s (contents version %(version)s)") % {
        "code": distribution.code,
        "area": distribution.admin_area.label,
        "first": date_format(distribution.starts_on, "SHORT_DATE_FORMAT"),
        "last": date_format(distribution.ends_on, "SHORT_DATE_FORMAT"),
        "kit": distribution.kit_version.kit.name,
        "version": distribution.kit_version.number,
    }


def _footer(distribution: Distribution) -> str:
    return _("Abri · %(code)s · printed %(at)s") % {
        "code": distribution.code,
        "at": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


def cards_pdf(*, distribution: Distribution, rows: list[EntitlementRow]) -> bytes:
    """One card per entitlement, two to a row: QR code, token to read aloud, household and head."""
    document = pdf.Document(
        title=_("Entitlement cards · %(name)s") % {"name": distribution.name},
        subtitle=_subtitle(distribution),
        footer=_footer(distribution),
    )
    cells = []
    for row in rows:
        card = pdf.table(
            [distribution.code, ""],
            [
                [
                    pdf.qr_code(row.entitlement.token),
                    "\n".join(
                        [
                            row.token,
                            row.household.registration_number,
                            row.household.head_name,
                            _("Household of %(size)s") % {"size": row.household.size},
                        ]
                    ),
                ]
            ],
            widths_mm=(26, 58),
        )
        cells.append(card)
    pairs = [cells[index : index + 2] + [""] * (2 - len(cells[index : index + 2])) for index in range(0, len(cells), 2)]
    if pairs:
        document.add(pdf.table(["", ""], pairs, widths_mm=(90, 90)))
    return document.render()


def list_pdf(*, distribution: Distribution, rows: list[EntitlementRow]) -> bytes:
    """The distribution list: a QR code, the token, the household and head, and room to sign or press a thumb."""
    document = pdf.Document(
        title=_("Distribution list · %(name)s") % {"name": distribution.name},
        subtitle=_subtitle(distribution),
        footer=_footer(distribution),
        wide=True,
    )
    header = [
        _("QR code"),
        _("Token"),
        _("Registration number"),
        _("Head of household"),
        _("Size"),
        _("Handed over"),
        _("Signature or thumbprint"),
    ]
    body = [
        [
            pdf.qr_code(row.entitlement.token, size_mm=16),
            row.token,
            row.household.registration_number,
            row.household.head_name,
            row.household.size,
            timezone.localtime(row.handover.handed_over_at).strftime("%Y-%m-%d %H:%M") if row.handover else "",
            "",
        ]
        for row in rows
    ]
    document.add(pdf.table(header, body, widths_mm=(20, 30, 38, 60, 14, 32, 70), row_height_mm=19))
    witnesses = [
        (witness.name, f"{witness.get_kind_display()} {witness.title}".strip())
        for witness in distribution.witnesses.all()
    ]
    document.add(pdf.sign_off(_("Witnesses"), witnesses, labels=(_("Name"), _("Role"), _("Signature"))))
    return document.render()


def _reconciliation_rows(result: Reconciliation) -> tuple[list[list[object]], list[list[object]]]:
    days = [
        [day.day.isoformat() if day.day else "", day.handed_over, day.by_proxy, day.cancelled] for day in result.days
    ]
    items = [
        [code, name, dispatched, returned, expected] for code, name, dispatched, returned, expected in result.items
    ]
    return days, items


def reconciliation_pdf(*, result: Reconciliation) -> bytes:
    """The reconciliation of a distribution, printable."""
    distribution = result.distribution
    document = pdf.Document(
        title=_("Reconciliation · %(name)s") % {"name": distribution.name},
        subtitle=_subtitle(distribution),
        footer=_footer(distribution),
    )
    kits = result.kits
    document.add(
        pdf.table(
            [_("Planned"), _("Handed over"), _("Absent"), _("Kits dispatched"), _("Kits returned"), _("Kits lost")],
            [[result.planned, result.handed_over, result.absent, kits.dispatched, kits.returned, kits.lost]],
        )
    )
    days, items = _reconciliation_rows(result)
    document.add(pdf.heading(_("Per day")))
    document.add(pdf.table([_("Day"), _("Handed over"), _("By a proxy"), _("Cancelled")], days))
    document.add(pdf.heading(_("Stock")))
    document.add(pdf.table([_("Item"), _("Name"), _("Dispatched"), _("Returned"), _("In the kits handed over")], items))
    document.add(pdf.heading(_("Differences explained")))
    for note in result.differences or [_("None: everything adds up.")]:
        document.add(pdf.text(note))
    witnesses = [
        (witness.name, f"{witness.get_kind_display()} {witness.title}".strip())
        for witness in distribution.witnesses.all()
    ]
    document.add(pdf.sign_off(_("Witnesses"), witnesses, labels=(_("Name"), _("Role"), _("Signature"))))
    return document.render()


def reconciliation_xlsx(*, result: Reconciliation) -> bytes:
    """The reconciliation of a distribution as a workbook: totals, days, stock, differences."""
    kits = result.kits
    days, items = _reconciliation_rows(result)
    return xlsx_bytes(
        [
            Sheet(
                _("Totals"),
                [_("Planned"), _("Handed over"), _("Absent"), _("Kits dispatched"), _("Kits returned"), _("Kits lost")],
                [[result.planned, result.handed_over, result.absent, kits.dispatched, kits.returned, kits.lost]],
            ),
            Sheet(_("Per day"), [_("Day"), _("Handed over"), _("By a proxy"), _("Cancelled")], days),
            Sheet(
                _("Stock"), [_("Item"), _("Name"), _("Dispatched"), _("Returned"), _("In the kits handed over")], items
            ),
            Sheet(_("Differences"), [_("Difference")], [[note] for note in result.differences]),
        ]
    )
