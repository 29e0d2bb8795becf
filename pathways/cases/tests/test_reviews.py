"""A case's reviews: the next internal and multi-agency review due at the region's intervals and put on the
case worker's tasks, holding one with the agencies and forensic or other expert advisers who took part,
and the case going back to the panel that referred him when it ends (the review, section 5.6)."""

from __future__ import annotations

import datetime
from html import unescape
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import CaseEventKind, CaseStatus, ReviewKind, TaskKind, TaskStatus
from pathways.cases.models import Case, CaseEvent, CaseReview, CaseTask
from pathways.cases.selectors.reviews import case_reviews_due
from pathways.cases.services.reviews import reviews_case_ended
from pathways.cases.tests.factories import case_open
from pathways.core.access import Side
from pathways.factories import actor_of, date_fields, make_person, sign_in
from pathways.panels import services as panels
from pathways.panels.choices import AgendaReason, Outcome
from pathways.panels.models import AgendaItem, Decision, Panel
from pathways.panels.tests import factories as f
from pathways.people.choices import RelationshipKind
from pathways.people.models import Relationship
from pathways.referrals.tests.factories import PARTNER_ADDRESS, refer

pytestmark = pytest.mark.usefixtures("region")
TODAY = timezone.localdate()


def _url(case: Case) -> str:
    return reverse("cases:reviews", kwargs={"case_id": case.pk})


def _page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.content.decode())


def _opened_days_ago(case: Case, days: int) -> Case:
    Case.objects.filter(pk=case.pk).update(opened_at=timezone.now() - datetime.timedelta(days=days))
    case.refresh_from_db()
    return case


def _held(kind: str = ReviewKind.INTERNAL, on: datetime.date = TODAY, **extra: Any) -> dict[str, Any]:
    return {
        "kind": kind,
        **date_fields("held_on", on.isoformat()),
        "outcome": "Engaging; partner's IDVA reports no new incidents.",
        "decision": "continue",
        **extra,
    }


def test_no_review_when_a_case_opens_then_the_internal_review_is_due_28_days_on_at_drive(
    cast: dict[str, User],
) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    assert not CaseReview.objects.exists() and not CaseTask.objects.exists()
    opened = timezone.localdate(case.opened_at)
    due = {d.kind: d.due_on for d in case_reviews_due(case=case, today=TODAY)}
    # drive-cardiff's own intervals in casework.yaml: 28 days internal, 56 multi-agency.
    assert due == {
        ReviewKind.INTERNAL: opened + datetime.timedelta(days=28),
        ReviewKind.MULTI_AGENCY: opened + datetime.timedelta(days=56),
    }
    clear = case_open("clear", cast["practitioner"])
    assert case_reviews_due(case=clear, today=TODAY)[0].due_on == opened + datetime.timedelta(days=42)

    page = _page(sign_in(Client(), cast["drive"]), _url(case))
    assert f"Internal review: due {(opened + datetime.timedelta(days=28)).strftime('%-d %B %Y')}" in page
    tasks = CaseTask.objects.filter(case=case)
    assert sorted((t.kind, t.agency.slug, t.user, t.due_on) for t in tasks) == sorted(
        [
            (TaskKind.REVIEW, "drive-cardiff", cast["drive"], due[ReviewKind.INTERNAL]),
            (TaskKind.REVIEW, "drive-cardiff", cast["drive"], due[ReviewKind.MULTI_AGENCY]),
        ]
    )
    # Opening the page again, or the nightly run, schedules nothing twice; the nightly run reaches every
    # open case.
    _page(sign_in(Client(), cast["drive"]), _url(case))
    out = StringIO()
    call_command("schedule_case_reviews", stdout=out)
    assert "2 review(s) scheduled." in out.getvalue()  # CLEAR's case
    call_command("schedule_case_reviews", stdout=StringIO())
    assert (
        CaseReview.objects.filter(case=case).count() == 2 and CaseTask.objects.filter(case=case).count() == 2
    )
    assert CaseReview.objects.filter(case=clear).count() == 2


def test_holding_an_internal_review_does_its_task_and_schedules_the_next(cast: dict[str, User]) -> None:
    case = _opened_days_ago(case_open("drive-cardiff", cast["drive"]), 30)
    client = sign_in(Client(), cast["drive"])
    overview = _page(client, case.get_absolute_url())
    assert "Next review: Internal review" in overview and "Overdue" in overview
    _page(client, _url(case))
    task = CaseTask.objects.get(case=case, detail__review=ReviewKind.INTERNAL)

    response = client.post(_url(case), _held())
    assert response.status_code == 302
    held = CaseReview.objects.get(case=case, held_on__isnull=False)
    assert (held.kind, held.held_on, held.chaired_by, held.decision) == (
        ReviewKind.INTERNAL,
        TODAY,
        cast["drive"],
        "continue",
    )
    assert held.next_review_on == TODAY + datetime.timedelta(days=28)
    task.refresh_from_db()
    assert task.status == TaskStatus.DONE and task.done_by == cast["drive"]
    following = CaseReview.objects.get(case=case, kind=ReviewKind.INTERNAL, held_on__isnull=True)
    assert following.due_on == TODAY + datetime.timedelta(days=28)
    assert following.task is not None and following.task.status == TaskStatus.OPEN
    assert CaseEvent.objects.get(case=case, kind=CaseEventKind.REVIEW).detail["decision"] == "continue"
    page = _page(client, _url(case))
    assert "partner's IDVA reports no new incidents" in page
    overview = _page(client, case.get_absolute_url())
    reviews_part = overview[overview.index('id="overview-reviews"') :].split("</p>", 1)[0]
    assert "Next review" in reviews_part and "Overdue" not in reviews_part
    assert "Internal review: Continue" in _page(client, case.get_absolute_url())


def test_a_multi_agency_review_names_its_forensic_psychologist(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    probation = Agency.objects.get(slug="probation-cardiff-vale")
    police = Agency.objects.get(slug="south-wales-police")
    alone = client.post(
        _url(case),
        _held(ReviewKind.MULTI_AGENCY, agencies=[str(Agency.objects.get(slug="drive-cardiff").pk)]),
    )
    assert alone.status_code == 400 and "at least one other agency" in unescape(alone.content.decode())
    assert not CaseReview.objects.filter(held_on__isnull=False).exists()

    response = client.post(
        _url(case),
        _held(
            ReviewKind.MULTI_AGENCY,
            agencies=[str(probation.pk), str(police.pk)],
            adviser_1_name="Dr Eleri Vaughan",
            adviser_1_role="forensic_psychologist",
            adviser_1_organisation="Forensic Psychology Service",
            decision="change_plan",
        ),
    )
    assert response.status_code == 302
    held = CaseReview.objects.get(held_on__isnull=False)
    assert held.kind == ReviewKind.MULTI_AGENCY
    assert sorted(a.slug for a in held.agencies.all()) == ["probation-cardiff-vale", "south-wales-police"]
    assert [(a.name, a.role) for a in held.advisers.all()] == [("Dr Eleri Vaughan", "forensic_psychologist")]
    page = _page(client, _url(case))
    assert "Dr Eleri Vaughan (Forensic psychologist, Forensic Psychology Service)" in page
    assert probation.name in page and "Change the plan" in page
    assert held.next_review_on == TODAY + datetime.timedelta(days=56)


def test_a_review_outcome_with_the_partners_address_is_refused(cast: dict[str, User]) -> None:
    referral = refer(actor_of(cast["socialworker"]))
    case = case_open("drive-cardiff", cast["drive"], person=referral.person)
    client = sign_in(Client(), cast["drive"])
    response = client.post(_url(case), _held(outcome=f"He has been seen outside {PARTNER_ADDRESS}."))
    page = unescape(response.content.decode())
    assert response.status_code == 400 and "Remove the address." in page and 'href="#id_outcome"' in page
    adviser = client.post(
        _url(case),
        _held(
            adviser_1_name="Dr Vaughan", adviser_1_role="psychiatrist", adviser_1_organisation=PARTNER_ADDRESS
        ),
    )
    assert adviser.status_code == 400
    assert not CaseReview.objects.filter(held_on__isnull=False).exists()
    assert AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, details__field="outcome").exists()


def test_bad_input_is_refused_with_400_and_nothing_changed(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    client.get(_url(case))
    before = list(CaseReview.objects.values_list("pk", "due_on", "held_on"))
    tomorrow = TODAY + datetime.timedelta(days=1)
    for data, field in (
        ({**_held(), "held_on_day": ""}, "held_on"),
        (_held(on=tomorrow), "held_on"),
        (_held(on=TODAY - datetime.timedelta(days=400)), "held_on"),
        (_held(kind="gossip"), "kind"),
        (_held(decision="shrug"), "decision"),
        (_held(outcome="  "), "outcome"),
        (_held(adviser_1_role="forensic_psychologist"), "adviser_1_name"),
        (_held(adviser_1_name="Dr Vaughan"), "adviser_1_role"),
        (_held(agencies=["not-an-agency"]), "agencies"),
    ):
        response = client.post(_url(case), data)
        assert response.status_code == 400, (field, response.status_code)
        assert f'href="#id_{field}' in response.content.decode(), field
    assert list(CaseReview.objects.values_list("pk", "due_on", "held_on")) == before
    assert not CaseEvent.objects.filter(kind=CaseEventKind.REVIEW).exists()
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    closed = client.post(_url(case), _held())
    assert closed.status_code == 400 and "This case is closed." in closed.content.decode()


# --- after the case ends, back to the panel that referred him -------------------------------------------


@pytest.fixture
def marac(cast: dict[str, User]) -> Panel:
    return Panel.objects.get(slug=f.MARAC)


def _referred_by_marac(cast: dict[str, User], marac: Panel) -> tuple[Case, Decision]:
    """A MARAC hears her case and refers him to Drive Cardiff; his case at Drive opens from that referral.
    The meeting's minutes are issued."""
    chair = actor_of(cast["chair"])
    day = f.meeting_day()
    meeting = f.next_meeting_moved(marac, day)
    him = make_person(given_name="Gareth", family_name="Pugh")
    her = make_person(given_name="Nerys", family_name="Pugh", side=Side.VICTIM)
    Relationship.objects.create(person=him, other=her, kind=RelationshipKind.CURRENT_PARTNER)
    assert chair.agency is not None
    panels.nomination_create(
        panel=marac, person=her, agency=chair.agency, reason="Escalating threats.", actor=chair
    )
    (item,) = panels.agenda_build(meeting=meeting, actor=chair)
    f.quorate(meeting, chair)
    decision = panels.decision_record(
        item=item, outcome=Outcome.REFER_SCREENED, reasons="High harm; Drive can take him.", actor=chair
    )
    panels.meeting_close(meeting=meeting, actor=chair)
    assert decision.referral is not None and decision.referral.person == him
    case = case_open("drive-cardiff", cast["drive"], person=him)
    case.referral = decision.referral
    case.save(update_fields=["referral"])
    return case, decision


def _end(case: Case, user: User) -> CaseReview | None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED, closed_at=timezone.now())
    return reviews_case_ended(case=case, actor=actor_of(user), ending=None)


def test_when_his_case_ends_the_marac_that_referred_him_reviews_it_at_its_next_meeting(
    cast: dict[str, User], marac: Panel
) -> None:
    case, decision = _referred_by_marac(cast, marac)
    chair = actor_of(cast["chair"])
    following = f.meeting_on(marac, decision.item.meeting.held_on + datetime.timedelta(days=28), chair)
    sign_in(Client(), cast["drive"]).get(_url(case))  # reviews scheduled while it was open
    assert CaseReview.objects.filter(case=case, held_on__isnull=True).count() == 2

    review = _end(case, cast["drive"])
    assert review is not None and review.kind == ReviewKind.POST_INTERVENTION
    item = AgendaItem.objects.get(meeting=following)
    assert (item.reason, item.review_of, item.person) == (
        AgendaReason.CASE_REVIEW,
        decision,
        decision.item.person,
    )
    assert review.agenda_item == item and review.panel_decision == decision
    # The reviews that were scheduled are no longer due, and their tasks are done.
    assert not CaseReview.objects.filter(
        case=case, kind__in=[ReviewKind.INTERNAL, ReviewKind.MULTI_AGENCY]
    ).exists()
    assert not CaseTask.objects.filter(case=case, status=TaskStatus.OPEN).exists()
    # Once only, and the item survives the agenda being built again.
    assert reviews_case_ended(case=case, actor=actor_of(cast["drive"]), ending=None) == review
    items = panels.agenda_build(meeting=following, actor=chair)
    assert [(i.pk, i.review_of_id) for i in items if i.person_id == decision.item.person_id] == [
        (item.pk, decision.pk)
    ]
    page = _page(sign_in(Client(), cast["drive"]), _url(case))
    assert f"on the agenda of {marac.name} on {following.held_on.strftime('%-d %B %Y')}" in page
    # The panel sees the review on its papers.
    papers = sign_in(Client(), cast["chair"]).get(reverse("panels:item_detail", kwargs={"item_id": item.pk}))
    assert papers.status_code == 200 and "Case review due" in unescape(papers.content.decode())


def test_with_no_meeting_planned_the_panels_coordinator_is_given_the_review_to_do(
    cast: dict[str, User], marac: Panel
) -> None:
    case, decision = _referred_by_marac(cast, marac)
    review = _end(case, cast["drive"])
    assert review is not None and review.agenda_item is None
    task = CaseTask.objects.get(case=case, status=TaskStatus.OPEN)
    assert (task.kind, task.agency.slug, task.due_on) == (TaskKind.REVIEW, "marac-cardiff", TODAY)
    assert task.detail == {
        "review": ReviewKind.POST_INTERVENTION,
        "review_id": str(review.pk),
        "panel": marac.slug,
        "decision": str(decision.pk),
    }


def test_a_case_that_did_not_come_from_a_panel_has_no_post_intervention_review(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    assert _end(case, cast["drive"]) is None
    assert not CaseReview.objects.filter(kind=ReviewKind.POST_INTERVENTION).exists()


def test_the_reviews_page_in_welsh(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    client.post(_url(case), _held())
    page = unescape(client.get("/cy" + _url(case)[3:]).content.decode())
    assert 'lang="cy"' in page
    for english in ("Reviews due", "Reviews held", "Record a review held", "Agencies attending", "Decision"):
        assert english not in page, english
