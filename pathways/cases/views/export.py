"""The caseload as a CSV file: the rows the caseload page lists, every page of them, in the reader's
language."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from django.db import transaction
from django.http import HttpRequest, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.cases import selectors
from pathways.cases.forms import CaseloadForm
from pathways.cases.selectors.next import caseload_next_actions
from pathways.core.csvexport import safe_cell
from pathways.core.policy import actor_for

CHUNK = 500


def _line(values: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(v) for v in values])
    return out.getvalue()


@require_http_methods(["GET", "HEAD"])
def caseload_export_view(request: HttpRequest) -> StreamingHttpResponse:
    actor = actor_for(request)
    form = CaseloadForm(request.GET)
    whose = (form.cleaned_data.get("whose") if form.is_valid() else "") or "mine"
    cases = selectors.caseload_cases(actor=actor, whose=whose)
    with transaction.atomic():
        audit.entry_record(
            action=AuditAction.RECORD_VIEWED,
            actor=actor,
            record_type="caseload",
            record_id=actor.agency.pk if actor.agency else "",
            details={"export": "csv", "whose": whose, "rows": cases.count()},
        )
    header = [
        _("Reference"),
        _("Person"),
        _("Service"),
        _("Opened"),
        _("Case worker"),
        _("Case manager"),
        _("Consent"),
        _("Contact allowed"),
        _("First contact"),
        _("Next action"),
        _("Next action due"),
    ]

    today = timezone.localdate()

    def lines() -> Iterator[str]:
        yield _line(list(header))
        found = list(cases)
        for start in range(0, len(found), CHUNK):
            chunk = found[start : start + CHUNK]
            following = caseload_next_actions(actor=actor, cases=chunk, today=today)
            for row in selectors.case_rows(actor=actor, cases=chunk):
                c = row.case
                next_action = following.get(c.pk)
                yield _line(
                    [
                        c.referral.reference if c.referral else "",
                        row.name,
                        c.service.name,
                        c.opened_at.date().isoformat(),
                        str(c.worker or ""),
                        str(c.manager or ""),
                        c.get_consent_display(),
                        _("Yes") if c.contact_allowed else _("No"),
                        c.first_contact_at.date().isoformat() if c.first_contact_at else "",
                        next_action.what if next_action else "",
                        next_action.due_on.isoformat() if next_action and next_action.due_on else "",
                    ]
                )

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="caseload-{whose}-{day}.csv"'
    return response
