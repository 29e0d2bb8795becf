from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast

from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry


def audit_search(*, filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if filters.get("user"):
        entries = entries.filter(actor_username__iexact=filters["user"])
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("record"):
        # A request that read several records names them in its details ("read"), not in record_id.
        record = str(filters["record"])
        entries = entries.annotate(details_text=Cast("details", TextField())).filter(
            Q(record_id=record) | Q(action=AuditAction.RECORD_VIEWED, details_text__contains=f'"{record}"')
        )
    if filters.get("date_from"):
        entries = entries.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        entries = entries.filter(at__date__lte=filters["date_to"])
    return entries.order_by("-sequence")
