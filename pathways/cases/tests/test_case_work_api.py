"""The work on a case through the API (plan, notes, sessions, ending) holds what the case's pages show the
same reader: her sealed details withheld from his case's typed text, supervision notes for managers and
their authors, and any case of another service answering 404."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import Agency, User
from pathways.audit.models import AuditEntry
from pathways.cases.choices import AttendanceStatus, ConsentState, NoteKind
from pathways.cases.models import Case
from pathways.cases.services import ending as ending_services
from pathways.cases.services import notes as note_services
from pathways.cases.services import plan as plan_services
from pathways.cases.services import sessions as session_services
from pathways.cases.tests.factories import case_open, partner_of
from pathways.factories import actor_of, sign_in

pytestmark = pytest.mark.usefixtures("region")

WORK = ("plan", "notes", "sessions", "ending")


def _api(case: Case, part: str) -> str:
    return f"/api/v1/cases/{case.pk}/{part}/"


def _signed(case: Case, user: User, text: str, kind: str = NoteKind.CONTACT) -> None:
    actor = actor_of(user)
    note = note_services.note_draft(actor=actor, case=case, kind=kind, text=text)
    note_services.note_sign(actor=actor, version=note.versions.get())


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def test_his_plan_and_notes_read_as_on_the_page_with_her_details_withheld(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(case, supported_by=cast["idva"])
    actor = actor_of(cast["drive"])
    goal = plan_services.goal_add(actor=actor, case=case, description="Stay away from Heol Canary 41.")
    plan_services.activity_add(
        actor=actor,
        case=case,
        activity="police-intelligence",
        owner=Agency.objects.get(slug="south-wales-police"),
        due_on=_days_ago(-14),
        goal=goal,
        detail="Flag the address.",
    )
    _signed(case, cast["drive"], "Spoke to the police about Heol Canary 41.")
    _signed(case, cast["drivemanager"], "Supervision: keep the disrupt work going.", NoteKind.SUPERVISION)
    # Sealed after the goal and the note were written: shown after, they are withheld.
    partner.address = "Heol Canary 41"
    partner.save()

    drive = sign_in(Client(), cast["drive"])
    plan = drive.get(_api(case, "plan"))
    assert plan.status_code == 200
    body = plan.json()
    assert [a["activity"] for a in body["activities"]] == ["police-intelligence"]
    activity = body["activities"][0]
    assert activity["owner"] == "south-wales-police" and activity["goal"] == str(goal.pk)
    assert activity["kind"] == "disrupt" and activity["detail"] == "Flag the address."
    assert "Canary" not in plan.content.decode()

    notes = drive.get(_api(case, "notes"))
    assert notes.status_code == 200
    assert [n["kind"] for n in notes.json()] == [NoteKind.CONTACT]  # not the manager's supervision note
    assert notes.json()[0]["withheld"] is True and "Canary" not in notes.content.decode()
    manager = sign_in(Client(), cast["drivemanager"]).get(_api(case, "notes")).json()
    assert {n["kind"] for n in manager} == {NoteKind.CONTACT, NoteKind.SUPERVISION}
    assert AuditEntry.objects.filter(details__view="api:case-notes").count() == 2


def test_a_clear_case_s_sessions_and_ending_with_its_outcome(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    Case.objects.filter(pk=case.pk).update(contact_allowed=True, consent=ConsentState.GIVEN)
    case.refresh_from_db()
    session_services.session_record(
        actor=actor_of(cast["practitioner"]),
        case=case,
        step="needs-and-goals",
        held_on=_days_ago(3),
        attendance={case.pk: session_services.Attended(AttendanceStatus.LATE)},
    )
    client = sign_in(Client(), cast["practitioner"])
    sessions = client.get(_api(case, "sessions")).json()
    assert sessions["programme"] == "clear" and sessions["attended"] == 1
    assert sessions["minimum_attendance"] == 7
    assert [(s["programme_step"], s["attendance"]) for s in sessions["sessions"]] == [
        ("needs-and-goals", AttendanceStatus.LATE)
    ]

    before = client.get(_api(case, "ending")).json()
    assert before["ended"] is False and before["outcome"] is None and before["may_close"] is True
    ending_services.case_end(
        actor=actor_of(cast["practitioner"]),
        case=case,
        state="dropped_out",
        reason="Stopped coming after the first session.",
        ended_on=timezone.localdate(),
    )
    after = client.get(_api(case, "ending")).json()
    assert after["ended"] is True and after["state"] == "dropped_out"
    assert after["reason"] == "Stopped coming after the first session."
    assert after["outcome"]["end_state"] == "dropped_out"
    assert [p["after"] for p in after["outcome"]["police"]] == [None, None]  # the months have not passed


def test_another_service_reads_none_of_it(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    clear = sign_in(Client(), cast["practitioner"])
    for part in WORK:
        assert clear.get(_api(case, part)).status_code == 404, part
        assert Client().get(_api(case, part)).status_code == 401, part


def test_the_notes_run_as_many_queries_for_ten_as_for_two(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_api(case, "notes")).status_code == 200
        return len(captured)

    for _ in range(2):
        _signed(case, cast["drive"], "Letter sent.")
    two = queries()
    for _ in range(8):
        _signed(case, cast["drive"], "Letter sent.")
    assert queries() == two
