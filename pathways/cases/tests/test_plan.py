"""A case's plan: goals, and disrupt, support and behaviour change activities from the region's catalogue,
each done by a named agency by a date. Disrupt work goes on without contact or consent; support waits for
consent; a closed case's plan is finished, but disrupt work a drop-out leaves open goes on."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import ActivityStatus, CaseEventKind, CaseStatus, ConsentState, GoalStatus
from pathways.cases.models import Activity, Case, CaseEvent, Goal
from pathways.cases.selectors import casework_rules_for_case
from pathways.cases.services import plan as plan_services
from pathways.cases.services.base import CaseError
from pathways.cases.tests.factories import case_open
from pathways.factories import actor_of, date_fields, sign_in
from pathways.referrals.tests.factories import PARTNER_ADDRESS, refer

pytestmark = pytest.mark.usefixtures("region")

DUE = datetime.date.today() + datetime.timedelta(days=14)


def _agency(slug: str) -> Agency:
    return Agency.objects.get(slug=slug)


def _plan(case: Case) -> str:
    return f"/en/cases/{case.pk}/plan/"


def _text(response: object) -> str:
    return unescape(response.content.decode())  # type: ignore[attr-defined]


def _activity_post(
    activity: str, owner: Agency | None, due: str | None = DUE.isoformat(), **extra: str
) -> dict:
    data = {"form": "activity", "activity": activity, "owner": str(owner.pk) if owner else "", **extra}
    if due:
        data.update(date_fields("due_on", due))
    return data


def _disrupt(case: Case, drive: User) -> tuple[Activity, Activity]:
    actor = actor_of(drive)
    police = plan_services.activity_add(
        actor=actor,
        case=case,
        activity="police-intelligence",
        owner=_agency("south-wales-police"),
        due_on=DUE,
    )
    housing = plan_services.activity_add(
        actor=actor,
        case=case,
        activity="housing-tenancy",
        owner=_agency("cardiff-council-housing"),
        due_on=DUE,
    )
    return police, housing


def test_the_service_plans_disrupt_work_before_any_contact_or_consent(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    assert not case.contact_allowed and case.consent == ConsentState.NOT_ASKED
    client = sign_in(Client(), cast["drive"])
    page = _text(client.get(_plan(case)))
    assert "No goals yet." in page and "Police intelligence check and flag" in page  # the catalogue
    response = client.post(
        _plan(case), {"form": "goal", "description": "Stop the abuse; keep the children safe"}
    )
    assert response.status_code == 302
    goal = Goal.objects.get(case=case)
    police = _agency("south-wales-police")
    response = client.post(
        _plan(case),
        _activity_post("police-intelligence", police, goal=str(goal.pk), detail="Flag the address history"),
    )
    assert response.status_code == 302
    housing = _agency("cardiff-council-housing")
    assert client.post(_plan(case), _activity_post("housing-tenancy", housing)).status_code == 302

    activity = Activity.objects.get(case=case, activity="police-intelligence")
    assert (activity.kind, activity.owner, activity.due_on, activity.status, activity.goal) == (
        "disrupt",
        police,
        DUE,
        ActivityStatus.PLANNED,
        goal,
    )
    page = _text(client.get(_plan(case)))
    disrupt = page.split('id="activities-disrupt"')[1].split("</table>")[0]
    assert "Police intelligence check and flag" in disrupt and "South Wales Police" in disrupt
    assert (
        "Tenancy action or move away from the family home" in disrupt and "Cardiff Council Housing" in disrupt
    )
    assert "Flag the address history" in disrupt and "Towards: Stop the abuse" in disrupt
    # Disrupt work can start at once: no contact, no consent.
    response = client.post(
        _plan(case),
        {"form": "activity_status", "activity": str(activity.pk), f"{activity.pk}-status": "in_progress"},
    )
    assert response.status_code == 302
    activity.refresh_from_db()
    assert activity.status == ActivityStatus.IN_PROGRESS and activity.changed_by == cast["drive"]

    history = _text(client.get(case.get_absolute_url()))
    assert "Police intelligence check and flag, by South Wales Police, due" in history
    assert "Police intelligence check and flag: in progress" in history and "goal added" in history
    overview = history.split('id="plan-overview"')[1].split("</dl>")[0]
    assert "Disrupt: open activities" in overview and "Police intelligence check and flag" in overview
    kinds = {e.kind for e in CaseEvent.objects.filter(case=case)}
    assert {CaseEventKind.PLAN, CaseEventKind.ACTIVITY} <= kinds
    audited = AuditEntry.objects.filter(record_type="activity", record_id=str(activity.pk))
    assert {e.action for e in audited} == {AuditAction.RECORD_CREATED, AuditAction.RECORD_CHANGED}
    assert AuditEntry.objects.filter(record_type="goal", action=AuditAction.RECORD_CREATED).exists()


def test_a_goal_is_marked_met(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    goal = plan_services.goal_add(actor=actor_of(cast["drive"]), case=case, description="Safer at home")
    client = sign_in(Client(), cast["drive"])
    response = client.post(
        _plan(case), {"form": "goal_status", "goal_id": str(goal.pk), f"{goal.pk}-status": "met"}
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert goal.status == GoalStatus.MET
    assert "goal marked met" in _text(client.get(case.get_absolute_url()))


def test_support_does_not_start_without_consent(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    actor = actor_of(cast["drive"])
    support = plan_services.activity_add(
        actor=actor,
        case=case,
        activity="housing-support",
        owner=_agency("cardiff-council-housing"),
        due_on=DUE,
    )
    client = sign_in(Client(), cast["drive"])
    for status in ("in_progress", "done"):
        refused = client.post(
            _plan(case),
            {"form": "activity_status", "activity": str(support.pk), f"{support.pk}-status": status},
        )
        assert refused.status_code == 400
        assert "This work needs the person's consent" in _text(refused)
        assert f'href="#id_{support.pk}-status"' in refused.content.decode()
    support.refresh_from_db()
    assert support.status == ActivityStatus.PLANNED
    assert "Waiting for consent" in _text(client.get(_plan(case)))
    # Nor may the agency doing it start it.
    with pytest.raises(CaseError):
        plan_services.activity_update(actor=actor_of(cast["housing"]), activity=support, status="in_progress")
    # Refused or withdrawn consent is no better; given, the work starts.
    for state in (ConsentState.REFUSED, ConsentState.SAFEGUARDING):
        Case.objects.filter(pk=case.pk).update(consent=state)
        with pytest.raises(CaseError):
            plan_services.activity_update(actor=actor, activity=support, status="in_progress")
    Case.objects.filter(pk=case.pk).update(consent=ConsentState.GIVEN)
    plan_services.activity_update(actor=actor, activity=support, status="in_progress")
    support.refresh_from_db()
    assert support.status == ActivityStatus.IN_PROGRESS


@pytest.mark.parametrize(
    ("post", "field", "message"),
    [
        (lambda h, p: _activity_post("housing-support", h, due=None), "due_on", "Enter due date"),
        (lambda h, p: _activity_post("no-such-activity", h), "activity", "Choose an activity from the list"),
        (
            lambda h, p: _activity_post("housing-support", p),
            "owner",
            "Choose an agency that does this kind of work on this case: housing.",
        ),
        (lambda h, p: _activity_post("housing-support", None), "owner", "Choose the agency that will do it"),
        (lambda h, p: {"form": "goal", "description": ""}, "description", "Enter the goal"),
        (lambda h, p: {"form": "goal", "description": "x" * 501}, "description", "500 characters or fewer"),
    ],
)
def test_bad_input_is_shown_again_with_its_errors_and_nothing_changes(
    cast: dict[str, User], post: object, field: str, message: str
) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    events = CaseEvent.objects.filter(case=case).count()
    data = post(_agency("cardiff-council-housing"), _agency("south-wales-police"))  # type: ignore[operator]
    response = sign_in(Client(), cast["drive"]).post(_plan(case), data)
    assert response.status_code == 400
    page = _text(response)
    assert message in page and "There is a problem" in page
    anchor = f"id_{field}_day" if field == "due_on" else f"id_{field}"
    assert f'href="#{anchor}"' in page
    assert not Activity.objects.filter(case=case).exists() and not Goal.objects.filter(case=case).exists()
    assert CaseEvent.objects.filter(case=case).count() == events


def test_only_the_service_plans_and_only_agencies_of_the_right_type_do_the_work(
    cast: dict[str, User],
) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    with pytest.raises(PermissionDenied):  # CLEAR does not run Drive
        plan_services.goal_add(actor=actor_of(cast["practitioner"]), case=case, description="No")
    # Behaviour change is the service's own work.
    with pytest.raises(CaseError):
        plan_services.activity_add(
            actor=actor_of(cast["drive"]),
            case=case,
            activity="one-to-one-change",
            owner=_agency("clear-cardiff"),
            due_on=DUE,
        )
    own = plan_services.activity_add(
        actor=actor_of(cast["drive"]),
        case=case,
        activity="one-to-one-change",
        owner=_agency("drive-cardiff"),
        due_on=DUE,
    )
    assert own.kind == "change"
    assert sign_in(Client(), cast["practitioner"]).get(_plan(case)).status_code == 404
    assert sign_in(Client(), cast["chair"]).get(_plan(case)).status_code == 403


def test_the_agency_doing_the_work_does_not_move_it(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    police, _housing = _disrupt(case, cast["drive"])
    with pytest.raises(CaseError):
        plan_services.activity_update(
            actor=actor_of(cast["chair"]), activity=police, due_on=DUE + datetime.timedelta(days=7)
        )
    plan_services.activity_update(
        actor=actor_of(cast["drive"]), activity=police, due_on=DUE + datetime.timedelta(days=7)
    )
    police.refresh_from_db()
    assert police.due_on == DUE + datetime.timedelta(days=7)


def test_a_closed_case_plan_cannot_be_changed(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    police, _housing = _disrupt(case, cast["drive"])
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    client = sign_in(Client(), cast["drive"])
    page = _text(client.get(_plan(case)))
    assert (
        "This case is closed: its plan can no longer be changed." in page and 'id="add-activity"' not in page
    )
    for data in (
        {"form": "goal", "description": "Too late"},
        _activity_post("police-orders", _agency("south-wales-police")),
        {"form": "activity_status", "activity": str(police.pk), f"{police.pk}-status": "done"},
    ):
        refused = client.post(_plan(case), data)
        assert refused.status_code == 400 and "This case is closed" in _text(refused)
    assert Activity.objects.filter(case=case).count() == 2 and not Goal.objects.filter(case=case).exists()
    police.refresh_from_db()
    assert police.status == ActivityStatus.PLANNED


def _end(case: Case, state: str) -> None:
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    case.refresh_from_db()
    ending = casework_rules_for_case(case=case).ending(state)
    assert ending is not None
    plan_services.plan_case_ended(case=case, actor=actor_of(case.worker), ending=ending)  # type: ignore[arg-type]


def test_dropping_out_leaves_disrupt_work_with_the_agencies_doing_it(cast: dict[str, User]) -> None:
    assert "pathways.cases.services.plan.plan_case_ended" in settings.CASE_ENDED
    case = case_open("drive-cardiff", cast["drive"])
    police, housing = _disrupt(case, cast["drive"])
    support = plan_services.activity_add(
        actor=actor_of(cast["drive"]),
        case=case,
        activity="housing-support",
        owner=_agency("cardiff-council-housing"),
        due_on=DUE,
    )
    _end(case, "dropped_out")
    for activity in (police, housing, support):
        activity.refresh_from_db()
    assert police.status == housing.status == ActivityStatus.PLANNED
    assert support.status == ActivityStatus.ENDED_WITH_CASE
    assert "activities ended with the case: 1; disrupt activities left open: 2" in _text(
        sign_in(Client(), cast["drive"]).get(case.get_absolute_url())
    )
    # Its owner goes on with it; the service no longer changes it; nor does the owner move it.
    plan_services.activity_update(actor=actor_of(cast["housing"]), activity=housing, status="done")
    housing.refresh_from_db()
    assert housing.status == ActivityStatus.DONE
    with pytest.raises(CaseError):
        plan_services.activity_update(actor=actor_of(cast["drive"]), activity=police, status="done")
    with pytest.raises(CaseError):
        plan_services.activity_update(actor=actor_of(cast["housing"]), activity=support, status="in_progress")


def test_completing_ends_every_open_activity(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    police, housing = _disrupt(case, cast["drive"])
    plan_services.activity_update(actor=actor_of(cast["chair"]), activity=police, status="done")
    _end(case, "completed")
    police.refresh_from_db()
    housing.refresh_from_db()
    assert police.status == ActivityStatus.DONE  # finished work stays finished
    assert housing.status == ActivityStatus.ENDED_WITH_CASE
    with pytest.raises(CaseError):
        plan_services.activity_update(actor=actor_of(cast["housing"]), activity=housing, status="done")


def test_a_partners_sealed_address_is_refused_in_a_goal_or_an_activity(cast: dict[str, User]) -> None:
    referral = refer(actor_of(cast["socialworker"]))
    case = case_open("drive-cardiff", cast["drive"], person=referral.person)
    client = sign_in(Client(), cast["drive"])
    typed = f"Keep him away from {PARTNER_ADDRESS}"
    for data, field in (
        ({"form": "goal", "description": typed}, "description"),
        (_activity_post("police-intelligence", _agency("south-wales-police"), detail=typed), "detail"),
    ):
        refused = client.post(_plan(case), data)
        assert refused.status_code == 400, field
        assert "This holds the contact details or location" in _text(refused)
        assert f'href="#id_{field}"' in refused.content.decode()
    assert not Goal.objects.filter(case=case).exists() and not Activity.objects.filter(case=case).exists()
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.SEALED_VIEWED, record_type__in=("goal", "activity")
        ).count()
        == 2
    )


def test_the_plan_page_does_not_run_more_queries_as_the_plan_grows(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    client = sign_in(Client(), cast["drive"])
    actor = actor_of(cast["drive"])

    def add(count: int) -> None:
        for _n in range(count):
            plan_services.activity_add(
                actor=actor,
                case=case,
                activity="police-orders",
                owner=_agency("south-wales-police"),
                due_on=DUE,
            )
            plan_services.goal_add(actor=actor, case=case, description="A goal")

    add(2)
    client.get(_plan(case))
    with CaptureQueriesContext(connection) as few:
        client.get(_plan(case))
    add(8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(_plan(case)).content.decode()
    assert page.count("Protective order or notice") >= 10
    assert len(many) == len(few)


def test_the_plan_in_welsh(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    _disrupt(case, cast["drive"])
    page = _text(sign_in(Client(), cast["drive"]).get(f"/cy/cases/{case.pk}/plan/"))
    assert 'lang="cy"' in page and "Gwirio a nodi gwybodaeth yr heddlu" in page and "Heddlu De Cymru" in page
    for english in ("Add an activity", "Add a goal", "Done by", "Police intelligence check", "No goals yet."):
        assert english not in page, english


def test_her_case_plans_from_the_support_and_safety_catalogue(cast: dict[str, User]) -> None:
    from pathways.cases.tests.factories import partner_of

    his = case_open("drive-cardiff", cast["drive"])
    hers = Case.objects.get(person=partner_of(his, supported_by=cast["idva"]))
    page = unescape(sign_in(Client(), cast["idva"]).get(f"/en/cases/{hers.pk}/plan/").content.decode())
    assert "Her support and safety plan" in page and "Safety plan agreed and reviewed" in page
    assert "Police intelligence check and flag" not in page and "Disrupt" not in page
    idva = actor_of(cast["idva"])
    due = datetime.date.today() + datetime.timedelta(days=7)
    made = plan_services.activity_add(
        actor=idva,
        case=hers,
        activity="police-marker",
        owner=Agency.objects.get(slug="south-wales-police"),
        due_on=due,
    )
    assert made.kind == "safety"
    # His catalogue's disrupt work is not planned on her case, nor her safety work on his.
    with pytest.raises(CaseError):
        plan_services.activity_add(
            actor=idva,
            case=hers,
            activity="police-intelligence",
            owner=Agency.objects.get(slug="south-wales-police"),
            due_on=due,
        )
    with pytest.raises(CaseError):
        plan_services.activity_add(
            actor=actor_of(cast["drive"]),
            case=his,
            activity="police-marker",
            owner=Agency.objects.get(slug="south-wales-police"),
            due_on=due,
        )
