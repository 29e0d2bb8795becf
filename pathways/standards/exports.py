"""The standards board as CSV or XLSX: one row a service, its latest completed review's counts and what is
due. Cells that a spreadsheet would run as a formula are quoted (`core.csvexport.safe_cell`)."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.csvexport import TABLE_FORMATS, table_download
from pathways.core.policy import Actor
from pathways.standards.choices import Rating
from pathways.standards.selectors import RATING_ORDER, BoardLine

FORMATS = TABLE_FORMATS


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
    return table_download(rows=rows, chosen=chosen, filename=f"standards-{day}", sheet=_("Standards"))
