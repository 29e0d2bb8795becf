"""Staff and skills: VASE-R as ids-only data, ratings scored item by item with the total worked out, the
team profile (n, range, mean, SD, counts at 26 and 31) computed from the scores, refreshers on Tasks, and
who may read what."""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal
from html import unescape
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.core.datafiles import DataFileError
from pathways.directory.models import Service
from pathways.factories import actor_of, date_fields, sign_in
from pathways.workforce.choices import TrainingKind, TrainingTopic
from pathways.workforce.models import SkillsInstrument, SkillsRating, StaffMember
from pathways.workforce.selectors import skills_file, skills_profile
from pathways.workforce.services import (
    WorkforceError,
    skills_file_load,
    skills_rating_record,
    staff_add,
    training_record,
)

pytestmark = pytest.mark.usefixtures("region")

SKILLS_FILE = Path(settings.BASE_DIR) / "standards" / "vase-r.yaml"
# The review's local staff (section 4.9): n = 9, range 10 to 24, mean 15.8, SD 4.8, none at 26.
NINE = [10, 11, 11, 13, 16, 19, 19, 19, 24]


@pytest.fixture
def vase(db: None) -> SkillsInstrument:
    version, _created = skills_file_load(path=SKILLS_FILE)
    return version


def _scores(instrument: SkillsInstrument, total: int) -> dict[str, int]:
    ids = [i.id for i in skills_file(version=instrument).items]
    return {item: min(2, max(0, total - 2 * n)) for n, item in enumerate(ids)}


def _team(cast: dict[str, User], instrument: SkillsInstrument, totals: list[int]) -> list[StaffMember]:
    actor = actor_of(cast["manager"])
    clear = Service.objects.get(slug="clear")
    team = []
    for n, total in enumerate(totals):
        staff = staff_add(actor=actor, full_name=f"Facilitator {n}", service=clear)
        skills_rating_record(
            actor=actor,
            staff=staff,
            instrument=instrument,
            rated_on=datetime.date(2020, 9, 15),
            rater="Rater",
            scores=_scores(instrument, total),
        )
        team.append(staff)
    return team


def test_vase_r_is_eighteen_items_over_three_vignettes_with_five_subscales_and_two_benchmarks(
    vase: SkillsInstrument,
) -> None:
    file = skills_file(version=vase)
    assert len(file.items) == 18 and {i.vignette for i in file.items} == {1, 2, 3}
    assert len(file.subscales) == 5 and file.total_max == 36
    assert [(b.slug, b.min_total) for b in file.benchmarks] == [("beginning", 26), ("advanced", 31)]


def test_a_wrong_subscale_is_reported_with_its_line_and_nothing_is_loaded(tmp_path: Path, db: None) -> None:
    text = SKILLS_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "vase-r.yaml"
    broken.write_text(
        text.replace(
            "{id: v2-3, vignette: 2, subscale: responding-to-resistance}",
            "{id: v2-3, vignette: 2, subscale: listening}",
        ),
        encoding="utf-8",
    )
    with pytest.raises(DataFileError) as raised:
        skills_file_load(path=broken)
    (problem,) = raised.value.problems
    line = next(n for n, row in enumerate(broken.read_text().splitlines(), 1) if "subscale: listening" in row)
    assert problem.line == line and "no subscale 'listening'" in str(problem)
    assert SkillsInstrument.objects.count() == 0


def test_nine_results_give_the_reviews_profile_computed_from_the_scores(
    vase: SkillsInstrument, cast: dict[str, User]
) -> None:
    _team(cast, vase, NINE)
    assert sorted(SkillsRating.objects.values_list("total", flat=True)) == NINE
    page = unescape(sign_in(Client(), cast["manager"]).get("/en/staff/skills/").content.decode())
    for anchor, value in (
        ("skills-n", "9"),
        ("skills-range", "10 to 24"),
        ("skills-mean", "15.8"),
        ("skills-sd", "4.8"),
        ("skills-at-26", "0"),
        ("skills-at-31", "0"),
    ):
        assert f'id="{anchor}">{value}<' in page, anchor
    assert "9 of the 9 staff rated are below beginning proficiency" in page
    assert '<svg id="skills-chart"' in page and page.count('fill="#1d70b8"') == 9


def test_two_more_at_27_and_33_are_counted_at_each_benchmark(
    vase: SkillsInstrument, cast: dict[str, User]
) -> None:
    team = _team(cast, vase, [*NINE, 27, 33])
    profile = skills_profile(
        ratings=list(SkillsRating.objects.filter(staff__in=team)), file=skills_file(version=vase)
    )
    assert [(minimum, count) for _name, minimum, count in profile.benchmarks] == [(26, 2), (31, 1)]
    assert profile.n == 11 and profile.highest == 33


def test_a_rating_is_entered_item_by_item_and_its_total_worked_out(
    vase: SkillsInstrument, cast: dict[str, User]
) -> None:
    staff = staff_add(
        actor=actor_of(cast["manager"]),
        full_name="Bethan Rowlands",
        service=Service.objects.get(slug="clear"),
    )
    client = sign_in(Client(), cast["manager"])
    items = {f"item_{i}": "1" for i in _scores(vase, 0)}
    post = {"form": "rating", "rater": "Rater", **date_fields("rated_on", "2026-11-02"), **items}
    missing = dict(post)
    missing.pop("item_v2-4")
    refused = client.post(staff.get_absolute_url(), missing)
    assert refused.status_code == 400 and 'href="#id_item_v2-4"' in refused.content.decode()
    assert client.post(staff.get_absolute_url(), {**post, "item_v1-1": "3"}).status_code == 400
    assert SkillsRating.objects.count() == 0
    assert client.post(staff.get_absolute_url(), post).status_code == 302
    rating = SkillsRating.objects.get()
    assert rating.total == 18 and sum(rating.subscales.values()) == 18
    with pytest.raises(WorkforceError):
        skills_rating_record(
            actor=actor_of(cast["manager"]),
            staff=staff,
            instrument=vase,
            rated_on=timezone.localdate(),
            rater="Rater",
            scores={"v1-1": 2},
        )


def test_mi_days_and_a_refresher_coming_due_on_tasks(vase: SkillsInstrument, cast: dict[str, User]) -> None:
    actor = actor_of(cast["manager"])
    today = timezone.localdate()
    staff = staff_add(
        actor=actor,
        full_name="Iwan Pritchard",
        service=Service.objects.get(slug="clear"),
        mi_days_before=Decimal("4"),
    )
    training_record(
        actor=actor,
        staff=staff,
        kind=TrainingKind.TRAINING,
        topic=TrainingTopic.MOTIVATIONAL_INTERVIEWING,
        title="MI foundations",
        attended_on=today,
        days=Decimal("2"),
        refresher_due_on=None,
    )
    training_record(
        actor=actor,
        staff=staff,
        kind=TrainingKind.TRAINING,
        topic=TrainingTopic.RISK_INSTRUMENT,
        title="DASH risk identification",
        attended_on=today - datetime.timedelta(days=700),
        days=Decimal("1"),
        refresher_due_on=today + datetime.timedelta(days=30),
    )
    client = sign_in(Client(), cast["manager"])
    page = unescape(client.get(staff.get_absolute_url()).content.decode())
    assert 'id="mi-career">6<' in page and 'id="mi-year">2<' in page
    tasks = unescape(client.get("/en/tasks/").content.decode())
    assert "Iwan Pritchard</a>: DASH risk identification" in tasks
    # Refreshed since: off Tasks.
    training_record(
        actor=actor,
        staff=staff,
        kind=TrainingKind.TRAINING,
        topic=TrainingTopic.RISK_INSTRUMENT,
        title="DASH refresher",
        attended_on=today,
        days=Decimal("0.5"),
        refresher_due_on=None,
    )
    assert "DASH risk identification" not in unescape(client.get("/en/tasks/").content.decode())


def test_staff_records_are_their_agencys_and_the_profile_is_counts_only(
    vase: SkillsInstrument, cast: dict[str, User]
) -> None:
    team = _team(cast, vase, [12, 20])
    assert sign_in(Client(), cast["drive"]).get(team[0].get_absolute_url()).status_code == 403
    assert sign_in(Client(), cast["manager-elsewhere"]).get(team[0].get_absolute_url()).status_code == 404
    commissioner = sign_in(Client(), cast["commissioner"])
    assert commissioner.get("/en/staff/").status_code == 403
    profile = commissioner.get("/en/staff/skills/").content.decode()
    assert 'id="skills-n">2<' in profile and "Facilitator" not in profile
    rows = list(
        csv.reader(io.StringIO(commissioner.get("/en/staff/skills/export/?format=csv").content.decode()))
    )
    assert ["Staff rated", "2"] in rows and ["Mean total", "16"] in rows
    assert commissioner.get("/en/staff/skills/export/?format=xlsx").content[:2] == b"PK"
    with pytest.raises(WorkforceError):
        staff_add(actor=actor_of(cast["drive"]), full_name="Not theirs")


def test_the_review_sheet_shows_staff_figures_only_to_managers_and_commissioners(
    vase: SkillsInstrument, cast: dict[str, User]
) -> None:
    from pathways.standards.choices import ReviewKind
    from pathways.standards.services import review_start, standards_file_load

    version, _ = standards_file_load(path=Path(settings.BASE_DIR) / "standards" / "vawdasv-2018.yaml")
    _team(cast, vase, [27])
    review = review_start(
        actor=actor_of(cast["manager"]),
        service=Service.objects.get(slug="clear"),
        standards=version,
        checklist="full",
        kind=ReviewKind.SELF_ASSESSMENT,
        reviewer="Us",
        reviewed_on=timezone.localdate(),
    )
    practitioner = unescape(
        sign_in(Client(), cast["practitioner"]).get(review.get_absolute_url()).content.decode()
    )
    assert "Staff with a skills rating" not in practitioner
    assert "The staff's figures are shown to the service's managers and to commissioners." in practitioner
    for login in ("manager", "commissioner"):
        page = unescape(sign_in(Client(), cast[login]).get(review.get_absolute_url()).content.decode())
        assert "Staff with a skills rating: 1" in page and "at Beginning proficiency: 1" in page, login
