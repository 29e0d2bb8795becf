"""Previous and other victims: everyone on file a man has harmed (his partners and ex-partners, and the
victims on the police records naming him) is traced by the support service linked to his service. One not
yet traced is that service's task; his case reads how far tracing has got, never who she is."""

from __future__ import annotations

import datetime
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.cases.choices import TaskKind, TaskStatus, TraceSource, TraceStatus
from pathways.cases.models import Case, CaseTask, VictimTrace
from pathways.cases.selectors.trace import TraceOnHisCase
from pathways.cases.services.trace import victim_traces_refresh
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core import policy
from pathways.core.access import Side
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.factories import make_person, sign_in
from pathways.people.choices import RelationshipKind
from pathways.people.models import Relationship
from pathways.police.tests.police_extracts import Row, analyst, load

pytestmark = pytest.mark.usefixtures("region")

HIS_REFERENCE = "SWP-TRACE-1"


def _row(reference: str, victim: str, days_ago: int) -> Row:
    return Row(
        reference=reference,
        occurred_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        offence="harassment",
        perpetrator_ref=HIS_REFERENCE,
        victim_ref=victim,
    )


@pytest.fixture
def his(cast: dict[str, User], tmp_path: Path) -> dict[str, Any]:
    """A man at CLEAR (whose partners RISE Cardiff supports) with an ex-partner on record, named Megan, and
    two police records about another woman, whom Pathways knows only by the police's reference."""
    man = make_person(given_name="Iwan", family_name="Trace", police_reference=HIS_REFERENCE)
    load(analyst(cast), tmp_path, [_row("TR-1", "V-TRACE-9", 400), _row("TR-2", "V-TRACE-9", 200)])
    ex = make_person(side=Side.VICTIM, given_name="Megan", family_name="Former")
    Relationship.objects.create(person=man, other=ex, kind=RelationshipKind.EX_PARTNER)
    case = case_open("clear", cast["practitioner"], person=man)
    made = victim_traces_refresh(case=case, actor=None)
    return {"case": case, "ex": ex, "made": made, "idva": sign_in(Client(), cast["idva"])}


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def test_everyone_he_has_harmed_is_traced_and_each_untraced_one_is_a_task(
    his: dict[str, Any], cast: dict[str, User]
) -> None:
    traces = {t.source: t for t in his["made"]}
    assert set(traces) == {TraceSource.RELATIONSHIP, TraceSource.POLICE}
    police = traces[TraceSource.POLICE]
    assert police.victim_ref == "V-TRACE-9" and police.police_records == 2
    assert police.last_record_on == timezone.localdate() - datetime.timedelta(days=200)
    assert all(t.service.slug == "rise-cardiff" and t.status == TraceStatus.NOT_TRACED for t in his["made"])
    tasks = CaseTask.objects.filter(kind=TaskKind.TRACE_VICTIM, status=TaskStatus.OPEN)
    assert {t.agency.slug for t in tasks} == {"rise-cardiff"} and tasks.count() == 2

    # The IDVA's Tasks list both, and link to tracing; the tracing page names them.
    page = _text(his["idva"].get("/en/tasks/"))
    assert page.count("Record how far tracing her has got") == 2 and "/en/cases/tracing/#trace-" in page
    tracing = _text(his["idva"].get("/en/cases/tracing/"))
    assert "Megan Former" in tracing and "V-TRACE-9" in tracing and "Iwan Trace" in tracing
    assert "2 police records, latest" in tracing

    # Found again, nobody is traced twice.
    assert victim_traces_refresh(case=his["case"], actor=None) == []


def test_recording_progress_closes_the_task_and_shows_on_his_case_without_her(
    his: dict[str, Any], cast: dict[str, User]
) -> None:
    trace = VictimTrace.objects.get(victim=his["ex"])
    saved = his["idva"].post(
        "/en/cases/tracing/",
        {"trace": str(trace.pk), f"{trace.pk}-status": "not_safe", f"{trace.pk}-service": ""},
    )
    assert saved.status_code == 302
    trace.refresh_from_db()
    assert trace.status == TraceStatus.NOT_SAFE and trace.updated_by == cast["idva"]
    assert CaseTask.objects.get(detail__trace=str(trace.pk)).status == TaskStatus.DONE

    clear = sign_in(Client(), cast["practitioner"])
    overview = _text(clear.get(his["case"].get_absolute_url()))
    assert "People he has harmed" in overview and "Not safe to contact" in overview
    assert "1 not yet traced" in overview and "RISE Cardiff" in overview
    for path in crawl_paths({"case_id": [str(his["case"].pk)]}):
        body = response_text(clear.get(path))
        assert "Megan" not in body and "V-TRACE-9" not in body, path
    # The tracing page shows CLEAR nothing of them.
    assert "Megan" not in _text(clear.get("/en/cases/tracing/"))


def test_a_partner_already_supported_is_offered_support_and_no_task(cast: dict[str, User]) -> None:
    case = case_open("drive-cardiff", cast["drive"])
    partner_of(case, supported_by=cast["idva"])
    (trace,) = victim_traces_refresh(case=case, actor=None)
    assert trace.status == TraceStatus.OFFERED_SUPPORT
    assert trace.supported_by is not None and trace.supported_by.slug == "rise-drive-idva"
    assert not CaseTask.objects.filter(kind=TaskKind.TRACE_VICTIM).exists()


def test_a_new_police_record_naming_a_new_victim_starts_tracing_her(
    his: dict[str, Any], cast: dict[str, User], tmp_path: Path
) -> None:
    load(analyst(cast), tmp_path, [_row("TR-3", "V-TRACE-NEW", 1)], name="new.csv")
    assert VictimTrace.objects.filter(victim_ref="V-TRACE-NEW", status=TraceStatus.NOT_TRACED).exists()
    assert VictimTrace.objects.count() == 3


def test_bad_input_names_the_field_and_changes_nothing(his: dict[str, Any], cast: dict[str, User]) -> None:
    trace = VictimTrace.objects.get(victim=his["ex"])
    for fields, field in (
        ({f"{trace.pk}-status": "lost"}, "status"),
        ({f"{trace.pk}-status": "declined", f"{trace.pk}-service": str(trace.service_id)}, "service"),
    ):
        response = his["idva"].post("/en/cases/tracing/", {"trace": str(trace.pk), **fields})
        assert response.status_code == 400, fields
        assert f'href="#id_{trace.pk}-{field}' in _text(response), fields
    trace.refresh_from_db()
    assert trace.status == TraceStatus.NOT_TRACED
    # Another agency's trace, or none, is not found.
    clear = sign_in(Client(), cast["practitioner"])
    assert clear.post("/en/cases/tracing/", {"trace": str(trace.pk)}).status_code == 404
    assert his["idva"].post("/en/cases/tracing/", {"trace": "not-a-uuid"}).status_code == 404


def test_what_crosses_to_his_case_is_the_named_list() -> None:
    assert set(TraceOnHisCase.__dataclass_fields__) == set(
        policy.CROSSING_TO_PERPETRATOR_SIDE["victim_trace"]
    )


def test_his_service_without_a_linked_support_service_traces_no_one(cast: dict[str, User]) -> None:
    case = case_open("bbr", cast["probation"])
    ex = make_person(side=Side.VICTIM, given_name="Non", family_name="Traced")
    Relationship.objects.create(person=case.person, other=ex, kind=RelationshipKind.EX_PARTNER)
    assert victim_traces_refresh(case=case, actor=None) == []
    assert Case.objects.filter(pk=case.pk).exists()


def test_her_support_starting_later_settles_her_trace(his: dict[str, Any], cast: dict[str, User]) -> None:
    from pathways.cases.services.trace import victim_traces_supported

    hers = case_open("rise-cardiff", cast["idva"], person=his["ex"])
    assert victim_traces_supported(case=hers, actor=None) == 1
    trace = VictimTrace.objects.get(victim=his["ex"])
    assert trace.status == TraceStatus.OFFERED_SUPPORT and trace.supported_by == hers.service
    assert CaseTask.objects.get(detail__trace=str(trace.pk)).status == TaskStatus.DONE


def test_back_to_not_yet_traced_puts_her_on_the_tasks_again(his: dict[str, Any]) -> None:
    trace = VictimTrace.objects.get(victim=his["ex"])
    url = "/en/cases/tracing/"
    his["idva"].post(url, {"trace": str(trace.pk), f"{trace.pk}-status": "contacted"})
    assert not CaseTask.objects.filter(detail__trace=str(trace.pk), status=TaskStatus.OPEN).exists()
    his["idva"].post(url, {"trace": str(trace.pk), f"{trace.pk}-status": "not_traced"})
    assert CaseTask.objects.filter(detail__trace=str(trace.pk), status=TaskStatus.OPEN).count() == 1


def test_a_panel_that_heard_her_case_and_referred_him_names_her(cast: dict[str, User]) -> None:
    from pathways.cases.tests.test_browser_casework import marac_refers_him_to_drive

    him, her, referral = marac_refers_him_to_drive(cast)
    # Nothing else on file links them: only the MARAC's papers.
    Relationship.objects.filter(person=him).delete()
    Case.objects.filter(person=her).delete()
    assert referral.service is not None
    case = Case.objects.create(person=him, service=referral.service, referral=referral)
    (trace,) = victim_traces_refresh(case=case, actor=None)
    assert trace.victim == her and trace.source == TraceSource.PANEL
    assert trace.status == TraceStatus.NOT_TRACED and trace.service.slug == "rise-drive-idva"
