"""Contact with care: no contact is logged until someone has judged, with a reason, that it will not
increase risk, having heard from the partner's support worker; consent is given, refused, withdrawn and
re-given, or worked without on safeguarding grounds with the reason and who decided; every contact and
attempt is logged with its channel and outcome, and the case is measured against the region's target."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import CaseEventKind, CaseStatus, ConsentState, FirstContactState
from pathways.cases.models import Case, CaseEvent, ConsentRecord, Contact, ContactDecision, PartnerView
from pathways.cases.selectors.contact import (
    PartnerSupport,
    case_first_contact_measure,
    first_contact_figures,
)
from pathways.cases.services.base import CaseError
from pathways.cases.services.contact import consent_record, contact_decision_record, contact_log
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core import policy
from pathways.core.access import Role
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.directory.models import Service
from pathways.factories import actor_of, agency_of, date_fields, make_person, make_staff, sign_in

pytestmark = pytest.mark.usefixtures("region")

HER_PHONE = "07700 900 613"
HER_ADDRESS = "17 Kingfisher Crescent\nCardiff\nCF14 2WV"
CANARIES = ("07700 900 613", "Kingfisher Crescent", "CF14 2WV")


def _page(case: Case) -> str:
    return f"/en/cases/{case.pk}/contact/"


def _text(response: Any) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def drive(cast: dict[str, User]) -> dict[str, Any]:
    """A Drive case worked by the cast's Drive case manager, whose partner the Drive IDVA supports."""
    case = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(case, supported_by=cast["idva"])
    return {"case": case, "partner": partner, "client": sign_in(Client(), cast["drive"])}


def _view(client: Client, case: Case, view: str = "no_increase", text: str = "") -> Any:
    idva = Service.objects.get(slug="rise-drive-idva")
    return client.post(
        _page(case), {"form": "view", "service": str(idva.pk), "view": view, "view_text": text}
    )


def _decide(client: Client, case: Case, allowed: str = "allow", reason: str = "IDVA agrees; no risk") -> Any:
    return client.post(_page(case), {"form": "decision", "allowed": allowed, "decision_reason": reason})


def _contact(client: Client, case: Case, outcome: str, note: str = "", **extra: str) -> Any:
    today = timezone.localdate().isoformat()
    return client.post(
        _page(case),
        {
            "form": "contact",
            **date_fields("on", today),
            "time": "",
            "channel": "phone",
            "direction": "outgoing",
            "outcome": outcome,
            "note": note,
            **extra,
        },
    )


def _consent(client: Client, case: Case, state: str, reason: str = "") -> Any:
    return client.post(_page(case), {"form": "consent", "consent": state, "consent_reason": reason})


def _open_gate(client: Client, case: Case) -> None:
    assert _view(client, case).status_code == 302
    assert _decide(client, case).status_code == 302


def test_logging_a_contact_is_refused_until_contact_is_allowed(drive: dict[str, Any]) -> None:
    case, client = drive["case"], drive["client"]
    page = _text(client.get(_page(case)))
    assert "Not allowed yet" in page and "Contact is not allowed yet" in page
    assert 'name="form" value="contact"' not in page  # no form to log one

    refused = _contact(client, case, "reached")
    assert refused.status_code == 400
    assert "Contact is not allowed yet: record a decision that contact will not increase risk first" in _text(
        refused
    )
    assert not Contact.objects.exists()
    case.refresh_from_db()
    assert case.first_contact_at is None


def test_allowing_contact_waits_for_the_idvas_view(drive: dict[str, Any], cast: dict[str, User]) -> None:
    case, client = drive["case"], drive["client"]
    page = _text(client.get(_page(case)))
    assert "Partner supported by Drive IDVA at RISE Cardiff" in page

    refused = _decide(client, case)
    assert refused.status_code == 400
    assert "record their view of contact first" in _text(refused)
    case.refresh_from_db()
    assert not case.contact_allowed and not ContactDecision.objects.exists()

    # The IDVA says contact would increase risk now: the gate stays shut.
    assert _view(client, case, "increase").status_code == 302
    blocked = _decide(client, case)
    assert blocked.status_code == 400 and "would increase risk now" in _text(blocked)
    assert "latest view is that contact would increase risk now" in _text(client.get(_page(case)))

    assert _view(client, case, "no_increase", "Happy for Drive to make contact").status_code == 302
    assert _decide(client, case, reason="IDVA content; bail conditions ended").status_code == 302
    case.refresh_from_db()
    assert case.contact_allowed
    decision = ContactDecision.objects.get()
    assert decision.allowed and decision.decided_by == cast["drive"]
    assert decision.partner_view == PartnerView.objects.order_by("-at", "-pk").first()
    page = _text(client.get(_page(case)))
    assert "IDVA content; bail conditions ended" in page and "Decided by Catrin Owen" in page
    assert "Happy for Drive to make contact" in page
    assert "Allowed" in page and 'name="form" value="contact"' in page
    assert AuditEntry.objects.filter(
        action=AuditAction.RECORD_CREATED, record_type="contact_decision"
    ).exists()
    assert list(case.events.values_list("kind", flat=True)) == [
        CaseEventKind.PARTNER_VIEW,
        CaseEventKind.PARTNER_VIEW,
        CaseEventKind.CONTACT_DECISION,
    ]
    overview = _text(client.get(case.get_absolute_url()))
    assert "Allowed: judged not to increase risk" in overview and "contact allowed" in overview

    # The gate closes again with a reason, and contact is refused once more.
    assert _decide(client, case, "close", "New incident reported by police").status_code == 302
    case.refresh_from_db()
    assert not case.contact_allowed
    assert _contact(client, case, "reached").status_code == 400


def test_without_a_support_worker_no_view_is_needed(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    partner_of(case)  # a partner, with no case at a support service
    actor = actor_of(cast["drive"])
    assert "No support worker for a partner is on record" in _text(
        sign_in(Client(), cast["drive"]).get(_page(case))
    )
    contact_decision_record(actor=actor, case=case, allowed=True, reason="No partner support; MARAC agreed")
    case.refresh_from_db()
    assert case.contact_allowed


def test_an_attempt_then_reaching_him_marks_first_contact_and_the_target(drive: dict[str, Any]) -> None:
    case, client = drive["case"], drive["client"]
    _open_gate(client, case)
    assert _contact(client, case, "no_answer").status_code == 302
    case.refresh_from_db()
    assert case.first_contact_at is None
    page = _text(client.get(_page(case)))
    assert "First contact target: within 10 days" in page and "Not reached yet: 0 days" in page

    # Midnight today: a time of day always in the past, whenever the suite runs.
    assert _contact(client, case, "reached", "Agreed to meet at the office", time="00:00").status_code == 302
    case.refresh_from_db()
    assert case.first_contact_at is not None
    assert timezone.localtime(case.first_contact_at).time() == datetime.time(0, 0)
    measure = case_first_contact_measure(case=case, today=timezone.localdate())
    assert measure is not None and measure.state == FirstContactState.MET and measure.days == 0
    due = (timezone.localdate(case.opened_at) + datetime.timedelta(days=10)).strftime("%-d %B %Y")
    page = _text(client.get(_page(case)))
    assert f"First contact target: within 10 days (by {due})" in page
    assert "Met" in page and "First reached on" in page
    # Newest first, with channel and outcome.
    log = page.split('id="contact-log"')[1]
    assert log.index("Reached") < log.index("No answer")
    assert "Agreed to meet at the office" in log and "Phone" in log and "Outgoing" in log
    # A later reach does not move the first contact.
    first = case.first_contact_at
    assert _contact(client, case, "reached", time="00:01").status_code == 302
    case.refresh_from_db()
    assert case.first_contact_at == first
    history = _text(client.get(case.get_absolute_url()))
    assert "Phone, outgoing: reached" in history and "Phone, outgoing: no answer" in history


def test_a_late_or_overdue_first_contact_is_shown(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    opened = timezone.now() - datetime.timedelta(days=14)
    Case.objects.filter(pk=case.pk).update(opened_at=opened)
    case.refresh_from_db()
    today = timezone.localdate()
    measure = case_first_contact_measure(case=case, today=today)
    assert measure is not None and measure.state == FirstContactState.OVERDUE and measure.days_over == 4
    page = _text(sign_in(Client(), cast["drive"]).get(_page(case)))
    assert "Overdue" in page and "4 days past the target" in page

    contact_decision_record(actor=actor_of(cast["drive"]), case=case, allowed=True, reason="MARAC agreed")
    contact_log(
        actor=actor_of(cast["drive"]),
        case=case,
        on=today,
        time=None,
        channel="in_person",
        direction="incoming",
        outcome="reached",
    )
    case.refresh_from_db()
    measure = case_first_contact_measure(case=case, today=today)
    assert measure is not None and measure.state == FirstContactState.LATE and measure.days == 14


def test_consent_refused_then_worked_without_on_safeguarding_grounds(
    drive: dict[str, Any], cast: dict[str, User]
) -> None:
    case, client = drive["case"], drive["client"]
    # Before contact, consent cannot be asked, but safeguarding can be decided.
    early = _consent(client, case, "given")
    assert early.status_code == 400 and "contact is not allowed yet" in _text(early)
    _open_gate(client, case)
    assert _consent(client, case, "refused", "Does not want to work with Drive").status_code == 302
    case.refresh_from_db()
    assert case.consent == ConsentState.REFUSED

    # Another practitioner at Drive, neither the case worker nor a manager, may not decide it.
    colleague = make_staff(agency_of(cast["drive"]), Role.PRACTITIONER)
    with pytest.raises(CaseError):
        consent_record(actor=actor_of(colleague), case=case, state="safeguarding", reason="Children at risk")
    missing = _consent(client, case, "safeguarding", "")
    assert missing.status_code == 400 and 'href="#id_consent_reason"' in missing.content.decode()

    reason = "Children at risk; MARAC agreed to continue disruption without consent"
    assert _consent(client, case, "safeguarding", reason).status_code == 302
    case.refresh_from_db()
    assert case.consent == ConsentState.SAFEGUARDING
    record = ConsentRecord.objects.filter(state="safeguarding").get()
    assert record.decided_by == cast["drive"] and record.reason == reason
    page = _text(client.get(_page(case)))
    assert "Working without consent on safeguarding grounds" in page
    assert reason in page and "Decided by Catrin Owen" in page
    overview = _text(client.get(case.get_absolute_url()))
    assert "Working without consent on safeguarding grounds" in overview


def test_a_manager_at_the_service_may_decide_safeguarding_before_any_contact(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    manager = make_staff(agency_of(cast["drive"]), Role.MANAGER)
    consent_record(actor=actor_of(manager), case=case, state="safeguarding", reason="High risk; no contact")
    case.refresh_from_db()
    assert case.consent == ConsentState.SAFEGUARDING and not case.contact_allowed


def test_consent_withdrawn_and_given_again(drive: dict[str, Any]) -> None:
    case, client = drive["case"], drive["client"]
    _open_gate(client, case)
    assert _consent(client, case, "given").status_code == 302
    assert _consent(client, case, "given").status_code == 400  # already given
    assert _consent(client, case, "withdrawn", "Said he no longer wants support").status_code == 302
    case.refresh_from_db()
    assert case.consent == ConsentState.WITHDRAWN
    assert _consent(client, case, "given").status_code == 302
    case.refresh_from_db()
    assert case.consent == ConsentState.GIVEN
    assert list(ConsentRecord.objects.order_by("at", "pk").values_list("state", flat=True)) == [
        "given",
        "withdrawn",
        "given",
    ]
    page = _text(client.get(_page(case)))
    assert "Said he no longer wants support" in page and "Withdrawn" in page


def test_the_partners_sealed_details_are_refused_and_never_shown(
    drive: dict[str, Any], cast: dict[str, User]
) -> None:
    case, client, partner = drive["case"], drive["client"], drive["partner"]
    partner.phone, partner.address = HER_PHONE, HER_ADDRESS
    partner.save()
    _open_gate(client, case)

    refused = _contact(client, case, "reached", f"Her new number is {HER_PHONE}")
    assert refused.status_code == 400 and "sealed" in _text(refused)
    assert not Contact.objects.exists()
    assert _view(client, case, text="She has moved to Kingfisher Crescent").status_code == 400
    assert _decide(client, case, "close", "She lives at 17 Kingfisher Crescent now").status_code == 400
    assert _consent(client, case, "withdrawn", "Rang from 07700900613").status_code == 400
    assert PartnerView.objects.count() == 1 and ContactDecision.objects.count() == 1
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, record_type="contact").exists()

    # Text that came to hold a sealed detail after it was typed is withheld when shown.
    Contact.objects.create(
        case=case,
        at=timezone.now(),
        channel="phone",
        direction="incoming",
        outcome="reached",
        note="Call from CF14 2WV",
        by=cast["drive"],
    )
    for login in ("drive", "probation"):
        reader = sign_in(Client(), cast[login])
        for path in crawl_paths({"case_id": [str(case.pk)]}):
            body = response_text(reader.get(path))
            assert not [c for c in CANARIES if c in body], (login, path)
    page = _text(client.get(_page(case)))
    assert "Withheld: it holds a partner's, victim's or child's contact details or location." in page


def test_only_that_she_is_supported_and_by_whom_crosses(drive: dict[str, Any]) -> None:
    case, client, partner = drive["case"], drive["client"], drive["partner"]
    her_case = Case.objects.get(person=partner)
    page = client.get(_page(case)).content.decode()
    assert "Drive IDVA at RISE Cardiff" in page
    assert "Seren" not in page and str(her_case.pk) not in page and str(partner.pk) not in page
    assert "Nia Evans" not in page  # her support worker's name stays on her case
    assert set(PartnerSupport.__dataclass_fields__) == set(
        policy.CROSSING_TO_PERPETRATOR_SIDE["partner_case"]
    )


def test_the_caseload_shows_first_contact_with_flat_queries(cast: dict[str, User]) -> None:
    drive_service = Service.objects.get(slug="drive-cardiff")
    worker = cast["drive"]
    client = sign_in(Client(), worker)

    def add(count: int, days_ago: int, reached: bool = False) -> None:
        opened = timezone.now() - datetime.timedelta(days=days_ago)
        for n in range(count):
            case = case_open("drive-cardiff", worker, person=make_person(given_name=f"P{n}"))
            Case.objects.filter(pk=case.pk).update(
                opened_at=opened, first_contact_at=opened + datetime.timedelta(days=2) if reached else None
            )

    add(1, 2)
    add(1, 30, reached=True)
    client.get("/en/cases/")  # the session and the parsed rules are kept after the first page
    with CaptureQueriesContext(connection) as few:
        client.get("/en/cases/")
    add(4, 20)
    add(4, 1)
    with CaptureQueriesContext(connection) as many:
        page = _text(client.get("/en/cases/"))
    assert len(many) == len(few)
    assert "First contact" in page and "Met" in page and "Overdue by 10 days" in page and "Due by" in page
    figures = first_contact_figures(actor=actor_of(worker), service=drive_service)
    assert (figures.opened, figures.in_time, figures.late, figures.not_reached, figures.overdue) == (
        10,
        1,
        0,
        9,
        4,
    )
    assert 'id="fc-overdue">4<' in page and 'id="fc-opened">10<' in page


def test_bad_input_is_shown_again_with_errors_and_changes_nothing(drive: dict[str, Any]) -> None:
    case, client = drive["case"], drive["client"]
    _open_gate(client, case)
    events = CaseEvent.objects.count()
    bad = client.post(
        _page(case),
        {
            "form": "contact",
            "on_day": "31",
            "on_month": "2",
            "on_year": "2026",
            "time": "25:99",
            "direction": "outgoing",
            "outcome": "reached",
        },
    )
    assert bad.status_code == 400
    body = bad.content.decode()
    for anchor in ("#id_on_day", "#id_time", "#id_channel_0"):
        assert f'href="{anchor}"' in body, anchor
    assert "Date of the contact must be a real date" in _text(bad)
    future = _contact(client, case, "reached", **date_fields("on", "2099-01-01"))
    assert future.status_code == 400 and "now or in the past" in _text(future)
    no_reason = _decide(client, case, "close", "   ")
    assert no_reason.status_code == 400 and 'href="#id_decision_reason"' in no_reason.content.decode()
    no_view = client.post(_page(case), {"form": "view", "service": "", "view": ""})
    assert no_view.status_code == 400 and 'href="#id_view_0"' in no_view.content.decode()
    assert not Contact.objects.exists() and CaseEvent.objects.count() == events
    case.refresh_from_db()
    assert case.contact_allowed and case.first_contact_at is None


def test_a_closed_case_refuses_changes(drive: dict[str, Any]) -> None:
    case, client = drive["case"], drive["client"]
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    refused = _view(client, case)
    assert refused.status_code == 400 and "This case is closed." in _text(refused)
    assert not PartnerView.objects.exists()
    assert 'name="form"' not in client.get(_page(case)).content.decode()


def test_others_never_see_the_page(drive: dict[str, Any], cast: dict[str, User]) -> None:
    case = drive["case"]
    for login in ("idva", "probation", "practitioner", "drive-elsewhere"):
        assert sign_in(Client(), cast[login]).get(_page(case)).status_code == 404, login
    assert sign_in(Client(), cast["commissioner"]).get(_page(case)).status_code == 403


def test_the_page_in_welsh(drive: dict[str, Any]) -> None:
    case, client = drive["case"], drive["client"]
    _open_gate(client, case)
    response = client.get(f"/cy/cases/{case.pk}/contact/")
    assert response.status_code == 200
    page = _text(response)
    assert 'lang="cy"' in page and "IDVA Drive yn RISE Caerdydd" in page
