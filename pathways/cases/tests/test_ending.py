"""A case's ending, guarded by the region's rules: no closure while the latest risk is high unless another
agency has taken on its management, de-selection only with other agencies' input and by the manager,
the police, the referring panel's chair and the partner's support worker told, an outcome commissioners
can count, and attempts to bring back someone who dropped out."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pathways.accounts.models import Agency, User
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from pathways.audit.models import AuditEntry
from pathways.cases.choices import CaseEventKind, CaseStatus, TaskKind
from pathways.cases.models import (
    AgencyInput,
    Case,
    CaseEnding,
    CaseOutcome,
    CaseTask,
    ManagementAcceptance,
    ReEngagementAttempt,
)
from pathways.cases.rulesfile import Ending
from pathways.cases.services import ending as services
from pathways.cases.services.base import CaseError
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.access import Role
from pathways.core.dates import months_after
from pathways.directory.models import Region
from pathways.factories import actor_of, agency_of, date_fields, make_person, make_staff, sign_in
from pathways.panels.choices import Outcome
from pathways.panels.models import Decision, Panel
from pathways.panels.tests.factories import raw_item, raw_meeting
from pathways.people.models import Person
from pathways.police.models import PoliceExtract, PoliceRecord
from pathways.police.rfg import day_number
from pathways.referrals.tests.factories import PARTNER_ADDRESS, refer

pytestmark = pytest.mark.usefixtures("region")


def _today() -> datetime.date:
    return timezone.localdate()


def _assessed(person: Person, level: str, *, by: User, days_ago: int = 0) -> Assessment:
    return Assessment.objects.create(
        person=person,
        agency=agency_of(by),
        assessor=by,
        assessed_on=_today() - datetime.timedelta(days=days_ago),
        context="intake",
        instrument_version=InstrumentVersion.objects.get(instrument="dash-partner-agency"),
        status=AssessmentStatus.COMPLETED,
        results={"risk_level": level},
        completed_at=timezone.now(),
    )


def _drive_case(cast: dict[str, User], *, high: bool = False, person: Person | None = None) -> Case:
    case = case_open("drive-cardiff", cast["drive"], person=person)
    if high:
        _assessed(case.person, "high", by=cast["drive"])
    return case


def _probation() -> Agency:
    return Agency.objects.get(slug="probation-cardiff-vale")


def _end(
    actor_user: User, case: Case, state: str = "completed", reason: str = "Finished the work."
) -> CaseEnding:
    return services.case_end(
        actor=actor_of(actor_user), case=case, state=state, reason=reason, ended_on=_today()
    )


def _url(case: Case) -> str:
    return reverse("cases:ending", kwargs={"case_id": case.pk})


def _post_end(
    client: Client, case: Case, state: str = "completed", reason: str = "Finished the work."
) -> Any:
    return client.post(
        _url(case),
        {
            "action": "end",
            "end-state": state,
            "end-reason": reason,
            **date_fields("end-ended_on", _today().isoformat()),
        },
    )


def test_a_high_risk_case_does_not_close_until_another_agency_takes_on_its_management(
    cast: dict[str, User],
) -> None:
    case = _drive_case(cast, high=True)
    client = sign_in(Client(), cast["drive"])

    refused = _post_end(client, case)
    page = unescape(refused.content.decode())
    assert refused.status_code == 400
    assert "The latest risk is high: record which agency has accepted management of the case first." in page
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not CaseEnding.objects.exists()
    overview = unescape(client.get(case.get_absolute_url()).content.decode())
    assert "Latest risk: High." in overview and "It cannot close until another agency" in overview

    accepted = client.post(
        _url(case),
        {
            "action": "management",
            "management-agency": str(_probation().pk),
            "management-accepted_by": "Rhodri Powell, probation officer",
            **date_fields("management-accepted_on", _today().isoformat()),
        },
    )
    assert accepted.status_code == 302
    assert ManagementAcceptance.objects.get(case=case).agency == _probation()
    assert "Probation Service, Cardiff and Vale (Rhodri Powell, probation officer)" in unescape(
        client.get(_url(case)).content.decode()
    )

    assert _post_end(client, case).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.closed_at is not None
    ending = CaseEnding.objects.get(case=case)
    assert (ending.state, ending.reason, ending.decided_by) == (
        "completed",
        "Finished the work.",
        cast["drive"],
    )
    assert ending.rules.region.slug == "cardiff-and-vale"
    assert case.events.filter(kind=CaseEventKind.ENDED).exists()
    assert case.events.filter(kind=CaseEventKind.MANAGEMENT).exists()
    assert AuditEntry.objects.filter(record_type="case", details__ending="completed").exists()
    page = unescape(client.get(_url(case)).content.decode())
    assert "How the case ended" in page and "Completed" in page
    # A closed case takes no more changes.
    with pytest.raises(CaseError, match="This case is closed"):
        _end(cast["drive"], case)


def test_another_agency_taking_on_the_case_must_be_another_agency(cast: dict[str, User]) -> None:
    case = _drive_case(cast, high=True)
    with pytest.raises(CaseError) as error:
        services.management_accept(
            actor=actor_of(cast["drive"]),
            case=case,
            agency=agency_of(cast["drive"]),
            accepted_by="Catrin Owen",
            accepted_on=_today(),
        )
    assert error.value.field == "agency"
    assert not ManagementAcceptance.objects.exists()


def _from_the_marac(cast: dict[str, User]) -> Case:
    """Drive's case for a man the Cardiff MARAC referred there."""
    referral = refer(actor_of(cast["socialworker"]))
    case = _drive_case(cast, person=referral.person)
    case.referral = referral
    case.save(update_fields=["referral"])
    panel = Panel.objects.get(slug="marac-cardiff")
    item = raw_item(raw_meeting(panel, _today() - datetime.timedelta(days=30)), referral.person)
    Decision.objects.create(
        item=item, outcome=Outcome.REFER_SCREENED, reasons="Refer to Drive.", referral=referral
    )
    return case


def test_when_a_case_ends_the_police_the_panel_chair_and_the_partners_worker_are_told(
    cast: dict[str, User],
) -> None:
    case = _from_the_marac(cast)
    partner_of(case, supported_by=cast["idva"])
    _end(cast["drive"], case)

    told = {
        (t.agency.slug, t.user.username if t.user else None): t
        for t in CaseTask.objects.filter(case=case, kind=TaskKind.CASE_ENDED).select_related("agency", "user")
    }
    assert set(told) == {
        ("south-wales-police", None),
        ("south-wales-police", "chair"),
        ("rise-cardiff", "idva"),
    }
    task = told[("rise-cardiff", "idva")]
    assert task.detail == {
        "service": "drive-cardiff",
        "ending": "completed",
        "reference": case.referral.reference if case.referral else "",
        "told": "partner_service",
    }
    assert task.due_on == _today()
    # The police covering Cardiff only: not the Vale's counterpart force.
    assert not CaseTask.objects.filter(case=case, agency__slug="gwent-police").exists()
    page = unescape(sign_in(Client(), cast["drive"]).get(_url(case)).content.decode())
    assert "The police: South Wales Police" in page
    assert "The chair of the panel that referred the case: South Wales Police" in page
    # Her worker's name and service stay off his side's page.
    assert "The partner's support service" in page and "Nia Evans" not in page


def test_a_case_not_from_a_panel_tells_no_chair(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    _end(cast["drive"], case)
    told = set(
        CaseTask.objects.filter(case=case, kind=TaskKind.CASE_ENDED).values_list("agency__slug", "user")
    )
    assert told == {("south-wales-police", None)}


def test_de_selection_needs_other_agencies_input_and_the_managers_decision(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    with pytest.raises(CaseError, match="needs other agencies' input") as error:
        _end(cast["drive"], case, state="deselected")
    assert error.value.field == "state"

    client = sign_in(Client(), cast["drive"])
    recorded = client.post(
        _url(case),
        {
            "action": "input",
            "input-agency": str(_probation().pk),
            "input-summary": "Probation supports ending the work: he breached his licence twice.",
        },
    )
    assert recorded.status_code == 302
    assert AgencyInput.objects.get(case=case).agency == _probation()

    refused = _post_end(client, case, state="deselected", reason="Not safe to work with him now.")
    assert refused.status_code == 400
    assert "the decision of a manager at the service" in unescape(refused.content.decode())
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN

    manager = make_staff(agency_of(cast["drive"]), Role.MANAGER)
    assert _post_end(sign_in(Client(), manager), case, state="deselected").status_code == 302
    ending = CaseEnding.objects.get(case=case)
    assert ending.state == "deselected" and ending.manager_decision_by == manager


def _police_record(person: Person, reference: str, on: datetime.date) -> PoliceRecord:
    region = Region.objects.get(slug="cardiff-and-vale")
    extract = PoliceExtract.objects.create(region=region, name="test.csv", file_sha256="test")
    return PoliceRecord.objects.create(
        region=region,
        reference=reference,
        kind="crime",
        occurred_on=on,
        occurred_day=day_number(on),
        offence="harassment",
        perpetrator_ref=person.police_reference,
        victim_ref=f"V-{reference}",
        perpetrator=person,
        row_sha256="test",
        extract=extract,
    )


def test_the_outcome_counts_the_risk_the_goals_and_the_police_records_before_and_after(
    cast: dict[str, User],
) -> None:
    person = make_person(given_name="Owain", family_name="Outcome", police_reference="SWP-OUT-1")
    case = _drive_case(cast, person=person)
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=60))
    case.refresh_from_db()
    _assessed(person, "medium", by=cast["drive"], days_ago=70)
    _assessed(person, "high", by=cast["drive"], days_ago=5)
    today = _today()
    for reference, days in (("B-1", 40), ("B-2", 250), ("B-3", 500)):
        _police_record(person, reference, today - datetime.timedelta(days=days))
    services.management_accept(
        actor=actor_of(cast["drive"]),
        case=case,
        agency=_probation(),
        accepted_by="R Powell",
        accepted_on=today,
    )
    _end(cast["drive"], case)

    outcome = CaseOutcome.objects.get(case=case)
    assert (outcome.end_state, outcome.risk_at_start, outcome.risk_at_end) == ("completed", "medium", "high")
    assert (outcome.goals_total, outcome.goals_met) == (0, 0)
    counts = {c.months: (c.before, c.after) for c in outcome.police_counts.all()}
    assert counts == {6: (1, None), 12: (2, None)}

    # After the end: one record three months on, one ten months on; each period counted once it has passed.
    _police_record(person, "A-1", months_after(today, 3))
    _police_record(person, "A-2", months_after(today, 10))
    assert services.case_outcomes_refresh(today=months_after(today, 5)) == 0
    assert services.case_outcomes_refresh(today=months_after(today, 7)) == 1
    counts = {c.months: (c.before, c.after) for c in outcome.police_counts.all()}
    assert counts == {6: (1, 1), 12: (2, None)}
    call_command("case_outcomes_refresh", "--date", months_after(today, 13).isoformat(), verbosity=0)
    counts = {c.months: (c.before, c.after) for c in outcome.police_counts.all()}
    assert counts == {6: (1, 1), 12: (2, 2)}
    # Counted once: a later record does not change a period already counted.
    _police_record(person, "A-3", months_after(today, 4))
    assert services.case_outcomes_refresh(today=months_after(today, 14)) == 0
    assert outcome.police_counts.get(months=6).after == 1

    page = unescape(sign_in(Client(), cast["drive"]).get(_url(case)).content.decode())
    assert "Risk at the start" in page and "Medium" in page and "0 of 0" in page


def test_without_an_assessment_the_risk_at_the_start_is_the_referrals(cast: dict[str, User]) -> None:
    referral = refer(actor_of(cast["socialworker"]), risk="medium")
    case = _drive_case(cast, person=referral.person)
    case.referral = referral
    case.save(update_fields=["referral"])
    _end(cast["drive"], case)
    outcome = CaseOutcome.objects.get(case=case)
    assert (outcome.risk_at_start, outcome.risk_at_end) == ("medium", "")


heard: list[tuple[str, str, bool, str]] = []


def _heard_of_the_end(*, case: Case, actor: object, ending: Ending) -> None:
    heard.append((str(case.pk), ending.state, ending.ends_disrupt, case.status))


@override_settings(CASE_ENDED=["pathways.cases.tests.test_ending._heard_of_the_end"])
def test_the_other_parts_of_a_case_hear_of_its_end_with_the_rules_for_that_ending(
    cast: dict[str, User],
) -> None:
    heard.clear()
    case = _drive_case(cast)
    _end(cast["drive"], case, state="dropped_out", reason="Stopped coming.")
    # Dropping out leaves disrupt work going: the plan reads that from the ending it is given.
    assert heard == [(str(case.pk), "dropped_out", False, CaseStatus.CLOSED)]


def test_after_dropping_out_re_engagement_attempts_are_logged(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    with pytest.raises(CaseError, match="dropped out"):
        services.re_engagement_log(
            actor=actor_of(cast["drive"]), case=case, on=_today(), channel="phone", outcome="no_response"
        )
    _end(cast["drive"], case, state="dropped_out", reason="Missed five sessions and stopped answering.")
    client = sign_in(Client(), cast["drive"])
    page = unescape(client.get(_url(case)).content.decode())
    assert "Attempts to bring him back" in page and "No attempts logged yet." in page
    logged = client.post(
        _url(case),
        {
            "action": "attempt",
            **date_fields("attempt-on", _today().isoformat()),
            "attempt-channel": "letter",
            "attempt-outcome": "no_response",
        },
    )
    assert logged.status_code == 302
    attempt = ReEngagementAttempt.objects.get(case=case)
    assert (attempt.channel, attempt.outcome, attempt.recorded_by) == ("letter", "no_response", cast["drive"])
    page = unescape(client.get(_url(case)).content.decode())
    assert "Letter" in page and "No response" in page
    assert case.events.filter(kind=CaseEventKind.RE_ENGAGEMENT).exists()
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_attempts_are_not_logged_for_a_case_that_ended_another_way(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    _end(cast["drive"], case)
    with pytest.raises(CaseError, match="dropped out"):
        services.re_engagement_log(
            actor=actor_of(cast["drive"]), case=case, on=_today(), channel="phone", outcome="declined"
        )


def test_bad_input_is_shown_again_with_its_errors_and_nothing_changes(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    client = sign_in(Client(), cast["drive"])
    missing = client.post(_url(case), {"action": "end", "end-state": "completed", "end-reason": ""})
    body = missing.content.decode()
    assert missing.status_code == 400
    assert 'href="#id_end-reason"' in body and 'href="#id_end-ended_on_day"' in body
    unknown = _post_end(client, case, state="abducted")
    assert unknown.status_code == 400 and 'href="#id_end-state_0"' in unknown.content.decode()
    no_agency = client.post(_url(case), {"action": "management", "management-accepted_by": "Someone"})
    assert no_agency.status_code == 400 and 'href="#id_management-agency"' in no_agency.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert not CaseEnding.objects.exists() and not ManagementAcceptance.objects.exists()
    assert not case.events.filter(kind=CaseEventKind.ENDED).exists()


def test_a_partners_sealed_address_typed_in_the_reason_is_refused(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    partner = partner_of(case)
    partner.address = PARTNER_ADDRESS
    partner.save()
    refused = _post_end(sign_in(Client(), cast["drive"]), case, reason="She moved to 12 Canary Wharf Road.")
    assert refused.status_code == 400
    assert "sealed" in unescape(refused.content.decode())
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN and not CaseEnding.objects.exists()


def test_only_the_services_staff_see_or_end_the_case(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    for login in ("drive-elsewhere", "idva", "probation", "practitioner"):
        assert sign_in(Client(), cast[login]).get(_url(case)).status_code == 404, login
        assert _post_end(sign_in(Client(), cast[login]), case).status_code == 404, login
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN


def test_the_ending_page_does_not_run_more_queries_as_records_grow(cast: dict[str, User]) -> None:
    case = _drive_case(cast)
    client = sign_in(Client(), cast["drive"])

    def add(count: int) -> None:
        for n in range(count):
            services.agency_input_record(
                actor=actor_of(cast["drive"]), case=case, agency=_probation(), summary=f"View {n}."
            )

    add(2)
    client.get(_url(case))  # the process reads a rules file once, on the first page that needs it
    with CaptureQueriesContext(connection) as few:
        client.get(_url(case))
    add(8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(_url(case)).content.decode()
    assert len(many) == len(few) and "View 7." in page


def test_the_ending_page_in_welsh(cast: dict[str, User]) -> None:
    case = _drive_case(cast, high=True)
    page = unescape(sign_in(Client(), cast["drive"]).get(f"/cy{_url(case)[3:]}").content.decode())
    assert 'lang="cy"' in page
    # The region's own names for the ways of ending, in Welsh.
    assert "Wedi'i gwblhau" in page and "Wedi'i ddad-ddethol" in page and "Completed" not in page
