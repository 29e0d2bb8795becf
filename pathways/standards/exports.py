"""The standards board as CSV or XLSX: one row a service, its latest completed review's counts and what is
due. Cells that a spreadsheet would run as a formula are quoted (`core.csvexport.safe_cell`)."""

from __future__ import annotations

import csv
import io

import xlsxwriter
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvexport import safe_cell
from pathways.core.policy import Actor
from pathways.standards.choices import Rating
from pathways.standards.selectors import RATING_ORDER, BoardLine

FORMATS = ("csv", "xlsx")


def board_rows(*, lines: list[BoardLine]) -> list[list[object]]:
    """The board as a table: a header row, then one row a service."""
    labels = dict(Rating.choices)
    header: list[object] = [
        _("Service"),
        _("Latest review"),
        _("Kind of review"),
        _("Checklist"),
        *[str(labels[r]) for r in RATING_ORDER],
        _("Due for reassessment"),
        _("Next Amber review by"),
        _("Accreditation"),
    ]
    rows: list[list[object]] = [header]
    for line in lines:
        review, counts = line.latest, line.counts
        rows.append(
            [
                line.service.name,
                review.reviewed_on.isoformat() if review else "",
                review.get_kind_display() if review else "",
                review.checklist if review else "",
                *[counts.get(r) if counts else "" for r in RATING_ORDER],
                _("Yes") if line.reassessment_due else _("No"),
                line.next_review_by.isoformat() if line.next_review_by else "",
                "; ".join(
                    f"{a.get_scheme_display()} ({a.awarded_on.isoformat()})" for a in line.accreditations
                ),
            ]
        )
    return rows


def board_export(*, actor: Actor, lines: list[BoardLine], chosen: str) -> HttpResponse:
    rows = board_rows(lines=lines)
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor,
        record_type="standardsboard",
        details={"export": chosen, "rows": len(rows) - 1},
    )
    day = timezone.localdate().isoformat()
    if chosen == "xlsx":
        out = io.BytesIO()
        book = xlsxwriter.Workbook(
            out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
        )
        sheet = book.add_worksheet(_("Standards")[:31])
        bold = book.add_format({"bold": True})
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value if isinstance(value, int) else str(value), bold if r == 0 else None)
        book.close()
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="standards-{day}.xlsx"'
        return response
    text = io.StringIO()
    writer = csv.writer(text)
    for row in rows:
        writer.writerow([safe_cell(v) for v in row])
    response = HttpResponse(text.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="standards-{day}.csv"'
    return response
