"""Assessment in a case (Drive, appendix 8.1 item 7): the person is assessed at intake, regularly during the
work on the region's schedule and at closure, with other agencies' views beside; the case shows the risk
over time. The assessments are the assessments app's: the case counts them at a stage."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import User
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import AssessmentStage, CaseEventKind, CaseStatus
from pathways.cases.models import AgencyView, Case, CaseAssessment, CaseEvent
from pathways.cases.selectors.assessment import case_reassessment_due, case_risk_over_time
from pathways.cases.services import CaseError
from pathways.cases.services.assessment import agency_view_record, case_assessment_link
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, date_fields, make_person, sign_in
from pathways.people.models import PersonAccess

pytestmark = pytest.mark.usefixtures("region")

# A phone number only the partner's sealed record holds (as the canary crawl plants them).
CANARY_PHONE = "07700 900 613"
DRIVE_DAYS = 28  # regions/cardiff-and-vale/assessment.yaml, reassessment_days: drive-cardiff


def _today() -> datetime.date:
    return timezone.localdate()


def _sara(
    actor: Actor, case: Case, on: datetime.date, level: str = "high", context: str = "review"
) -> Assessment:
    """A SARA-V3 results record of the case's person, completed in the assessments app, whose case
    prioritisation gives the risk level (low is standard, moderate medium)."""
    judged = {"standard": "low", "medium": "moderate", "high": "high"}[level]
    draft = assessments.assessment_start(
        actor=actor, person=case.person, instrument_id="sara-v3-results", context=context, assessed_on=on
    )
    return assessments.assessment_save(
        actor=actor,
        assessment=draft,
        answers={
            "assessment_date": on.isoformat(),
            "case_prioritisation": judged,
            "risk_serious_physical_harm": judged,
            "imminent_violence": judged,
        },
        complete=True,
    )


def _page(client: Client, case: Case, lang: str = "en") -> str:
    response = client.get(f"/{lang}/cases/{case.pk}/assessments/")
    assert response.status_code == 200
    return unescape(response.content.decode())


def _view_form(agency: str, **extra: str) -> dict[str, str]:
    return {
        "agency": agency,
        "risk": "high",
        "summary": "Licence conditions breached twice this month; recall being considered.",
        **date_fields("given_on", (_today() - datetime.timedelta(days=1)).isoformat()),
        **extra,
    }


def test_a_completed_assessment_is_the_case_intake_and_the_next_one_during(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    drive = actor_of(cast["drive"])
    first = _sara(drive, case, _today() - datetime.timedelta(days=30), level="high", context="intake")
    second = _sara(drive, case, _today() - datetime.timedelta(days=2), level="medium")

    links = {link.assessment_id: link.stage for link in CaseAssessment.objects.filter(case=case)}
    assert links == {first.pk: AssessmentStage.INTAKE, second.pk: AssessmentStage.DURING}
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.ASSESSMENT).count() == 2
    assert (
        AuditEntry.objects.filter(action=AuditAction.RECORD_CREATED, record_type="case_assessment").count()
        == 2
    )

    client = sign_in(Client(), cast["drive"])
    page = _page(client, case)
    table = page.split('id="case-assessments"')[1].split("</table>")[0]
    assert "Intake" in table and "During the work" in table and "SARA-V3 results record" in table
    assert (
        "Closure assessment recorded" in page
        and '<dd class="govuk-summary-list__value" id="closure-recorded">No' in page
    )
    # The case's history says what was counted, and the overview gives the latest risk.
    overview = unescape(client.get(case.get_absolute_url()).content.decode())
    assert "sara-v3-results, During the work: risk Medium" in overview
    assert 'id="latest-risk">Medium' in overview


def test_a_correction_keeps_the_stage_of_the_assessment_it_corrects(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    drive = actor_of(cast["drive"])
    first = _sara(drive, case, _today() - datetime.timedelta(days=20), level="high", context="intake")
    _sara(drive, case, _today() - datetime.timedelta(days=5), level="medium")
    draft = assessments.assessment_correct(actor=drive, assessment=first, reason="Wrong prioritisation typed")
    corrected = assessments.assessment_save(
        actor=drive,
        assessment=draft,
        answers={**draft.answers, "case_prioritisation": "moderate"},
        complete=True,
    )
    assert CaseAssessment.objects.get(case=case, assessment=corrected).stage == AssessmentStage.INTAKE
    page = _page(sign_in(Client(), cast["drive"]), case)
    assert "Corrected by a later version" in page
    # The risk over time leaves out what was corrected.
    assert [p.risk for p in case_risk_over_time(actor=drive, case=case)] == ["medium", "medium"]


def test_an_assessment_at_another_service_or_of_someone_else_is_not_counted(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    other = case_open("drive-cardiff", cast["drive"], person=make_person(given_name="Other"))
    # The probation officer assesses the same man: probation does not run Drive, so the case is untouched.
    agency = agency_of(cast["probation"])
    PersonAccess.objects.create(person=case.person, agency=agency, reason="test")
    theirs = _sara(actor_of(cast["probation"]), case, _today())
    assert not CaseAssessment.objects.exists()
    # The worker may count it (he sees it, it is of this man), but not another man's.
    drive = actor_of(cast["drive"])
    elsewhere = _sara(drive, other, _today())
    with pytest.raises(CaseError):
        case_assessment_link(actor=drive, case=case, assessment=elsewhere, stage="during")
    linked = case_assessment_link(actor=drive, case=case, assessment=theirs, stage="intake")
    assert linked.stage == AssessmentStage.INTAKE and linked.linked_by == cast["drive"]


def test_the_worker_counts_an_earlier_assessment_at_a_stage_on_the_page(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    drive = actor_of(cast["drive"])
    done = _sara(drive, case, _today())
    client = sign_in(Client(), cast["drive"])
    response = client.post(
        f"/en/cases/{case.pk}/assessments/link/", {"assessment": str(done.pk), "stage": "closure"}
    )
    assert response.status_code == 302
    assert CaseAssessment.objects.get(case=case).stage == AssessmentStage.CLOSURE
    assert 'id="closure-recorded">Yes' in _page(client, case)
    assert AuditEntry.objects.filter(
        action=AuditAction.RECORD_CHANGED, record_type="case_assessment"
    ).exists()


def test_the_next_assessment_is_due_28_days_after_the_last_for_drive(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    due = case_reassessment_due(case=case, today=_today())
    assert due.every_days == DRIVE_DAYS and due.last is None
    assert due.due_on == case.opened_at.date() + datetime.timedelta(days=DRIVE_DAYS)

    last = _today() - datetime.timedelta(days=3)
    _sara(actor_of(cast["drive"]), case, last)
    due = case_reassessment_due(case=case, today=_today())
    assert due.last == last and due.due_on == last + datetime.timedelta(days=DRIVE_DAYS)
    assert not due.overdue
    page = _page(sign_in(Client(), cast["drive"]), case)
    shown = (last + datetime.timedelta(days=DRIVE_DAYS)).strftime("%-d %B %Y")
    assert shown in page.split('id="next-due"')[1].split("</dd>")[0]
    assert 'id="overdue"' not in page
    # CLEAR's schedule is its own (42 days), from the same file.
    clear = case_open("clear", cast["practitioner"])
    assert case_reassessment_due(case=clear, today=_today()).every_days == 42


def test_an_overdue_assessment_is_tagged_and_a_closed_case_is_due_none(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    _sara(actor_of(cast["drive"]), case, _today() - datetime.timedelta(days=DRIVE_DAYS + 5))
    client = sign_in(Client(), cast["drive"])
    page = _page(client, case)
    assert 'id="overdue"' in page and "Overdue" in page
    assert "Overdue" in unescape(client.get(case.get_absolute_url()).content.decode())
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    case.refresh_from_db()
    assert case_reassessment_due(case=case, today=_today()).due_on is None
    page = _page(client, case)
    assert 'id="overdue"' not in page and "None: the case is closed." in page
    # A closed case takes no new view.
    refused = client.post(
        f"/en/cases/{case.pk}/assessments/", _view_form(str(agency_of(cast["probation"]).pk))
    )
    assert refused.status_code == 400 and "This case is closed." in refused.content.decode()
    assert not AgencyView.objects.exists()


def test_probation_view_of_high_risk_shows_in_the_risk_over_time(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    drive = actor_of(cast["drive"])
    _sara(drive, case, _today() - datetime.timedelta(days=10), level="medium", context="intake")
    probation = agency_of(cast["probation"])
    client = sign_in(Client(), cast["drive"])
    response = client.post(f"/en/cases/{case.pk}/assessments/", _view_form(str(probation.pk)))
    assert response.status_code == 302

    view = AgencyView.objects.get()
    assert (view.case, view.agency, view.risk, view.recorded_by) == (case, probation, "high", cast["drive"])
    points = case_risk_over_time(actor=drive, case=case)
    assert [(p.risk, p.from_agency, p.stage) for p in points] == [
        ("medium", False, AssessmentStage.INTAKE),
        ("high", True, None),
    ]
    page = _page(client, case)
    table = page.split('id="risk-over-time"')[1].split("</table>")[0]
    assert "Probation Service, Cardiff and Vale's view" in table and "High" in table and "Medium" in table
    chart = page.split('<svg id="risk-chart"')[1].split("</svg>")[0]
    assert 'role="img"' in chart and chart.count("<rect") == 2 and 'stroke="#d4351c"' in chart
    assert "<script" not in page.split('id="risk-chart"')[1].split("</table>")[0]
    views = page.split('id="agency-views"')[1].split("</table>")[0]
    assert "Licence conditions breached twice" in views
    assert AuditEntry.objects.filter(
        action=AuditAction.RECORD_CREATED, record_type="case_agency_view"
    ).exists()
    assert "Probation Service, Cardiff and Vale sees the risk as High" in unescape(
        client.get(case.get_absolute_url()).content.decode()
    )


def test_a_view_holding_the_partner_sealed_phone_is_refused(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    partner = partner_of(case, supported_by=cast["idva"])
    partner.phone = CANARY_PHONE
    partner.save()
    rise = agency_of(cast["idva"])
    client = sign_in(Client(), cast["drive"])
    typed = "Her IDVA says the risk is high; call her on 07700 900613 before any contact."
    response = client.post(f"/en/cases/{case.pk}/assessments/", _view_form(str(rise.pk), summary=typed))
    page = unescape(response.content.decode())
    assert response.status_code == 400 and 'href="#id_summary"' in page
    assert "contact details or location of a partner" in page
    assert not AgencyView.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, details__field="summary").exists()
    with pytest.raises(CaseError) as refused:
        agency_view_record(
            actor=actor_of(cast["drive"]),
            case=case,
            agency=rise,
            risk="high",
            summary=f"Ring {CANARY_PHONE}",
            given_on=_today(),
        )
    assert refused.value.field == "summary"
    # What passes the check is kept, her service named.
    agency_view_record(
        actor=actor_of(cast["drive"]),
        case=case,
        agency=rise,
        risk="high",
        summary="Her IDVA sees the risk as high and asks to be told before any contact.",
        given_on=_today(),
    )
    assert "RISE Cardiff" in _page(client, case).split('id="agency-views"')[1]


def test_bad_input_is_refused_naming_the_field_and_nothing_changes(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    done = _sara(actor_of(cast["drive"]), case, _today())
    client = sign_in(Client(), cast["drive"])
    url = f"/en/cases/{case.pk}/assessments/"
    events = CaseEvent.objects.filter(case=case).count()
    future = (_today() + datetime.timedelta(days=3)).isoformat()
    bad = [
        ({}, ("id_agency", "id_risk", "id_summary", "id_given_on")),
        (_view_form("not-an-agency"), ("id_agency",)),
        (_view_form(str(agency_of(cast["probation"]).pk), risk="extreme"), ("id_risk",)),
        (_view_form(str(agency_of(cast["probation"]).pk), summary="x" * 2001), ("id_summary",)),
        (
            _view_form(str(agency_of(cast["probation"]).pk), **date_fields("given_on", future)),
            ("id_given_on",),
        ),
        (
            {**_view_form(str(agency_of(cast["probation"]).pk)), "given_on_month": "13"},
            ("id_given_on",),
        ),
    ]
    for data, fields in bad:
        response = client.post(url, data)
        page = response.content.decode()
        assert response.status_code == 400, data
        assert "There is a problem" in page
        for field in fields:
            assert f'href="#{field}' in page, (field, data)
    link = f"/en/cases/{case.pk}/assessments/link/"
    for data in ({"assessment": str(done.pk), "stage": "someday"}, {"assessment": "nope", "stage": "intake"}):
        response = client.post(link, data)
        assert response.status_code == 400 and "There is a problem" in response.content.decode(), data
    assert not AgencyView.objects.exists()
    assert CaseAssessment.objects.get(case=case).stage == AssessmentStage.INTAKE
    assert CaseEvent.objects.filter(case=case).count() == events


def test_the_page_links_to_start_an_assessment_and_comes_back(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    page = _page(client, case)
    start = page.split('id="start-assessment"')[1].split("</form>")[0]
    assert f"/en/assessments/people/{case.person_id}/new/" in page
    assert 'name="context" value="intake"' in start and 'value="closure"' in start
    assert 'value="sara-v3-results"' in start
    back = f"/en/cases/{case.pk}/assessments/"
    form = client.get(
        f"/en/assessments/people/{case.person_id}/new/",
        {"instrument": "sara-v3-results", "context": "closure", "next": back},
    ).content.decode()
    assert 'value="closure" checked' in form or 'value="closure" selected' in form
    assert f'href="{back}"' in form
    started = client.post(
        f"/en/assessments/people/{case.person_id}/new/?next={back}",
        {
            "instrument": "sara-v3-results",
            "context": "closure",
            **date_fields("assessed_on", _today().isoformat()),
        },
    )
    assert started.status_code == 302 and "next=" in started["Location"]
    done = client.post(
        started["Location"],
        {
            **date_fields("assessment_date", _today().isoformat()),
            "case_prioritisation": "high",
            "risk_serious_physical_harm": "high",
            "imminent_violence": "moderate",
            "complete": "1",
        },
    )
    assert done.status_code == 302 and done["Location"] == back
    assert CaseAssessment.objects.get(case=case).stage == AssessmentStage.CLOSURE
    assert 'id="closure-recorded">Yes' in _page(client, case)
    # A return address that leads off the site is dropped.
    offsite = client.get(
        f"/en/assessments/people/{case.person_id}/new/", {"next": "https://evil.example/"}
    ).content.decode()
    assert 'href="https://evil.example/"' not in offsite and "govuk-back-link" not in offsite


def test_the_page_runs_the_same_queries_for_2_or_10_assessments(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    version = InstrumentVersion.objects.filter(instrument="sara-v3-results").latest("version")
    probation = agency_of(cast["probation"])
    drive = agency_of(cast["drive"])
    client = sign_in(Client(), cast["drive"])

    def add(count: int) -> None:
        for n in range(count):
            assessment = Assessment.objects.create(
                person=case.person,
                instrument_version=version,
                assessor=cast["drive"],
                agency=drive,
                assessed_on=_today(),
                context="review",
                status=AssessmentStatus.COMPLETED,
                results={"risk_level": ["standard", "medium", "high"][n % 3]},
                completed_at=timezone.now(),
            )
            CaseAssessment.objects.create(case=case, assessment=assessment, stage=AssessmentStage.DURING)
            AgencyView.objects.create(
                case=case,
                agency=probation,
                risk="high",
                summary=f"view {n}",
                given_on=_today(),
                recorded_by=cast["drive"],
            )

    add(2)
    with CaptureQueriesContext(connection) as few:
        _page(client, case)
    add(8)
    with CaptureQueriesContext(connection) as many:
        page = _page(client, case)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries][len(few) :]
    assert page.count('<tr class="govuk-table__row" id="assessment-') == 10


def test_other_services_and_the_referrer_do_not_see_the_case_assessments(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    for login in ("practitioner", "probation", "idva", "drive-elsewhere"):
        response = sign_in(Client(), cast[login]).get(f"/en/cases/{case.pk}/assessments/")
        assert response.status_code == 404, login
    assert sign_in(Client(), cast["commissioner"]).get(f"/en/cases/{case.pk}/assessments/").status_code == 403


def test_the_page_in_welsh(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    drive = actor_of(cast["drive"])
    _sara(drive, case, _today(), context="intake")
    agency_view_record(
        actor=drive,
        case=case,
        agency=agency_of(cast["probation"]),
        risk="high",
        summary="Uchel",
        given_on=_today(),
    )
    page = _page(sign_in(Client(), cast["drive"]), case, lang="cy")
    assert 'lang="cy"' in page and "Y Gwasanaeth Prawf, Caerdydd a'r Fro" in page
    for english in (
        "Assessments and risk",
        "Next assessment due",
        "Closure assessment recorded",
        "Other agencies' views",
        "Risk over time",
        "Record another agency's view",
        "Start an intake assessment",
        "During the work",
    ):
        assert english not in page, english
