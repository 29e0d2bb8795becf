"""Writes of safe contact on the case of someone being harmed: the arrangements her support worker agreed
with her for reaching her safely. They stay on her case, on the victim side; nothing of them crosses to the
services working with the man who harms her. Recording them is what lets contact be logged on her case."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django.db import transaction
from django.utils.translation import gettext as _

from pathways.cases.choices import CaseEventKind, ContactChannel
from pathways.cases.models import Case, SafeContact
from pathways.cases.services.base import AuditAction, CaseError, case_audit, case_event_add, case_for_change
from pathways.core.access import Side
from pathways.core.policy import Actor

SAFE_WORD_LENGTH = 60


@transaction.atomic
def safe_contact_record(
    *,
    actor: Actor,
    case: Case,
    safe_times: str,
    channels: Iterable[str],
    voicemail: bool,
    safe_word: str | None = "",
    others_may_answer: str = "",
) -> SafeContact:
    """Record her safe-contact arrangements (a new record each time they change; the latest is in force).
    `safe_word` None keeps the one in force (for someone who may change her case but not see it). The
    audit names which parts were given, never what they say."""
    case = case_for_change(actor=actor, case=case)
    if case.person.side != Side.VICTIM:
        raise CaseError(_("Safe-contact arrangements are kept on the case of the person being harmed."))
    safe_times = (safe_times or "").strip()
    in_force = SafeContact.objects.filter(case=case).order_by("-at", "-pk").first()
    kept = in_force.safe_word if safe_word is None and in_force is not None else None
    safe_word = (safe_word or "").strip()
    others_may_answer = (others_may_answer or "").strip()
    chosen = list(dict.fromkeys(channels))
    if not safe_times:
        raise CaseError(_("Enter when it is safe to contact her."), "safe_times")
    if not chosen or any(c not in ContactChannel.values for c in chosen):
        raise CaseError(_("Choose at least one safe way to contact her."), "channels")
    if len(safe_word) > SAFE_WORD_LENGTH:
        raise CaseError(
            _("The safe word must be %(max)s characters or fewer.") % {"max": SAFE_WORD_LENGTH}, "safe_word"
        )
    changed = in_force is not None
    record = SafeContact.objects.create(
        case=case,
        safe_times=safe_times,
        channels=chosen,
        voicemail=voicemail,
        # The word in force is carried over sealed, never read.
        safe_word=cast(Any, kept) if kept is not None else (safe_word or None),
        others_may_answer=others_may_answer,
        recorded_by=actor.user,
    )
    if not case.contact_allowed:
        case.contact_allowed = True
        case.save(update_fields=["contact_allowed"])
    case_event_add(case=case, kind=CaseEventKind.SAFE_CONTACT, actor=actor, detail={"changed": changed})
    case_audit(
        action=AuditAction.RECORD_CHANGED if changed else AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="safe_contact",
        record_id=record.pk,
        details={
            "case": str(case.pk),
            "channels": chosen,
            "voicemail": voicemail,
            "safe_word": bool(safe_word or kept),
            "others_may_answer": bool(others_may_answer),
        },
    )
    return record
