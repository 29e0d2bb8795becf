"""The audit log's side of every request: who is asking (their address, for every entry the request
writes) and every read of a record about a person, audited once per request, whatever the page or API.

Models holding personal data note each row read (pathways.core.readlog); once the view has answered,
this writes one entry naming them: the first record type read names the entry (with its id when it read
one such record), and the details list every type read with its count and ids.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from pathways.audit import context
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core import readlog
from pathways.core.policy import actor_for


class AuditContextMiddleware:
    """Sets the client's address for the audit entries written while the request is served, so that the
    services writing them need not be given the request."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with context.client_ip_set(context.client_ip_of(request)):
            response: HttpResponse = self.get_response(request)
        return response


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
        record_type=record_type,
        record_id=next(iter(ids)) if len(ids) == 1 else "",
        details={
            "read": readlog.summary(reads),
            "view": match.view_name if match else "",
            "method": request.method,
            "status": status,
        },
    )
