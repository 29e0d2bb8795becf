"""A caseload leaves Pathways only as the reader may see it: the CSV and the API list the same cases as
the page, with names only where the reader may read the person's record."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import Agency, User
from pathways.audit.models import AuditEntry
from pathways.cases.choices import TaskKind
from pathways.cases.models import Activity, CaseTask
from pathways.cases.selectors import casework_rules_for_case
from pathways.cases.tests.factories import case_open
from pathways.factories import make_person, sign_in

pytestmark = pytest.mark.usefixtures("region")

ONE_DAY = datetime.timedelta(days=1)


def _rows(response: object) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(body)))


def test_the_caseload_downloads_as_csv_with_what_the_page_shows(cast: dict[str, User]) -> None:
    case_open(
        "drive-cardiff", cast["drive"], person=make_person(given_name="=HYPERLINK", family_name="Evans")
    )
    case_open("drive-cardiff", None)
    drive = sign_in(Client(), cast["drive"])

    mine = _rows(drive.get("/en/cases/export/?whose=mine"))
    assert mine[0][:3] == ["Reference", "Person", "Service"]
    assert len(mine) == 2
    # A spreadsheet must not run a name as a formula.
    assert mine[1][1] == "'=HYPERLINK Evans"
    assert len(_rows(drive.get("/en/cases/export/?whose=team"))) == 3
    assert AuditEntry.objects.filter(record_type="caseload", details__export="csv").count() == 2

    welsh = _rows(drive.get("/cy/cases/export/?whose=team"))
    assert welsh[0][0] != "Reference"


def test_another_service_s_caseload_is_not_in_the_export(cast: dict[str, User]) -> None:
    case_open("drive-cardiff", cast["drive"])
    clear = sign_in(Client(), cast["practitioner"])
    assert len(_rows(clear.get("/en/cases/export/?whose=team"))) == 1


def test_the_api_lists_the_caseload_and_each_case_with_its_history(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    other = case_open("clear", cast["practitioner"])
    drive = sign_in(Client(), cast["drive"])

    listed = drive.get("/api/v1/cases/?whose=mine")
    assert listed.status_code == 200
    assert [c["id"] for c in listed.json()] == [str(case.pk)]
    assert listed.json()[0]["person_name"] == "Gethin Case"
    assert listed["X-Total-Count"] == "1"
    assert drive.get("/api/v1/cases/?whose=everyone").status_code == 400
    assert drive.get("/api/v1/cases/?page=0").status_code == 400

    detail = drive.get(f"/api/v1/cases/{case.pk}/").json()
    assert detail["service"] == "drive-cardiff" and detail["consent"] == "not_asked"
    assert drive.get(f"/api/v1/cases/{other.pk}/").status_code == 404


def test_the_caseload_api_runs_the_same_queries_for_two_cases_as_for_twelve(cast: dict[str, User]) -> None:
    drive = sign_in(Client(), cast["drive"])
    for _ in range(2):
        case_open("drive-cardiff", cast["drive"], person=make_person())
    drive.get("/api/v1/cases/")
    with CaptureQueriesContext(connection) as few:
        drive.get("/api/v1/cases/")
    for _ in range(10):
        case_open("drive-cardiff", cast["drive"], person=make_person())
    with CaptureQueriesContext(connection) as many:
        assert len(drive.get("/api/v1/cases/").json()) == 12
    assert len(many.captured_queries) == len(few.captured_queries)


def test_each_case_on_the_caseload_shows_its_next_action_with_flat_queries(cast: dict[str, User]) -> None:
    today = timezone.localdate()
    police = Agency.objects.get(slug="south-wales-police")
    drive_agency = Agency.objects.get(slug="drive-cardiff")

    def planned(n: int) -> None:
        for k in range(n):
            case = case_open("drive-cardiff", cast["drive"], person=make_person())
            rules = casework_rules_for_case(case=case)
            Activity.objects.create(
                case=case,
                activity="police-intelligence",
                rules=rules.version,
                kind="disrupt",
                owner=police,
                due_on=today + datetime.timedelta(days=10 + k),
                created_by=cast["drive"],
            )
            CaseTask.objects.create(
                case=case,
                kind=TaskKind.REVIEW,
                agency=drive_agency,
                due_on=today - datetime.timedelta(days=1),
            )

    drive = sign_in(Client(), cast["drive"])
    planned(2)
    drive.get("/en/cases/")
    with CaptureQueriesContext(connection) as few:
        page = drive.get("/en/cases/").content.decode()
    # The review, overdue since yesterday, comes before the police check due in ten days.
    assert page.count("Case review") == 2 and "Overdue" in page
    planned(10)
    with CaptureQueriesContext(connection) as many:
        page = drive.get("/en/cases/").content.decode()
    assert page.count("Case review") == 12
    assert len(many.captured_queries) == len(few.captured_queries)
