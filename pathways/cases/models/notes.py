"""A case's notes: each of a kind, written as numbered versions. A version is a draft its author may change
until it is signed; once signed it never changes, and a correction is a new version with its reason."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pathways.cases.choices import NoteKind
from pathways.core.access import Ownership
from pathways.core.readlog import PersonalData

NOTE_TEXT_MAX = 8000
CORRECTION_REASON_MAX = 2000


class SignedVersionChange(Exception):
    """A signed version of a note was about to be written again: the record never changes once signed."""


class Note(PersonalData):
    ACCESS = Ownership(agencies=("case__service__agencies",), side="case__person__side")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="notes", verbose_name=_("case")
    )
    kind = models.CharField(_("kind of note"), max_length=16, choices=NoteKind.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    created_at = models.DateTimeField(_("written"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"], name="note_case_created")]
        verbose_name = _("note")
        verbose_name_plural = _("notes")

    def __str__(self) -> str:
        return f"{self.kind} {self.case_id}"


class NoteVersion(PersonalData):
    ACCESS = Ownership(agencies=("note__case__service__agencies",), side="note__case__person__side")

    note = models.ForeignKey(Note, on_delete=models.CASCADE, related_name="versions", verbose_name=_("note"))
    number = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("note"), max_length=NOTE_TEXT_MAX)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    written_at = models.DateTimeField(_("written"), default=timezone.now)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("signed by"),
    )
    # Why a signed note was corrected: required from version 2 on.
    correction_reason = models.TextField(
        _("reason for the correction"), max_length=CORRECTION_REASON_MAX, blank=True
    )

    class Meta:
        ordering = ["note", "number"]
        constraints = [models.UniqueConstraint(fields=["note", "number"], name="one_note_version_number")]
        verbose_name = _("version of a note")
        verbose_name_plural = _("versions of notes")

    def __str__(self) -> str:
        return f"{self.note_id} v{self.number}"

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Any:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._signed_when_read = instance.signed_at is not None
        return instance

    def save(self, *args: Any, **kwargs: Any) -> None:
        # The services refuse first, with a message; this is the last guard, whoever calls save.
        if getattr(self, "_signed_when_read", False):
            raise SignedVersionChange(f"note version {self.pk} is signed and never changes")
        super().save(*args, **kwargs)
        self._signed_when_read = self.signed_at is not None

    @property
    def signed(self) -> bool:
        return self.signed_at is not None
