"""The demo region (`make run`): families written through the services, and every demo login's first page
with work waiting on it."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.cases.services.journeys import journeys_casework_refresh
from pathways.demo.cast import USERS
from pathways.demo.families import SCENES, plan_families
from pathways.demo.region import DEFAULT_SEED
from pathways.factories import sign_in
from pathways.panels.choices import MeetingStatus
from pathways.panels.models import Action, Meeting
from pathways.people.models import Person
from pathways.police.models import RfgRun
from pathways.referrals.choices import Status
from pathways.referrals.journeys import journeys_rebuild
from pathways.referrals.models import Journey, Referral, ReferralEvent

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(r"PW-[A-Z0-9]{4}-[A-Z0-9]{4}")
# Logins whose agency works with the person who uses abuse and never sees the victim side.
PERPETRATOR_SIDE = {"practitioner", "manager", "drive", "probation"}


def _load_demo() -> None:
    # A small region keeps the test fast; the scenes come first, so it still has every kind of case.
    call_command("load_demo", people=120, stdout=io.StringIO())


def _journeys() -> list[tuple[Any, ...]]:
    fields = ["referral", "service", "sent_at", "started_at", "declined_at", "withdrawn_at"]
    fields += ["start_wait_days", "contact_wait_days", "sessions_attended", "ended_state"]
    return sorted(Journey.objects.values_list(*fields), key=str)


def _first_page(username: str) -> str:
    client = sign_in(Client(), User.objects.get(username=username))
    response = client.get("/en/", follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_the_plan_is_the_same_for_the_same_seed_and_starts_with_every_scene() -> None:
    today = datetime.date(2026, 3, 1)
    first = plan_families(people=120, seed=7, today=today)
    assert first == plan_families(people=120, seed=7, today=today)
    assert [f.scene for f in first[: len(SCENES)]] == list(SCENES)
    assert sum(f.people for f in first) >= 120


def test_the_demo_has_referrals_at_every_stage_unmet_need_and_histories(region: None) -> None:
    _load_demo()
    statuses = set(Referral.objects.values_list("status", flat=True))
    assert {Status.RECEIVED, Status.TRIAGED, Status.UNMET_NEED, Status.OFFERED, Status.ACCEPTED} <= statuses
    assert {Status.WAITING, Status.STARTED, Status.WITHDRAWN, Status.MOVED_ON} <= statuses
    # A decline sends the referral back for another option: it is in the history, with the service.
    declined = ReferralEvent.objects.filter(status=Status.DECLINED)
    assert declined.exists() and not declined.filter(service__isnull=True).exists()
    assert Referral.objects.exclude(declined_by=[]).filter(status=Status.RECEIVED).exists()
    # Every self-referral reaches the intake team, which has dealt with some and has the rest waiting.
    assert not Referral.objects.filter(route="self", kind="perpetrator", intake_agency__isnull=True).exists()
    assert Referral.objects.exclude(intake_outcome="").exists()
    assert Referral.objects.filter(intake_agency__isnull=False, intake_outcome="").exists()
    assert Referral.objects.filter(placed_below_need=True).exists()
    assert Referral.objects.filter(transition="step_up").exists()
    assert Referral.objects.filter(transition="step_down").exists()
    assert Referral.objects.filter(route="self", referring_agency__isnull=True).exists()
    assert Assessment.objects.filter(status=AssessmentStatus.SUPERSEDED).exists()
    assert Meeting.objects.filter(status=MeetingStatus.CLOSED, panel__kind="marac").exists()
    assert Meeting.objects.filter(status=MeetingStatus.CLOSED, panel__kind="matac").exists()
    assert Action.objects.filter(status="open", due_on__lt=datetime.date.today()).exists()
    top = RfgRun.objects.get().scores.filter(rank=1).values_list("person__family_name", flat=True)
    assert all(top)  # each area's highest score is someone on record

    # Each referral's journeys, kept with every step and piece of casework the demo wrote, are what its
    # history and cases say.
    kept = _journeys()
    assert any(j[-1] == "completed" for j in kept) and any(j[-2] > 0 for j in kept)
    journeys_rebuild()
    journeys_casework_refresh()
    assert _journeys() == kept

    people, referrals = Person.objects.count(), Referral.objects.count()
    _load_demo()  # loaded again: no family twice
    assert (Person.objects.count(), Referral.objects.count()) == (people, referrals)


def test_every_demo_login_finds_work_waiting_on_its_first_page(region: None) -> None:
    _load_demo()
    families = plan_families(people=120, seed=DEFAULT_SEED, today=timezone.localdate())
    victims = [m for f in families for m in (f.partner, f.new_partner, *f.children) if m is not None]
    sealed = {v for m in victims for v in (m.address, m.phone, m.email, m.school) if v}
    assert sealed
    empty, leaked = [], []
    for username in [u.username for u in USERS]:
        page = _first_page(username)
        if username in {"coordinator", "chair", "matac"}:
            upcoming = Meeting.objects.filter(
                panel__members__user__username=username, status=MeetingStatus.PLANNED
            )
            found = any(f"/panels/meetings/{m.pk}/" in page for m in upcoming)
        elif username == "commissioner":
            found = "Unmet need:" in page
        elif username == "auditor":
            found = "referral" in page
        elif username in {"admin", "admin2"}:
            found = "newstarter" in page
        else:
            found = REFERENCE.search(page) is not None
        if not found:
            empty.append(username)
        if username in PERPETRATOR_SIDE:
            leaked += [(username, value) for value in sealed if value in page]
    assert empty == []
    assert leaked == []
