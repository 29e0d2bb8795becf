"""The assessments API and the CSV import of past DASH results."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from pathways.accounts.models import User
from pathways.assessments.imports import COLUMNS, NOT_FOUND, DashImportError, import_dash
from pathways.assessments.models import Assessment, AssessmentStatus
from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.core.policy import Actor
from pathways.factories import actor_of, sign_in
from pathways.people.models import Person
from pathways.referrals.tests.factories import CHILD_SCHOOL, PARTNER_ADDRESS, PARTNER_PHONE, refer

pytestmark = pytest.mark.django_db

QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]
JSON = "application/json"


def answers(yes: int, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {q: ("yes" if n < yes else "no") for n, q in enumerate(QUESTIONS)}
    data.update({"q08": "no", "incident_date": "2026-06-01", "professional_judgement": "no", **extra})
    return data


@pytest.fixture
def setup(cast: dict[str, User]) -> dict[str, Any]:
    """The demo's IDVA with a person she referred, and CLEAR's facilitator with one of CLEAR's."""
    user = cast["idva"]
    person = refer(actor_of(user)).person
    other = cast["practitioner"]
    foreign = refer(actor_of(other)).person
    return {
        "user": user,
        "client": sign_in(Client(), user),
        "person": person,
        "other": other,
        "foreign": foreign,
    }


def start(client: Client, subject: Person, /, **body: Any) -> Any:
    data = {
        "person": str(subject.pk),
        "instrument": "dash-partner-agency",
        "context": "intake",
        "assessed_on": "2026-06-01",
        **body,
    }
    return client.post("/api/v1/assessments/", data, content_type=JSON)


def no_sealed_details(response: Any) -> bool:
    text = response.content.decode()
    return all(secret not in text for secret in (PARTNER_PHONE, PARTNER_ADDRESS, CHILD_SCHOOL))


# --- the API -------------------------------------------------------------------------------------------


def test_start_save_a_draft_complete_and_read_back(setup: dict[str, Any]) -> None:
    client, person = setup["client"], setup["person"]
    started = start(client, person)
    assert started.status_code == 201, started.content
    created = started.json()
    assert (created["status"], created["instrument"], created["person"]) == (
        "draft",
        "dash-partner-agency",
        str(person.pk),
    )
    assert (
        created["instrument_version"] >= 1
        and created["agency"] == "rise-cardiff"
        and created["assessor"] == "idva"
    )
    answers_url = f"/api/v1/assessments/{created['id']}/answers/"

    draft = client.post(
        answers_url, {"answers": {"q01": "yes"}, "narrative": "First call."}, content_type=JSON
    )
    assert draft.status_code == 200, draft.content
    assert draft.json()["status"] == "draft" and draft.json()["answers"] == {"q01": "yes"}
    assert draft.json()["results"] == {}

    done = client.post(
        answers_url,
        {"answers": answers(15), "narrative": "Second call.", "sources": "the victim", "complete": True},
        content_type=JSON,
    )
    assert done.status_code == 200, done.content
    detail = client.get(f"/api/v1/assessments/{created['id']}/")
    assert detail.status_code == 200
    body = detail.json()
    assert body["status"] == "completed" and body["completed_at"] and body["supersedes"] is None
    assert body["results"]["values"]["yes_count"] == 14 and body["results"]["bands"]["yes_count"] == "high"
    assert body["results"]["marac"] == {"refer": True, "criteria": ["visible_high_risk"]}
    assert (body["narrative"], body["sources"]) == ("Second call.", "the victim")

    history = client.get(f"/api/v1/people/{person.pk}/assessments/")
    assert history.status_code == 200
    assert history.json()["current_risk"] == {"level": "high", "assessment": created["id"]}
    assert [a["id"] for a in history.json()["assessments"]] == [created["id"]]
    listed = client.get("/api/v1/assessments/").json()
    assert [a["id"] for a in listed] == [created["id"]] and listed[0]["risk_level"] == "high"
    for response in (started, draft, done, detail, history):
        assert no_sealed_details(response)


def test_a_person_with_no_assessment_has_no_current_risk(setup: dict[str, Any]) -> None:
    response = setup["client"].get(f"/api/v1/people/{setup['person'].pk}/assessments/")
    assert response.status_code == 200
    assert response.json() == {"person": str(setup["person"].pk), "current_risk": None, "assessments": []}


def test_instruments_list_the_latest_version_with_items(setup: dict[str, Any]) -> None:
    response = setup["client"].get("/api/v1/instruments/")
    assert response.status_code == 200
    found = {i["id"]: i for i in response.json()}
    assert {"dash-partner-agency", "dash-police"} <= set(found)
    dash = found["dash-partner-agency"]
    assert dash["kind"] == "risk" and dash["licence"] and dash["name"]["en"].startswith("DASH")
    items = {i["id"]: i for i in dash["items"]}
    assert items["q01"]["type"] == "yes_no_dk" and items["q01"]["values"] == ["dont_know", "no", "yes"]
    assert items["q01"]["label"]["en"] == "Injury from the current incident"
    assert items["s01"]["shown_when"] == {"item": "q08", "equals": "yes"}
    assert items["professional_judgement"]["section"] == "judgements"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"answers": {"q99": "yes"}}, ("q99", "no such item")),
        ({"answers": {"q01": "perhaps"}}, ("q01", "expected one of")),
        ({"answers": {"q01": ["yes"]}}, ("q01", "expected a single answer")),
        ({"answers": {"police_callouts_12m": -4}}, ("police_callouts_12m", "from 0 to 500")),
        ({"answers": ["q01", "yes"]}, ("", "must be an object")),
        ({"answers": "yes"}, ("", "must be an object")),
        ({"answers": {"q01": "yes"}, "complete": True}, ("q02", "answer this item")),
        (
            {"answers": answers(3, professional_judgement="yes"), "complete": True},
            ("judgement_reason", "needs a written reason"),
        ),
    ],
)
def test_answers_that_do_not_fit_are_refused_with_every_problem(
    setup: dict[str, Any], body: dict[str, Any], reason: tuple[str, str]
) -> None:
    client = setup["client"]
    created = start(client, setup["person"]).json()
    url = f"/api/v1/assessments/{created['id']}/answers/"
    client.post(url, {"answers": {"q01": "no"}}, content_type=JSON)
    audit_before = AuditEntry.objects.count()

    response = client.post(url, body, content_type=JSON)

    assert response.status_code == 400, response.content
    problems = response.json()["problems"]
    assert response.json()["detail"]
    assert any(p["item"] == reason[0] and reason[1] in p["message"] for p in problems), problems
    saved = Assessment.objects.get(pk=created["id"])
    assert (saved.status, saved.answers, saved.results) == (AssessmentStatus.DRAFT, {"q01": "no"}, {})
    # Nothing changed, so nothing but the read of the assessment is audited.
    after = AuditEntry.objects.order_by("sequence")[audit_before:]
    assert [(e.action, e.record_type) for e in after] == [("record.viewed", "assessment")]


@pytest.mark.parametrize(
    "body",
    [
        {"answers": {}, "narrative": "x" * 8001},
        {"answers": {}, "sources": "x" * 2001},
        {"narrative": "no answers"},
        {"answers": {}, "complete": "perhaps"},
        [1, 2, 3],
    ],
)
def test_bad_answer_bodies_are_refused(setup: dict[str, Any], body: object) -> None:
    client = setup["client"]
    created = start(client, setup["person"]).json()
    response = client.post(f"/api/v1/assessments/{created['id']}/answers/", body, content_type=JSON)
    assert response.status_code == 400 and response.json()["detail"]
    saved = Assessment.objects.get(pk=created["id"])
    assert (saved.answers, saved.narrative, saved.sources) == ({}, "", "")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"instrument": "no-such-form"}, "instrument"),
        ({"assessed_on": "2999-01-01"}, "assessed_on"),
        ({"assessed_on": "yesterday"}, "assessed_on"),
        ({"context": "whenever"}, "context"),
        ({"person": "not-a-uuid"}, "person"),
        ({"instrument": "x" * 61}, "instrument"),
    ],
)
def test_bad_start_bodies_are_refused_and_nothing_is_created(
    setup: dict[str, Any], body: dict[str, Any], field: str
) -> None:
    response = start(setup["client"], setup["person"], **body)
    assert response.status_code == 400
    assert field in response.json()["errors"] and response.json()["detail"]
    assert not Assessment.objects.exists()


def test_a_completed_assessment_cannot_change(setup: dict[str, Any]) -> None:
    client = setup["client"]
    created = start(client, setup["person"]).json()
    url = f"/api/v1/assessments/{created['id']}/answers/"
    assert client.post(url, {"answers": answers(3), "complete": True}, content_type=JSON).status_code == 200
    again = client.post(url, {"answers": answers(20), "complete": True}, content_type=JSON)
    assert again.status_code == 409 and again.json()["detail"]
    assert Assessment.objects.get().results["values"]["yes_count"] == 3


def test_another_agencys_records_are_not_found(setup: dict[str, Any]) -> None:
    client, foreign, other = setup["client"], setup["foreign"], setup["other"]
    theirs = start(sign_in(Client(), other), foreign).json()
    before = Assessment.objects.count()
    missing = uuid.uuid4()
    for path in (
        f"/api/v1/people/{foreign.pk}/assessments/",
        f"/api/v1/people/{missing}/assessments/",
        f"/api/v1/assessments/{theirs['id']}/",
        f"/api/v1/assessments/{missing}/",
    ):
        assert client.get(path).status_code == 404, path
    assert start(client, foreign).status_code == 404
    assert start(client, setup["person"], person=str(missing)).status_code == 404
    for target in (theirs["id"], missing):
        response = client.post(
            f"/api/v1/assessments/{target}/answers/", {"answers": {"q01": "yes"}}, content_type=JSON
        )
        assert response.status_code == 404
    assert Assessment.objects.count() == before
    assert Assessment.objects.get(pk=theirs["id"]).answers == {}
    assert theirs["id"] not in client.get("/api/v1/assessments/").content.decode()


def test_a_commissioner_is_refused(setup: dict[str, Any], client_as: Callable[[str], Client]) -> None:
    commissioner = client_as(Role.COMMISSIONER)
    for path in (
        "/api/v1/assessments/",
        "/api/v1/instruments/",
        f"/api/v1/people/{setup['person'].pk}/assessments/",
    ):
        assert commissioner.get(path).status_code == 403, path
    assert start(commissioner, setup["person"]).status_code == 403
    assert not Assessment.objects.exists()


def test_a_panel_chair_may_read_but_not_write(
    setup: dict[str, Any], client_as: Callable[[str], Client]
) -> None:
    chair = client_as(Role.PANEL_CHAIR)
    assert chair.get("/api/v1/assessments/").status_code == 200
    assert start(chair, setup["person"]).status_code == 403


# --- the CSV import ------------------------------------------------------------------------------------


def dash_row(person: Person, **values: str) -> dict[str, str]:
    row = {
        "person_id": str(person.pk),
        "instrument": "dash-partner-agency",
        "assessed_on": "2025-03-04",
        "context": "intake",
        "incident_date": "2025-03-01",
        "professional_judgement": "no",
        **{q: "no" for q in QUESTIONS},
    }
    row.update(values)
    return row


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(COLUMNS), restval="")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def importer(setup: dict[str, Any]) -> Actor:
    return actor_of(setup["user"])


def test_a_good_file_records_completed_assessments_with_results(
    setup: dict[str, Any], importer: Actor, tmp_path: Path
) -> None:
    person = setup["person"]
    path = write_csv(
        tmp_path / "dash.csv",
        [
            dash_row(
                person,
                **{q: "yes" for q in QUESTIONS[:14]},  # q08 (stalking) is yes: the S-DASH follow-up too
                **{f"s{n:02d}": "no" for n in range(1, 12)},
                narrative="Old paper form.",
            ),
            dash_row(
                person,
                instrument="dash-police",
                assessed_on="2025-09-01",
                context="Review",
                q02="Dont_Know",
                c01="yes",
                c02="no",
                c03="no",
                police_callouts_12m="3",
                last_marac_referral="2025-01-10",
                incident_date="2025-08-30",
                professional_judgement="yes",
                judgement_reason="Escalating threats reported by the school.",
            ),
        ],
    )
    audit_before = AuditEntry.objects.count()

    assert import_dash(actor=importer, path=path) == 2

    assert AuditEntry.objects.count() == audit_before + 1
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None and entry.record_type == "assessment_import" and entry.details["rows"] == 2
    first, second = Assessment.objects.order_by("assessed_on")
    assert {first.status, second.status} == {AssessmentStatus.COMPLETED}
    assert first.results["values"]["yes_count"] == 14 and first.results["risk_level"] == "high"
    assert first.results["marac"] == {"refer": True, "criteria": ["visible_high_risk"]}
    assert first.narrative == "Old paper form." and first.agency == importer.agency
    assert second.instrument_version.instrument == "dash-police" and second.context == "review"
    assert second.answers["q02"] == "dont_know" and second.answers["police_callouts_12m"] == 3
    assert second.results["marac"]["criteria"] == ["professional_judgement", "potential_escalation", "repeat"]
    assert second.results["risk_level"] == "high"


def test_a_bad_file_lists_every_problem_and_writes_nothing(
    setup: dict[str, Any], importer: Actor, tmp_path: Path
) -> None:
    person = setup["person"]
    path = write_csv(
        tmp_path / "dash.csv",
        [
            dash_row(person),
            dash_row(person, q05="perhaps", assessed_on="2999-01-01"),  # line 3
            dash_row(person),
            dash_row(person, context="whenever", c01="yes", q07="", police_callouts_12m="lots"),  # line 5
        ],
    )
    audit_before = AuditEntry.objects.count()

    with pytest.raises(DashImportError) as error:
        import_dash(actor=importer, path=path)

    found = [(p.line, p.where) for p in error.value.problems]
    assert found == [
        (3, "assessed_on"),
        (3, "q05"),
        (5, "context"),
        (5, "q07"),
        (5, "c01"),
        (5, "police_callouts_12m"),
    ]
    assert "line 3, column q05: expected one of dont_know, no, yes" in str(error.value)
    assert "line 5, column c01: no such item" in str(error.value)
    assert not Assessment.objects.exists() and AuditEntry.objects.count() == audit_before


def test_professional_judgement_without_a_reason_is_refused(
    setup: dict[str, Any], importer: Actor, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "dash.csv", [dash_row(setup["person"], professional_judgement="yes")])
    with pytest.raises(DashImportError) as error:
        import_dash(actor=importer, path=path)
    assert [(p.line, p.where) for p in error.value.problems] == [(2, "judgement_reason")]
    assert "written reason" in str(error.value)
    assert not Assessment.objects.exists()


def test_a_person_of_another_agency_is_reported_as_not_found(
    setup: dict[str, Any], importer: Actor, tmp_path: Path
) -> None:
    rows = [
        dash_row(setup["person"]),
        dash_row(setup["foreign"]),
        dash_row(setup["person"], person_id=str(uuid.uuid4())),
    ]
    path = write_csv(tmp_path / "dash.csv", rows)
    with pytest.raises(DashImportError) as error:
        import_dash(actor=importer, path=path)
    assert [(p.line, p.where, p.message) for p in error.value.problems] == [
        (3, "person_id", NOT_FOUND),
        (4, "person_id", NOT_FOUND),
    ]
    assert not Assessment.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "the file is empty; it needs a header row naming the columns, then one row per assessment"),
        (",".join(COLUMNS).encode() + b"\r\n", "the file has a header row but no rows below it"),
        (
            "person_id,context\r\nSi\u00e2n,intake\r\n".encode("latin-1"),
            "line 2: the file is not UTF-8 text. In a spreadsheet, save it as 'CSV UTF-8 (comma delimited)' "
            "and import that file.",
        ),
        (
            b"person_id,instrument,assessed_on,context,context\r\n",
            "line 1: a column name appears more than once ('context' in columns D, E); keep one of each",
        ),
        (
            b"person_id,instrument,,assessed_on,context\r\n",
            "line 1, column C: the column has no name; give it one of the column names or delete the column",
        ),
    ],
    ids=["empty", "header-only", "not-utf8", "duplicated-header", "unnamed-column"],
)
def test_a_file_that_cannot_be_read_gets_one_clear_problem(
    importer: Actor, tmp_path: Path, content: bytes, expected: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DashImportError) as error:
        import_dash(actor=importer, path=path)
    assert str(error.value) == expected
    assert not Assessment.objects.exists()


def test_the_import_needs_a_role_that_records_assessments(
    setup: dict[str, Any], client_as: Callable[[str], Client], persona: Callable[[str], User], tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "dash.csv", [dash_row(setup["person"])])
    with pytest.raises(PermissionDenied):
        import_dash(actor=actor_of(persona(Role.PANEL_CHAIR)), path=path)
    assert not Assessment.objects.exists()


def test_the_command_imports_or_explains(setup: dict[str, Any], tmp_path: Path) -> None:
    good = write_csv(tmp_path / "good.csv", [dash_row(setup["person"])])
    out = io.StringIO()
    call_command("import_dash", str(good), "--username", "idva", stdout=out)
    assert "Imported 1 DASH assessment" in out.getvalue()
    bad = write_csv(tmp_path / "bad.csv", [dash_row(setup["person"], q01="")])
    with pytest.raises(CommandError, match="line 2, column q01: answer this item"):
        call_command("import_dash", str(bad), "--username", "idva")
    with pytest.raises(CommandError, match="no active user"):
        call_command("import_dash", str(good), "--username", "nobody")
    assert Assessment.objects.count() == 1


def test_a_retried_start_with_the_same_idempotency_key_starts_one_assessment(setup: dict[str, Any]) -> None:
    client, person = setup["client"], setup["person"]
    body = {
        "person": str(person.pk),
        "instrument": "dash-partner-agency",
        "context": "intake",
        "assessed_on": "2026-06-01",
    }

    def post(key: str) -> Any:
        return client.post("/api/v1/assessments/", body, content_type=JSON, HTTP_IDEMPOTENCY_KEY=key)

    first, again = post("dash-2026-06-01"), post("dash-2026-06-01")
    assert first.status_code == again.status_code == 201
    assert again["Idempotent-Replayed"] == "true" and again.json()["id"] == first.json()["id"]
    assert Assessment.objects.filter(person=person).count() == 1
    assert post("dash-2026-06-02").status_code == 201
    assert Assessment.objects.filter(person=person).count() == 2
