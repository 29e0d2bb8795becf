"""Triage over many referrals at once (a scenario's period): for each referral the case triage_case gives
it alone, in the same few queries however many referrals there are."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pathways.accounts.models import User
from pathways.assessments.models import Assessment, AssessmentStatus, Context, InstrumentVersion
from pathways.core.access import AgencyType
from pathways.factories import make_agency
from pathways.panels.tests.factories import rfg_run
from pathways.people.models import Person
from pathways.referrals.models import Referral
from pathways.referrals.services import triage_case, triage_cases
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")


def _assessed(person: Person, level: str | None, days_ago: int) -> None:
    """A completed risk assessment of the person, `days_ago` days ago, giving `level` (None: none)."""
    agency = make_agency(f"assessors-{Assessment.objects.count()}", AgencyType.PERPETRATOR_SERVICE)
    Assessment.objects.create(
        person=person,
        instrument_version=InstrumentVersion.objects.filter(instrument="perpetrator-risk").latest("version"),
        assessor=User.objects.create(username=f"assessor-{Assessment.objects.count()}"),
        agency=agency,
        assessed_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        context=Context.INTAKE,
        status=AssessmentStatus.COMPLETED,
        results={"risk_level": level} if level else {},
        completed_at=timezone.now(),
    )


def _demo_like() -> list[Referral]:
    """Referrals as the demo makes them: each route, risk and family shape, with what triage finds beyond
    the referral itself (children on record, an assessed risk, the police data's serial flag, a decline)."""
    clear_family = refer(None, children=2)
    self_referred = refer(None, route="self", risk="not_known", area="vale-of-glamorgan")
    _assessed(self_referred.person, "medium", days_ago=30)
    _assessed(self_referred.person, None, days_ago=3)  # the latest gives no level: the one before counts
    unassessed = refer(None, route="gp_health", risk="not_known", children=0)
    woman = refer(None, gender="woman", partner_gender="man", partner=False, children=0)
    marac = refer(None, route="marac", risk="high", been_to_marac=True, facts={"mutual_violence": True})
    serial = refer(
        None,
        route="probation",
        risk="medium",
        facts={"entrenched_behaviour": True, "convictions_or_orders": True, "serial_behaviour": False},
    )
    flagged_before = refer(None, route="police", risk="medium")
    rfg_run([("P1", flagged_before.person, "cardiff", 40.0)])
    rfg_run([("P2", serial.person, "cardiff", 60.0)])  # the latest run: the earlier flag no longer counts
    same_day = refer(None, route="self", risk="not_known", partner=False)
    _assessed(same_day.person, "standard", days_ago=0)
    _assessed(same_day.person, "high", days_ago=0)  # completed later the same day: this one counts
    # The same man again, from a referrer who did not say there are children: his are on record.
    again = refer(
        None, route="police", risk="high", existing_person=clear_family.person, partner=False, children=0
    )
    Referral.objects.filter(pk=again.pk).update(children_in_family=False, declined_by=["clear"])
    Person.objects.filter(pk=woman.person_id).update(
        date_of_birth=datetime.date(1990, 2, 3),
        preferred_language="cy",
        work_pattern="shift_work",
        interpreter_needed=True,
    )
    Person.objects.filter(pk=unassessed.person_id).update(area=None)
    return [clear_family, self_referred, unassessed, woman, marac, serial, flagged_before, same_day, again]


def _in_order(referrals: list[Referral]) -> QuerySet[Referral]:
    return Referral.objects.filter(pk__in=[r.pk for r in referrals]).order_by("created_at", "pk")


def test_each_referral_has_the_case_triage_case_gives_it_alone() -> None:
    referrals = _in_order(_demo_like())
    alone = [triage_case(referral=r) for r in referrals.select_related("person__area", "partner")]
    together = list(triage_cases(referrals=referrals, also=("reference", "status")))
    assert [case for case, _also in together] == alone
    assert [also for _case, also in together] == list(referrals.values_list("reference", "status"))
    # What only the database knows made a difference, so the comparison is not of empty cases.
    by_facts = [case for case in alone if "serial_behaviour" in case.facts]
    assert len(by_facts) == 1 and "entrenched_behaviour" in by_facts[0].facts
    assert [c.risk_level for c in (alone[1], alone[2], alone[7])] == ["medium", "not_known", "high"]
    assert alone[-1].has_children and alone[-1].declined == frozenset({"clear"})
    assert alone[3].welsh and alone[3].shift_worker and alone[3].interpreter_needed and alone[3].age
    assert alone[2].area is None and not alone[3].has_partner_details and alone[0].has_partner_details


def test_triaging_many_referrals_asks_no_more_queries_than_triaging_a_few() -> None:
    def some(n: int) -> None:
        for k in range(n):
            referral = refer(None, route="self" if k % 2 else "police", risk="not_known" if k % 3 else "high")
            _assessed(referral.person, "high", days_ago=k)
            Referral.objects.filter(pk=referral.pk).update(children_in_family=bool(k % 4))

    some(5)
    rfg_run([("P1", Person.objects.filter(side="perpetrator").first(), "cardiff", 50.0)])
    with CaptureQueriesContext(connection) as few:
        assert len(list(triage_cases(referrals=Referral.objects.filter(kind="perpetrator")))) == 5
    some(45)
    with CaptureQueriesContext(connection) as many:
        assert len(list(triage_cases(referrals=Referral.objects.filter(kind="perpetrator")))) == 50
    assert len(many) == len(few) <= 6
