"""The demo's staff at CLEAR and Drive Cardiff: nine practitioners with the VASE-R totals the review
reports for local staff (n = 9, range 10 to 24, mean 15.8, SD 4.8, none at 26; Fowler, Karim & Feder,
2020, section 4.9), MI training under twenty days in every career, none this year and none at all for one,
Drive's hour of MI in its original training, supervision, and a DASH refresher coming due."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction

from pathways.accounts.models import Agency, User
from pathways.core.policy import Actor
from pathways.directory.models import Service
from pathways.workforce.choices import Knows, TrainingKind, TrainingTopic
from pathways.workforce.models import SkillsInstrument, StaffMember
from pathways.workforce.selectors import skills_file
from pathways.workforce.services import (
    skills_file_load,
    skills_rating_record,
    staff_add,
    staff_support_record,
    training_record,
)

SKILLS_FILE = Path(settings.BASE_DIR) / "standards" / "vase-r.yaml"
RATED_ON = datetime.date(2020, 9, 15)
RATER = "Reconnect and University of Bristol review team"

# (agency, service, name, job title, account, VASE-R total, MI days before, knows confidential support)
STAFF = [
    ("clear-cardiff", "clear", "Dafydd Morgan", "CLEAR facilitator", "practitioner", 19, "6", Knows.YES),
    ("clear-cardiff", "clear", "Sian Roberts", "CLEAR service manager", "manager", 24, "12", Knows.YES),
    ("clear-cardiff", "clear", "Bethan Rowlands", "CLEAR facilitator", None, 13, "0", Knows.YES),
    ("clear-cardiff", "clear", "Iwan Pritchard", "CLEAR facilitator", None, 16, "4", Knows.YES),
    ("drive-cardiff", "drive-cardiff", "Catrin Owen", "Drive case manager", "drive", 19, "2", Knows.NO),
    ("drive-cardiff", "drive-cardiff", "Tomos Griffiths", "Drive case manager", None, 11, "0", Knows.NO),
    ("drive-cardiff", "drive-cardiff", "Hannah Lloyd", "Drive case manager", None, 10, "1", Knows.YES),
    ("drive-cardiff", "drive-cardiff", "Rhys Bowen", "Drive senior case manager", None, 19, "5", Knows.NO),
    ("drive-cardiff", "drive-cardiff", "Megan Price", "Drive case manager", None, 11, "1", Knows.NO),
]


def _scores(instrument: SkillsInstrument, total: int, offset: int) -> dict[str, int]:
    """Item scores that add up to the total, spread over the vignettes (a point at a time, round the
    items from a different one for each person)."""
    file = skills_file(version=instrument)
    ids = [i.id for i in file.items]
    scores = dict.fromkeys(ids, 0)
    n = 0
    while sum(scores.values()) < total:
        item = ids[(offset + n) % len(ids)]
        if scores[item] < file.score_max:
            scores[item] += 1
        n += 1
    return scores


def _manager_of(agency: Agency) -> Actor:
    """The agency's service manager, who keeps its staff records."""
    membership = agency.memberships.filter(role="manager").select_related("agency", "user").get()
    return Actor(user=membership.user, membership=membership)


@transaction.atomic
def load_demo_workforce(*, today: datetime.date) -> None:
    instrument, _created = skills_file_load(path=SKILLS_FILE)
    if StaffMember.objects.exists():
        return
    for n, (agency_slug, service_slug, name, title, login, total, before, knows) in enumerate(STAFF):
        agency = Agency.objects.get(slug=agency_slug)
        actor = _manager_of(agency)
        staff = staff_add(
            actor=actor,
            full_name=name,
            job_title=title,
            service=Service.objects.get(slug=service_slug),
            user=User.objects.get(username=login) if login else None,
            mi_days_before=Decimal(before),
        )
        staff_support_record(actor=actor, staff=staff, knows=knows)
        if agency_slug == "drive-cardiff":
            training_record(
                actor=actor,
                staff=staff,
                kind=TrainingKind.TRAINING,
                topic=TrainingTopic.MOTIVATIONAL_INTERVIEWING,
                title="Drive induction: motivational interviewing (one hour)",
                attended_on=datetime.date(2019, 4, 8),
                days=Decimal("0.2"),
                refresher_due_on=None,
            )
            training_record(
                actor=actor,
                staff=staff,
                kind=TrainingKind.SUPERVISION,
                topic=TrainingTopic.OTHER,
                title="Clinical supervision",
                attended_on=today - datetime.timedelta(days=14 + n),
                days=Decimal("0.1"),
                refresher_due_on=None,
            )
        training_record(
            actor=actor,
            staff=staff,
            kind=TrainingKind.TRAINING,
            topic=TrainingTopic.RISK_INSTRUMENT,
            title="DASH risk identification",
            attended_on=today - datetime.timedelta(days=700 + 20 * n),
            days=Decimal("1"),
            # Two years on: the first few are coming due.
            refresher_due_on=today - datetime.timedelta(days=700 + 20 * n) + datetime.timedelta(days=730),
        )
        skills_rating_record(
            actor=actor,
            staff=staff,
            instrument=instrument,
            rated_on=RATED_ON,
            rater=RATER,
            scores=_scores(instrument, total, offset=5 * n),
        )
