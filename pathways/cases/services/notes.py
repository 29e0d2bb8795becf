"""Writes of a case's notes. A note is written as a draft, changed only by its author, and signed; a signed
version never changes, and a correction is a new version, with its reason, that is a draft until signed.
Every version's text is checked for the sealed details of the person's family before it is saved and
again when it is signed (a detail may have been sealed in between)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.cases.choices import CaseEventKind, NoteKind
from pathways.cases.models import Case, Note, NoteVersion
from pathways.cases.models.notes import CORRECTION_REASON_MAX, NOTE_TEXT_MAX
from pathways.cases.services.base import (
    AuditAction,
    CaseError,
    case_audit,
    case_event_add,
    case_for_change,
    case_text_refuse,
)
from pathways.core.access import Role
from pathways.core.policy import Actor, Perm, allows, can_see_record


def _text(value: str, *, field: str = "text") -> str:
    text = (value or "").strip()
    if not text:
        raise CaseError(_("Enter the note."), field)
    if len(text) > NOTE_TEXT_MAX:
        raise CaseError(_("The note must be %(max)s characters or fewer.") % {"max": NOTE_TEXT_MAX}, field)
    return text


def _locked_version(version: NoteVersion) -> NoteVersion:
    return NoteVersion.objects.select_for_update(of=("self",)).select_related("note__case").get(pk=version.pk)


def _refuse_signed(version: NoteVersion) -> None:
    if version.signed:
        raise CaseError(
            _("This version of the note is signed and can no longer change. Correct it with a new version.")
        )


def _refuse_not_author(actor: Actor, version: NoteVersion) -> None:
    if version.written_by_id != actor.user.pk:
        raise CaseError(_("Only the person who wrote a draft can change or sign it."))


def _refuse_if_may_not_change(actor: Actor, case: Case) -> None:
    """PermissionDenied before anything is compared or written (the lock comes with the write)."""
    if not allows(actor, Perm.CASE_CHANGE) or not can_see_record(actor, case, Perm.CASE_CHANGE):
        raise PermissionDenied


def note_draft(*, actor: Actor, case: Case, kind: str, text: str) -> Note:
    """A new note on the case, as a draft (version 1) that its author may change until it is signed."""
    _refuse_if_may_not_change(actor, case)
    if kind not in NoteKind.values:
        raise CaseError(_("Choose the kind of note."), "kind")
    text = _text(text)
    # Checked before the write's transaction, so that the audit of a refused attempt is kept.
    case_text_refuse(actor=actor, case=case, fields={"text": text}, record_type="case")
    with transaction.atomic():
        case = case_for_change(actor=actor, case=case)
        note = Note.objects.create(case=case, kind=kind, created_by=actor.user)
        version = NoteVersion.objects.create(note=note, number=1, text=text, written_by=actor.user)
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="case_note",
            record_id=note.pk,
            details={"case": str(case.pk), "kind": kind, "version": version.number},
        )
    return note


def note_update_draft(*, actor: Actor, version: NoteVersion, text: str) -> NoteVersion:
    """Change the text of a draft. Only its author may, and never once it is signed."""
    case = version.note.case
    _refuse_if_may_not_change(actor, case)
    _refuse_signed(version)
    _refuse_not_author(actor, version)
    text = _text(text)
    case_text_refuse(
        actor=actor, case=case, fields={"text": text}, record_type="case_note", record_id=version.note_id
    )
    with transaction.atomic():
        case_for_change(actor=actor, case=case)
        version = _locked_version(version)
        _refuse_signed(version)
        version.text = text
        version.written_at = timezone.now()
        version.save(update_fields=["text", "written_at"])
        case_audit(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="case_note",
            record_id=version.note_id,
            details={"version": version.number, "changed": ["text"]},
        )
    return version


def note_sign(*, actor: Actor, version: NoteVersion) -> NoteVersion:
    """Sign a draft: from now on it is the record and never changes. Its text is checked once more."""
    case = version.note.case
    _refuse_if_may_not_change(actor, case)
    version = NoteVersion.objects.select_related("note__case").get(pk=version.pk)
    _refuse_signed(version)
    _refuse_not_author(actor, version)
    case_text_refuse(
        actor=actor,
        case=case,
        fields={"text": version.text},
        record_type="case_note",
        record_id=version.note_id,
    )
    with transaction.atomic():
        case = case_for_change(actor=actor, case=case)
        locked = _locked_version(version)
        _refuse_signed(locked)
        if locked.text != version.text:
            raise CaseError(_("The draft changed while it was being signed. Check it and sign again."))
        locked.signed_at = timezone.now()
        locked.signed_by = actor.user
        locked.save(update_fields=["signed_at", "signed_by"])
        note = locked.note
        case_event_add(
            case=case,
            kind=CaseEventKind.NOTE,
            actor=actor,
            detail={"kind": note.kind, "version": locked.number},
        )
        case_audit(
            action=AuditAction.RECORD_CHANGED,
            actor=actor,
            record_type="case_note",
            record_id=note.pk,
            details={"version": locked.number, "signed": True},
        )
    return locked


def note_correct(*, actor: Actor, note: Note, text: str, reason: str) -> NoteVersion:
    """Correct a signed note: a new version (the next number) with the reason for the correction, a draft
    until its author signs it. The signed versions stay as they were. Its author or a manager corrects it;
    one correction at a time."""
    case = note.case
    _refuse_if_may_not_change(actor, case)
    if note.created_by_id != actor.user.pk and actor.role != Role.MANAGER:
        raise CaseError(_("Only the note's author or a manager can correct it."))
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Say why the note is being corrected."), "reason")
    if len(reason) > CORRECTION_REASON_MAX:
        raise CaseError(
            _("The reason must be %(max)s characters or fewer.") % {"max": CORRECTION_REASON_MAX}, "reason"
        )
    text = _text(text)
    case_text_refuse(
        actor=actor,
        case=case,
        fields={"text": text, "reason": reason},
        record_type="case_note",
        record_id=note.pk,
    )
    with transaction.atomic():
        case = case_for_change(actor=actor, case=case)
        note = Note.objects.select_for_update().get(pk=note.pk)
        versions = list(note.versions.order_by("number"))
        if not any(v.signed for v in versions):
            raise CaseError(_("This note is still a draft: change the draft rather than correcting it."))
        if any(not v.signed for v in versions):
            raise CaseError(
                _("A correction of this note is waiting to be signed: sign or change that first.")
            )
        version = NoteVersion.objects.create(
            note=note,
            number=versions[-1].number + 1,
            text=text,
            written_by=actor.user,
            correction_reason=reason,
        )
        case_audit(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="case_note",
            record_id=note.pk,
            details={"version": version.number, "correction": True},
        )
    return version
