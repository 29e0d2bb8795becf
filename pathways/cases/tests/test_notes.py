"""A case's notes: written as a draft, signed, never changed once signed, corrected by a new version with its
reason; a supervision note read only by the service's managers and its author; and never holding the
sealed details of the people the person harms."""

from __future__ import annotations

from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import CaseEventKind, CaseStatus, NoteKind
from pathways.cases.models import Case, CaseEvent, Note, NoteVersion
from pathways.cases.models.notes import SignedVersionChange
from pathways.cases.services.base import CaseError
from pathways.cases.services.notes import note_correct, note_draft, note_sign, note_update_draft
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.access import Role
from pathways.factories import actor_of, agency_of, make_staff, sign_in
from pathways.people.choices import RelationshipKind
from pathways.people.models import Relationship
from pathways.referrals.tests.factories import CHILD_SCHOOL, PARTNER_ADDRESS, PARTNER_PHONE, refer

pytestmark = pytest.mark.usefixtures("region")


def _notes_url(case: Case) -> str:
    return reverse("cases:notes", kwargs={"case_id": case.pk})


def _note_url(note: Note) -> str:
    return reverse("cases:note", kwargs={"case_id": note.case_id, "note_id": note.pk})


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.content.decode())


def _signed(case: Case, user: User, text: str, kind: str = NoteKind.CONTACT) -> Note:
    actor = actor_of(user)
    note = note_draft(actor=actor, case=case, kind=kind, text=text)
    note_sign(actor=actor, version=note.versions.get())
    return note


def _family_case(cast: dict[str, User]) -> Case:
    """His case at Drive, from a referral that named his partner (her phone and address sealed) and their
    child (her school sealed)."""
    referral = refer(actor_of(cast["socialworker"]))
    return case_open("drive-cardiff", cast["drive"], person=referral.person)


def test_a_signed_note_never_changes_and_a_post_editing_it_changes_nothing(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    response = client.post(
        _notes_url(case), {"kind": "contact", "text": "Phoned him; agreed a first session.", "action": "sign"}
    )
    assert response.status_code == 302
    note = Note.objects.get()
    version = note.versions.get()
    assert version.signed and version.signed_by == cast["drive"]

    refused = client.post(_note_url(note), {"action": "save", "text": "He never agreed to anything."})
    assert refused.status_code == 400
    assert "signed and can no longer change" in unescape(refused.content.decode())
    version.refresh_from_db()
    assert version.text == "Phoned him; agreed a first session." and note.versions.count() == 1
    with pytest.raises(CaseError, match="signed and can no longer change"):
        note_update_draft(actor=actor_of(cast["drive"]), version=version, text="Changed.")
    with pytest.raises(CaseError, match="signed"):
        note_sign(actor=actor_of(cast["drive"]), version=version)
    # Whatever writes it, a signed version is not saved again.
    version.text = "Rewritten."
    with pytest.raises(SignedVersionChange):
        version.save()
    assert NoteVersion.objects.get().text == "Phoned him; agreed a first session."
    # Signing is on the case's history, as facts: the kind and the version, never the text.
    event = CaseEvent.objects.get(case=case, kind=CaseEventKind.NOTE)
    assert event.detail == {"kind": "contact", "version": 1}
    overview = _page(client, case.get_absolute_url())
    assert "Contact note, version 1" in overview and "1 signed note, the latest on" in overview


def test_a_draft_is_changed_by_its_author_and_signed_once(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    client.post(_notes_url(case), {"kind": "session", "text": "First draft.", "action": "draft"})
    note = Note.objects.get()
    assert "First draft." in _page(client, _notes_url(case)) and not note.versions.get().signed
    assert client.post(_note_url(note), {"action": "save", "text": "Second draft."}).status_code == 302
    assert note.versions.get().text == "Second draft." and not note.versions.get().signed
    # A colleague neither reads a draft nor changes or signs it.
    colleague = make_staff(agency_of(cast["drive"]), Role.MANAGER)
    assert "Second draft." not in _page(sign_in(Client(), colleague), _notes_url(case))
    with pytest.raises(CaseError, match="Only the person who wrote a draft"):
        note_sign(actor=actor_of(colleague), version=note.versions.get())
    assert client.post(_note_url(note), {"action": "sign", "text": "Final."}).status_code == 302
    version = note.versions.get()
    assert (version.text, version.signed) == ("Final.", True)
    assert "Final." in _page(sign_in(Client(), colleague), _notes_url(case))


def test_a_correction_with_its_reason_is_version_2_and_shows_why(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    note = _signed(case, cast["drive"], "Session held on Tuesday.", NoteKind.SESSION)
    client = sign_in(Client(), cast["drive"])
    url = _note_url(note)

    refused = client.post(
        url, {"action": "correct", "correction": "Session held on Wednesday.", "reason": ""}
    )
    assert refused.status_code == 400 and 'href="#id_reason"' in refused.content.decode()
    assert note.versions.count() == 1

    response = client.post(
        url,
        {"action": "correct", "correction": "Session held on Wednesday.", "reason": "Wrong day recorded."},
    )
    assert response.status_code == 302
    draft = note.versions.get(number=2)
    assert (draft.correction_reason, draft.signed) == ("Wrong day recorded.", False)
    # Until it is signed, everyone else still reads version 1.
    colleague = sign_in(Client(), make_staff(agency_of(cast["drive"]), Role.PRACTITIONER))
    assert "Tuesday" in _page(colleague, _notes_url(case)) and "Wednesday" not in _page(
        colleague, _notes_url(case)
    )
    with pytest.raises(CaseError, match="waiting to be signed"):
        note_correct(actor=actor_of(cast["drive"]), note=note, text="Again.", reason="Again.")

    assert client.post(url, {"action": "sign", "text": "Session held on Wednesday."}).status_code == 302
    listed = _page(colleague, _notes_url(case))
    assert "Session held on Wednesday." in listed
    assert "Corrected (version 2, reason: Wrong day recorded.)" in listed
    one = _page(colleague, url)
    assert "Version 2, signed by" in one and "Version 1, signed by" in one
    assert "Session held on Tuesday." in one  # the history keeps what was signed before
    assert note.versions.get(number=1).text == "Session held on Tuesday."


def test_the_partners_and_childs_sealed_details_are_refused_in_a_note(cast: dict[str, User]) -> None:
    case = _family_case(cast)
    client = sign_in(Client(), cast["drive"])
    for typed, kind in (
        (f"He said she now lives at {PARTNER_ADDRESS}.", "address"),
        (f"Her new number is {PARTNER_PHONE.replace(' ', '-')}.", "phone"),
        (f"He waits outside {CHILD_SCHOOL} on Fridays.", "school"),
    ):
        response = client.post(_notes_url(case), {"kind": "contact", "text": typed, "action": "sign"})
        page = unescape(response.content.decode())
        assert response.status_code == 400, kind
        assert f"Remove the {kind}." in page and 'href="#id_text"' in page, kind
    assert not Note.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, details__field="text").count() == 3


def test_a_detail_sealed_after_the_draft_was_written_is_refused_on_signing(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(case, supported_by=cast["idva"])
    actor = actor_of(cast["drive"])
    note = note_draft(
        actor=actor, case=case, kind=NoteKind.CONTACT, text="She can be reached on 07700 900613."
    )
    partner.phone = "07700 900613"
    partner.save()
    with pytest.raises(CaseError, match="Remove the phone"):
        note_sign(actor=actor, version=note.versions.get())
    assert not note.versions.get().signed
    # And a note written before, shown after, is withheld.
    assert "07700 900613" not in _page(sign_in(Client(), cast["drive"]), _notes_url(case))


def test_a_supervision_note_is_read_by_the_services_managers_and_its_author_only(
    cast: dict[str, User],
) -> None:
    case = case_open("clear", cast["practitioner"])
    colleague = make_staff(agency_of(cast["practitioner"]), Role.PRACTITIONER)
    by_manager = _signed(
        case, cast["manager"], "Supervision: plan to step up disrupt work.", NoteKind.SUPERVISION
    )
    by_worker = _signed(
        case, cast["practitioner"], "Supervision: asked for advice on risk.", NoteKind.SUPERVISION
    )
    _signed(case, cast["practitioner"], "Contact: letter sent.")

    manager = _page(sign_in(Client(), cast["manager"]), _notes_url(case))
    assert "step up disrupt" in manager and "advice on risk" in manager
    worker = _page(sign_in(Client(), cast["practitioner"]), _notes_url(case))
    assert "advice on risk" in worker and "step up disrupt" not in worker
    other = sign_in(Client(), colleague)
    seen = _page(other, _notes_url(case))
    assert "letter sent" in seen and "Supervision:" not in seen
    for note in (by_manager, by_worker):
        assert other.get(_note_url(note)).status_code == 404
    assert sign_in(Client(), cast["practitioner"]).get(_note_url(by_manager)).status_code == 404
    # Another service never reads the case's notes at all.
    assert sign_in(Client(), cast["drive"]).get(_notes_url(case)).status_code == 404


def test_bad_input_is_refused_with_400_and_nothing_saved(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    for data, field in (
        ({"kind": "", "text": "Something."}, "kind"),
        ({"kind": "gossip", "text": "Something."}, "kind"),
        ({"kind": "contact", "text": "   "}, "text"),
        ({"kind": "contact", "text": "x" * 8001}, "text"),
    ):
        response = client.post(_notes_url(case), {**data, "action": "sign"})
        assert response.status_code == 400 and f'href="#id_{field}' in response.content.decode(), data
    assert not Note.objects.exists()
    note = _signed(case, cast["drive"], "Kept as signed.")
    for data in (
        {},
        {"action": "shred", "text": "Gone."},
        {"action": "correct", "correction": "", "reason": ""},
    ):
        assert client.post(_note_url(note), data).status_code == 400, data
    assert [v.text for v in NoteVersion.objects.all()] == ["Kept as signed."]
    Note.objects.all().delete()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    closed = client.post(_notes_url(case), {"kind": "contact", "text": "Late note.", "action": "sign"})
    assert closed.status_code == 400 and "This case is closed." in closed.content.decode()
    assert not Note.objects.exists()


def test_the_notes_list_runs_as_many_queries_for_10_notes_as_for_2(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])

    def add(count: int) -> None:
        for n in range(count):
            note = _signed(case, cast["drive"], f"Note {n}.")
            note_correct(
                actor=actor_of(cast["drive"]), note=note, text=f"Note {n}, corrected.", reason="Typo."
            )

    add(2)
    client.get(_notes_url(case))
    with CaptureQueriesContext(connection) as few:
        client.get(_notes_url(case))
    add(8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(_notes_url(case)).content.decode()
    assert page.count('class="govuk-!-margin-bottom-6 app-note"') == 10
    assert len(many) == len(few)


def test_reading_notes_is_audited(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    note = _signed(case, cast["drive"], "Read me.")
    sign_in(Client(), cast["drive"]).get(_notes_url(case))
    entry = AuditEntry.objects.filter(action=AuditAction.RECORD_VIEWED, details__view="cases:notes").latest(
        "sequence"
    )
    assert str(note.pk) in entry.details["read"]["note"]["ids"]
    assert entry.details["read"]["noteversion"]["count"] == 1


def test_a_child_on_record_is_protected_too(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    child = partner_of(case)
    Relationship.objects.filter(other=case.person).delete()
    Relationship.objects.create(person=case.person, other=child, kind=RelationshipKind.PARENT_OF)
    child.school = "Ysgol Gynradd Glan Morfa"
    child.save()
    with pytest.raises(CaseError, match="Remove the school"):
        note_draft(
            actor=actor_of(cast["drive"]), case=case, kind=NoteKind.CONTACT, text="Seen at Glan Morfa gates."
        )


def test_the_notes_pages_in_welsh(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    note = _signed(case, cast["drive"], "Nodyn.")
    client = sign_in(Client(), cast["drive"])
    for url in (_notes_url(case), _note_url(note)):
        page = unescape(client.get("/cy" + url[3:]).content.decode())
        assert 'lang="cy"' in page
        for english in (
            "New note",
            "Save and sign",
            "Kind of note",
            "All kinds",
            "Signed by",
            "Correct this note",
        ):
            assert english not in page, (url, english)
