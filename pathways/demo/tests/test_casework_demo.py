"""The demo's casework: cases at every stage, each demo login finding casework on its first page or its
Tasks, and the perpetrator side never reading a victim's sealed details there or on its cases."""

from __future__ import annotations

import datetime
import html
import io

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pathways.accounts.models import User
from pathways.cases.choices import (
    ACTIVITY_OPEN,
    ActivityKind,
    AttendanceStatus,
    CaseStatus,
    ConsentState,
    TaskKind,
    TaskStatus,
)
from pathways.cases.models import (
    Activity,
    Attendance,
    Case,
    CaseEvent,
    CaseTask,
    ConsentRecord,
    Contact,
    Goal,
    Group,
    ManagementAcceptance,
    NoteVersion,
    PartnerView,
    Session,
)
from pathways.cases.selectors import case_linked_cases, case_worker_clash
from pathways.cases.views.sections import SECTIONS
from pathways.core.access import AgencyType, Side
from pathways.demo.families import plan_families
from pathways.demo.region import DEFAULT_SEED
from pathways.factories import sign_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("region")]

PEOPLE = 120
PERPETRATOR_SIDE = ("drive", "practitioner", "manager", "probation")
ATTENDED = (AttendanceStatus.ATTENDED, AttendanceStatus.LATE)


def _client(username: str) -> Client:
    return sign_in(Client(), User.objects.get(username=username))


def _page(client: Client, url: str) -> str:
    response = client.get(url, follow=True)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def _sealed() -> set[str]:
    families = plan_families(people=PEOPLE, seed=DEFAULT_SEED, today=timezone.localdate())
    victims = [m for f in families for m in (f.partner, f.new_partner, *f.children) if m is not None]
    return {v for m in victims for v in (m.address, m.phone, m.email, m.school) if v}


def _attended(case: Case) -> int:
    return (
        Attendance.objects.filter(case=case, status__in=ATTENDED, session__group__isnull=True)
        .exclude(session__programme_step="")
        .values("session__programme_step")
        .distinct()
        .count()
    )


def _check_drive() -> None:
    drive = Case.objects.filter(service__slug="drive-cardiff")
    # Fresh from the MARAC: the gate waits for the IDVA's view, the police and housing already at work.
    fresh = [
        c
        for c in drive.filter(status=CaseStatus.OPEN, contact_allowed=False)
        if not PartnerView.objects.filter(case=c).exists() and not Contact.objects.filter(case=c).exists()
    ]
    assert any(
        {AgencyType.POLICE, AgencyType.HOUSING}
        <= set(
            Activity.objects.filter(case=c, kind=ActivityKind.DISRUPT, status__in=ACTIVITY_OPEN).values_list(
                "owner__type", flat=True
            )
        )
        for c in fresh
    )
    # Refused, then worked without consent on safeguarding grounds, with the reason; contacts, two
    # sessions, a signed contact note, a multi-agency review waiting, risk high and probation's view.
    engaged = (
        drive.filter(consent_records__state=ConsentState.SAFEGUARDING, sessions__isnull=False, status="open")
        .distinct()
        .get()
    )
    states = list(ConsentRecord.objects.filter(case=engaged).order_by("at").values_list("state", flat=True))
    assert states[:2] == [ConsentState.REFUSED, ConsentState.SAFEGUARDING]
    assert ConsentRecord.objects.get(case=engaged, state=ConsentState.SAFEGUARDING).reason
    assert PartnerView.objects.filter(case=engaged).exists() and engaged.contact_allowed
    assert Contact.objects.filter(case=engaged).count() >= 2
    assert Session.objects.filter(case=engaged).count() == 2
    assert NoteVersion.objects.filter(
        note__case=engaged, note__kind="contact", signed_at__isnull=False
    ).exists()
    assert engaged.reviews.filter(kind="multi_agency", held_on__isnull=True, due_on__gte=timezone.localdate())
    assert engaged.assessment_links.filter(assessment__results__risk_level="high").exists()
    assert engaged.agency_views.filter(agency__type=AgencyType.PROBATION).exists()
    # Probation took on the management, the case closed, and the police and the IDVA were told.
    closed = drive.get(status=CaseStatus.CLOSED)
    assert ManagementAcceptance.objects.filter(case=closed, agency__type=AgencyType.PROBATION).exists()
    told = CaseTask.objects.filter(case=closed, kind=TaskKind.CASE_ENDED, status=TaskStatus.OPEN)
    assert {"south-wales-police", "rise-cardiff"} <= set(told.values_list("agency__slug", flat=True))
    # A police record reached an open case: its worker and the partner's IDVA each have a task.
    alerted = CaseTask.objects.filter(case__in=drive, kind=TaskKind.POLICE_RECORD, status=TaskStatus.OPEN)
    assert {"drive-cardiff", "rise-cardiff"} <= set(alerted.values_list("agency__slug", flat=True))


def _check_clear(today: datetime.date) -> None:
    clear = Case.objects.filter(service__slug="clear")
    counts = {_attended(c) for c in clear.filter(status=CaseStatus.OPEN)}
    assert {2, 5, 7} <= counts
    completed = clear.get(status=CaseStatus.CLOSED)
    assert _attended(completed) == 7
    follow_up = CaseTask.objects.get(case=completed, kind=TaskKind.FOLLOW_UP, status=TaskStatus.OPEN)
    assert follow_up.due_on is not None and today < follow_up.due_on <= today + datetime.timedelta(days=7)
    waiting = clear.filter(status=CaseStatus.OPEN, consent=ConsentState.GIVEN, contact_allowed=True)
    assert any(_attended(c) == 0 for c in waiting)
    assert Goal.objects.filter(case__in=clear).count() >= 6
    assert NoteVersion.objects.filter(note__case__in=clear, signed_at__isnull=False).count() >= 3
    group = Group.objects.annotate(on_roster=Count("roster")).get(service__slug="clear")
    assert 2 <= group.on_roster <= 3 and group.facilitators.exists()


def _check_dates(today: datetime.date) -> None:
    now = timezone.now()
    assert not CaseEvent.objects.filter(at__gt=now).exists()
    assert not Session.objects.filter(held_on__gt=today).exists()
    assert not Contact.objects.filter(at__gt=now).exists()
    assert not Case.objects.filter(Q(closed_at__gt=now) | Q(opened_at__gt=now)).exists()
    assert not CaseTask.objects.filter(created_at__gt=now).exists()


def test_the_demo_has_casework_at_every_stage_each_login_finds_it_and_no_sealed_detail_leaks() -> None:
    call_command("load_demo", people=PEOPLE, stdout=io.StringIO())
    today = timezone.localdate()
    _check_drive()
    _check_clear(today)
    _check_dates(today)
    _check_separate_workers()

    # Each login finds casework on its first page or its Tasks.
    wanted = {
        "drive": ("New police record", "Case review", "Partner reports a rise in risk"),
        "practitioner": ("Follow-up",),
        "manager": ("Follow-up",),
        "idva": (
            "Case ended",
            "New police record",
            "Trace a previous or other victim",
            "Action from a joint",
        ),
        "housing": ("Tenancy action", "Housing advice"),
        "chair": ("Police intelligence check", "Case ended"),
        "matac": ("Police intelligence check",),
        "probation": ("Licence or order conditions enforced",),
    }
    sealed = _sealed()
    leaked: list[tuple[str, str]] = []
    for username, texts in wanted.items():
        client = _client(username)
        pages = _page(client, "/en/") + _page(client, reverse("work:tasks"))
        missing = [text for text in texts if text not in pages]
        assert missing == [], (username, missing)
        if username in PERPETRATOR_SIDE:
            leaked += [(username, value) for value in sealed if value in pages]
    assert leaked == []
    # Loading the demo is slow: its cases' pages are read from the same load.
    _check_case_pages(sealed)
    _check_partner_loop(sealed)
    _check_outcomes(sealed)


def _check_outcomes(sealed: set[str]) -> None:
    """The commissioner reads CLEAR's funnel and Drive's endings as charts, each with its table, under
    the small-number rule; CLEAR's manager reads CLEAR's exactly."""
    commissioner = _client("commissioner")
    for slug in ("clear", "drive-cardiff"):
        page = _page(commissioner, f"/en/insights/outcomes/?service={slug}")
        assert 'id="small-numbers"' in page
        for chart in ("funnel", "endings"):
            assert f'id="{chart}"' in page and f'id="{chart}-table"' in page
        assert not [value for value in sealed if value in page]
    funnel = _page(commissioner, "/en/insights/outcomes/?service=clear").split('id="funnel-table"')[1]
    referred = int(funnel.split('govuk-table__cell--numeric">')[1].split("<")[0])
    assert referred >= 5
    assert 'id="exact-numbers"' in _page(_client("manager"), "/en/insights/outcomes/")
    # The review's own question: a medium-risk DVPP for Cardiff and the Vale, at three capacities.
    from pathways.insights.models import Scenario

    scenario = Scenario.objects.get(name="Medium-risk DVPP for Cardiff and the Vale")
    assert scenario.results["taken"] >= 5
    page = _page(commissioner, f"/en/insights/scenarios/{scenario.pk}/")
    assert "It would have taken" in page and page.count('data-places="') == 3


def _check_partner_loop(sealed: set[str]) -> None:
    """Her side's arrangements and minutes are in the demo, and no page of the joint meetings or of his
    cases that the services working with him read shows them."""
    from pathways.cases.models import JointItemHer, JointMeeting, SafeContact, VictimTrace
    from pathways.cases.selectors.contact import safe_contact_latest

    hers = {h.support_minute for h in JointItemHer.objects.exclude(support_minute="")}
    times = {s.safe_times for s in SafeContact.objects.all()}
    assert hers and times
    assert VictimTrace.objects.filter(status="not_traced", source="police").exists()
    assert JointMeeting.objects.filter(slug="clear-rise", status="held").exists()
    assert JointMeeting.objects.filter(slug="clear-rise", status="planned", items__isnull=False).exists()
    assert all(safe_contact_latest(case=s.case) is not None for s in SafeContact.objects.all()[:3])
    leaked: list[tuple[str, str]] = []
    for username in ("drive", "practitioner", "manager"):
        client = _client(username)
        pages = [reverse("cases:joint_meetings"), reverse("cases:tracing"), reverse("work:tasks")]
        agency = User.objects.get(username=username).memberships.get().agency
        pages += [
            reverse("cases:joint_meeting", kwargs={"joint_meeting_id": m.pk})
            for m in JointMeeting.objects.filter(perpetrator_service__agencies=agency)
        ]
        for url in pages:
            page = _page(client, url)
            leaked += [(username, url) for value in (*hers, *times, *sealed) if value in page]
    assert leaked == []


def _check_separate_workers() -> None:
    """Every pair of linked open cases in the demo (his, and his partner's or child's): no one works both,
    and neither case's worker could be given the other."""
    pairs = 0
    for case in Case.objects.filter(status=CaseStatus.OPEN, person__side=Side.PERPETRATOR):
        for linked in case_linked_cases(case=case).select_related("worker"):
            pairs += 1
            assert case.worker_id is None or case.worker_id != linked.worker_id
            if linked.worker is not None:
                assert case_worker_clash(case=case, worker=linked.worker)
            if case.worker is not None:
                assert case_worker_clash(case=linked, worker=case.worker)
    assert pairs > 0


def _check_case_pages(sealed: set[str]) -> None:
    """The perpetrator side's own cases with casework on them, every part of each, and its groups."""
    worked = (
        Case.objects.filter(service__slug__in=("drive-cardiff", "clear"))
        .annotate(steps=Count("events"))
        .filter(steps__gt=3)
    )
    leaked: list[tuple[str, str, str]] = []
    for username in ("drive", "practitioner", "manager"):
        client = _client(username)
        agency = User.objects.get(username=username).memberships.get().agency
        for case in worked.filter(service__agencies=agency):
            for section in (s for s in SECTIONS if s.side in (None, case.person.side)):
                url = reverse(section.url_name, kwargs={"case_id": case.pk})
                page = _page(client, url)
                leaked += [(username, url, value) for value in sealed if value in page]
        for group in Group.objects.filter(service__agencies=agency):
            page = _page(client, reverse("cases:group_detail", kwargs={"group_id": group.pk}))
            leaked += [(username, "group", value) for value in sealed if value in page]
    assert worked.exists()
    assert leaked == []
