"""Every read of a record about a person is audited here, once per request, whatever the page or API.

Models holding personal data note each row read (pathways.core.readlog); once the view has answered,
this writes one entry naming them: the first record type read names the entry (with its id when it read
one such record), and the details list every type read with its count and ids.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core import readlog
from pathways.core.policy import actor_for


class ReadAuditMiddleware:
    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with readlog.reading() as reads:
            response = self.get_response(request)
            if reads:
                reads_record(request, reads, response.status_code)
        return response


def reads_record(request: HttpRequest, reads: dict[str, dict[str, None]], status: int) -> None:
    record_type, ids = next(iter(reads.items()))
    match = request.resolver_match
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor_for(request) if getattr(request, "user", None) is not None else None,
        request=request,
        record_type=record_type,
        record_id=next(iter(ids)) if len(ids) == 1 else "",
        details={
            "read": readlog.summary(reads),
            "view": match.view_name if match else "",
            "method": request.method,
            "status": status,
        },
    )
