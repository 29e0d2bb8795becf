"""No list costs more queries as it grows.

Each page and API list is read with 10 rows and again with 100, and must run the same number of queries
both times: a query per row is what made pages stop answering under load. Rows are made in bulk, straight
through the models, so that the lists are as big as asked and nothing else is written on the way; each
test also checks that the rows it made are really on the page, so that an empty list cannot pass.
"""

from __future__ import annotations

import datetime
import itertools
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import Agency, User
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Role, Side
from pathways.core.policy import Actor
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area, Region, Service, ServiceStatusChange
from pathways.factories import _password_hash, sign_in
from pathways.panels.choices import (
    ActionStatus,
    AgendaReason,
    LawfulBasis,
    MeetingStatus,
    MemberRole,
    Outcome,
    PanelKind,
)
from pathways.panels.models import (
    Action,
    AgendaItem,
    Decision,
    Disclosure,
    Meeting,
    Panel,
    PanelMember,
    RfgNomination,
)
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, PersonAccess, Relationship
from pathways.police.models import RfgModelVersion, RfgRun, RfgScore
from pathways.referrals.choices import RiskLevel, Status
from pathways.referrals.models import Referral, ReferralEvent
from pathways.referrals.services import referral_triage
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
Grow = Callable[[int], list[str]]


def _get(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries), response.content.decode()


def assert_flat(client: Client, url: str | Callable[[], str], grow: Grow) -> tuple[int, int]:
    """Reads the list with 10 rows and with 100 (`grow(n)` adds n and names what must then be shown) and
    asserts that both cost the same number of queries. Returns the two counts."""
    where = url if callable(url) else (lambda: url)
    shown = grow(10)
    client.get(where())  # the first request fills the process's caches (content types, translations)
    at_10, page = _get(client, where())
    assert all(marker in page for marker in shown), f"{where()} does not show the rows it was given"
    shown = grow(90)
    at_100, page = _get(client, where())
    assert all(marker in page for marker in shown), f"{where()} does not show the rows it was given"
    assert at_100 == at_10, f"{where()}: {at_10} queries with 10 rows, {at_100} with 100"
    return at_10, at_100


# --- building rows in bulk ---------------------------------------------------------------------------


def _actor(user: User) -> Actor:
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


def _agency(user: User) -> Agency:
    return user.memberships.get().agency


@pytest.fixture
def login(cast_preloaded: None, region: None) -> Callable[[str], User]:
    """The cast's login by username (the cast is loaded once for the module)."""
    return lambda username: User.objects.get(username=username)


def _users(n: int) -> list[User]:
    """Users with no role, to fill seats and own actions."""
    return User.objects.bulk_create(
        [
            User(username=f"qc-member-{k}", full_name=f"Member {k:05d}", password=_password_hash())
            for k in (next(_numbers) for _ in range(n))
        ]
    )


def _people(
    n: int,
    *,
    agencies: list[Agency],
    area: str = "cardiff",
    gender: str = "man",
    side: str = Side.PERPETRATOR,
) -> list[Person]:
    place = Area.objects.get(slug=area)
    made = Person.objects.bulk_create(
        [
            Person(
                given_name="Qc",
                family_name=f"Row{next(_numbers):05d}",
                gender_identity=gender,
                area=place,
                side=side,
            )
            for _ in range(n)
        ]
    )
    PersonAccess.objects.bulk_create(
        [PersonAccess(person=p, agency=a, reason="test") for p in made for a in agencies]
    )
    return made


def _referrals(
    who: list[Person],
    *,
    by: Agency | None,
    service: Service | None,
    path: tuple[str, ...] = (Status.RECEIVED, Status.TRIAGED),
    triage: dict[str, Any] | None = None,
) -> list[Referral]:
    made = Referral.objects.bulk_create(
        [
            Referral(
                reference=f"QC-{next(_numbers):06d}",
                person=p,
                route=ReferralRoute.CHILDRENS_SERVICES,
                referring_agency=by,
                reason="Shouting and controlling money.",
                risk_level=RiskLevel.STANDARD,
                status=path[-1],
                service=service,
                triage=triage or {},
                tier_needed="medium_risk" if path[-1] == Status.UNMET_NEED else "",
            )
            for p in who
        ]
    )
    start = timezone.now() - datetime.timedelta(days=len(path))
    ReferralEvent.objects.bulk_create(
        [
            ReferralEvent(
                referral=r,
                status=s,
                at=start + datetime.timedelta(days=n),
                agency=by,
                service=service if s != Status.RECEIVED else None,
            )
            for r in made
            for n, s in enumerate(path)
        ]
    )
    return made


def _assessments(who: list[Person], *, by: Actor, each: int = 1) -> list[Assessment]:
    version = InstrumentVersion.objects.filter(instrument="dash-partner-agency").order_by("-version").first()
    today = timezone.localdate()
    now = timezone.now()
    return Assessment.objects.bulk_create(
        [
            Assessment(
                person=p,
                instrument_version=version,
                assessor=by.user,
                agency=by.agency,
                assessed_on=today - datetime.timedelta(days=next(_numbers) % 700),
                context="intake",
                status=AssessmentStatus.COMPLETED,
                answers={"q01": "yes" if n % 2 else "no", "q02": "no"},
                results={"risk_level": "high"},
                completed_at=now,
            )
            for p in who
            for n in range(each)
        ]
    )


def _panel(kind: str = PanelKind.MARAC, *, seated: User | None = None, **fields: Any) -> Panel:
    n = next(_numbers)
    panel = Panel.objects.create(
        region=Region.objects.get(slug="cardiff-and-vale"),
        slug=f"qc-{kind}-{n}",
        kind=kind,
        name_en=f"Panel {n:05d}",
        name_cy=f"Panel {n:05d} (cy)",
        every_days=14,
        **fields,
    )
    panel.areas.set(Area.objects.filter(slug="cardiff"))
    if seated is not None:
        _seat(panel, seated)
    return panel


def _seat(panel: Panel, user: User, role: str = MemberRole.MEMBER) -> PanelMember:
    agency = user.memberships.get().agency
    return PanelMember.objects.create(panel=panel, agency=agency, user=user, role=role)


def _items(meeting: Meeting, who: list[Person], **fields: Any) -> list[AgendaItem]:
    start = meeting.items.count()
    return AgendaItem.objects.bulk_create(
        [
            AgendaItem(
                meeting=meeting,
                person=p,
                position=start + n + 1,
                reason=AgendaReason.MARAC_CRITERIA,
                **fields,
            )
            for n, p in enumerate(who)
        ]
    )


def _decide(items: list[AgendaItem], agencies: list[Agency]) -> None:
    decisions = Decision.objects.bulk_create(
        [Decision(item=i, outcome=Outcome.SUPPORT, reasons=f"Reasons {i.position}") for i in items]
    )
    through = Decision.decided_by.through
    through.objects.bulk_create(
        [through(decision_id=d.pk, agency_id=a.pk) for d in decisions for a in agencies]
    )


def _actions(items: list[AgendaItem], *, agency: Agency, owners: list[User]) -> list[Action]:
    today = timezone.localdate()
    return Action.objects.bulk_create(
        [
            Action(
                item=i,
                description=f"Action {next(_numbers):05d}",
                agency=agency,
                owner=owners[n % len(owners)],
                due_on=today + datetime.timedelta(days=(n % 20) - 10),
                status=ActionStatus.OPEN,
            )
            for n, i in enumerate(items)
        ]
    )


# --- referrals and people -----------------------------------------------------------------------------


@pytest.fixture
def referrals_made(login: Callable[[str], User]) -> dict[str, Any]:
    """Cardiff's children's services referring to CLEAR, CLEAR's facilitator, and the triage record a real
    referral gets, with its reasons naming areas and services (as every list row then shows)."""
    social_worker, facilitator = login("socialworker"), login("practitioner")
    referrer, clear = _agency(social_worker), _agency(facilitator)
    sample = refer(_actor(social_worker), children=0)
    result, ruleset = referral_triage(referral=sample)
    triage = {**result.snapshot(), "chosen": "clear", "rules_version": ruleset.version}
    assert any(o["reasons"] for o in triage["fits"]) and triage["ruled_out"]
    service = Service.objects.get(slug="clear")

    def grow(n: int) -> list[str]:
        made = _referrals(_people(n, agencies=[referrer, clear]), by=referrer, service=service, triage=triage)
        return [r.reference for r in made[-3:]]

    return {"referrer": social_worker, "service": facilitator, "grow": grow}


def test_referral_list_page(referrals_made: dict[str, Any]) -> None:
    assert_flat(sign_in(Client(), referrals_made["referrer"]), "/en/referrals/", referrals_made["grow"])


def test_referral_list_page_of_the_receiving_service(referrals_made: dict[str, Any]) -> None:
    assert_flat(sign_in(Client(), referrals_made["service"]), "/en/referrals/", referrals_made["grow"])


def test_referral_list_api(referrals_made: dict[str, Any]) -> None:
    assert_flat(sign_in(Client(), referrals_made["referrer"]), "/api/v1/referrals/", referrals_made["grow"])


def test_person_page_lists_relationships_and_referrals(login: Callable[[str], User]) -> None:
    worker = login("socialworker")
    team = _agency(worker)
    (person,) = _people(1, agencies=[team])

    def grow(n: int) -> list[str]:
        children = _people(n, agencies=[team], side=Side.VICTIM)
        Relationship.objects.bulk_create(
            [Relationship(person=person, other=c, kind=RelationshipKind.PARENT_OF) for c in children]
        )
        made = _referrals([person] * n, by=team, service=Service.objects.get(slug="clear"))
        return [children[-1].family_name, made[-1].reference]

    assert_flat(sign_in(Client(), worker), f"/en/people/{person.pk}/", grow)


# --- assessments --------------------------------------------------------------------------------------


@pytest.fixture
def assessed(login: Callable[[str], User]) -> dict[str, Any]:
    worker = login("idva")
    team = _agency(worker)
    (person,) = _people(1, agencies=[team], gender="woman", side=Side.VICTIM)
    return {"client": sign_in(Client(), worker), "actor": _actor(worker), "team": team, "person": person}


def test_assessment_history_page(assessed: dict[str, Any]) -> None:
    def grow(n: int) -> list[str]:
        made = _assessments([assessed["person"]], by=assessed["actor"], each=n)
        return [str(made[-1].pk)]

    assert_flat(assessed["client"], f"/en/assessments/people/{assessed['person'].pk}/", grow)


def test_assessment_comparison_page(assessed: dict[str, Any]) -> None:
    def grow(n: int) -> list[str]:
        made = _assessments([assessed["person"]], by=assessed["actor"], each=n)
        return [str(made[-1].pk)]

    assert_flat(assessed["client"], f"/en/assessments/people/{assessed['person'].pk}/compare/", grow)


def test_person_assessments_api(assessed: dict[str, Any]) -> None:
    def grow(n: int) -> list[str]:
        made = _assessments([assessed["person"]], by=assessed["actor"], each=n)
        return [str(made[-1].pk)]

    assert_flat(assessed["client"], f"/api/v1/people/{assessed['person'].pk}/assessments/", grow)


def test_assessment_list_api(assessed: dict[str, Any]) -> None:
    def grow(n: int) -> list[str]:
        who = _people(n, agencies=[assessed["team"]], gender="woman", side=Side.VICTIM)
        made = _assessments(who, by=assessed["actor"])
        return [str(made[-1].pk)]

    assert_flat(assessed["client"], "/api/v1/assessments/", grow)


def test_tasks_list_of_reassessments_due(login: Callable[[str], User]) -> None:
    worker = login("practitioner")
    clear = _agency(worker)
    service = Service.objects.get(slug="clear")

    def grow(n: int) -> list[str]:
        who = _people(n, agencies=[clear])
        _referrals(who, by=None, service=service, path=(Status.RECEIVED, Status.TRIAGED, Status.STARTED))
        _assessments(who[::2], by=_actor(worker))
        return [who[-1].family_name, who[-2].family_name]

    assert_flat(sign_in(Client(), worker), "/en/referrals/due/", grow)


def test_screening_candidates(login: Callable[[str], User]) -> None:
    worker = login("drive")
    drive = _agency(worker)
    service = Service.objects.get(slug="drive-cardiff")

    def grow(n: int) -> list[str]:
        who = _people(n, agencies=[drive])
        made = _referrals(who, by=None, service=service)
        _assessments(who[::2], by=_actor(worker), each=2)
        return [str(made[-1].pk)]

    assert_flat(sign_in(Client(), worker), "/en/referrals/screening/drive-cardiff/", grow)


# --- panels -------------------------------------------------------------------------------------------


@pytest.fixture
def seated(login: Callable[[str], User]) -> User:
    """The police officer who chairs the panels: holds the seats, sees the panels and owns the actions."""
    return login("chair")


def test_panel_list(region: None, seated: User) -> None:
    def grow(n: int) -> list[str]:
        panels = [_panel(seated=seated) for _ in range(n)]
        Meeting.objects.bulk_create(
            [Meeting(panel=p, held_on=timezone.localdate() + datetime.timedelta(days=7)) for p in panels]
        )
        return [panels[-1].name_en]

    assert_flat(sign_in(Client(), seated), "/en/panels/", grow)


def test_panel_page_lists_members_meetings_and_referrals_in(region: None, seated: User) -> None:
    panel = _panel(seated=seated)
    police = seated.memberships.get().agency
    first = timezone.localdate() - datetime.timedelta(days=2000)

    def grow(n: int) -> list[str]:
        members = _users(n)
        PanelMember.objects.bulk_create(
            [PanelMember(panel=panel, agency=police, user=u, deputy=members[0]) for u in members]
        )
        count = panel.meetings.count()
        Meeting.objects.bulk_create(
            [Meeting(panel=panel, held_on=first + datetime.timedelta(days=count + d)) for d in range(n)]
        )
        who = _people(n, agencies=[police])
        RfgNomination.objects.bulk_create(
            [RfgNomination(panel=panel, person=p, agency=police, reason="Escalating.") for p in who]
        )
        return [members[-1].full_name, who[-1].family_name]

    assert_flat(sign_in(Client(), seated), f"/en/panels/{panel.pk}/", grow)


@pytest.fixture
def agenda(region: None, seated: User) -> dict[str, Any]:
    """A held MARAC with the officer's seat, whose agenda grows with decided items, each with an RFG score,
    a referring agency and an action."""
    panel = _panel(seated=seated)
    police = seated.memberships.get().agency
    meeting = Meeting.objects.create(panel=panel, held_on=timezone.localdate(), status=MeetingStatus.HELD)
    run = RfgRun.objects.create(
        region=panel.region,
        model=RfgModelVersion.objects.filter(region=panel.region).first()
        or RfgModelVersion.objects.create(region=panel.region, version=1, settings={}, file_sha256="qc"),
        window_start=meeting.held_on - datetime.timedelta(days=365),
        window_end=meeting.held_on,
    )
    owners = _users(3)
    cardiff = Area.objects.get(slug="cardiff")

    def grow(n: int) -> list[str]:
        who = _people(n, agencies=[police])
        items = _items(meeting, who, referring_agency=police)
        scores = RfgScore.objects.bulk_create(
            [
                RfgScore(
                    run=run, perpetrator_ref=f"P{i.position:05d}", person=i.person, area=cardiff, score=50.0,
                    recency=10, frequency=10, gravity=10, victims=20, records=3, victim_count=2, harm=5.0,
                    last_on=meeting.held_on, rank=i.position,
                )
                for i in items
            ]
        )  # fmt: skip
        for item, score in zip(items, scores, strict=True):
            item.rfg_score = score
        AgendaItem.objects.bulk_update(items, ["rfg_score"])
        _decide(items, [police])
        actions = _actions(items, agency=police, owners=owners)
        return [who[-1].family_name, actions[-1].description]

    return {"meeting": meeting, "grow": grow, "client": sign_in(Client(), seated)}


def test_meeting_agenda(agenda: dict[str, Any]) -> None:
    def grow(n: int) -> list[str]:
        return agenda["grow"](n)[:1]

    assert_flat(agenda["client"], f"/en/panels/meetings/{agenda['meeting'].pk}/", grow)


def test_minutes(agenda: dict[str, Any]) -> None:
    assert_flat(agenda["client"], f"/en/panels/meetings/{agenda['meeting'].pk}/minutes/", agenda["grow"])


def test_actions_list(agenda: dict[str, Any]) -> None:
    def grow(n: int) -> list[str]:
        return agenda["grow"](n)[1:]

    assert_flat(agenda["client"], "/en/panels/actions/", grow)


def test_agenda_item_lists_actions_and_disclosures(region: None, seated: User) -> None:
    panel = _panel(seated=seated)
    police = seated.memberships.get().agency
    meeting = Meeting.objects.create(panel=panel, held_on=timezone.localdate(), status=MeetingStatus.HELD)
    (item,) = _items(meeting, _people(1, agencies=[police]))
    owners = _users(3)

    def grow(n: int) -> list[str]:
        actions = _actions([item] * n, agency=police, owners=owners)
        basis = LawfulBasis.values[0]
        Disclosure.objects.bulk_create(
            [
                Disclosure(item=item, agency=police, information=a.description, lawful_basis=basis)
                for a in actions
            ]
        )
        return [actions[-1].description]

    assert_flat(sign_in(Client(), seated), f"/en/panels/items/{item.pk}/", grow)


def test_rfg_ranking(region: None, seated: User) -> None:
    panel = _panel(PanelKind.MATAC, seated=seated)
    police = seated.memberships.get().agency
    day = timezone.localdate()
    run = RfgRun.objects.create(
        region=panel.region,
        model=RfgModelVersion.objects.get(region=panel.region),
        window_start=day - datetime.timedelta(days=365),
        window_end=day,
    )
    cardiff = Area.objects.get(slug="cardiff")
    made: list[RfgScore] = []

    def grow(n: int) -> list[str]:
        who = _people(n, agencies=[police])
        made.extend(
            RfgScore.objects.bulk_create(
                [
                    RfgScore(
                        run=run, perpetrator_ref=f"QC{len(made) + k:05d}", person=p, area=cardiff,
                        score=90.0 - len(made) - k / 10, recency=10, frequency=10, gravity=10, victims=20,
                        records=3, victim_count=2, harm=5.0, last_on=day, rank=len(made) + k + 1,
                    )
                    for k, p in enumerate(who)
                ]
            )
        )  # fmt: skip
        return (
            [made[0].perpetrator_ref, who[0].family_name] if len(made) <= 10 else [made[19].perpetrator_ref]
        )

    assert_flat(sign_in(Client(), seated), f"/en/panels/{panel.pk}/rfg/", grow)


# --- audit, directory, insights -----------------------------------------------------------------------


def test_audit_search(region: None, persona: Callable[[str], User]) -> None:
    auditor = persona(Role.AUDITOR)

    def grow(n: int) -> list[str]:
        for _ in range(n):
            entry = audit.entry_record(
                action=AuditAction.RECORD_VIEWED, record_type="person", record_id=f"qc-{next(_numbers):05d}"
            )
        return [entry.record_id]

    assert_flat(sign_in(Client(), auditor), "/en/audit/", grow)


def _services(n: int) -> list[str]:
    """Copies of a shipped service, each in two areas with a status history of two periods."""
    template = Service.objects.get(slug="drive-cardiff")
    areas = list(Area.objects.filter(slug__in=["cardiff", "vale-of-glamorgan"]))
    copies = []
    for _ in range(n):
        copy = Service.objects.get(pk=template.pk)
        number = next(_numbers)
        copy.pk, copy.slug, copy.name_en = None, f"qc-service-{number}", f"Service {number:05d}"
        copies.append(copy)
    made = Service.objects.bulk_create(copies)
    through = Service.areas.through
    through.objects.bulk_create([through(service_id=s.pk, area_id=a.pk) for s in made for a in areas])
    ServiceStatusChange.objects.bulk_create(
        [
            ServiceStatusChange(service=s, status=status, position=p, note_en=f"{s.name_en} {status}")
            for s in made
            for p, status in enumerate(("pilot", "active"))
        ]
    )
    return [made[-1].slug]


def test_directory_service_list(region: None, persona: Callable[[str], User]) -> None:
    assert_flat(sign_in(Client(), persona(Role.COMMISSIONER)), "/en/services/", _services)


def test_directory_service_list_api(region: None, persona: Callable[[str], User]) -> None:
    assert_flat(sign_in(Client(), persona(Role.COMMISSIONER)), "/api/v1/services/", _services)


def _services_and_unmet_need(n: int) -> list[str]:
    shown = _services(n)
    _referrals(_people(n, agencies=[]), by=None, service=None, path=(Status.RECEIVED, Status.UNMET_NEED))
    return shown


def test_gap_map(region: None, persona: Callable[[str], User]) -> None:
    assert_flat(
        sign_in(Client(), persona(Role.COMMISSIONER)), "/en/insights/gap-map/", _services_and_unmet_need
    )


def test_gap_map_api(region: None, persona: Callable[[str], User]) -> None:
    assert_flat(sign_in(Client(), persona(Role.COMMISSIONER)), "/api/v1/gap-map/", _services_and_unmet_need)


def test_outcomes(region: None, persona: Callable[[str], User]) -> None:
    def grow(n: int) -> list[str]:
        shown = _services(n)
        services = list(Service.objects.filter(slug__startswith="qc-service-"))
        path = (Status.RECEIVED, Status.TRIAGED, Status.STARTED)
        for service in services[-n:]:
            _referrals(_people(1, agencies=[]), by=None, service=service, path=path)
        return shown

    assert_flat(sign_in(Client(), persona(Role.COMMISSIONER)), "/en/insights/outcomes/", grow)
