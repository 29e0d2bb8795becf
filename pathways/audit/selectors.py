from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from pathways.audit.models import AuditEntry


def search(filters: dict[str, Any]) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if filters.get("user"):
        entries = entries.filter(actor_username__iexact=filters["user"])
    if filters.get("action"):
        entries = entries.filter(action=filters["action"])
    if filters.get("record"):
        entries = entries.filter(record_id=filters["record"])
    if filters.get("date_from"):
        entries = entries.filter(at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        entries = entries.filter(at__date__lte=filters["date_to"])
    return entries.order_by("-sequence")
