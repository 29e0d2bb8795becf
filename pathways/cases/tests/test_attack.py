"""Casework attacked from the perpetrator side: what the victim side holds, and the sealed details of the
people he harms, never reach a perpetrator service or probation through typed text, whoever typed it and
wherever it shows; and the ids posted in a form's hidden fields reach nothing of another agency's."""

from __future__ import annotations

import csv
import datetime
import io
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts import services as account_services
from pathways.accounts.choices import ChangeStatus
from pathways.accounts.models import AccountChange, User
from pathways.cases.choices import TaskKind, TaskStatus
from pathways.cases.models import (
    Activity,
    Attendance,
    Case,
    CaseReview,
    CaseTask,
    GroupMember,
    ManagementAcceptance,
    ReviewAdviser,
)
from pathways.cases.selectors.rules import casework_rules_for_case
from pathways.cases.services import notes as note_services
from pathways.cases.services import plan as plan_services
from pathways.cases.services import sessions as session_services
from pathways.cases.services.ending import case_end
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.access import Role
from pathways.core.policy import Perm
from pathways.core.tests.conftest_helpers import response_text
from pathways.directory.models import Region
from pathways.factories import actor_of, agency_of, date_fields, make_person, make_staff, sign_in
from pathways.people.models import Person
from pathways.police.models import PoliceExtract, PoliceRecord
from pathways.police.rfg import day_number

pytestmark = pytest.mark.usefixtures("region")

HER_ADDRESS = "17 Kingfisher Crescent\nCardiff\nCF14 2WV"
HER_PHONE = "07700 900 613"
# The same details as someone would type them: spaced and dotted, the postcode in lower case.
TYPED = ("ring her on 07700.900.613", "she is at cf14 2wv now", "call 077 009 006 13 after six")


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _victim_on_his_police_record(case: Case) -> Person:
    """A victim the police recorded against him who is not on record as his partner: her sealed details
    are kept out of what is typed about him as his partner's are."""
    victim = make_person(side="victim", given_name="Lowri", family_name="Record", address=HER_ADDRESS)
    victim.phone = HER_PHONE
    victim.save()
    region = Region.objects.get(slug="cardiff-and-vale")
    extract = PoliceExtract.objects.create(region=region, name="x.csv", file_sha256="x")
    on = timezone.localdate() - datetime.timedelta(days=30)
    PoliceRecord.objects.create(
        region=region,
        reference="CRIME-ATTACK-1",
        kind="crime",
        occurred_on=on,
        occurred_day=day_number(on),
        offence="harassment",
        perpetrator_ref="",
        victim_ref="V-ATTACK-1",
        perpetrator=case.person,
        victim=victim,
        row_sha256="x",
        extract=extract,
    )
    return victim


def _activity_post(case: Case, owner: Any, detail: str) -> dict[str, str]:
    due = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    return {
        "form": "activity",
        "activity": "police-intelligence",
        "owner": str(owner.pk),
        "goal": "",
        "detail": detail,
        **date_fields("due_on", due),
    }


@pytest.mark.parametrize("typed", TYPED)
def test_an_activity_s_detail_never_carries_a_victim_on_his_police_records(
    cast: dict[str, User], typed: str
) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    _victim_on_his_police_record(case)
    drive = sign_in(Client(), cast["drive"])
    police = agency_of(cast["chair"])
    # A goal is refused, as every other text typed on his case is ...
    goal = drive.post(f"/en/cases/{case.pk}/plan/", {"form": "goal", "description": typed})
    assert goal.status_code == 400
    # ... and so is the detail that goes to the agency doing the work.
    response = drive.post(f"/en/cases/{case.pk}/plan/", _activity_post(case, police, typed))
    assert response.status_code == 400
    assert "contact details or location" in _text(response)
    assert not Activity.objects.filter(case=case).exists()


def test_an_activity_s_detail_typed_before_her_details_were_sealed_is_withheld_where_it_shows(
    cast: dict[str, User],
) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    police = agency_of(cast["chair"])
    rules = casework_rules_for_case(case=case)
    Activity.objects.create(
        case=case,
        activity="police-intelligence",
        rules=rules.version,
        kind="disrupt",
        owner=police,
        due_on=timezone.localdate() + datetime.timedelta(days=7),
        detail="Flag 17 Kingfisher Crescent for patrols",
    )
    _victim_on_his_police_record(case)
    plan = _text(sign_in(Client(), cast["drive"]).get(f"/en/cases/{case.pk}/plan/"))
    tasks = _text(sign_in(Client(), cast["chair"]).get("/en/tasks/"))
    for page in (plan, tasks):
        assert "Police intelligence check" in page
        assert "Kingfisher" not in page


def test_a_review_s_typed_text_is_withheld_once_it_holds_a_detail_sealed_since(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    review = CaseReview.objects.create(
        case=case,
        kind="internal",
        due_on=timezone.localdate(),
        held_on=timezone.localdate(),
        outcome="Keep away from 17 Kingfisher Crescent",
        decision="continue",
    )
    ReviewAdviser.objects.create(review=review, name="Dr Kingfisher Crescent", role="forensic_psychologist")
    ManagementAcceptance.objects.create(
        case=case,
        agency=agency_of(cast["chair"]),
        accepted_by="DS Jones, 07700 900 613",
        accepted_on=timezone.localdate(),
        recorded_by=cast["drive"],
    )
    # Her address and phone are recorded (sealed) on her record after that was typed.
    partner = partner_of(case)
    partner.address, partner.phone = HER_ADDRESS, HER_PHONE
    partner.save()
    drive = sign_in(Client(), cast["drive"])
    reviews = _text(drive.get(f"/en/cases/{case.pk}/reviews/"))
    ending = _text(drive.get(f"/en/cases/{case.pk}/ending/"))
    assert "Withheld" in reviews and "Kingfisher" not in reviews
    assert "Withheld" in ending and "900 613" not in ending


def test_whether_her_support_worker_has_seen_that_his_case_ended_stays_on_her_side(
    cast: dict[str, User],
) -> None:
    case = case_open("clear", cast["practitioner"])
    partner_of(case, supported_by=cast["idva"])
    case_end(
        actor=actor_of(cast["practitioner"]),
        case=case,
        state="completed",
        reason="Finished the programme",
        ended_on=timezone.localdate(),
    )
    hers = CaseTask.objects.get(case=case, kind=TaskKind.CASE_ENDED, agency=agency_of(cast["idva"]))
    idva = sign_in(Client(), cast["idva"])
    assert idva.post("/en/tasks/", {"task": str(hers.pk)}).status_code == 302
    hers.refresh_from_db()
    assert hers.status == TaskStatus.DONE
    # His service reads that her support service was told (the crossing "partner_case"), never whether
    # or when her worker has read it.
    page = _text(sign_in(Client(), cast["practitioner"]).get(f"/en/cases/{case.pk}/ending/"))
    told = page.split('id="told"', 1)[1].split("</ul>", 1)[0]
    assert "The partner's support service" in told
    assert "Seen" not in told


# --- Ids posted in hidden fields ----------------------------------------------------------------------


@pytest.fixture
def two_sides(cast: dict[str, User]) -> dict[str, Any]:
    """His case at Drive with an activity for the police; her own case at RISE's Drive IDVA service, with
    an activity, a goal, a signed note and a task of her own; a group at each service."""
    his = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(his, supported_by=cast["idva"])
    hers = Case.objects.get(person=partner)
    police = agency_of(cast["chair"])
    idva, drive = actor_of(cast["idva"]), actor_of(cast["drive"])
    due = timezone.localdate() + datetime.timedelta(days=7)
    her_activity = plan_services.activity_add(
        actor=idva, case=hers, activity="police-marker", owner=police, due_on=due, detail="hers"
    )
    his_activity = plan_services.activity_add(
        actor=drive, case=his, activity="police-intelligence", owner=police, due_on=due
    )
    her_goal = plan_services.goal_add(actor=idva, case=hers, description="Safe at home")
    note = note_services.note_draft(actor=idva, case=hers, kind="contact", text="Spoke to her")
    note_services.note_sign(actor=idva, version=note.versions.get())
    her_task = CaseTask.objects.create(case=hers, kind=TaskKind.REVIEW, agency=agency_of(cast["idva"]))
    groups = {
        "his": session_services.group_create(
            actor=drive, service=his.service, name="Drive group", starts_on=timezone.localdate()
        ),
        "hers": session_services.group_create(
            actor=idva, service=hers.service, name="Support group", starts_on=timezone.localdate()
        ),
    }
    session_services.group_roster_add(actor=drive, group=groups["his"], case=his)
    return {
        "his": his,
        "hers": hers,
        "her_activity": her_activity,
        "his_activity": his_activity,
        "her_goal": her_goal,
        "note": note,
        "her_task": her_task,
        "groups": groups,
    }


def test_another_agency_s_activities_and_tasks_are_not_found_from_the_tasks_page(
    cast: dict[str, User], two_sides: dict[str, Any]
) -> None:
    for login in ("drive", "probation", "practitioner", "chair-elsewhere", "outsider"):
        client = sign_in(Client(), cast[login])
        for name in ("her_activity", "his_activity"):
            activity = two_sides[name]
            posted = {"activity": str(activity.pk), f"{activity.pk}-status": "done"}
            assert client.post("/en/tasks/", posted).status_code in (403, 404), (login, name)
        assert client.post("/en/tasks/", {"task": str(two_sides["her_task"].pk)}).status_code in (403, 404)
    assert Activity.objects.filter(status="done").count() == 0
    assert CaseTask.objects.get(pk=two_sides["her_task"].pk).status == TaskStatus.OPEN


def test_her_case_s_activity_and_goal_are_not_found_through_his_plan(
    cast: dict[str, User], two_sides: dict[str, Any]
) -> None:
    drive = sign_in(Client(), cast["drive"])
    plan = f"/en/cases/{two_sides['his'].pk}/plan/"
    activity, goal = two_sides["her_activity"], two_sides["her_goal"]
    posted = {"form": "activity_status", "activity": str(activity.pk), f"{activity.pk}-status": "done"}
    assert drive.post(plan, posted).status_code == 404
    posted = {"form": "goal_status", "goal_id": str(goal.pk), f"{goal.pk}-status": "met"}
    assert drive.post(plan, posted).status_code == 404
    # Nor is her goal one his activity may serve.
    posted = _activity_post(two_sides["his"], agency_of(cast["chair"]), "")
    assert drive.post(plan, {**posted, "goal": str(goal.pk)}).status_code == 400
    activity.refresh_from_db()
    goal.refresh_from_db()
    assert activity.status == "planned" and goal.status == "open"
    # Her case, its notes and its sessions answer as ones that do not exist.
    hers = two_sides["hers"]
    for path in ("", "plan/", "notes/", f"notes/{two_sides['note'].pk}/", "sessions/", "ending/"):
        assert drive.get(f"/en/cases/{hers.pk}/{path}").status_code == 404
        assert drive.post(f"/en/cases/{hers.pk}/{path}", {"form": "goal"}).status_code == 404
    assert drive.get(f"/en/cases/{two_sides['his'].pk}/notes/{two_sides['note'].pk}/").status_code == 404


def test_her_case_never_joins_a_perpetrator_group_or_its_sessions(
    cast: dict[str, User], two_sides: dict[str, Any]
) -> None:
    his_group, her_group = two_sides["groups"]["his"], two_sides["groups"]["hers"]
    hers, his = two_sides["hers"], two_sides["his"]
    drive = sign_in(Client(), cast["drive"])
    page = f"/en/cases/groups/{his_group.pk}/"
    assert drive.post(page, {"action": "add", "case": str(hers.pk)}).status_code == 400
    assert drive.post(page, {"action": "remove", "case": str(hers.pk)}).status_code == 400
    today = timezone.localdate().isoformat()
    session = {
        "action": "session",
        "step": "_ad_hoc",
        "status": "held",
        **date_fields("held_on", today),
        f"member_{his.pk}": "absent",
        f"member_{hers.pk}": "absent_reason",
        f"reason_{hers.pk}": "posted for her",
    }
    drive.post(page, session)
    assert not GroupMember.objects.filter(case=hers).exclude(group=her_group).exists()
    assert not Attendance.objects.filter(case=hers).exists()
    # Her service's group is not found from his side at all.
    assert drive.get(f"/en/cases/groups/{her_group.pk}/").status_code == 404
    assert (
        drive.post(f"/en/cases/groups/{her_group.pk}/", {"action": "add", "case": str(his.pk)}).status_code
        == 404
    )
    groups = _text(drive.get("/en/cases/groups/"))
    assert "Drive group" in groups and "Support group" not in groups


def test_a_signed_note_never_changes_and_a_colleague_never_reads_a_supervision_note(
    cast: dict[str, User],
) -> None:
    case = case_open("clear", cast["practitioner"])
    author = actor_of(cast["practitioner"])
    note = note_services.note_draft(actor=author, case=case, kind="supervision", text="Talked it through")
    note_services.note_sign(actor=author, version=note.versions.get())
    path = f"/en/cases/{case.pk}/notes/{note.pk}/"
    mine = sign_in(Client(), cast["practitioner"])
    assert mine.post(path, {"action": "save", "text": "Rewritten"}).status_code == 400
    assert note.versions.get().text == "Talked it through"
    colleague = make_staff(agency_of(cast["practitioner"]))
    other = sign_in(Client(), colleague)
    assert other.get(path).status_code == 404
    assert other.post(path, {"action": "correct", "correction": "x", "reason": "y"}).status_code == 404
    assert "Talked it through" not in _text(other.get(f"/en/cases/{case.pk}/notes/"))
    assert "Talked it through" in _text(sign_in(Client(), cast["manager"]).get(path))
    assert note.versions.count() == 1


# --- The API and the export ---------------------------------------------------------------------------


def _token(cast: dict[str, User], scopes: list[str]) -> dict[str, str]:
    admin, admin2 = actor_of(cast["admin"]), actor_of(cast["admin2"])
    client = account_services.api_client_register(
        actor=admin,
        name="Drive case system",
        agency=agency_of(cast["drive"]),
        role=Role.PRACTITIONER,
        contact="digital@drive.example",
        reason="Drive reads its caseload from its own system.",
    )
    change = AccountChange.objects.get(user=client.user, status=ChangeStatus.PENDING)
    account_services.account_change_approve(actor=admin2, change=change)
    _row, secret = account_services.api_token_issue(actor=admin, client=client, scopes=scopes, days=30)
    return {"Authorization": f"Bearer {secret}"}


def test_a_token_reads_cases_only_with_its_scope_and_names_no_one_without_the_person_scope(
    cast: dict[str, User], two_sides: dict[str, Any]
) -> None:
    directory_only = _token(cast, [Perm.DIRECTORY_VIEW])
    assert Client().get("/api/v1/cases/?whose=team", headers=directory_only).status_code == 403
    his = two_sides["his"]
    assert Client().get(f"/api/v1/cases/{his.pk}/", headers=directory_only).status_code == 403
    cases_only = _token(cast, [Perm.CASE_VIEW])
    listed = Client().get("/api/v1/cases/?whose=team", headers=cases_only)
    assert listed.status_code == 200
    assert [(c["id"], c["person_name"]) for c in listed.json()] == [(str(his.pk), "")]
    assert Client().get(f"/api/v1/cases/{two_sides['hers'].pk}/", headers=cases_only).status_code == 404
    detail = Client().get(f"/api/v1/cases/{his.pk}/", headers=cases_only).json()
    assert "Seren" not in str(detail) and "Partner" not in str(detail)


@pytest.mark.parametrize("name", ["=HYPERLINK(1)", "+SUM(1)", "-2+3", "@SUM(1)", "\t=1", "\r=1"])
def test_no_cell_of_the_caseload_export_starts_a_formula(cast: dict[str, User], name: str) -> None:
    worker = make_staff(agency_of(cast["drive"]))
    worker.full_name = name
    worker.save()
    case_open("drive-cardiff", worker, person=make_person(given_name=name, family_name=""))
    body = response_text(sign_in(Client(), cast["drive"]).get("/en/cases/export/?whose=team"))
    for row in csv.reader(io.StringIO(body)):
        assert all(cell[:1] not in ("=", "+", "-", "@", "\t", "\r") for cell in row), row


# --- Every free-text field on his side, with her phone and postcode as people type them ----------------

HER_TYPED = ("ring 07700.900.613", "on 077 009 006 13", "she is at +44 7700 900613", "now at cf14 2wv")


def _writes(case: Case, actor: Any, cast: dict[str, User]) -> dict[str, Any]:
    """Each free-text field typed on his case, as a write of its service taking the text."""
    from pathways.cases.services import assessment, contact, ending, reviews
    from pathways.cases.services.case import case_transfer
    from pathways.directory.models import Service

    today = timezone.localdate()
    police = agency_of(cast["chair"])
    idva_service = Service.objects.get(slug="rise-drive-idva")
    signed = note_services.note_draft(actor=actor, case=case, kind="contact", text="Seen today")
    note_services.note_sign(actor=actor, version=signed.versions.get())
    goal = plan_services.goal_add(actor=actor, case=case, description="Stop the texts")
    follow_up = CaseTask.objects.create(
        case=case, kind=TaskKind.FOLLOW_UP, agency=agency_of(cast["drive"]), detail={"follow_up": "x"}
    )
    clear = Service.objects.get(slug="clear")
    return {
        "note": lambda t: note_services.note_draft(actor=actor, case=case, kind="contact", text=t),
        "correction": lambda t: note_services.note_correct(actor=actor, note=signed, text=t, reason="wrong"),
        "correction reason": lambda t: note_services.note_correct(
            actor=actor, note=signed, text="Seen", reason=t
        ),
        "partner view": lambda t: contact.partner_view_record(
            actor=actor, case=case, service=idva_service, view="no_increase", text=t
        ),
        "decision reason": lambda t: contact.contact_decision_record(
            actor=actor, case=case, allowed=False, reason=t
        ),
        "consent reason": lambda t: contact.consent_record(
            actor=actor, case=case, state="safeguarding", reason=t
        ),
        "contact note": lambda t: contact.contact_log(
            actor=actor,
            case=case,
            on=today,
            time=None,
            channel="phone",
            direction="outgoing",
            outcome="reached",
            note=t,
        ),
        "goal": lambda t: plan_services.goal_add(actor=actor, case=case, description=t),
        "goal reworded": lambda t: plan_services.goal_update(actor=actor, goal=goal, description=t),
        "activity detail": lambda t: plan_services.activity_add(
            actor=actor,
            case=case,
            activity="police-intelligence",
            owner=police,
            due_on=today + datetime.timedelta(days=7),
            detail=t,
        ),
        "agency view": lambda t: assessment.agency_view_record(
            actor=actor, case=case, agency=police, risk="medium", summary=t, given_on=today
        ),
        "follow-up detail": lambda t: session_services.follow_up_record(
            actor=actor,
            case=case,
            task=follow_up,
            done_on=today,
            with_whom="person",
            learned="no_concerns",
            detail=t,
        ),
        "absence reason": lambda t: session_services.session_record(
            actor=actor,
            case=case,
            held_on=today,
            attendance={case.pk: session_services.Attended("absent_reason", t)},
        ),
        "transfer reason": lambda t: case_transfer(actor=actor, case=case, to_service=clear, reason=t),
        "ending reason": lambda t: ending.case_end(
            actor=actor, case=case, state="completed", reason=t, ended_on=today
        ),
        "management note": lambda t: ending.management_accept(
            actor=actor, case=case, agency=police, accepted_by="DS Jones", accepted_on=today, note=t
        ),
        "accepted by": lambda t: ending.management_accept(
            actor=actor, case=case, agency=police, accepted_by=t, accepted_on=today
        ),
        "agency input": lambda t: ending.agency_input_record(
            actor=actor, case=case, agency=police, summary=t
        ),
        "review outcome": lambda t: reviews.case_review_hold(
            actor=actor,
            case=case,
            kind="internal",
            held_on=today,
            agencies=[],
            advisers=[],
            outcome=t,
            decision="continue",
        ),
        "adviser": lambda t: reviews.case_review_hold(
            actor=actor,
            case=case,
            kind="internal",
            held_on=today,
            agencies=[],
            advisers=[reviews.AdviserInput(name="Dr Evans", role="other_expert", organisation=t)],
            outcome="Going well",
            decision="continue",
        ),
    }


FIELDS = (
    "note", "correction", "correction reason", "partner view", "decision reason", "consent reason",
    "contact note", "goal", "goal reworded", "activity detail", "agency view", "follow-up detail",
    "absence reason", "transfer reason", "ending reason", "management note", "accepted by",
    "agency input", "review outcome", "adviser",
)  # fmt: skip


@pytest.mark.parametrize("field", FIELDS)
def test_her_phone_or_postcode_typed_on_his_case_is_refused_in_every_field(
    cast: dict[str, User], field: str
) -> None:
    from pathways.audit.choices import AuditAction
    from pathways.audit.models import AuditEntry
    from pathways.cases.models import CaseEvent
    from pathways.cases.services.base import CaseError
    from pathways.people.sealed import SealedDetailError

    case = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(case, supported_by=cast["idva"])
    partner.address, partner.phone = HER_ADDRESS, HER_PHONE
    partner.save()
    write = _writes(case, actor_of(cast["drive"]), cast)[field]
    events = CaseEvent.objects.count()
    for typed in HER_TYPED:
        with pytest.raises((CaseError, SealedDetailError)) as refused:
            write(typed)
        assert "contact details or location" in str(refused.value), (field, typed)
        # The refusal and its audit entry never repeat what was typed.
        assert "900" not in str(refused.value) and "2wv" not in str(refused.value).lower()
    assert CaseEvent.objects.count() == events
    case.refresh_from_db()
    assert case.status == "open"
    refusals = AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED)
    assert refusals.count() >= len(HER_TYPED)
    assert not any("900" in str(e.details) or "2wv" in str(e.details).lower() for e in refusals)
