"""A case moves to another service with his consent and its history; a manager's own caseload holds the
cases they manage."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.cases import services
from pathways.cases.choices import CaseEventKind, CaseStatus, ConsentState
from pathways.cases.models import Case
from pathways.cases.tests.factories import case_open, partner_of
from pathways.directory.models import Service
from pathways.factories import actor_of, sign_in

pytestmark = pytest.mark.usefixtures("region")


def test_a_case_transferred_from_clear_to_drive_carries_consent_and_history(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    Case.objects.filter(pk=case.pk).update(consent=ConsentState.GIVEN, contact_allowed=True)
    clear = sign_in(Client(), cast["practitioner"])

    page = clear.get(f"/en/cases/{case.pk}/transfer/")
    assert page.status_code == 200
    text = unescape(page.content.decode())
    assert 'value="drive-cardiff"' in text
    assert 'value="rise-cardiff"' not in text  # a victim service never takes his case

    answer = clear.post(
        f"/en/cases/{case.pk}/transfer/",
        {"service": "drive-cardiff", "reason": "Risk rose after a MARAC referral."},
    )
    assert answer.status_code == 302
    case.refresh_from_db()
    new = Case.objects.get(transferred_from=case)
    assert (case.status, new.status, new.service.slug) == (
        CaseStatus.CLOSED,
        CaseStatus.OPEN,
        "drive-cardiff",
    )
    # It ended here the region's "transferred" way, with its outcome, even at high risk: Drive manages it.
    assert case.ending.state == "transferred" and case.outcome.end_state == "transferred"
    # Consent carries; the gate does not: Drive judges contact for itself.
    assert (new.consent, new.contact_allowed) == (ConsentState.GIVEN, False)

    drive = sign_in(Client(), cast["drive"])
    shown = unescape(drive.get(f"/en/cases/{new.pk}/").content.decode())
    assert "Transferred from" in shown and "from CLEAR" in shown
    # Drive reads the case's history at CLEAR, but not CLEAR's closed case itself.
    assert drive.get(f"/en/cases/{case.pk}/").status_code == 404
    team = unescape(drive.get("/en/cases/?whose=team").content.decode())
    assert "Gethin Case" in team


def test_a_transfer_needs_a_service_and_a_reason_and_changes_nothing_without(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    clear = sign_in(Client(), cast["practitioner"])
    answer = clear.post(f"/en/cases/{case.pk}/transfer/", {"service": "", "reason": ""})
    assert answer.status_code == 400
    text = unescape(answer.content.decode())
    assert "Choose the service to transfer the case to." in text
    assert "Enter why the case is transferred." in text
    answer = clear.post(f"/en/cases/{case.pk}/transfer/", {"service": "rise-cardiff", "reason": "x"})
    assert answer.status_code == 400
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not Case.objects.filter(transferred_from=case).exists()


def test_a_transfer_reason_cannot_carry_the_partner_s_sealed_details(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    partner = partner_of(case)
    partner.phone = "029 2087 1234"
    partner.save()
    with pytest.raises(services.CaseError) as refused:
        services.case_transfer(
            actor=actor_of(cast["practitioner"]),
            case=case,
            to_service=Service.objects.get(slug="drive-cardiff"),
            reason="Call her on 02920 871234 first",
        )
    assert refused.value.field == "reason"
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN


def test_a_manager_s_own_cases_include_those_they_manage(cast: dict[str, User]) -> None:
    case_open("clear", cast["practitioner"], manager=cast["manager"])
    page = unescape(sign_in(Client(), cast["manager"]).get("/en/cases/").content.decode())
    assert "Your cases (1)" in page and "Gethin Case" in page


def test_the_history_of_a_transferred_case_reads_in_welsh(cast: dict[str, User]) -> None:
    case = case_open("clear", cast["practitioner"])
    new = services.case_transfer(
        actor=actor_of(cast["practitioner"]),
        case=case,
        to_service=Service.objects.get(slug="drive-cardiff"),
        reason="Higher risk",
    )
    assert new.events.get().kind == CaseEventKind.TRANSFERRED_IN
    page = sign_in(Client(), cast["drive"]).get(f"/cy/cases/{new.pk}/")
    assert page.status_code == 200
