"""Sessions: CLEAR's seven one-to-one sessions, recorded as attended, late or absent, to the programme's
minimum attendance; only once contact is allowed and consent given; groups with their roster and each
member's attendance; and the follow-up six weeks after a case ends, with what was learned."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import (
    AttendanceStatus,
    CaseEventKind,
    CaseStatus,
    ConsentState,
    FollowUpLearned,
    FollowUpWith,
    TaskKind,
    TaskStatus,
)
from pathways.cases.models import Attendance, Case, CaseEvent, CaseTask, FollowUp, Group, GroupMember, Session
from pathways.cases.selectors import casework_rules_for_case
from pathways.cases.selectors.sessions import case_follow_ups, case_programme_progress
from pathways.cases.services import CaseError
from pathways.cases.services import sessions as writes
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.access import AgencyType, Role
from pathways.directory.models import Service
from pathways.factories import actor_of, agency_running, date_fields, make_person, make_staff, sign_in

pytestmark = pytest.mark.usefixtures("region")

CLEAR_STEPS = [
    "needs-and-goals",
    "relationships",
    "gender-stereotypes",
    "impact",
    "strengths",
    "solutions",
    "review-and-signposting",
]


def _ready(case: Case) -> Case:
    """The first-contact gate open and his consent given (other parts of the case record these)."""
    Case.objects.filter(pk=case.pk).update(contact_allowed=True, consent=ConsentState.GIVEN)
    case.refresh_from_db()
    return case


def _days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=n)


def _sessions_url(case: Case) -> str:
    return f"/en/cases/{case.pk}/sessions/"


def _session_post(
    step: str, held_on: datetime.date, attendance: str = "attended", **extra: str
) -> dict[str, str]:
    return {
        "form": "session",
        "step": step,
        "status": "held",
        **date_fields("held_on", held_on.isoformat()),
        "attendance": attendance,
        **extra,
    }


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return unescape(response.content.decode())


def test_a_clear_case_goes_through_seven_sessions_to_programme_complete(cast: dict[str, User]) -> None:
    case = _ready(case_open("clear", cast["practitioner"]))
    client = sign_in(Client(), cast["practitioner"])
    for n, step in enumerate(CLEAR_STEPS):
        attendance = "late" if step == "impact" else "attended"
        response = client.post(_sessions_url(case), _session_post(step, _days_ago(70 - 7 * n), attendance))
        assert response.status_code == 302, (step, response.content.decode()[:2000])
        if n == 2:
            page = _page(client, _sessions_url(case))
            assert "Sessions attended: 3 of 7 (minimum 7)" in page and "Programme complete" not in page
            overview = _page(client, case.get_absolute_url())
            assert "Sessions attended: 3 of 7 (minimum 7)" in overview

    progress = case_programme_progress(case=case)
    assert (progress.attended, progress.minimum, progress.complete) == (7, 7, True)
    assert [s.attendance.status for s in progress.steps if s.attendance].count(AttendanceStatus.LATE) == 1
    page = _page(client, _sessions_url(case))
    assert "Sessions attended: 7 of 7 (minimum 7)" in page and "Programme complete" in page
    assert "Session 4: The impact on partners and children" in page and "Attended, late" in page
    case.refresh_from_db()
    # The first session he attended was his first contact, ten weeks ago.
    assert case.first_contact_at is not None
    assert timezone.localdate(case.first_contact_at) == _days_ago(70)
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.SESSION).count() == 7
    assert AuditEntry.objects.filter(action=AuditAction.RECORD_CREATED, record_type="session").count() == 7
    history = _page(client, case.get_absolute_url())
    assert "Session 1: Needs assessment and goals on" in history and ": Attended" in history
    # A session already attended is not attended again.
    again = client.post(_sessions_url(case), _session_post("impact", _days_ago(1)))
    assert again.status_code == 400 and "already recorded as attended" in unescape(again.content.decode())


def test_a_session_is_refused_while_contact_is_not_allowed(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    Case.objects.filter(pk=case.pk).update(consent=ConsentState.GIVEN)
    client = sign_in(Client(), cast["practitioner"])
    response = client.post(_sessions_url(case), _session_post("needs-and-goals", _days_ago(1)))
    assert response.status_code == 400
    assert "Contact is not allowed yet" in unescape(response.content.decode())
    assert not Session.objects.exists() and not Attendance.objects.exists()
    case.refresh_from_db()
    assert case.first_contact_at is None


def test_a_session_he_attended_is_refused_without_his_consent(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    Case.objects.filter(pk=case.pk).update(contact_allowed=True, consent=ConsentState.REFUSED)
    with pytest.raises(CaseError, match="not given consent") as refused:
        writes.session_record(
            actor=actor_of(cast["practitioner"]),
            case=case,
            step="needs-and-goals",
            held_on=_days_ago(1),
            attendance={case.pk: writes.Attended(AttendanceStatus.ATTENDED)},
        )
    assert refused.value.field == "attendance"
    page = sign_in(Client(), cast["practitioner"]).post(
        _sessions_url(case), _session_post("needs-and-goals", _days_ago(1), "late")
    )
    assert page.status_code == 400 and "not given consent to this work" in unescape(page.content.decode())
    assert not Session.objects.exists()


def test_absent_with_a_reason_needs_the_reason(cast: dict[str, User]) -> None:
    case = _ready(case_open("clear", cast["practitioner"]))
    client = sign_in(Client(), cast["practitioner"])
    response = client.post(_sessions_url(case), _session_post("relationships", _days_ago(2), "absent_reason"))
    page = unescape(response.content.decode())
    assert (
        response.status_code == 400
        and 'href="#id_reason"' in page
        and "Give the reason for the absence" in page
    )
    with pytest.raises(CaseError) as refused:
        writes.session_record(
            actor=actor_of(cast["practitioner"]),
            case=case,
            step="relationships",
            held_on=_days_ago(2),
            attendance={case.pk: writes.Attended(AttendanceStatus.ABSENT_WITH_REASON, "  ")},
        )
    assert refused.value.field == "reason"
    assert not Session.objects.exists()
    done = client.post(
        _sessions_url(case),
        _session_post("relationships", _days_ago(2), "absent_reason", reason="In hospital"),
    )
    assert done.status_code == 302
    page = _page(client, _sessions_url(case))
    assert "Absent, with a reason: In hospital" in page and "Sessions attended: 0 of 7" in page
    # Absent, he was not reached: no first contact yet.
    case.refresh_from_db()
    assert case.first_contact_at is None


def test_an_absence_reason_cannot_carry_his_partners_address(cast: dict[str, User]) -> None:
    case = _ready(case_open("clear", cast["practitioner"]))
    partner = partner_of(case)
    partner.address = "9 Wren Terrace\nSplott\nCardiff"
    partner.save()
    client = sign_in(Client(), cast["practitioner"])
    response = client.post(
        _sessions_url(case),
        _session_post("impact", _days_ago(3), "absent_reason", reason="Was at 9 Wren Terrace again"),
    )
    page = unescape(response.content.decode())
    assert response.status_code == 400 and "sealed" in page and "Wren Terrace" in page  # re-shown to fix
    assert not Attendance.objects.exists()
    # The refused attempt stays on the audit log.
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, record_type="attendance").exists()


def test_bad_input_is_shown_again_with_errors_and_nothing_changes(cast: dict[str, User]) -> None:
    case = _ready(case_open("clear", cast["practitioner"]))
    client = sign_in(Client(), cast["practitioner"])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    cases = [
        ({"form": "session", "step": "impact", "status": "held", "held_on_day": "31", "held_on_month": "2",
          "held_on_year": "2026", "attendance": "attended"}, "id_held_on", "must be a real date"),
        (_session_post("impact", tomorrow), "id_held_on", "must be today or in the past"),
        (_session_post("no-such-step", _days_ago(1)), "id_step", "Select a valid choice"),
        (_session_post("impact", _days_ago(1), starts_at="25:99"), "id_starts_at", "hours and minutes"),
        ({**_session_post("impact", _days_ago(1)), "attendance": ""}, "id_attendance", "Say whether"),
    ]  # fmt: skip
    for data, anchor, message in cases:
        response = client.post(_sessions_url(case), data)
        page = unescape(response.content.decode())
        assert response.status_code == 400, data
        assert f'href="#{anchor}' in page and message in page, (anchor, message)
    assert not Session.objects.exists()


def test_a_planned_session_is_held_later_and_a_closed_case_takes_no_session(cast: dict[str, User]) -> None:
    case = _ready(case_open("clear", cast["practitioner"]))
    actor = actor_of(cast["practitioner"])
    planned = writes.session_record(
        actor=actor, case=case, step="strengths", held_on=timezone.localdate(), status="planned"
    )
    held = writes.session_record(
        actor=actor,
        case=case,
        step="strengths",
        held_on=timezone.localdate(),
        attendance={case.pk: writes.Attended(AttendanceStatus.ATTENDED)},
    )
    assert held.pk == planned.pk and Session.objects.count() == 1
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    response = sign_in(Client(), cast["practitioner"]).post(
        _sessions_url(case), _session_post("solutions", _days_ago(0))
    )
    assert response.status_code == 400 and "This case is closed." in response.content.decode()
    assert Session.objects.count() == 1


def test_drive_records_ad_hoc_one_to_one_sessions(cast: dict[str, User]) -> None:
    case = _ready(case_open("drive-cardiff", cast["drive"]))
    client = sign_in(Client(), cast["drive"])
    page = _page(client, _sessions_url(case))
    assert "no programme" in page and 'name="step" value="_ad_hoc"' in page
    response = client.post(_sessions_url(case), {**_session_post("", _days_ago(1)), "step": "_ad_hoc"})
    assert response.status_code == 302
    session = Session.objects.get()
    assert session.programme_step == "" and list(session.facilitators.all()) == [cast["drive"]]
    page = _page(client, _sessions_url(case))
    assert "One-to-one session" in page and "No ad-hoc sessions." not in page
    # Not a session of any programme: a programme step is refused.
    with pytest.raises(CaseError):
        writes.session_record(actor=actor_of(cast["drive"]), case=case, step="impact", held_on=_days_ago(1),
                              attendance={case.pk: writes.Attended(AttendanceStatus.ATTENDED)})  # fmt: skip


def test_a_modular_programme_shows_its_progress_by_module(cast: dict[str, User]) -> None:
    runs_bbr = agency_running("bbr-probation", AgencyType.PROBATION, "bbr")
    officer = make_staff(runs_bbr, Role.PRACTITIONER)
    case = _ready(case_open("bbr", officer))
    writes.session_record(
        actor=actor_of(officer),
        case=case,
        step="pre-group-1",
        held_on=_days_ago(5),
        attendance={case.pk: writes.Attended(AttendanceStatus.ATTENDED)},
    )
    progress = case_programme_progress(case=case)
    assert [m.name for m in progress.modules] == [
        "Before the modules",
        "Module 1",
        "Module 2",
        "Module 3",
        "Module 4",
    ]
    assert [m.attended for m in progress.modules] == [1, 0, 0, 0, 0]
    assert (progress.attended, progress.minimum, progress.complete) == (1, 26, False)
    page = _page(sign_in(Client(), officer), _sessions_url(case))
    assert "Module 1, group session 1" in page and "(1 attended)" in page
    # The one-to-one form offers the one-to-one sessions only; the groups' sessions are the group's.
    assert 'value="m1-review"' in page and 'value="m1-s1"' not in page


def _ended(case: Case, on: datetime.datetime) -> Case:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=on)
    case.refresh_from_db()
    return case


def test_the_six_week_follow_up_is_set_when_the_case_ends_and_recorded_after(cast: dict[str, User]) -> None:
    assert "pathways.cases.services.sessions.sessions_case_ended" in settings.CASE_ENDED
    case = _ready(case_open("clear", cast["practitioner"]))
    ended_at = timezone.now() - datetime.timedelta(days=45)
    case = _ended(case, ended_at)
    ending = casework_rules_for_case(case=case).ending("completed")
    assert ending is not None
    tasks = writes.sessions_case_ended(case=case, actor=actor_of(cast["practitioner"]), ending=ending)
    assert writes.sessions_case_ended(case=case, actor=None, ending=ending) == []  # set once
    task = CaseTask.objects.get(case=case)
    assert tasks == [task]
    assert (task.kind, task.user, task.agency.slug, task.detail) == (
        TaskKind.FOLLOW_UP,
        cast["practitioner"],
        "clear-cardiff",
        {"follow_up": "six-weeks"},
    )
    assert task.due_on == timezone.localdate(ended_at) + datetime.timedelta(days=42)
    client = sign_in(Client(), cast["practitioner"])
    overview = _page(client, case.get_absolute_url())
    assert "Next follow-up: Follow-up six weeks after, due" in overview

    # Recorded on the closed case: what was learned, with whom; the task is done.
    response = client.post(
        _sessions_url(case),
        {
            "form": "follow_up",
            "task": str(task.pk),
            **date_fields("done_on", _days_ago(2).isoformat()),
            "with_whom": FollowUpWith.BOTH,
            "learned": FollowUpLearned.NO_CONCERNS,
            "detail": "Keeping to his goals; she says things are calmer.",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    follow_up = FollowUp.objects.get()
    assert (follow_up.slug, follow_up.learned, follow_up.with_whom, follow_up.recorded_by) == (
        "six-weeks",
        FollowUpLearned.NO_CONCERNS,
        FollowUpWith.BOTH,
        cast["practitioner"],
    )
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_by == cast["practitioner"]
    found = case_follow_ups(case=case)
    assert found.due == [] and [d.follow_up for d in found.done] == [follow_up]
    page = _page(client, _sessions_url(case))
    assert "No further concerns: Keeping to his goals" in page and "Record a follow-up" not in page
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.FOLLOW_UP).count() == 2
    # Done once.
    with pytest.raises(CaseError, match="already recorded"):
        writes.follow_up_record(
            actor=actor_of(cast["practitioner"]),
            case=case,
            task=task,
            done_on=_days_ago(1),
            with_whom=FollowUpWith.PERSON,
            learned=FollowUpLearned.NOT_REACHED,
        )


def test_a_follow_up_cannot_come_before_the_end_or_carry_sealed_details(cast: dict[str, User]) -> None:
    case = _ended(
        _ready(case_open("clear", cast["practitioner"])), timezone.now() - datetime.timedelta(days=10)
    )
    partner = partner_of(case)
    partner.phone = "07700 900461"
    partner.save()
    ending = casework_rules_for_case(case=case).ending("completed")
    assert ending is not None
    (task,) = writes.sessions_case_ended(case=case, actor=None, ending=ending)
    actor = actor_of(cast["practitioner"])
    with pytest.raises(CaseError) as early:
        writes.follow_up_record(
            actor=actor,
            case=case,
            task=task,
            done_on=_days_ago(20),
            with_whom="person",
            learned="no_concerns",
        )
    assert early.value.field == "done_on"
    with pytest.raises(CaseError) as sealed:
        writes.follow_up_record(
            actor=actor,
            case=case,
            task=task,
            done_on=_days_ago(1),
            with_whom="partner_support",
            learned="concerns_referred",
            detail="Call her on 07700 900461",
        )
    assert sealed.value.field == "detail"
    assert not FollowUp.objects.exists()
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN


def _group_with(cast: dict[str, User], count: int) -> tuple[Group, list[Case]]:
    actor = actor_of(cast["practitioner"])
    group = writes.group_create(
        actor=actor,
        service=Service.objects.get(slug="clear"),
        name="Wednesday morning group",
        starts_on=_days_ago(14),
        facilitators=[cast["practitioner"], cast["manager"]],
    )
    cases = []
    for n in range(count):
        case = _ready(case_open("clear", cast["practitioner"], person=make_person(given_name=f"Member{n}")))
        writes.group_roster_add(actor=actor, group=group, case=case)
        cases.append(case)
    return group, cases


def test_a_group_session_records_everyone_on_the_roster(cast: dict[str, User]) -> None:
    client = sign_in(Client(), cast["practitioner"])
    response = client.post(
        "/en/cases/groups/",
        {"service": str(Service.objects.get(slug="clear").pk), "name": "Thursday group",
         **date_fields("starts_on", _days_ago(7).isoformat())},
    )  # fmt: skip
    assert response.status_code == 302
    group = Group.objects.get()
    assert (group.programme, list(group.facilitators.all())) == ("clear", [cast["practitioner"]])
    first, second = (
        _ready(case_open("clear", cast["practitioner"], person=make_person(given_name=name)))
        for name in ("Iwan", "Tomos")
    )
    url = f"/en/cases/groups/{group.pk}/"
    for case in (first, second):
        assert client.post(url, {"action": "add", "case": str(case.pk)}).status_code == 302
    page = _page(client, url)
    assert "Iwan Person" in page and "Tomos Person" in page
    response = client.post(
        url,
        {
            "action": "session",
            "step": "_ad_hoc",
            "status": "held",
            **date_fields("held_on", _days_ago(1).isoformat()),
            "facilitators": [str(cast["practitioner"].pk), str(cast["manager"].pk)],
            f"member_{first.pk}": "late",
            f"member_{second.pk}": "absent_reason",
            f"reason_{second.pk}": "At work",
        },
    )
    assert response.status_code == 302, unescape(response.content.decode())[:3000]
    session = Session.objects.get()
    assert session.group == group and session.case is None
    assert {a.case_id: a.status for a in session.attendance.all()} == {
        first.pk: AttendanceStatus.LATE,
        second.pk: AttendanceStatus.ABSENT_WITH_REASON,
    }
    assert set(session.facilitators.all()) == {cast["practitioner"], cast["manager"]}
    page = _page(client, url)
    assert "Iwan Person: Attended, late" in page and "Tomos Person: Absent, with a reason (At work)" in page
    # Each member's own case shows the group session.
    assert "Group session" in _page(client, _sessions_url(first))
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.first_contact_at is not None and second.first_contact_at is None
    # Off the roster: the attendance stays on his case.
    assert client.post(url, {"action": "remove", "case": str(second.pk)}).status_code == 302
    assert list(GroupMember.objects.filter(group=group).values_list("case", flat=True)) == [first.pk]
    assert Attendance.objects.filter(case=second).exists()


def test_an_ended_group_takes_no_more_sessions_or_members_and_keeps_its_record(cast: dict[str, User]) -> None:
    group, (member,) = _group_with(cast, 1)
    client = sign_in(Client(), cast["practitioner"])
    url = f"/en/cases/groups/{group.pk}/"
    assert 'id="group-end-form"' in _page(client, url)
    assert client.post(url, {"action": "end"}).status_code == 302
    group.refresh_from_db()
    assert not group.is_active
    assert AuditEntry.objects.filter(record_type="group", details__after={"is_active": False}).exists()
    page = _page(client, url)
    assert "Ended" in page and "Member0 Person" in page and 'id="group-end-form"' not in page
    assert 'id="group-session-form"' not in page
    refused = client.post(url, {"action": "end"})
    assert refused.status_code == 400 and "This group has ended." in unescape(refused.content.decode())
    late = _ready(case_open("clear", cast["practitioner"], person=make_person(given_name="Hwyr")))
    assert client.post(url, {"action": "add", "case": str(late.pk)}).status_code == 400
    assert list(GroupMember.objects.filter(group=group).values_list("case", flat=True)) == [member.pk]
    with pytest.raises(CaseError, match="This group has ended"):
        writes.session_record(
            actor=actor_of(cast["practitioner"]), group=group, step="", held_on=_days_ago(1)
        )
    # Only those who may change the group's cases end it.
    other = Group.objects.create(service=group.service, name="Friday group", starts_on=_days_ago(3))
    auditor = sign_in(Client(), cast["auditor"])
    assert auditor.post(f"/en/cases/groups/{other.pk}/", {"action": "end"}).status_code in (403, 404)
    other.refresh_from_db()
    assert other.is_active


def test_a_group_session_needs_everyones_attendance_and_each_members_gate(cast: dict[str, User]) -> None:
    group, (first, second) = _group_with(cast, 2)
    Case.objects.filter(pk=second.pk).update(contact_allowed=False)
    client = sign_in(Client(), cast["practitioner"])
    url = f"/en/cases/groups/{group.pk}/"
    base = {
        "action": "session",
        "step": "_ad_hoc",
        "status": "held",
        **date_fields("held_on", _days_ago(1).isoformat()),
    }
    missing = client.post(url, {**base, f"member_{first.pk}": "attended"})
    assert missing.status_code == 400
    assert f'href="#id_member_{second.pk}_0"' in missing.content.decode()
    gated = client.post(url, {**base, f"member_{first.pk}": "attended", f"member_{second.pk}": "attended"})
    assert gated.status_code == 400 and "Contact is not allowed yet" in unescape(gated.content.decode())
    assert not Session.objects.exists()


def test_only_open_cases_at_the_groups_service_join_its_roster(cast: dict[str, User]) -> None:
    group, _cases = _group_with(cast, 1)
    at_drive = case_open("drive-cardiff", cast["drive"])
    # A CLEAR practitioner does not see Drive's case at all; even where one agency runs both services the
    # roster takes only the group's own service's cases.
    with pytest.raises(Exception) as refused:
        writes.group_roster_add(actor=actor_of(cast["practitioner"]), group=group, case=at_drive)
    assert refused.type.__name__ in ("PermissionDenied", "CaseError")
    both = agency_running("clear-and-drive", AgencyType.PERPETRATOR_SERVICE, "clear", "drive-cardiff")
    worker = make_staff(both, Role.PRACTITIONER)
    with pytest.raises(CaseError, match="Only open cases at"):
        writes.group_roster_add(actor=actor_of(worker), group=group, case=at_drive)
    closed = case_open("clear", cast["practitioner"], person=make_person(given_name="Closed"))
    Case.objects.filter(pk=closed.pk).update(status=CaseStatus.CLOSED)
    with pytest.raises(CaseError, match="closed"):
        writes.group_roster_add(actor=actor_of(cast["practitioner"]), group=group, case=closed)
    response = sign_in(Client(), cast["practitioner"]).post(
        f"/en/cases/groups/{group.pk}/", {"action": "add", "case": str(at_drive.pk)}
    )
    assert response.status_code == 400 and 'href="#id_case"' in response.content.decode()
    assert GroupMember.objects.filter(group=group).count() == 1


def test_the_roster_page_runs_the_same_queries_for_two_members_or_ten(cast: dict[str, User]) -> None:
    group, _cases = _group_with(cast, 2)
    actor = actor_of(cast["practitioner"])

    def one_session() -> None:
        writes.session_record(
            actor=actor,
            group=group,
            held_on=_days_ago(1),
            attendance={c.pk: writes.Attended(AttendanceStatus.ATTENDED) for c in group.roster.all()},
        )

    one_session()
    client = sign_in(Client(), cast["practitioner"])
    url = f"/en/cases/groups/{group.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for n in range(8):
        case = _ready(case_open("clear", cast["practitioner"], person=make_person(given_name=f"More{n}")))
        writes.group_roster_add(actor=actor, group=group, case=case)
    one_session()
    with CaptureQueriesContext(connection) as many:
        page = unescape(client.get(url).content.decode())
    assert "More7 Person" in page
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries][len(few) :]


def test_groups_belong_to_the_agencies_running_the_service(cast: dict[str, User]) -> None:
    group, _cases = _group_with(cast, 1)
    url = f"/en/cases/groups/{group.pk}/"
    assert sign_in(Client(), cast["manager"]).get(url).status_code == 200
    for login in ("drive", "idva", "practitioner-elsewhere"):
        client = sign_in(Client(), cast[login])
        assert client.get(url).status_code == 404, login
        assert "Wednesday morning group" not in client.get("/en/cases/groups/").content.decode(), login
    assert "Wednesday morning group" in _page(sign_in(Client(), cast["manager"]), "/en/cases/groups/")


def test_the_sessions_page_in_welsh(cast: dict[str, User]) -> None:
    case = _ready(case_open("clear", cast["practitioner"]))
    writes.session_record(
        actor=actor_of(cast["practitioner"]),
        case=case,
        step="needs-and-goals",
        held_on=_days_ago(1),
        attendance={case.pk: writes.Attended(AttendanceStatus.ATTENDED)},
    )
    client = sign_in(Client(), cast["practitioner"])
    page = _page(client, f"/cy/cases/{case.pk}/sessions/")
    assert (
        'lang="cy"' in page and "Sesiwn 1: Asesu anghenion a nodau" in page and "CLEAR: saith sesiwn" in page
    )
    group, _cases = _group_with(cast, 1)
    assert 'lang="cy"' in _page(client, f"/cy/cases/groups/{group.pk}/")
    assert 'lang="cy"' in _page(client, "/cy/cases/groups/")


def test_a_post_that_is_no_forms_is_refused_with_a_message(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    client = sign_in(Client(), cast["practitioner"])
    group, _cases = _group_with(cast, 1)
    for url in (_sessions_url(case), f"/en/cases/groups/{group.pk}/"):
        response = client.post(url, {})
        assert response.status_code == 400 and "Choose what to record." in response.content.decode(), url
    assert not Session.objects.exists()
