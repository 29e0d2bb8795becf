"""The case's notes: the list with a new note's form, and one note with its versions, its draft to change
or sign and its correction."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from pathways.cases import selectors
from pathways.cases.choices import CaseStatus, NoteKind
from pathways.cases.models import Case
from pathways.cases.models.notes import CORRECTION_REASON_MAX, NOTE_TEXT_MAX
from pathways.cases.selectors.notes import NoteShown, note_get, notes_for_case, notes_summary
from pathways.cases.services.base import CaseError
from pathways.cases.services.notes import note_correct, note_draft, note_sign, note_update_draft
from pathways.cases.views.sections import OVERVIEW_PARTS, case_page_context
from pathways.core.forms import GovukFormMixin
from pathways.core.policy import Actor, Perm, actor_for, allows

SIGN = "sign"


def _required(message: Any) -> dict[str, Any]:
    return {"required": message}


class NoteForm(GovukFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of note"),
        choices=NoteKind.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the kind of note"),
            "invalid_choice": gettext_lazy("Choose the kind of note"),
        },
    )
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=NOTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=gettext_lazy(
            "Never write a partner's or child's address, phone number, email or school: a note with them "
            "is refused."
        ),
        error_messages=_required(gettext_lazy("Enter the note")),
    )


class DraftForm(GovukFormMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Note"),
        max_length=NOTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=_required(gettext_lazy("Enter the note")),
    )


class CorrectionForm(GovukFormMixin, forms.Form):
    correction = forms.CharField(
        label=gettext_lazy("Corrected note"),
        max_length=NOTE_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=_required(gettext_lazy("Enter the corrected note")),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why it is corrected"),
        max_length=CORRECTION_REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required(gettext_lazy("Say why the note is being corrected")),
    )


class KindFilterForm(forms.Form):
    kind = forms.ChoiceField(choices=[("", gettext_lazy("All kinds")), *NoteKind.choices], required=False)


def _may_write(actor: Actor, case: Case) -> bool:
    return allows(actor, Perm.CASE_CHANGE) and case.status == CaseStatus.OPEN


def _error(form: forms.Form, error: CaseError, field_map: dict[str, str] | None = None) -> None:
    field = (field_map or {}).get(error.field or "", error.field)
    form.add_error(field if field in form.fields else None, str(error))


@require_http_methods(["GET", "HEAD", "POST"])
def notes_view(request: HttpRequest, case_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    chosen = KindFilterForm(request.GET)
    kind = (chosen.cleaned_data.get("kind") if chosen.is_valid() else "") or ""
    form = NoteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                note = note_draft(
                    actor=actor, case=case, kind=form.cleaned_data["kind"], text=form.cleaned_data["text"]
                )
                if request.POST.get("action") == SIGN:
                    note_sign(actor=actor, version=note.versions.get())
            except CaseError as error:
                _error(form, error)
            else:
                if request.POST.get("action") == SIGN:
                    messages.success(request, _("The note is signed."))
                else:
                    messages.success(request, _("The note is saved as a draft. Sign it when it is ready."))
                return redirect("cases:notes", case_id=case.pk)
    return render(
        request,
        "cases/notes.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:notes"),
            "notes": notes_for_case(actor=actor, case=case, kind=kind),
            "kind": kind,
            "kinds": NoteKind.choices,
            "form": form if _may_write(actor, case) or request.method == "POST" else None,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def note_view(request: HttpRequest, case_id: uuid.UUID, note_id: uuid.UUID) -> HttpResponse:
    actor = actor_for(request)
    case = selectors.case_get(actor=actor, case_id=case_id)
    shown = note_get(actor=actor, case=case, note_id=note_id)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    draft_form = DraftForm(
        request.POST if request.method == "POST" and action != "correct" else None,
        initial={"text": shown.draft.text if shown.draft else ""},
    )
    correction_form = CorrectionForm(request.POST if action == "correct" else None)
    status = 200
    if request.method == "POST":
        status = 400
        done = _note_post(actor, shown, action, draft_form, correction_form)
        if done:
            messages.success(request, done)
            return redirect("cases:note", case_id=case.pk, note_id=shown.note.pk)
        if action not in ("save", SIGN, "correct") and draft_form.is_bound:
            draft_form.is_valid()
            draft_form.add_error(None, _("Choose what to do with the note."))
    writable = _may_write(actor, case)
    return render(
        request,
        "cases/note.html",
        {
            **case_page_context(request, actor=actor, case=case, current="cases:notes"),
            "shown": shown,
            "draft_form": draft_form if (writable and shown.may_edit) or action in ("save", SIGN) else None,
            "correction_form": correction_form
            if (writable and shown.may_correct) or action == "correct"
            else None,
            "form": correction_form if action == "correct" else draft_form,
        },
        status=status,
    )


def _note_post(
    actor: Actor, shown: NoteShown, action: str, draft_form: DraftForm, correction_form: CorrectionForm
) -> str:
    """Carries out the posted action; the message to show when it is done, else "" (errors on the forms)."""
    try:
        if action in ("save", SIGN) and draft_form.is_valid():
            # The service decides: a signed version is refused, whoever asks.
            target = shown.draft or shown.current
            if target is None:
                raise CaseError(_("This note has no version to change."))
            version = note_update_draft(actor=actor, version=target, text=draft_form.cleaned_data["text"])
            if action == SIGN:
                note_sign(actor=actor, version=version)
                return _("The note is signed.")
            return _("The draft is saved.")
        if action == "correct" and correction_form.is_valid():
            note_correct(
                actor=actor,
                note=shown.note,
                text=correction_form.cleaned_data["correction"],
                reason=correction_form.cleaned_data["reason"],
            )
            return _("The correction is saved as a draft. Sign it to make it the note.")
    except CaseError as error:
        if action == "correct":
            _error(correction_form, error, {"text": "correction"})
        else:
            _error(draft_form, error)
    return ""


def notes_overview(actor: Actor, case: Case) -> dict[str, Any]:
    return {
        "summary": notes_summary(actor=actor, case=case),
        "href": reverse("cases:notes", kwargs={"case_id": case.pk}),
    }


OVERVIEW_PARTS.append(("cases/parts/notes.html", notes_overview))
