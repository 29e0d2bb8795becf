"""Screening for capacity: Drive takes some of those eligible, and records why not for the rest."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion, ScreeningCandidate
from pathways.directory.models import Service
from pathways.factories import actor_of, sign_in
from pathways.referrals import screening, services
from pathways.referrals.choices import Status
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 6, 1)


@pytest.fixture
def drive(cast: dict[str, User]) -> dict[str, Any]:
    """Three MARAC referrals to Drive by the demo's MARAC coordinator, and Drive's case manager."""
    marac = actor_of(cast["coordinator"])
    worker = cast["drive"]
    referrals = [
        services.referral_service_choose(
            actor=marac, referral=refer(marac, route="marac", risk="high"), service_slug="drive-cardiff"
        )
        for _ in range(3)
    ]
    return {
        "actor": actor_of(worker),
        "user": worker,
        "referrals": referrals,
        "service": Service.objects.get(slug="drive-cardiff"),
    }


def test_a_screening_records_who_was_taken_and_why_not(drive: dict[str, Any]) -> None:
    first, second, third = (str(r.pk) for r in drive["referrals"])
    record = screening.record_screening(
        actor=drive["actor"],
        service=drive["service"],
        places=1,
        held_on=DAY,
        decisions={
            first: (True, ""),
            second: (False, "Mutual violence: Drive does not work with it"),
            third: (False, "Lower harm than the others; stepped to a medium-risk service"),
        },
    )
    decisions = {str(c.referral_id): (c.taken, c.reason) for c in record.candidates.all()}
    assert decisions[first] == (True, "")
    assert decisions[second][1].startswith("Mutual violence")
    assert all(c.evidence["risk_level"] == "high" for c in record.candidates.all())


@pytest.mark.parametrize(
    ("decide", "message"),
    [
        (lambda ids: {i: (True, "") for i in ids}, "3 people for 1 places"),
        (lambda ids: {ids[0]: (True, ""), ids[1]: (False, ""), ids[2]: (False, "x")}, "reason for everyone"),
        (lambda ids: {ids[0]: (True, "")}, "every eligible person"),
    ],
)
def test_screening_refuses_an_indefensible_record(drive: dict[str, Any], decide: Any, message: str) -> None:
    ids = [str(r.pk) for r in drive["referrals"]]
    with pytest.raises(screening.ScreeningError, match=message):
        screening.record_screening(
            actor=drive["actor"], service=drive["service"], places=1, held_on=DAY, decisions=decide(ids)
        )
    assert not ScreeningCandidate.objects.exists()


def test_only_the_service_can_screen_its_referrals(drive: dict[str, Any], cast: dict[str, User]) -> None:
    outsider = actor_of(cast["practitioner"])  # CLEAR's facilitator
    with pytest.raises(screening.ScreeningError):
        screening.record_screening(
            actor=outsider, service=drive["service"], places=1, held_on=DAY, decisions={}
        )
    client = sign_in(Client(), outsider.user)
    assert client.get("/en/referrals/screening/drive-cardiff/").status_code == 404


def test_the_screening_page_shows_everyone_side_by_side_and_records(drive: dict[str, Any]) -> None:
    client = sign_in(Client(), drive["user"])
    page = client.get("/en/referrals/screening/drive-cardiff/").content.decode()
    assert page.count("data-referral=") == 3
    ids = [str(r.pk) for r in drive["referrals"]]
    bad = client.post(
        "/en/referrals/screening/drive-cardiff/",
        {"places": "1", "held_on": "2026-06-01", f"take-{ids[0]}": "on"},
    )
    assert bad.status_code == 200 and "reason for everyone" in bad.content.decode()
    response = client.post(
        "/en/referrals/screening/drive-cardiff/",
        {
            "places": "1",
            "held_on": "2026-06-01",
            f"take-{ids[0]}": "on",
            f"reason-{ids[1]}": "Mutual violence",
            f"reason-{ids[2]}": "Lower harm",
        },
    )
    assert response.status_code == 302
    record = client.get(response["Location"]).content.decode()
    assert "Mutual violence" in record and "Lower harm" in record and "Taken" in record


def test_reassessment_falls_due_on_the_region_schedule(drive: dict[str, Any]) -> None:
    referral = drive["referrals"][0]
    for step in (Status.OFFERED, Status.ACCEPTED, Status.STARTED):
        services.referral_advance(actor=drive["actor"], referral=referral, to=step)
    Assessment.objects.create(
        person=referral.person,
        agency=drive["actor"].agency,
        assessor=drive["user"],
        assessed_on=DAY,
        context="intake",
        status=AssessmentStatus.COMPLETED,
        results={"risk_level": "high"},
        instrument_version=InstrumentVersion.objects.get(instrument="dash-partner-agency"),
    )
    page = sign_in(Client(), drive["user"]).get("/en/referrals/due/").content.decode()
    # regions/cardiff-and-vale/assessment.yaml: Drive re-assesses every 28 days.
    assert "29 Jun 2026" in page and "Overdue" in page
