"""Canary crawl: unique strings in every sealed field, every page and API response fetched as every role;
a canary appears only where the role may see it, and only after a reveal that states a purpose."""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.cases.models import Attendance as SessionAttendance
from pathways.cases.models import Case, Group, GroupMember, Session
from pathways.core.access import Role, Side
from pathways.core.policy import Actor, can_see_sealed
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.directory.models import Area, Region, Service
from pathways.factories import sign_in
from pathways.panels.choices import AgendaReason, MeetingStatus, Outcome, PanelKind
from pathways.panels.models import Action, AgendaItem, Attendance, Decision, Meeting, Panel, PanelMember
from pathways.people.models import Person
from pathways.people.services import PersonInput, person_access_grant
from pathways.referrals import services
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import actor_of
from pathways.standards.models import ReviewItem, StandardsReview
from pathways.standards.services import standards_file_load
from pathways.workforce.models import StaffMember

pytestmark = pytest.mark.django_db

CANARIES = {
    "address": "CANARY-ADDRESS-7f3a",
    "phone": "07700 900 613",
    "email": "canary-7f3a@example.org",
    "school": "CANARY-SCHOOL-7f3a",
}
# His own contact details: the agencies working with him may reveal them, never hers.
HIS = {"address": "HIS-ADDRESS-51c2", "phone": "07700 900 514", "email": "his-51c2@example.org"}


def _paths(ids: dict[str, list[str]]) -> list[str]:
    return crawl_paths({"slug": ["clear"], **ids})


@pytest.fixture
def world(region: None, persona: Callable[[str], User]) -> dict[str, object]:
    """The cast's social worker refers a family to CLEAR, whose partner RISE Cardiff's IDVA supports."""
    social_worker = User.objects.get(username="socialworker")
    idva = User.objects.get(username="idva")
    cardiff = Area.objects.get(slug="cardiff")
    referral = services.referral_create(
        actor=actor_of(social_worker),
        data=services.ReferralInput(
            route="childrens_services",
            reason="canary crawl",
            risk_level="standard",
            person=PersonInput(
                given_name="Rhys",
                family_name="Jenkins",
                gender_identity="man",
                area=cardiff,
                phone=HIS["phone"],
                email=HIS["email"],
                address=HIS["address"],
            ),
            partner=services.PartnerInput(
                person=PersonInput(
                    given_name="Carys",
                    family_name="Jenkins",
                    gender_identity="woman",
                    area=cardiff,
                    phone=CANARIES["phone"],
                    email=CANARIES["email"],
                    address=CANARIES["address"],
                )
            ),
            children=[
                PersonInput(
                    given_name="Ffion", family_name="Jenkins", area=cardiff, school=CANARIES["school"]
                )
            ],
        ),
    )
    services.referral_service_choose(actor=actor_of(social_worker), referral=referral, service_slug="clear")
    people = list(Person.objects.all())
    # Each role's login (CLEAR's practitioner among them) and the logins of the family's own services.
    users = list(dict.fromkeys([social_worker, idva] + [persona(role) for role in Role.values]))
    for role in Role.values:  # every persona's agency works with everyone here, so pages open for them
        for person in people:
            person_access_grant(person=person, agency=persona(role).memberships.get().agency, reason="crawl")
    return {
        "users": users,
        "ids": {
            "referral_id": [str(r.pk) for r in Referral.objects.all()],
            "person_id": [str(p.pk) for p in people],
            "case_id": (cases := _cases(referral)),
            "group_id": _groups(cases[0]),
            "review_id": _standards_reviews(),
            "staff_id": [
                str(
                    StaffMember.objects.create(
                        agency=social_worker.memberships.get().agency, full_name="Crawl"
                    ).pk
                )
            ],
            **_panels(users, people),
        },
        "people": people,
    }


def _cases(referral: Referral) -> list[str]:
    """His case at CLEAR and, on her side, her case at the support service her referral went to."""
    referral = Referral.objects.select_related("service").get(pk=referral.pk)
    partner = Referral.objects.select_related("service").get(linked_referral=referral)
    assert referral.service is not None and partner.service is not None
    his = Case.objects.create(person=referral.person, service=referral.service)
    hers = Case.objects.create(person=partner.person, service=partner.service)
    return [str(his.pk), str(hers.pk)]


def _groups(case_id: str) -> list[str]:
    """A group at his service with him on its roster, and a session he was absent from, with a reason."""
    case = Case.objects.select_related("service").get(pk=case_id)
    group = Group.objects.create(
        service=case.service, name="Crawl group", starts_on=datetime.date(2026, 3, 2)
    )
    GroupMember.objects.create(group=group, case=case)
    session = Session.objects.create(service=case.service, group=group, held_on=datetime.date(2026, 3, 9))
    SessionAttendance.objects.create(session=session, case=case, status="absent_reason", reason="crawl")
    return [str(group.pk)]


def _standards_reviews() -> list[str]:
    """CLEAR's review against the commissioning checklist, in progress, one item rated: about the service,
    on neither side of the family."""
    version, _created = standards_file_load(path=Path(settings.BASE_DIR) / "standards" / "vawdasv-2018.yaml")
    review = StandardsReview.objects.create(
        service=Service.objects.get(slug="clear"),
        standards=version,
        checklist="commissioning",
        kind="commissioner",
        reviewer="Crawl",
        reviewed_on=datetime.date(2026, 3, 2),
    )
    ReviewItem.objects.create(review=review, item="need", rating="amber", review_by=datetime.date(2026, 6, 1))
    return [str(review.pk)]


def _panels(users: list[User], people: list[Person]) -> dict[str, list[str]]:
    """A MARAC and a perpetrator panel (MATAC) with every user's agency on both, and everyone in the
    family (the victim with her sealed address included) on both agendas, decided, with actions."""
    region = Region.objects.get(slug="cardiff-and-vale")
    ids: dict[str, list[str]] = {"panel_id": [], "meeting_id": [], "item_id": [], "action_id": []}
    for kind in (PanelKind.MARAC, PanelKind.MATAC):
        panel = Panel.objects.create(
            region=region, slug=f"crawl-{kind}", kind=kind, name_en=kind, name_cy=kind, every_days=14
        )
        panel.areas.set(Area.objects.filter(slug="cardiff"))
        for user in users:
            membership = user.memberships.get()
            PanelMember.objects.create(panel=panel, agency=membership.agency, user=user)
        for held_on, status in (
            (datetime.date(2026, 3, 2), MeetingStatus.CLOSED),
            (datetime.date(2026, 3, 30), MeetingStatus.PLANNED),
        ):
            meeting = Meeting.objects.create(panel=panel, held_on=held_on, status=status)
            for member in panel.members.all():
                Attendance.objects.create(meeting=meeting, member=member, present=True)
            for position, person in enumerate(people, start=1):
                item = AgendaItem.objects.create(
                    meeting=meeting, person=person, reason=AgendaReason.NOMINATED, position=position
                )
                Decision.objects.create(item=item, outcome=Outcome.SUPPORT, reasons="crawl")
                action = Action.objects.create(
                    item=item,
                    description="Safety plan review",
                    agency=users[0].memberships.get().agency,
                    due_on=datetime.date(2026, 3, 1),
                )
                ids["item_id"].append(str(item.pk))
                ids["action_id"].append(str(action.pk))
            ids["meeting_id"].append(str(meeting.pk))
        ids["panel_id"].append(str(panel.pk))
    return ids


def test_no_page_or_api_response_shows_a_sealed_value(world: dict[str, object]) -> None:
    paths = _paths(world["ids"])  # type: ignore[arg-type]
    assert any("/people/" in p for p in paths) and any("/api/v1/referrals/" in p for p in paths)
    assert any("/minutes/" in p for p in paths) and any("/panels/items/" in p for p in paths)
    leaks = []
    panel_pages_read: set[tuple[str, str]] = set()
    for user in world["users"]:  # type: ignore[attr-defined]
        client = sign_in(Client(), user)
        minutes_in_welsh = [f"{p}?lang=cy" for p in paths if p.endswith("/minutes/")]
        for path in [*paths, *minutes_in_welsh, "/en/audit/export.csv", "/en/audit/?record="]:
            response = client.get(path)
            body = response_text(response)
            leaks += [(user.username, path, name) for name, canary in CANARIES.items() if canary in body]
            if response.status_code == 200 and "/panels/" in path:
                panel_pages_read.add((user.username, path.split("/")[3]))
    assert leaks == []
    # The panels' papers, items and minutes were really read (by the victim's own IDVA among others).
    assert {("idva", "items"), ("idva", "meetings")} <= panel_pages_read


def test_only_a_stated_need_reveals_and_only_after_a_purpose(world: dict[str, object]) -> None:
    shown_to = set()
    for user in world["users"]:  # type: ignore[attr-defined]
        client = sign_in(Client(), user)
        actor = Actor(user=user, membership=user.memberships.select_related("agency").get())
        for person in world["people"]:  # type: ignore[attr-defined]
            person = Person.objects.prefetch_related("agencies").get(pk=person.pk)
            body = response_text(
                client.post(f"/en/people/{person.pk}/sealed/", {"purpose": "safety planning call"})
            )
            planted = HIS if person.side == Side.PERPETRATOR else CANARIES
            seen = any(c in body for c in planted.values())
            assert seen == can_see_sealed(actor, person), (user.username, person.given_name)
            # Her details never show on his record, whoever reveals it.
            assert person.side == Side.VICTIM or not any(c in body for c in CANARIES.values())
            if seen and person.side == Side.VICTIM:
                shown_to.add(user.username)
            assert not any(
                c in response_text(client.post(f"/en/people/{person.pk}/sealed/", {"purpose": ""}))
                for c in (*CANARIES.values(), *HIS.values())
            )
    assert {"idva", "socialworker"} <= shown_to
    assert "practitioner" not in shown_to


# --- Casework -------------------------------------------------------------------------------------------

# Her sealed details and her child's school, on the family of a man with cases at Drive and CLEAR.
CASE_SEALED = {
    "her address": "CANARY-CASE-ADDR 9 Heron Row",
    "her phone": "07700 900 419",
    "her email": "canary-case-heron@example.org",
    "child's school": "CANARY-CASE-SCHOOL Ysgol Heron",
}
# Everything her own case at her support service holds, each in its own field: victim-side records,
# read by her service alone (and an activity's detail by the police, who do the activity).
HER_CASE = {
    "her name": "Eirlysmai",
    "safe times": "CANARY-HER-SAFETIMES mornings at the library",
    "safe word": "CANARY-HER-SAFEWORD-marigold",
    "who may answer": "CANARY-HER-ANSWER her sister Lowri",
    "support minute": "CANARY-HER-JOINTMINUTE she may move in the spring",
    "consent reason": "CANARY-HER-CONSENT agreed at the refuge",
    "contact note": "CANARY-HER-CONTACT spoke at the library",
    "note": "CANARY-HER-NOTE she keeps a bag packed",
    "supervision note": "CANARY-HER-SUPERVISION worried about her",
    "correction": "CANARY-HER-CORRECTION her sister knows",
    "correction reason": "CANARY-HER-REASON wrong day",
    "goal": "CANARY-HER-GOAL a safe place to live",
    "activity detail": "CANARY-HER-ACTIVITY flag her address",
    "agency view": "CANARY-HER-VIEW police see it rising",
    "review outcome": "CANARY-HER-REVIEW moving in spring",
    "adviser": "CANARY-HER-ADVISER Dr Morfa",
    "adviser organisation": "CANARY-HER-ADVISERORG Morfa Clinic",
    "absence reason": "CANARY-HER-ABSENT at the hospital",
    "group absence reason": "CANARY-HER-GROUPABSENT at court",
    "management note": "CANARY-HER-MANAGEMENT housing has her",
    "accepted by": "CANARY-HER-ACCEPTED DS Morfa",
    "agency input": "CANARY-HER-INPUT housing agrees",
    "ending reason": "CANARY-HER-ENDING moved to her sister",
}
# What only the police read of her case, as the agency doing her plan's activity.
POLICE_READ = {"activity detail"}
# What his own service typed on his Drive case: Drive's alone.
HIS_CASE = {
    "his note": "CANARY-HIS-NOTE a Drive note",
    "his goal": "CANARY-HIS-GOAL stop the texts",
    "his absence": "CANARY-HIS-ABSENT at work",
}
PERPETRATOR_LOGINS = ("drive", "practitioner", "manager", "probation")
# His case is at Drive: its case manager and its service manager read it.
HIS_SERVICE = ("drive", "drivemanager")


@pytest.fixture
def casework(cast: dict[str, User]) -> dict[str, Any]:
    """His cases at Drive and at CLEAR, a police record that alerts both and her support worker, his CLEAR
    case ended (her service told); her own cases at RISE's Drive IDVA service, one ended and one open, with
    every part of the casework written through the services, each typed field holding a canary."""
    from pathways.cases.choices import TaskKind
    from pathways.cases.models import CaseTask, JointItem
    from pathways.cases.selectors.assessment import agency_view_agencies
    from pathways.cases.selectors.joint import joint_series
    from pathways.cases.services import (
        alerts,
        assessment,
        contact,
        ending,
        joint,
        notes,
        partner,
        plan,
        reviews,
        safe_contact,
        sessions,
        trace,
    )
    from pathways.cases.tests.factories import case_open
    from pathways.directory.models import Service
    from pathways.factories import actor_of, agency_of, make_person
    from pathways.people.models import Relationship
    from pathways.police.models import PoliceExtract, PoliceRecord
    from pathways.police.rfg import day_number

    today = timezone.localdate()
    him = make_person(given_name="Iorwerth", family_name="Canary", police_reference="SWP-CANARY-1")
    her = make_person(
        side=Side.VICTIM,
        given_name=HER_CASE["her name"],
        family_name="Canary",
        address=CASE_SEALED["her address"],
        phone=CASE_SEALED["her phone"],
        email=CASE_SEALED["her email"],
    )
    child = make_person(side=Side.VICTIM, given_name="Bethan", family_name="Canary")
    child.school = CASE_SEALED["child's school"]
    child.save()
    Relationship.objects.create(person=her, other=him, kind="current_partner")
    Relationship.objects.create(person=him, other=child, kind="parent_of")
    drive, clear, idva = actor_of(cast["drive"]), actor_of(cast["practitioner"]), actor_of(cast["idva"])
    police = agency_of(cast["chair"])
    his_drive = case_open("drive-cardiff", cast["drive"], person=him)
    his_clear = case_open("clear", cast["practitioner"], person=him, manager=cast["manager"])

    # Her first case at her support service, ended with its reason, what another agency took on and said.
    her_ended = case_open("rise-drive-idva", cast["idva"], person=her)
    ending.management_accept(
        actor=idva,
        case=her_ended,
        agency=police,
        accepted_by=HER_CASE["accepted by"],
        accepted_on=today,
        note=HER_CASE["management note"],
    )
    ending.agency_input_record(actor=idva, case=her_ended, agency=police, summary=HER_CASE["agency input"])
    ending.case_end(
        actor=idva, case=her_ended, state="completed", reason=HER_CASE["ending reason"], ended_on=today
    )
    # Her open case, with every part of the work.
    hers = case_open("rise-drive-idva", cast["idva"], person=her)
    safe_contact.safe_contact_record(
        actor=idva,
        case=hers,
        safe_times=HER_CASE["safe times"],
        channels=["phone"],
        voicemail=False,
        safe_word=HER_CASE["safe word"],
        others_may_answer=HER_CASE["who may answer"],
    )
    contact.consent_record(actor=idva, case=hers, state="given", reason=HER_CASE["consent reason"])
    contact.contact_log(
        actor=idva,
        case=hers,
        on=today,
        time=None,
        channel="phone",
        direction="outgoing",
        outcome="reached",
        note=HER_CASE["contact note"],
    )
    for kind, text in (("contact", HER_CASE["note"]), ("supervision", HER_CASE["supervision note"])):
        note = notes.note_draft(actor=idva, case=hers, kind=kind, text=text)
        notes.note_sign(actor=idva, version=note.versions.get())
    corrected = notes.note_draft(actor=idva, case=hers, kind="session", text="First version")
    notes.note_sign(actor=idva, version=corrected.versions.get())
    version = notes.note_correct(
        actor=idva, note=corrected, text=HER_CASE["correction"], reason=HER_CASE["correction reason"]
    )
    notes.note_sign(actor=idva, version=version)
    goal = plan.goal_add(actor=idva, case=hers, description=HER_CASE["goal"])
    plan.activity_add(
        actor=idva,
        case=hers,
        activity="police-marker",
        owner=police,
        due_on=today + datetime.timedelta(days=14),
        goal=goal,
        detail=HER_CASE["activity detail"],
    )
    assert police in agency_view_agencies(case=hers)
    assessment.agency_view_record(
        actor=idva, case=hers, agency=police, risk="medium", summary=HER_CASE["agency view"], given_on=today
    )
    reviews.case_review_hold(
        actor=idva,
        case=hers,
        kind="internal",
        held_on=today,
        agencies=[],
        advisers=[
            reviews.AdviserInput(
                name=HER_CASE["adviser"],
                role="other_expert",
                organisation=HER_CASE["adviser organisation"],
            )
        ],
        outcome=HER_CASE["review outcome"],
        decision="continue",
    )
    sessions.session_record(
        actor=idva,
        case=hers,
        held_on=today,
        attendance={hers.pk: sessions.Attended("absent_reason", HER_CASE["absence reason"])},
    )
    her_group = sessions.group_create(actor=idva, service=hers.service, name="Freedom group", starts_on=today)
    sessions.group_roster_add(actor=idva, group=her_group, case=hers)
    sessions.session_record(
        actor=idva,
        group=her_group,
        held_on=today,
        attendance={hers.pk: sessions.Attended("absent_reason", HER_CASE["group absence reason"])},
    )

    # His Drive case: her support worker's view heard, his own typed text, a group he is absent from.
    idva_service = Service.objects.get(slug="rise-drive-idva")
    contact.partner_view_record(actor=drive, case=his_drive, service=idva_service, view="no_increase")
    his_note = notes.note_draft(actor=drive, case=his_drive, kind="contact", text=HIS_CASE["his note"])
    notes.note_sign(actor=drive, version=his_note.versions.get())
    plan.goal_add(actor=drive, case=his_drive, description=HIS_CASE["his goal"])
    his_group = sessions.group_create(
        actor=drive, service=his_drive.service, name="Drive Tuesday group", starts_on=today
    )
    sessions.group_roster_add(actor=drive, group=his_group, case=his_drive)
    sessions.session_record(
        actor=drive,
        group=his_group,
        held_on=today,
        attendance={his_drive.pk: sessions.Attended("absent_reason", HIS_CASE["his absence"])},
    )
    # A new police record naming him: his workers and her support worker are each given a task.
    region = Region.objects.get(slug="cardiff-and-vale")
    extract = PoliceExtract.objects.create(region=region, name="canary.csv", file_sha256="canary")
    record = PoliceRecord.objects.create(
        region=region,
        reference="CRIME-CANARY-1",
        kind="crime",
        occurred_on=today,
        occurred_day=day_number(today),
        offence="harassment",
        perpetrator_ref=him.police_reference,
        victim_ref="V-CANARY-1",
        perpetrator=him,
        victim=her,
        row_sha256="canary",
        extract=extract,
    )
    assert alerts.alerts_police_records(records=[record], actor=None) >= 3
    # His CLEAR case ends: the police and her support service are told.
    ending.case_end(actor=clear, case=his_clear, state="completed", reason="Programme done", ended_on=today)
    assert CaseTask.objects.filter(
        case=his_clear, kind=TaskKind.CASE_ENDED, agency=agency_of(cast["idva"])
    ).exists()

    # Her support worker sends a safety update: what may cross reaches his Drive case, nothing else.
    partner.safety_update_send(
        actor=idva,
        case=hers,
        risk_change="raised",
        changed_on=today,
        new_incident=True,
        contact_increases_risk=True,
        message="He has been seen near the school gates.",
        message_confirmed=True,
    )
    assert his_drive.partner_signals.count() == 1

    # Everyone he has harmed is traced (she is supported already); Drive and the IDVA meet about the pair,
    # the IDVA minuting for both and for herself, and agreeing an action for Drive.
    trace.victim_traces_refresh(case=his_drive, actor=None)
    (series,) = [s for s in joint_series(actor=drive, today=today) if s.rule.slug == "drive-idva"]
    meeting = joint.joint_meeting_plan(actor=drive, rule=series.rule, region_id=region.pk, held_on=today)
    item = JointItem.objects.get(meeting=meeting, his_case=his_drive)
    joint.joint_minute_record(
        actor=idva,
        item=item,
        shared_minute="Attending; keep the weekly slot.",
        support_minute=HER_CASE["support minute"],
    )
    joint.joint_action_add(
        actor=idva,
        item=item,
        text="Tell the IDVA if he misses a session",
        service=his_drive.service,
        due_on=today,
    )

    cases = [his_drive, his_clear, hers, her_ended]
    notes_by_case = {c.pk: [str(n.pk) for n in c.notes.all()] for c in cases}
    return {
        "cases": cases,
        "his": [his_drive, his_clear],
        "groups": [his_group, her_group],
        "notes": notes_by_case,
        "joint_meetings": [meeting],
    }


CASE_SECTIONS = (
    "",
    "transfer/",
    "contact/",
    "safety/",
    "assessments/",
    "assessments/link/",  # answers POST only: a GET is refused, and shows nothing
    "notes/",
    "reviews/",
    "plan/",
    "ending/",
    "sessions/",
)


# The case API's parts besides the case itself.
CASE_API_PARTS = ("partner-safety/", "plan/", "notes/", "sessions/", "ending/")


def _casework_paths(world: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Every case page, note, group page, the caseload and its export, Tasks and the case API (some in
    Welsh); and, of them, those that show one case or group."""
    one: list[str] = []
    for case in world["cases"]:
        one += [f"/en/cases/{case.pk}/{section}" for section in CASE_SECTIONS]
        one += [f"/cy/cases/{case.pk}/{section}" for section in ("", "contact/", "ending/")]
        one += [f"/en/cases/{case.pk}/notes/{note}/" for note in world["notes"][case.pk]]
        one += [f"/api/v1/cases/{case.pk}/{part}" for part in ("", *CASE_API_PARTS)]
    one += [f"/en/cases/groups/{g.pk}/" for g in world["groups"]]
    one += [f"/{lang}/cases/joint-meetings/{m.pk}/" for m in world["joint_meetings"] for lang in ("en", "cy")]
    lists = [
        "/en/cases/",
        "/en/cases/?whose=team",
        "/en/cases/export/?whose=team",
        "/en/cases/export/?whose=mine",
        "/en/cases/groups/",
        "/en/cases/tracing/",
        "/en/cases/joint-meetings/",
        "/en/tasks/",
        "/cy/tasks/",
        "/en/work/",
        "/api/v1/cases/?whose=team",
        "/api/v1/cases/?whose=mine",
    ]
    return one + lists, one


def test_no_case_page_task_export_or_api_response_carries_her_side_across(
    cast: dict[str, User], casework: dict[str, Any]
) -> None:
    from pathways.audit.models import AuditEntry
    from pathways.cases.models import CaseEvent, CaseTask
    from pathways.factories import agency_of

    paths, one_record = _casework_paths(casework)
    # The crawl covers every casework page there is (each route, whatever ids fill it).
    uuid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    ids = {
        "case_id": [str(casework["cases"][0].pk)],
        "group_id": [str(casework["groups"][0].pk)],
        "joint_meeting_id": [str(casework["joint_meetings"][0].pk)],
    }
    routes = {uuid.sub("<id>", p) for p in _paths(ids) if "/cases/" in p or "/tasks/" in p}
    crawled = {uuid.sub("<id>", p.split("?")[0]) for p in paths}
    assert routes <= crawled, routes - crawled
    leaks: list[tuple[str, str, str]] = []
    errors: list[tuple[str, str, int]] = []
    opened: list[tuple[str, str, int]] = []
    seen_by: dict[str, set[str]] = {}
    elsewhere = {u for u in cast if u.endswith("-elsewhere") or u == "outsider"}
    # The force whose officers do her plan's activity (the panels' chair and the MATAC's coordinator).
    police = {u for u, user in cast.items() if user.memberships.get().agency == agency_of(cast["chair"])}
    for username, user in cast.items():
        client = sign_in(Client(), user)
        for path in paths:
            response = client.get(path)
            body = response_text(response)
            if response.status_code >= 500:
                errors.append((username, path, response.status_code))
            leaks += [(username, path, what) for what, canary in CASE_SEALED.items() if canary in body]
            for what, canary in HER_CASE.items():
                if canary in body:
                    seen_by.setdefault(username, set()).add(what)
                    if not (username == "idva" or (username in police and what in POLICE_READ)):
                        leaks.append((username, path, what))
            for what, canary in HIS_CASE.items():
                if canary in body:
                    seen_by.setdefault(username, set()).add(what)
                    if username not in HIS_SERVICE:
                        leaks.append((username, path, what))
            if username in elsewhere and "Iorwerth" in body:
                leaks.append((username, path, "his name"))
            # 405 is a POST-only page, refused before any record is looked for.
            if username in elsewhere and path in one_record and response.status_code not in (403, 404, 405):
                opened.append((username, path, response.status_code))
    assert errors == []
    assert leaks == [], "\n".join(map(str, leaks))
    assert opened == []
    # The crawl reached the records: her service read everything her case holds, Drive his, and the
    # police the activity they do.
    assert seen_by["idva"] >= set(HER_CASE)
    assert seen_by["drive"] == set(HIS_CASE)
    assert all(seen_by[login] == POLICE_READ for login in police)
    assert not any(seen_by.get(login) for login in PERPETRATOR_LOGINS if login != "drive")
    # Nothing typed is kept in a case's history, a task's facts or the audit log.
    typed = [*CASE_SEALED.values(), *HER_CASE.values(), *HIS_CASE.values()]
    typed.remove(HER_CASE["her name"])
    for rows in (
        CaseEvent.objects.values_list("detail", flat=True),
        CaseTask.objects.values_list("detail", flat=True),
        AuditEntry.objects.values_list("details", flat=True),
    ):
        kept = [str(row) for row in rows]
        assert not [c for c in typed if any(c in row for row in kept)]


def test_his_service_reads_that_she_is_supported_and_her_worker_the_alert_and_the_end(
    cast: dict[str, User], casework: dict[str, Any]
) -> None:
    from html import unescape

    his_drive = casework["his"][0]
    drive = unescape(
        response_text(sign_in(Client(), cast["drive"]).get(f"/en/cases/{his_drive.pk}/contact/"))
    )
    # The crossing "partner_case": that she is supported, and the service's name; nothing else.
    assert "Partner supported by Drive IDVA at RISE Cardiff" in drive
    tasks = unescape(response_text(sign_in(Client(), cast["idva"]).get("/en/tasks/")))
    assert "police record CRIME-CANARY-1" in tasks and "ended: " in tasks
    # Her worker's tasks say what happened on his cases, never what was typed on them.
    assert not any(canary in tasks for canary in HIS_CASE.values())
