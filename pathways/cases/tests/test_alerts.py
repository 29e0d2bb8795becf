"""Re-offending reaches the case at once: a police extract's new record naming as perpetrator someone with
an open case gives his case worker and his partner's support worker an alert the same day, once."""

from __future__ import annotations

import datetime
from html import unescape
from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.cases.choices import CaseEventKind, CaseStatus, TaskKind
from pathways.cases.models import Case, CaseEvent, CaseTask
from pathways.cases.services.alerts import alerts_police_records
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.policy import Perm, visible_to
from pathways.factories import actor_of, make_person, sign_in
from pathways.police.models import PoliceRecord
from pathways.police.tests.police_extracts import Row, analyst, load

pytestmark = pytest.mark.usefixtures("region")

REFERENCE = "SWP-ALERT-1"


def _row(reference: str = "NEW-1", perpetrator: str = REFERENCE, victim: str = "V-ALERT-1") -> Row:
    return Row(
        reference=reference,
        occurred_on=timezone.localdate() - datetime.timedelta(days=2),
        offence="harassment",
        perpetrator_ref=perpetrator,
        victim_ref=victim,
    )


def _his_case(cast: dict[str, User]) -> Case:
    person = make_person(given_name="Aled", family_name="Alert", police_reference=REFERENCE)
    case = case_open("drive-cardiff", cast["drive"], person=person)
    partner_of(case, supported_by=cast["idva"])
    return case


def _alerts(case: Case) -> set[tuple[str, str | None]]:
    return {
        (t.agency.slug, t.user.username if t.user else None)
        for t in CaseTask.objects.filter(case=case, kind=TaskKind.POLICE_RECORD).select_related(
            "agency", "user"
        )
    }


def test_a_new_police_record_alerts_his_worker_and_his_partners_worker_that_day(
    cast: dict[str, User], tmp_path: Path
) -> None:
    case = _his_case(cast)
    load(analyst(cast), tmp_path, [_row(), _row("OTHER-1", perpetrator="SOMEONE-ELSE")])

    assert _alerts(case) == {("drive-cardiff", "drive"), ("rise-cardiff", "idva")}
    task = CaseTask.objects.filter(case=case, kind=TaskKind.POLICE_RECORD).first()
    assert task is not None and task.due_on == timezone.localdate()
    assert task.detail == {
        "record": "NEW-1",
        "occurred_on": (timezone.localdate() - datetime.timedelta(days=2)).isoformat(),
        "kind": "crime",
    }
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.POLICE_RECORD).count() == 1
    assert AuditEntry.objects.filter(record_type="case_task", details__tasks=2).exists()
    # Each sees it: the Drive worker on the case's overview, the IDVA among her agency's tasks.
    overview = unescape(sign_in(Client(), cast["drive"]).get(case.get_absolute_url()).content.decode())
    assert "New police records" in overview and "NEW-1" in overview
    hers = visible_to(
        actor_of(cast["idva"]), CaseTask.objects.filter(kind=TaskKind.POLICE_RECORD), Perm.CASE_VIEW
    )
    assert list(hers.values_list("user__username", flat=True)) == ["idva"]


def test_the_same_record_never_alerts_twice(cast: dict[str, User], tmp_path: Path) -> None:
    case = _his_case(cast)
    load(analyst(cast), tmp_path, [_row()])
    load(analyst(cast), tmp_path, [_row()], name="again.csv")
    assert CaseTask.objects.filter(case=case, kind=TaskKind.POLICE_RECORD).count() == 2
    # Even handed the record again as new.
    record = PoliceRecord.objects.get(reference="NEW-1")
    assert alerts_police_records(records=[record], actor=None) == 0
    assert CaseEvent.objects.filter(case=case, kind=CaseEventKind.POLICE_RECORD).count() == 1


def test_only_an_open_case_and_only_as_perpetrator(cast: dict[str, User], tmp_path: Path) -> None:
    case = _his_case(cast)
    Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    victim = make_person(given_name="Gwen", family_name="Victim", police_reference="SWP-VICTIM-1")
    hers = case_open("drive-cardiff", cast["drive"], person=victim)
    load(analyst(cast), tmp_path, [_row(), _row("NEW-2", perpetrator="P-X", victim="SWP-VICTIM-1")])
    assert not CaseTask.objects.filter(kind=TaskKind.POLICE_RECORD).exists()
    assert _alerts(hers) == set()


def test_the_alert_pass_runs_the_same_queries_for_2_records_as_for_20(cast: dict[str, User]) -> None:
    people = []
    for n in range(20):
        person = make_person(given_name=f"P{n}", family_name="Batch", police_reference=f"SWP-B-{n}")
        case = case_open("drive-cardiff", cast["drive"], person=person)
        partner_of(case, supported_by=cast["idva"])
        people.append(person)

    def records(start: int, count: int) -> list[PoliceRecord]:
        return [
            PoliceRecord(
                reference=f"Q-{n}",
                kind="incident",
                occurred_on=timezone.localdate(),
                perpetrator_ref=people[n].police_reference,
                perpetrator_id=people[n].pk,
            )
            for n in range(start, start + count)
        ]

    with CaptureQueriesContext(connection) as few:
        assert alerts_police_records(records=records(0, 2), actor=None) == 4
    with CaptureQueriesContext(connection) as many:
        assert alerts_police_records(records=records(2, 18), actor=None) == 36
    assert len(many) == len(few)
