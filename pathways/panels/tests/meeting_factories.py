"""Building panels, members, people, assessments and RFG scores for the meeting tests, through the same
services the pages use wherever there is one."""

from __future__ import annotations

import calendar
import datetime
import itertools
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from pathways.accounts.models import Agency, User
from pathways.assessments import services as assessments
from pathways.assessments.models import Assessment
from pathways.core.access import AgencyType, Role, Side
from pathways.core.policy import Actor
from pathways.directory.models import Area, Region
from pathways.factories import actor_of as actor_of  # one definition, used here and by the tests
from pathways.factories import agency_get_or_make, make_user
from pathways.panels import services
from pathways.panels.models import Meeting, Panel, PanelMember
from pathways.people.models import Person
from pathways.police.models import RfgModelVersion, RfgRun, RfgScore

PANELS_FILE = Path(settings.BASE_DIR) / "regions" / "cardiff-and-vale" / "panels.yaml"
QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]
_numbers = itertools.count(1)


def meeting_day() -> datetime.date:
    """10 June of the next year after today whose twelve months before it hold no 29 February, so that
    "364 days" and "366 days" fall either side of twelve calendar months."""
    year = timezone.localdate().year + 1
    while calendar.isleap(year):
        year += 1
    return datetime.date(year, 6, 10)


def load() -> dict[str, Panel]:
    return {p.slug: p for p in services.panels_load(path=PANELS_FILE)}


def agency(slug: str, kind: str = AgencyType.OTHER) -> Agency:
    return agency_get_or_make(slug, kind, ["cardiff", "vale-of-glamorgan"])


def worker(at: Agency, role: str = Role.PANEL_CHAIR) -> User:
    return make_user(f"{at.slug}-{next(_numbers)}", at, role)


def seat(panel: Panel, slug: str, *, deputy: bool = False, role: str = "member") -> PanelMember:
    """A seat for the agency `slug` (made if need be), held by a new user, with a deputy if asked."""
    at = agency(slug)
    return services.panel_member_add(
        panel=panel, agency=at, user=worker(at), role=role, deputy=worker(at) if deputy else None
    )


def seated_panel(panel: Panel, agencies: int = 3) -> list[PanelMember]:
    return [seat(panel, f"{panel.slug}-agency-{n}") for n in range(agencies)]


def quorate(meeting: Meeting, actor: Actor) -> None:
    """Everyone on the panel present."""
    services.meeting_attendance_record(
        meeting=meeting, attendance={m.pk: (True, False) for m in meeting.panel.members.all()}, actor=actor
    )


def person(area: str | None = "cardiff", **fields: Any) -> Person:
    """A victim assessed for a MARAC, unless `side` says otherwise."""
    n = next(_numbers)
    return Person.objects.create(
        given_name=fields.pop("given_name", f"Person{n}"),
        family_name=fields.pop("family_name", "Test"),
        side=fields.pop("side", Side.VICTIM),
        area=Area.objects.get(slug=area) if area else None,
        **fields,
    )


def dash_answers(yes: int, **extra: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {q: "yes" if n < yes else "no" for n, q in enumerate(QUESTIONS)}
    if answers["q08"] == "yes":  # keep the stalking follow-up closed: move q08's yes to q24
        answers["q08"], answers["q24"] = "no", "yes"
    answers.update({"incident_date": "2026-06-01", "professional_judgement": "no"})
    answers.update(extra)
    return answers


def assess(assessor: Actor, who: Person, on: datetime.date, *, yes: int = 15, **extra: Any) -> Assessment:
    """A completed DASH: 14 or more yes answers meets the MARAC criteria (visible high risk)."""
    draft = assessments.assessment_start(
        actor=assessor, person=who, instrument_id="dash-partner-agency", context="intake", assessed_on=on
    )
    return assessments.assessment_save(
        actor=assessor, assessment=draft, answers=dash_answers(yes, **extra), complete=True
    )


def rfg_run(scores: list[tuple[str, Person | None, str, float]]) -> RfgRun:
    """A run of the region's RFG scores: (perpetrator reference, person or None, area slug, score); ranks
    are given per area from the highest score down."""
    region = Region.objects.get(slug="cardiff-and-vale")
    model = RfgModelVersion.objects.filter(region=region).first() or RfgModelVersion.objects.create(
        region=region, version=1, settings={}, file_sha256="test"
    )
    day = timezone.localdate()
    run = RfgRun.objects.create(
        region=region, model=model, window_start=day - datetime.timedelta(days=365), window_end=day
    )
    ranks: dict[str, int] = {}
    for reference, who, area, score in sorted(scores, key=lambda s: -s[3]):
        ranks[area] = ranks.get(area, 0) + 1
        RfgScore.objects.create(
            run=run,
            perpetrator_ref=reference,
            person=who,
            area=Area.objects.get(slug=area),
            score=score,
            recency=score / 4,
            frequency=score / 4,
            gravity=score / 4,
            victims=score / 4,
            records=3,
            victim_count=2,
            harm=10.0,
            last_on=day,
            serial=True,
            rank=ranks[area],
        )
    return run
