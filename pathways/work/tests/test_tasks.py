"""An agency's Tasks: what other services' cases ask of it (the plan activities it does, the tasks sent to
it) beside its re-assessments due; each marked from there by someone at that agency, never by another,
and never reaching an agency that may not see the case's side of the family."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.cases.choices import ActivityStatus, CaseEventKind, TaskKind, TaskStatus
from pathways.cases.models import Activity, Case, CaseEvent, CaseTask
from pathways.cases.selectors import casework_rules_for_case
from pathways.cases.services import plan as plan_services
from pathways.cases.services.base import CaseError
from pathways.cases.services.tasks import case_task_done
from pathways.cases.tests.factories import case_open
from pathways.core.access import Side
from pathways.core.policy import Perm, visible_to
from pathways.factories import actor_of, make_person, sign_in

pytestmark = pytest.mark.usefixtures("region")

DUE = datetime.date.today() + datetime.timedelta(days=14)
TASKS = "/en/tasks/"


def _agency(slug: str) -> Agency:
    return Agency.objects.get(slug=slug)


def _text(response: object) -> str:
    return unescape(response.content.decode())  # type: ignore[attr-defined]


def _drive_case(cast: dict[str, User]) -> tuple[Case, Activity, Activity]:
    """A Drive case with no contact and no consent, and its disrupt work with the police and housing."""
    case = case_open("drive-cardiff", cast["drive"])
    actor = actor_of(cast["drive"])
    police = plan_services.activity_add(
        actor=actor,
        case=case,
        activity="police-intelligence",
        owner=_agency("south-wales-police"),
        due_on=DUE,
        detail="Flag the history",
    )
    housing = plan_services.activity_add(
        actor=actor,
        case=case,
        activity="housing-tenancy",
        owner=_agency("cardiff-council-housing"),
        due_on=datetime.date.today() - datetime.timedelta(days=1),
    )
    return case, police, housing


def _mark(activity: Activity, status: str) -> dict[str, str]:
    return {"activity": str(activity.pk), f"{activity.pk}-status": status}


def test_each_agency_finds_the_work_it_does_on_its_tasks_and_first_page(cast: dict[str, User]) -> None:
    case, _police, _housing = _drive_case(cast)
    chair = _text(sign_in(Client(), cast["chair"]).get(TASKS))
    table = chair.split('id="task-activities"')[1].split("</table>")[0]
    assert (
        "Police intelligence check and flag" in table and "Disrupt" in table and "Flag the history" in table
    )
    assert "Tenancy action" not in table
    # The police do not see his record here, so the case shows as the service's; never a link to it.
    assert "A case at Drive Cardiff" in table and "Gethin" not in chair
    assert f"/cases/{case.pk}/" not in chair

    housing = sign_in(Client(), cast["housing"])
    page = _text(housing.get(TASKS))
    table = page.split('id="task-activities"')[1].split("</table>")[0]
    assert "Tenancy action or move away from the family home" in table and "Overdue" in table
    assert "Police intelligence" not in table
    first = _text(housing.get("/en/work/"))
    assert "Tenancy action or move away from the family home" in first.split('id="work-activities"')[1]
    assert "Nothing is waiting for you." not in first
    assert "Police intelligence check and flag" in _text(sign_in(Client(), cast["chair"]).get("/en/work/"))

    # An agency that may see his record reads his name, and the one running the service opens the case.
    drive = _text(sign_in(Client(), cast["drive"]).get(TASKS))
    assert "Police intelligence" not in drive  # Drive plans it; the police do it
    for login in ("housing-elsewhere", "chair-elsewhere", "outsider"):
        assert "Tenancy action" not in _text(sign_in(Client(), cast[login]).get(TASKS)), login
        assert "Police intelligence" not in _text(sign_in(Client(), cast[login]).get(TASKS)), login


def test_the_police_mark_their_activity_done_and_housing_cannot(cast: dict[str, User]) -> None:
    case, police, _housing = _drive_case(cast)
    refused = sign_in(Client(), cast["housing"]).post(TASKS, _mark(police, "done"))
    assert refused.status_code == 404
    with pytest.raises(PermissionDenied):
        plan_services.activity_update(actor=actor_of(cast["housing"]), activity=police, status="done")
    police.refresh_from_db()
    assert police.status == ActivityStatus.PLANNED

    chair = sign_in(Client(), cast["chair"])
    response = chair.post(TASKS, _mark(police, "done"))
    assert response.status_code == 302 and response.headers["Location"] == TASKS
    police.refresh_from_db()
    assert police.status == ActivityStatus.DONE and police.changed_by == cast["chair"]
    event = CaseEvent.objects.filter(case=case, kind=CaseEventKind.ACTIVITY).latest("at")
    assert event.agency == _agency("south-wales-police") and event.detail["status"] == "done"
    assert AuditEntry.objects.filter(
        action=AuditAction.RECORD_CHANGED,
        record_type="activity",
        record_id=str(police.pk),
        actor_username="chair",
    ).exists()
    # Done, it leaves the police's Tasks; the service's plan shows it done.
    assert "Police intelligence" not in _text(chair.get(TASKS))
    plan = _text(sign_in(Client(), cast["drive"]).get(f"/en/cases/{case.pk}/plan/"))
    assert "Police intelligence check and flag: done" in _text(
        sign_in(Client(), cast["drive"]).get(case.get_absolute_url())
    )
    assert "Police intelligence check and flag" in plan


def test_support_work_does_not_start_from_tasks_without_consent(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    support = plan_services.activity_add(
        actor=actor_of(cast["drive"]),
        case=case,
        activity="housing-support",
        owner=_agency("cardiff-council-housing"),
        due_on=DUE,
    )
    refused = sign_in(Client(), cast["housing"]).post(TASKS, _mark(support, "in_progress"))
    assert refused.status_code == 400
    page = _text(refused)
    assert "This work needs the person's consent" in page and f'href="#id_{support.pk}-status"' in page
    support.refresh_from_db()
    assert support.status == ActivityStatus.PLANNED
    # A status Tasks does not offer is refused too.
    assert sign_in(Client(), cast["housing"]).post(TASKS, _mark(support, "planned")).status_code == 400


def test_disrupt_work_left_open_by_a_drop_out_stays_on_tasks(cast: dict[str, User]) -> None:
    case, _police, housing = _drive_case(cast)
    Case.objects.filter(pk=case.pk).update(status="closed")
    case.refresh_from_db()
    ending = casework_rules_for_case(case=case).ending("dropped_out")
    assert ending is not None
    plan_services.plan_case_ended(case=case, actor=actor_of(cast["drive"]), ending=ending)
    housing_client = sign_in(Client(), cast["housing"])
    assert "Tenancy action" in _text(housing_client.get(TASKS))
    assert housing_client.post(TASKS, _mark(housing, "done")).status_code == 302
    housing.refresh_from_db()
    assert housing.status == ActivityStatus.DONE


def _task(case: Case, agency: Agency, user: User | None = None) -> CaseTask:
    return CaseTask.objects.create(
        case=case,
        kind=TaskKind.CASE_ENDED,
        agency=agency,
        user=user,
        due_on=DUE,
        detail={
            "service_en": "Drive Cardiff",
            "service_cy": "Drive Caerdydd",
            "ending_en": "Dropped out",
            "ending_cy": "Wedi rhoi'r gorau iddi",
        },
    )


def test_a_task_from_a_case_is_shown_and_marked_done_by_its_agency_only(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    task = _task(case, _agency("cardiff-council-housing"), user=cast["housing"])
    housing = sign_in(Client(), cast["housing"])
    page = _text(housing.get(TASKS))
    row = page.split('id="case-tasks"')[1].split("</table>")[0]
    assert "Case ended" in row and "service: Drive Cardiff; ended: Dropped out" in row
    assert "For Aled Griffiths (housing officer)" in row
    assert "Case ended" in _text(housing.get("/en/work/")).split('id="work-case-tasks"')[1]
    welsh = _text(housing.get("/cy/tasks/"))
    assert "gwasanaeth: Drive Caerdydd; daeth i ben: Wedi rhoi'r gorau iddi" in welsh

    # Another agency is told it does not exist, and the service refuses it.
    assert sign_in(Client(), cast["chair"]).post(TASKS, {"task": str(task.pk)}).status_code == 404
    with pytest.raises(PermissionDenied):
        case_task_done(actor=actor_of(cast["drive"]), task=task)
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN

    response = housing.post(TASKS, {"task": str(task.pk)})
    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.done_by) == (TaskStatus.DONE, cast["housing"]) and task.done_at is not None
    assert AuditEntry.objects.filter(record_type="case_task", record_id=str(task.pk)).exists()
    assert "Case ended" not in _text(housing.get(TASKS)).split('id="case-tasks-heading"')[1].split("<h2")[0]
    with pytest.raises(CaseError):
        case_task_done(actor=actor_of(cast["housing"]), task=task)


def test_probation_never_sees_work_on_a_victims_case(cast: dict[str, User]) -> None:
    victim = make_person(side=Side.VICTIM, given_name="Seren", family_name="Victim")
    case = case_open("rise-drive-idva", cast["idva"], person=victim)
    probation = _agency("probation-cardiff-vale")
    # The plan does not offer probation on her case ...
    with pytest.raises(CaseError):
        plan_services.activity_add(
            actor=actor_of(cast["idva"]), case=case, activity="probation-licence", owner=probation, due_on=DUE
        )
    # ... and work given to probation on it some other way still never reaches probation.
    rules = casework_rules_for_case(case=case)
    hidden = Activity.objects.create(
        case=case,
        activity="probation-licence",
        rules=rules.version,
        kind="disrupt",
        owner=probation,
        due_on=DUE,
    )
    _task(case, probation)
    officer = actor_of(cast["probation"])
    assert not visible_to(officer, Activity.objects.filter(pk=hidden.pk), Perm.TASK_VIEW).exists()
    for path in (TASKS, "/en/work/"):
        page = _text(sign_in(Client(), cast["probation"]).get(path))
        assert "Licence or order conditions" not in page and "Case ended" not in page, path
    assert sign_in(Client(), cast["probation"]).post(TASKS, _mark(hidden, "done")).status_code == 404
    # The police, who work with the whole family, see police work on her case.
    police = plan_services.activity_add(
        actor=actor_of(cast["idva"]),
        case=case,
        activity="police-marker",
        owner=_agency("south-wales-police"),
        due_on=DUE,
    )
    assert police.kind == "safety"
    assert "Police address marker and priority response" in _text(sign_in(Client(), cast["chair"]).get(TASKS))


def test_tasks_lead_from_the_menu_and_keep_the_reassessments_and_panel_actions(cast: dict[str, User]) -> None:
    client = sign_in(Client(), cast["drive"])
    page = client.get("/en/work/").content.decode()
    assert f'href="{TASKS}"' in page
    tasks = _text(client.get(TASKS))
    assert "Re-assessments due" in tasks and 'id="panel-actions-link"' in tasks
    assert client.get("/en/referrals/due/").status_code == 200
    # A panel chair has no re-assessments to make, but the police's work is theirs.
    chair = _text(sign_in(Client(), cast["chair"]).get(TASKS))
    assert "Re-assessments due" not in chair and "Plan activities your agency does (0)" in chair
    assert sign_in(Client(), cast["commissioner"]).get(TASKS).status_code == 403


def test_the_tasks_page_runs_the_same_queries_for_2_or_10_activities(cast: dict[str, User]) -> None:
    actor = actor_of(cast["drive"])
    housing = _agency("cardiff-council-housing")
    client = sign_in(Client(), cast["housing"])

    def add(count: int) -> None:
        for n in range(count):
            case = case_open("drive-cardiff", cast["drive"], person=make_person(given_name=f"P{n}-{count}"))
            plan_services.activity_add(
                actor=actor, case=case, activity="housing-tenancy", owner=housing, due_on=DUE, detail="Check"
            )
            _task(case, housing)

    add(2)
    client.get(TASKS)
    with CaptureQueriesContext(connection) as few:
        client.get(TASKS)
    add(8)
    with CaptureQueriesContext(connection) as many:
        page = client.get(TASKS).content.decode()
    assert page.count('name="activity"') == 10 and page.count('name="task"') == 10
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as first_few:
        client.get("/en/work/")
    add(3)
    with CaptureQueriesContext(connection) as first_many:
        client.get("/en/work/")
    assert len(first_many) == len(first_few)


def test_tasks_in_welsh(cast: dict[str, User]) -> None:
    _drive_case(cast)
    page = _text(sign_in(Client(), cast["housing"]).get("/cy/tasks/"))
    assert 'lang="cy"' in page and "Camau tenantiaeth neu symud o gartref y teulu" in page
    for english in (
        "Plan activities your agency does",
        "Tasks from cases",
        "Mark as",
        "A case at",
        "Overdue",
    ):
        assert english not in page, english
