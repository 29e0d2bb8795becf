"""Reads of a case's notes, through the access policy, and the sealed details kept out of a case's typed
text.

Who reads a note: the agencies running the case's service, on the side of the family they may see
(the policy's `visible_to`). Within that, two more rules:
- a supervision note is read only by the managers of those agencies and by the note's author: what a
  manager and a worker say in supervision about the work is not every colleague's reading;
- a note with no signed version yet (a draft) is read only by its author; once signed, everyone who may
  read a note of its kind reads its latest signed version, with the history of versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, QuerySet

from pathways.cases.choices import NoteKind
from pathways.cases.models import Case, Note, NoteVersion
from pathways.cases.selectors.case import case_sealed_markers
from pathways.core.access import Role
from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.core.sealedtext import Marker
from pathways.people.sealed import sealed_details_withhold, withheld_message


def _readable(actor: Actor, notes: QuerySet[Note]) -> QuerySet[Note]:
    notes = visible_to(actor, notes, Perm.CASE_VIEW)
    user = actor.user
    if actor.role != Role.MANAGER:
        notes = notes.filter(~Q(kind=NoteKind.SUPERVISION) | Q(created_by=user.pk))
    return notes.filter(Q(versions__signed_at__isnull=False) | Q(created_by=user.pk)).distinct()


@dataclass(frozen=True)
class VersionShown:
    """A signed version as shown: its text and reason, each withheld if it holds a sealed detail."""

    version: NoteVersion
    text: str
    reason: str
    withheld: bool


def _version_shown(version: NoteVersion, markers: list[Marker]) -> VersionShown:
    text = sealed_details_withhold(version.text, markers)
    reason = sealed_details_withhold(version.correction_reason, markers)
    return VersionShown(
        version=version,
        text=withheld_message() if text is None else text,
        reason=withheld_message() if reason is None else reason,
        withheld=text is None,
    )


@dataclass
class NoteShown:
    """A note as its reader sees it: the latest signed version (the text withheld if it holds a sealed
    detail), the author's draft where the reader wrote it, and every signed version before."""

    note: Note
    current: NoteVersion | None
    draft: NoteVersion | None
    history: list[VersionShown] = field(default_factory=list)
    text: str = ""
    reason: str = ""
    withheld: bool = False
    may_edit: bool = False
    may_correct: bool = False

    @property
    def corrected(self) -> bool:
        return self.current is not None and self.current.number > 1


def _shown(actor: Actor, note: Note, markers: list[Marker]) -> NoteShown:
    versions = list(note.versions.all())  # prefetched, in number order
    signed = [v for v in versions if v.signed]
    current = signed[-1] if signed else None
    draft = next((v for v in versions if not v.signed and v.written_by_id == actor.user.pk), None)
    history = [_version_shown(v, markers) for v in reversed(signed)]
    shown = history[0] if history else (_version_shown(draft, markers) if draft is not None else None)
    open_case = note.case.status == "open"
    return NoteShown(
        note=note,
        current=current,
        draft=draft,
        history=history,
        text=shown.text if shown else "",
        reason=shown.reason if shown else "",
        withheld=shown.withheld if shown else False,
        may_edit=open_case and draft is not None,
        may_correct=open_case
        and current is not None
        and not any(not v.signed for v in versions)
        and (note.created_by_id == actor.user.pk or actor.role == Role.MANAGER),
    )


def _versions() -> Prefetch[str]:
    return Prefetch("versions", queryset=NoteVersion.objects.select_related("written_by", "signed_by"))


def notes_for_case(*, actor: Actor, case: Case, kind: str = "") -> list[NoteShown]:
    """The case's notes the actor may read, newest first, optionally of one kind: the same few queries
    however many there are."""
    notes = Note.objects.filter(case=case)
    if kind:
        notes = notes.filter(kind=kind)
    found = (
        _readable(actor, notes)
        .select_related("case", "created_by")
        .prefetch_related(_versions())
        .order_by("-created_at", "pk")
    )
    markers = case_sealed_markers(case=case)
    return [_shown(actor, note, markers) for note in found]


def note_get(*, actor: Actor, case: Case, note_id: object) -> NoteShown:
    """One of the case's notes, as the actor reads it; Http404 if it is not the case's or not theirs to
    read (a supervision note, or a colleague's draft)."""
    notes = _readable(actor, Note.objects.filter(case=case)).select_related("case", "created_by")
    note = get_for_actor(actor, notes.prefetch_related(_versions()), Perm.CASE_VIEW, pk=note_id)
    return _shown(actor, note, case_sealed_markers(case=case))


@dataclass(frozen=True)
class NotesSummary:
    count: int
    latest_signed_at: object


def notes_summary(*, actor: Actor, case: Case) -> NotesSummary:
    """How many of the case's notes the actor may read have been signed, and when the latest was."""
    readable = _readable(actor, Note.objects.filter(case=case))
    signed = NoteVersion.objects.filter(note__in=readable.values("pk"), signed_at__isnull=False)
    latest = signed.order_by("-signed_at").values_list("signed_at", flat=True).first()
    count = readable.filter(versions__signed_at__isnull=False).values("pk").distinct().count()
    return NotesSummary(count=count, latest_signed_at=latest)
