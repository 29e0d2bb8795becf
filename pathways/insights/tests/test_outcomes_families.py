"""The outcomes about the families around a case: back at MARAC after his case ended (with children and
without), the safety she reported when her own case ended, and the people he harmed left untraced; and
the rows by the groups services leave out, which overlap and so cannot be worked back from the total."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.cases.choices import RiskChange, TraceSource, TraceStatus
from pathways.cases.models import Case, CaseOutcome, SafetyUpdate, VictimTrace
from pathways.cases.services import ending as ending_services
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core import policy
from pathways.core.dates import months_after
from pathways.directory.models import Service
from pathways.factories import actor_of, make_person, sign_in
from pathways.insights import evaluation
from pathways.insights.outcomes import BY_GROUP, outcomes_figures, period_of_year
from pathways.panels.choices import AgendaReason, PanelKind
from pathways.panels.models import Panel
from pathways.panels.tests.factories import raw_item, raw_meeting
from pathways.people.choices import RelationshipKind
from pathways.people.models import Relationship

pytestmark = pytest.mark.usefixtures("region")


def _end(case: Case, user: User, state: str = "completed") -> CaseOutcome:
    ending_services.case_end(
        actor=actor_of(user), case=case, state=state, reason="Recorded for the figures.", ended_on=_today()
    )
    return CaseOutcome.objects.get(case=case)


def _today() -> datetime.date:
    return timezone.localdate()


def _marac() -> Panel:
    return Panel.objects.filter(kind=PanelKind.MARAC).first()  # type: ignore[return-value]


def _at_marac(who: object, on: datetime.date, **fields: object) -> None:
    raw_item(raw_meeting(_marac(), on), who, **fields)  # type: ignore[arg-type]


def _clear_families(cast: dict[str, User]) -> tuple[Case, Case]:
    """Two CLEAR cases ending today. The first man's partner has a child and is back at MARAC two months
    after his case ends; the second's partner, with no child, was at MARAC a month before it ended and
    not since (a case review of hers after the end is no new discussion)."""
    with_child = case_open("clear", cast["practitioner"])
    her = partner_of(with_child)
    child = make_person(given_name="Nia", family_name="Case")
    Relationship.objects.create(person=her, other=child, kind=RelationshipKind.PARENT_OF)
    _at_marac(her, _today() + datetime.timedelta(days=60))

    without = case_open("clear", cast["practitioner"])
    other = partner_of(without)
    _at_marac(other, _today() - datetime.timedelta(days=30))
    _at_marac(other, _today() + datetime.timedelta(days=90), reason=AgendaReason.CASE_REVIEW)
    _end(with_child, cast["practitioner"])
    _end(without, cast["practitioner"])
    return with_child, without


def _figures(user: User, service: Service | None = None) -> dict[str, object]:
    figures = outcomes_figures(
        actor=actor_of(user), period=period_of_year(_today().year), exact=True, service=service
    )
    return {k: c.value for k, c in figures.total.cells.items()}


def test_a_family_back_at_marac_is_counted_once_the_repeat_window_has_passed(cast: dict[str, User]) -> None:
    with_child, without = _clear_families(cast)
    kept = CaseOutcome.objects.get(case=with_child)
    assert kept.family_children is True and kept.marac_before is False and kept.marac_after is None
    assert CaseOutcome.objects.get(case=without).marac_before is True

    # Until twelve months have passed, nobody is counted: a family not yet back may still come back.
    shown = _figures(cast["commissioner"])
    assert shown["marac_cases_children"] == 0 and shown["marac_cases_no_children"] == 0

    ending_services.case_outcomes_refresh(today=months_after(_today(), 12) + datetime.timedelta(days=1))
    shown = _figures(cast["commissioner"])
    assert (shown["marac_cases_children"], shown["marac_before_children"], shown["marac_after_children"]) == (
        1,
        0,
        1,
    )
    assert (
        shown["marac_cases_no_children"],
        shown["marac_before_no_children"],
        shown["marac_after_no_children"],
    ) == (1, 1, 0)


def test_a_service_never_reads_the_marac_hearings_of_the_families_it_works_with(
    cast: dict[str, User],
) -> None:
    _clear_families(cast)
    ending_services.case_outcomes_refresh(today=months_after(_today(), 13))
    # CLEAR's own manager reads CLEAR's figures exactly, but not those from the victim side: with a
    # caseload of two, a count would point at one man's partner.
    own = _figures(cast["manager"])
    assert own["ended"] == 2 and not any(key.startswith("marac_") for key in own)
    page = unescape(sign_in(Client(), cast["manager"]).get("/en/insights/outcomes/").content.decode())
    assert "Back at MARAC" not in page and "Cases ended" in page
    export = sign_in(Client(), cast["manager"]).get("/en/insights/outcomes/export/?format=csv")
    assert "MARAC" not in export.content.decode()
    api = sign_in(Client(), cast["manager"]).get("/api/v1/outcomes/").json()
    assert not any(m["key"].startswith("marac_") for m in api["measures"])
    # The commissioner reads them, under the small-number rule.
    commissioner = sign_in(Client(), cast["commissioner"]).get("/api/v1/outcomes/").json()
    assert commissioner["total"]["figures"]["marac_after_children"] == "<5"


def test_the_safety_she_reported_by_the_end_of_her_case_is_counted_at_her_service(
    cast: dict[str, User],
) -> None:
    service = Service.objects.get(slug="rise-drive-idva")
    agency = service.agencies.get()
    for change in (RiskChange.RAISED, RiskChange.LOWERED, None):
        his = case_open("drive-cardiff", cast["drive"])
        hers = Case.objects.get(person=partner_of(his, supported_by=cast["idva"]))
        if change is not None:
            # An earlier report is overtaken by the latest before the end.
            SafetyUpdate.objects.create(
                case=hers,
                sent_by=cast["idva"],
                agency=agency,
                risk_change=RiskChange.UNCHANGED,
                at=timezone.now() - datetime.timedelta(days=20),
            )
            SafetyUpdate.objects.create(case=hers, sent_by=cast["idva"], agency=agency, risk_change=change)
        _end(hers, cast["idva"])
    shown = _figures(cast["commissioner"], service=service)
    assert (shown["partner_cases"], shown["partner_lowered"], shown["partner_raised"]) == (3, 1, 1)
    assert (shown["partner_unchanged"], shown["partner_no_report"]) == (0, 1)


def test_the_people_he_harmed_left_untraced_when_his_case_ended_are_counted_each_once(
    cast: dict[str, User],
) -> None:
    his = case_open("drive-cardiff", cast["drive"])
    ex, partner = make_person(given_name="Ex", family_name="One"), partner_of(his)
    support = Service.objects.get(slug="rise-drive-idva")
    other_support = Service.objects.get(slug="rise-cardiff")
    # Two services trace his ex-partner: she is one person, traced by one of them. His partner and a
    # woman known only to the police are not traced yet.
    for by, status in ((support, TraceStatus.NOT_TRACED), (other_support, TraceStatus.CONTACTED)):
        VictimTrace.objects.create(
            perpetrator=his.person, victim=ex, source=TraceSource.POLICE, service=by, status=status
        )
    VictimTrace.objects.create(
        perpetrator=his.person, victim=partner, source=TraceSource.POLICE, service=support
    )
    VictimTrace.objects.create(
        perpetrator=his.person, victim_ref="V-OLD-1", source=TraceSource.POLICE, service=support
    )
    _end(his, cast["drive"])
    shown = _figures(cast["commissioner"], service=his.service)
    assert (shown["victims_found"], shown["victims_traced"], shown["victims_untraced"]) == (3, 1, 2)


def test_rows_by_group_overlap_and_a_group_is_withheld_where_the_rest_would_be_small(
    cast: dict[str, User],
) -> None:
    """Nine CLEAR cases end: seven women, all without children, and two men with children. Women (7)
    and people without children (7) are each above 4, but the total less either is 2: shown, each would
    reveal the two men."""
    for n in range(9):
        case = case_open("clear", cast["practitioner"])
        woman = n < 7
        case.person.gender_identity = "woman" if woman else "man"
        case.person.save(update_fields=["gender_identity"])
        if not woman:
            child = make_person(given_name="Child", family_name=str(n))
            Relationship.objects.create(person=case.person, other=child, kind=RelationshipKind.PARENT_OF)
        _end(case, cast["practitioner"])
    figures = outcomes_figures(
        actor=actor_of(cast["manager"]), period=period_of_year(_today().year), by=BY_GROUP
    )
    rows = {r.key: r.cells["ended"].value for r in figures.rows}
    assert rows == {"women": 7, "no_children": 7} and figures.total.cells["ended"].value == 9
    assert [r.label for r in figures.rows] == ["Women", "People without children"]

    hidden = outcomes_figures(
        actor=actor_of(cast["commissioner"]), period=period_of_year(_today().year), by=BY_GROUP
    )
    shown = {r.key: r.cells["ended"].exported for r in hidden.rows}
    assert shown == {"women": "[c]", "no_children": "[c]"} and hidden.total.cells["ended"].exported == "9"
    page = unescape(
        sign_in(Client(), cast["commissioner"])
        .get("/en/insights/outcomes/?by=group&period=" + str(_today().year))
        .content.decode()
    )
    assert "People without children" in page and "Group services leave out" in page


def test_what_his_outcome_keeps_of_her_family_is_counted_and_never_shown_on_his_record(
    cast: dict[str, User],
) -> None:
    with_child, _without = _clear_families(cast)
    ending_services.case_outcomes_refresh(today=months_after(_today(), 12) + datetime.timedelta(days=1))
    kept = CaseOutcome.objects.get(case=with_child)
    counted_only = policy.COUNTED_ONLY["cases.caseoutcome"]
    assert all(getattr(kept, field) is not None for field in counted_only)

    worker = sign_in(Client(), cast["practitioner"])
    page = unescape(worker.get(f"/en/cases/{with_child.pk}/ending/").content.decode()).lower()
    assert "outcome" in page and "risk at the start" in page
    for field in counted_only:
        label = str(getattr(CaseOutcome._meta.get_field(field), "verbose_name", field)).lower()
        assert label not in page and field not in page
    answer = worker.get(f"/api/v1/cases/{with_child.pk}/").json()
    assert answer["id"] == str(with_child.pk) and not set(counted_only) & set(answer)
    extracted = {c.name for c in [*evaluation.CASE_COLUMNS, *evaluation.REFERRAL_COLUMNS]}
    assert not set(counted_only) & extracted
    # Counted, for the commissioner: the family back at MARAC.
    assert _figures(cast["commissioner"])["marac_after_children"] == 1
