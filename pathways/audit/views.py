from __future__ import annotations

import csv

from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from pathways.audit import selectors
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.audit.forms import AuditSearchForm
from pathways.core.csvexport import safe_cell
from pathways.core.policy import actor_for

EXPORT_COLUMNS = [
    "sequence",
    "at",
    "actor_username",
    "agency_name",
    "role",
    "action",
    "record_type",
    "record_id",
    "purpose",
    "ip_address",
    "entry_hash",
]


def _filters(form: AuditSearchForm) -> dict[str, object]:
    return {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}


def search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = _filters(form)
    page = Paginator(selectors.audit_search(filters=filters), 50).get_page(request.GET.get("page"))
    with transaction.atomic():
        audit.entry_record(
            action=AuditAction.AUDIT_SEARCHED,
            actor=actor_for(request),
            details={k: str(v) for k, v in filters.items()},
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/search.html", {"form": form, "page": page, "query": query.urlencode()})


class _Echo:
    def write(self, value: str) -> str:
        return value


def export(request: HttpRequest) -> StreamingHttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters = _filters(form)
    entries = selectors.audit_search(filters=filters)
    with transaction.atomic():
        audit.entry_record(
            action=AuditAction.AUDIT_EXPORTED,
            actor=actor_for(request),
            details={"filters": {k: str(v) for k, v in filters.items()}, "rows": entries.count()},
        )
    writer = csv.writer(_Echo())
    rows = (writer.writerow([safe_cell(getattr(e, c)) for c in EXPORT_COLUMNS]) for e in entries.iterator())
    response = StreamingHttpResponse(
        (r for chunk in ([writer.writerow(EXPORT_COLUMNS)], rows) for r in chunk), content_type="text/csv"
    )
    response["Content-Disposition"] = 'attachment; filename="pathways-audit.csv"'
    return response
