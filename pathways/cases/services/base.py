"""What every casework write shares: the error it raises, the case history it adds to, and who may change
a case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.cases.choices import CaseStatus
from pathways.cases.models import Case, CaseEvent
from pathways.cases.selectors.case import case_sealed_markers
from pathways.core.policy import Actor, Perm, allows, can_see_record
from pathways.core.sealedtext import Marker, describe_kinds, mentions
from pathways.people.sealed import SealedDetailError, sealed_details_refuse


class CaseError(Exception):
    """A case change that cannot be made, with the message to show and the form field it is about."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def case_event_add(
    *, case: Case, kind: str, actor: Actor | None, detail: dict[str, Any] | None = None
) -> CaseEvent:
    """One step in the case's history: who did it, for which agency, and its facts (no free text)."""
    return CaseEvent.objects.create(
        case=case,
        kind=kind,
        by=actor.user if actor and actor.user.is_authenticated else None,
        agency=actor.agency if actor else None,
        detail=detail or {},
    )


def case_audit(
    *, action: str, actor: Actor | None, record_type: str, record_id: Any, details: dict[str, Any]
) -> None:
    audit.entry_record(
        action=action, actor=actor, record_type=record_type, record_id=record_id, details=details
    )


def case_text_refuse(
    *, actor: Actor | None, case: Case, fields: Mapping[str, str], record_type: str, record_id: Any = ""
) -> None:
    """Refuse typed text on the case that holds a sealed detail of someone the person harms: a CaseError
    naming the field and what to take out of it, the attempt audited as a glimpse. Call it before the
    change's transaction, so that the audit entry of a refused attempt is kept. Only someone who may change
    the case is told whether text matched."""
    may_change = actor is not None and allows(actor, Perm.CASE_CHANGE)
    if not may_change or not can_see_record(actor, case, Perm.CASE_CHANGE):  # type: ignore[arg-type]
        raise PermissionDenied
    text_markers_refuse(
        actor=actor,
        markers=case_sealed_markers(case=case),
        fields=fields,
        record_type=record_type,
        record_id=record_id or case.pk,
    )


def text_markers_refuse(
    *, actor: Actor | None, markers: list[Marker], fields: Mapping[str, str], record_type: str, record_id: Any
) -> None:
    """Refuse typed text holding one of the sealed details: a CaseError naming the field and what to take
    out of it, the attempt audited as a glimpse."""
    for name, text in fields.items():
        found = mentions(text or "", markers) if markers else set()
        if not found:
            continue
        try:
            sealed_details_refuse(
                fields={name: text},
                markers=markers,
                actor=actor,
                record_type=record_type,
                record_id=record_id,
            )
        except SealedDetailError as error:
            remove = _("Remove the %(details)s.") % {"details": describe_kinds(found)}
            raise CaseError(f"{error.message} {remove}", name) from None


def case_for_change(*, actor: Actor, case: Case, open_only: bool = True) -> Case:
    """The case, locked for the change, if the actor may change it: else PermissionDenied (the page has
    already told a reader without access that it does not exist), or CaseError for a closed case."""
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, case, Perm.CASE_CHANGE):
        raise PermissionDenied
    locked = Case.objects.select_for_update().select_related("service", "person").get(pk=case.pk)
    if open_only and locked.status != CaseStatus.OPEN:
        raise CaseError(_("This case is closed."))
    return locked


__all__ = [
    "AuditAction",
    "CaseError",
    "case_audit",
    "case_event_add",
    "case_for_change",
    "case_sealed_markers",
    "case_text_refuse",
    "text_markers_refuse",
]
