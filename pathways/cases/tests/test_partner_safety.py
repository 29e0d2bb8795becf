"""The partner-safety loop, first part: her support worker sends a safety update from her case, and only
the crossing "partner_signal" reaches his. A rise in risk is his case worker's task; contact that would
increase risk closes his first-contact gate; her details, her case and her worker's name stay on her side."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import TaskKind, TaskStatus
from pathways.cases.models import Case, CaseTask, PartnerSignal, SafetyUpdate
from pathways.cases.services import contact as contact_services
from pathways.cases.services import partner as partner_services
from pathways.cases.services.base import CaseError
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core import policy
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.factories import actor_of, date_fields, sign_in

pytestmark = pytest.mark.usefixtures("region")

HER_ADDRESS = "41 Heron Way, Llanishen, Cardiff CF14 5QP"
HER_PHONE = "07700 900 731"
CANARIES = ("Heron Way", "CF14 5QP", "07700 900 731", "Seren", "Nia Evans")


@pytest.fixture
def pair(cast: dict[str, User]) -> dict[str, Any]:
    """His Drive case, worked by the cast's Drive case manager, with first contact allowed; her case at
    the Drive IDVA service, worked by the cast's IDVA, her sealed details on her record."""
    his = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(his, supported_by=cast["idva"])
    partner.address, partner.phone = HER_ADDRESS, HER_PHONE
    partner.save()
    hers = Case.objects.get(person=partner)
    drive = actor_of(cast["drive"])
    idva_service = hers.service
    contact_services.partner_view_record(
        actor=drive, case=his, service=idva_service, view="no_increase", text=""
    )
    contact_services.contact_decision_record(actor=drive, case=his, allowed=True, reason="The IDVA agrees")
    return {
        "his": his,
        "hers": hers,
        "idva": sign_in(Client(), cast["idva"]),
        "drive": sign_in(Client(), cast["drive"]),
    }


def _send(client: Client, case: Case, **fields: str) -> Any:
    return client.post(f"/en/cases/{case.pk}/safety/", fields)


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def test_a_rise_in_risk_and_unsafe_contact_reach_his_case_and_close_its_gate(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    his, hers = pair["his"], pair["hers"]
    yesterday = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    sent = _send(
        pair["idva"],
        hers,
        risk_change="raised",
        **date_fields("changed_on", yesterday),
        new_incident="on",
        contact_increases_risk="on",
        message="She reports he has been seen near the children's school run.",
        confirm="on",
    )
    assert sent.status_code == 302
    page = _text(pair["idva"].get(f"/en/cases/{hers.pk}/safety/"))
    assert "Risk raised" in page and "Nia Evans" in page  # her side keeps who sent it

    signal = PartnerSignal.objects.get(case=his)
    assert signal.risk_change == "raised" and signal.changed_on == datetime.date.fromisoformat(yesterday)
    his.refresh_from_db()
    assert his.contact_allowed is False
    task = CaseTask.objects.get(case=his, kind=TaskKind.RISK_RAISED, status=TaskStatus.OPEN)
    assert task.user == cast["drive"]

    contact = _text(pair["drive"].get(f"/en/cases/{his.pk}/contact/"))
    assert "Risk raised" in contact and "New incident reported" in contact
    assert "Contact with him would increase risk now" in contact
    assert "from Drive IDVA at RISE Cardiff" in contact
    assert "children's school run" in contact
    # The gate stays closed: Drive cannot reopen it until her support worker's view changes.
    with pytest.raises(CaseError):
        contact_services.contact_decision_record(
            actor=actor_of(cast["drive"]), case=his, allowed=True, reason="We think it is fine"
        )
    history = _text(pair["drive"].get(f"/en/cases/{his.pk}/"))
    assert "The partner's support worker reported" in history
    # Her worker's task list shows nothing new; his worker's does.
    tasks = _text(pair["drive"].get("/en/tasks/"))
    assert "Partner reports a rise in risk" in tasks


def test_nothing_of_her_side_reaches_his_pages(pair: dict[str, Any], cast: dict[str, User]) -> None:
    his, hers = pair["his"], pair["hers"]
    _send(pair["idva"], hers, new_incident="on")
    assert SafetyUpdate.objects.filter(case=hers, reached=1).exists()
    for login in ("drive", "probation", "practitioner"):
        reader = sign_in(Client(), cast[login])
        for path in crawl_paths({"case_id": [str(his.pk)]}):
            body = response_text(reader.get(path))
            assert not [c for c in CANARIES if c in body], (login, path)
        # Her case, and its safety updates, do not exist for them.
        assert reader.get(f"/en/cases/{hers.pk}/safety/").status_code == 404
    # His case has no safety-update part.
    assert pair["drive"].get(f"/en/cases/{his.pk}/safety/").status_code == 404


def test_a_message_holding_her_details_is_refused_and_nothing_is_sent(pair: dict[str, Any]) -> None:
    hers = pair["hers"]
    refused = _send(
        pair["idva"], hers, new_incident="on", message="She is staying at 41 Heron Way for now", confirm="on"
    )
    assert refused.status_code == 400
    body = _text(refused)
    assert 'href="#id_message"' in body and "Remove the" in body
    assert not SafetyUpdate.objects.exists() and not PartnerSignal.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, record_type="safety_update").exists()


def test_a_message_crosses_only_when_the_sender_confirms_it(pair: dict[str, Any]) -> None:
    refused = _send(pair["idva"], pair["hers"], message="He has been calling her mother.")
    assert refused.status_code == 400 and 'href="#id_confirm"' in _text(refused)
    assert not PartnerSignal.objects.exists()


def test_an_update_must_say_what_changed_and_a_risk_change_when(pair: dict[str, Any]) -> None:
    empty = _send(pair["idva"], pair["hers"])
    assert empty.status_code == 400 and "Say what has changed" in _text(empty)
    undated = _send(pair["idva"], pair["hers"], risk_change="raised")
    assert undated.status_code == 400 and 'href="#id_changed_on' in _text(undated)
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    ahead = _send(pair["idva"], pair["hers"], risk_change="lowered", **date_fields("changed_on", tomorrow))
    assert ahead.status_code == 400
    assert not SafetyUpdate.objects.exists()


def test_only_her_case_sends_updates_and_only_her_service_may(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    with pytest.raises(CaseError):
        partner_services.safety_update_send(
            actor=actor_of(cast["drive"]), case=pair["his"], new_incident=True
        )

    with pytest.raises(PermissionDenied):
        partner_services.safety_update_send(
            actor=actor_of(cast["drive"]), case=pair["hers"], new_incident=True
        )
    assert not SafetyUpdate.objects.exists()


def test_what_crosses_is_the_named_list() -> None:
    crossing = set(policy.CROSSING_TO_PERPETRATOR_SIDE["partner_signal"])
    held = {f.name for f in PartnerSignal._meta.concrete_fields} - {"id", "case"}
    assert held == crossing
    # Her support worker's name never crosses.
    assert "sent_by" not in held


def test_her_support_worker_sees_his_attendance_disrupt_work_and_ending_and_nothing_he_typed(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    from pathways.accounts.models import Agency
    from pathways.cases.services import ending as ending_services
    from pathways.cases.services import plan as plan_services
    from pathways.cases.services import sessions as session_services

    his, hers = pair["his"], pair["hers"]
    drive = actor_of(cast["drive"])
    contact_services.consent_record(actor=drive, case=his, state="given")
    today = timezone.localdate()
    plan_services.activity_add(
        actor=drive,
        case=his,
        activity="police-intelligence",
        owner=Agency.objects.get(slug="south-wales-police"),
        due_on=today + datetime.timedelta(days=7),
        detail="CANARY-HIS-DETAIL he drinks at the Crown",
    )
    session_services.session_record(
        actor=drive,
        case=his,
        held_on=today - datetime.timedelta(days=3),
        attendance={his.pk: session_services.Attended("attended")},
    )
    session_services.session_record(
        actor=drive,
        case=his,
        held_on=today - datetime.timedelta(days=1),
        attendance={his.pk: session_services.Attended("absent_reason", "CANARY-HIS-REASON at work")},
    )
    page = _text(pair["idva"].get(f"/en/cases/{hers.pk}/safety/"))
    assert "Drive Cardiff" in page
    assert "1 session attended, 1 missed" in page
    assert "Police intelligence check and flag (South Wales Police): Planned" in page
    assert "CANARY-HIS" not in page

    ending_services.case_end(
        actor=drive, case=his, state="dropped_out", reason="CANARY-HIS-ENDING stopped coming", ended_on=today
    )
    page = _text(pair["idva"].get(f"/en/cases/{hers.pk}/safety/"))
    assert "Dropped out" in page and "CANARY-HIS" not in page


def test_what_crosses_to_her_side_is_the_named_list() -> None:
    from pathways.cases.selectors.partner import HisCase

    assert set(HisCase.__dataclass_fields__) == set(policy.CROSSING_TO_VICTIM_SIDE["his_case"])


def test_a_rise_on_a_case_from_a_panel_also_reaches_the_panel_coordinator(cast: dict[str, User]) -> None:
    from pathways.cases.tests.test_browser_casework import marac_refers_him_to_drive

    him, her, referral = marac_refers_him_to_drive(cast)
    assert referral.service is not None
    his = Case.objects.create(person=him, service=referral.service, referral=referral, worker=cast["drive"])
    hers = Case.objects.get(person=her)
    partner_services.safety_update_send(
        actor=actor_of(cast["idva"]),
        case=hers,
        risk_change="raised",
        changed_on=timezone.localdate(),
    )
    tasks = {t.agency.slug: t for t in CaseTask.objects.filter(case=his, kind=TaskKind.RISK_RAISED)}
    assert set(tasks) == {"drive-cardiff", "marac-cardiff"}
    assert "for the next discussion at" in tasks["marac-cardiff"].shown()
    coordinator = _text(sign_in(Client(), cast["coordinator"]).get("/en/tasks/"))
    assert "Partner reports a rise in risk" in coordinator and "for the next discussion at" in coordinator
    assert "Nerys" not in coordinator


def test_the_api_gives_each_side_its_own_part_of_the_loop(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    from pathways.cases.services.safe_contact import safe_contact_record

    his, hers = pair["his"], pair["hers"]
    idva = actor_of(cast["idva"])
    safe_contact_record(
        actor=idva,
        case=hers,
        safe_times="Mornings",
        channels=["text"],
        voicemail=False,
        safe_word="CANARY-WORD",
    )
    _send(pair["idva"], hers, new_incident="on", contact_increases_risk="on")
    mine = pair["idva"].get(f"/api/v1/cases/{hers.pk}/partner-safety/").json()
    assert mine["side"] == "victim" and mine["safety_updates"][0]["sent_by"] == "idva"
    assert mine["safe_contact"]["channels"] == ["text"] and mine["safe_contact"]["safe_word_agreed"] is True
    theirs = pair["drive"].get(f"/api/v1/cases/{his.pk}/partner-safety/")
    body = theirs.content.decode()
    assert theirs.json()["partner_signals"][0]["contact_increases_risk"] is True
    assert "Nia" not in body and "Mornings" not in body and "Seren" not in body
    assert "CANARY-WORD" not in pair["idva"].get(f"/api/v1/cases/{hers.pk}/partner-safety/").content.decode()
    # Her case does not exist for his service.
    assert pair["drive"].get(f"/api/v1/cases/{hers.pk}/partner-safety/").status_code == 404
