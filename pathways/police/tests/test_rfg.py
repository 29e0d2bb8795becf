"""RFG scoring: who ranks where and why, the window and the serial rule at their edges, weights as data."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.conftest import RFG_FILE
from pathways.core.access import Role, Side
from pathways.core.policy import Actor
from pathways.directory.models import Area, Region
from pathways.factories import actor_of
from pathways.people.models import Person
from pathways.police.models import RfgModelVersion, RfgRun, RfgScore
from pathways.police.rfg import (
    RfgError,
    adult_born_by,
    current_model,
    load_rfg_model,
    model_of,
    ranking,
    score_region,
    window_for,
)
from pathways.police.rfgfile import RfgFile
from pathways.police.tests.police_extracts import END, Row, days_before, extract, load

pytestmark = pytest.mark.usefixtures("region")


def _region() -> Region:
    return Region.objects.get(slug="cardiff-and-vale")


def _scores(run: RfgRun) -> dict[tuple[str, str], RfgScore]:
    return {(s.perpetrator_ref, s.area.slug): s for s in run.scores.select_related("area")}  # type: ignore[union-attr]


def _model_with(tmp_path: Path, old: str, new: str) -> RfgModelVersion:
    """A new version of the shipped model with one line changed."""
    text = RFG_FILE.read_text()
    assert text.count(old) == 1
    path = tmp_path / "rfg.yaml"
    path.write_text(text.replace(old, new))
    version, changed = load_rfg_model(path=path)
    assert changed
    return version


def test_planted_serial_perpetrators_rank_above_frequent_low_harm_ones(
    analyst: Actor, tmp_path: Path
) -> None:
    load(analyst, tmp_path, extract())
    run = score_region(region=_region(), actor=analyst, end=END)

    cardiff = list(ranking(run, Area.objects.get(slug="cardiff").pk))
    refs = [s.perpetrator_ref for s in cardiff]
    assert set(refs[:3]) == {"SERIAL-0", "SERIAL-1", "SERIAL-2"}
    assert all(s.serial for s in cardiff[:3])
    frequent = [s for s in cardiff if s.perpetrator_ref.startswith("FREQUENT-")]
    assert len(frequent) == 5 and not any(s.serial for s in frequent)
    assert min(s.rank for s in frequent) > 3
    # The frequent ones out-score the serial ones on frequency: it is gravity and victims that rank them.
    assert all(f.frequency > s.frequency for f in frequent for s in cardiff[:3])
    for score in cardiff:
        assert score.score == pytest.approx(score.recency + score.frequency + score.gravity + score.victims)
        assert 0 <= score.score <= 100
    assert [s.rank for s in cardiff] == list(range(1, len(cardiff) + 1))
    assert [s.score for s in cardiff] == sorted((s.score for s in cardiff), reverse=True)


def _documented_example() -> list[Row]:
    """docs/rfg.md, "A worked example": a frequent, low-harm perpetrator and a grave one."""
    frequent = [
        Row(f"F-{n}", days_before(30 * n), "domestic_incident", "FREQUENT", "FREQUENT-V", kind="incident")
        for n in range(10)
    ]
    grave = [
        Row("G-1", days_before(36), "strangulation", "GRAVE", "GRAVE-V1", flags=frozenset({"injury"})),
        Row("G-2", days_before(200), "strangulation", "GRAVE", "GRAVE-V2"),
    ]
    return frequent + grave


def _parts(score: RfgScore) -> tuple[float, float, float, float, float]:
    return (score.score, score.recency, score.frequency, score.gravity, score.victims)


def test_the_documented_example_and_what_a_heavier_frequency_weight_does(
    analyst: Actor, tmp_path: Path
) -> None:
    load(analyst, tmp_path, _documented_example())
    shipped = current_model(_region())
    before = score_region(region=_region(), end=END)
    scores = _scores(before)
    frequent, grave = scores[("FREQUENT", "cardiff")], scores[("GRAVE", "cardiff")]
    assert _parts(frequent) == pytest.approx((46.8859, 20.0, 20.0, 0.2192, 6.6667))
    assert _parts(grave) == pytest.approx((63.6517, 19.3431, 4.0, 26.9753, 13.3333))
    assert (grave.rank, frequent.rank) == (1, 2)
    assert (grave.harm, grave.records, grave.victim_count, grave.last_on) == (1230.75, 2, 2, days_before(36))

    heavier = _model_with(tmp_path, "  frequency: 1 ", "  frequency: 4 ")
    after = score_region(region=_region(), end=END)

    scores = _scores(after)
    frequent, grave = scores[("FREQUENT", "cardiff")], scores[("GRAVE", "cardiff")]
    assert _parts(frequent) == pytest.approx((66.8037, 12.5, 50.0, 0.137, 4.1667))
    assert _parts(grave) == pytest.approx((47.2823, 12.0894, 10.0, 16.8596, 8.3333))
    assert (frequent.rank, grave.rank) == (1, 2)
    # Each run keeps the version that made it, and the earlier scores are untouched.
    assert (before.model, after.model) == (shipped, heavier)
    assert _scores(before)[("GRAVE", "cardiff")].rank == 1


def test_rescoring_the_same_data_with_the_same_version_gives_identical_scores(
    analyst: Actor, tmp_path: Path
) -> None:
    load(analyst, tmp_path, extract(seed=11))
    fields = [f.name for f in RfgScore._meta.fields if f.name not in ("id", "run")]

    def values(run: RfgRun) -> list[tuple[object, ...]]:
        return list(run.scores.order_by("area", "rank").values_list(*fields))

    first = score_region(region=_region(), end=END)
    second = score_region(region=_region(), end=END)
    assert values(first) == values(second)
    assert (first.records, first.scored, first.model) == (second.records, second.scored, second.model)


def test_the_window_holds_its_first_and_last_day_and_nothing_outside(analyst: Actor, tmp_path: Path) -> None:
    model = model_of(current_model(_region()))  # type: ignore[arg-type]
    days = window_for(model, END).days
    assert days == 1096  # three calendar years to 30 June 2025, with 29 February 2024
    load(
        analyst,
        tmp_path,
        [
            Row("R-first", days_before(days - 1), "stalking", "FIRST-DAY", "V1"),
            Row("R-before", days_before(days), "stalking", "DAY-BEFORE", "V2"),
            Row("R-last", END, "stalking", "LAST-DAY", "V3"),
            Row("R-after", END + datetime.timedelta(days=1), "stalking", "DAY-AFTER", "V4"),
        ],
    )

    run = score_region(region=_region(), end=END)

    assert (run.window_start, run.window_end, run.records) == (days_before(days - 1), END, 2)
    scores = _scores(run)
    assert set(scores) == {("FIRST-DAY", "cardiff"), ("LAST-DAY", "cardiff")}
    assert scores[("LAST-DAY", "cardiff")].recency == 20.0
    assert scores[("FIRST-DAY", "cardiff")].recency == pytest.approx(round(20 / days, 4))


def test_the_serial_flag_at_its_edges(analyst: Actor, tmp_path: Path) -> None:
    model = model_of(current_model(_region()))  # type: ignore[arg-type]
    sixteenth_birthday = adult_born_by(model, END)
    assert sixteenth_birthday == datetime.date(2009, 6, 30)

    def pair(
        ref: str, born: datetime.date | None, areas: tuple[str, str] = ("cardiff", "cardiff")
    ) -> list[Row]:
        return [
            Row(f"{ref}-{n}", days_before(10 * n), "common_assault", ref, f"{ref}-V{n}", area=area,
                perpetrator_born_on=born)
            for n, area in enumerate(areas, start=1)
        ]  # fmt: skip

    one_victim = [
        Row(f"ONE-{n}", days_before(10 * n), "actual_bodily_harm", "ONE-VICTIM", "ONE-V") for n in range(1, 4)
    ]
    conflicting = pair("CONFLICTING", datetime.date(1980, 1, 1))
    conflicting[1] = Row("CONFLICTING-2", days_before(20), "common_assault", "CONFLICTING", "CONFLICTING-V2",
                         perpetrator_born_on=datetime.date(2012, 1, 1))  # fmt: skip
    rows = [
        *one_victim,
        *pair("AGED-15", sixteenth_birthday + datetime.timedelta(days=1)),
        *pair("AGED-16", sixteenth_birthday),
        *pair("NO-DOB", None),
        *pair("TWO-AREAS", datetime.date(1990, 5, 5), ("cardiff", "vale-of-glamorgan")),
        *conflicting,
        Row("SINGLE", days_before(5), "rape", "ONE-RECORD", "SINGLE-V"),
    ]
    load(analyst, tmp_path, rows)

    scores = _scores(score_region(region=_region(), end=END))

    serial = {ref for (ref, _area), s in scores.items() if s.serial}
    assert serial == {"AGED-16", "NO-DOB", "TWO-AREAS", "CONFLICTING"}
    # Across areas: each area alone has one record and one victim, yet both rows carry the flag.
    assert scores[("TWO-AREAS", "cardiff")].victim_count == 1
    assert scores[("TWO-AREAS", "vale-of-glamorgan")].serial


def test_a_record_whose_offence_the_model_does_not_weigh_stops_the_run(
    analyst: Actor, tmp_path: Path
) -> None:
    load(analyst, tmp_path, extract())
    _model_with(tmp_path, "    harassment: 20\n", "")
    runs, entries = RfgRun.objects.count(), AuditEntry.objects.count()

    with pytest.raises(
        RfgError, match=r"offence code\(s\) that RFG model version 2 does not weigh: harassment\."
    ):
        score_region(region=_region(), end=END)

    assert (RfgRun.objects.count(), AuditEntry.objects.count()) == (runs, entries)
    assert not RfgScore.objects.exists()


def test_scores_name_the_person_with_the_reference_and_the_run_is_audited(
    analyst: Actor, tmp_path: Path
) -> None:
    load(analyst, tmp_path, extract())
    known = Person.objects.create(
        side=Side.PERPETRATOR, given_name="Known", family_name="Serial", police_reference="SERIAL-1"
    )

    run = score_region(region=_region(), actor=analyst, end=END)

    assert _scores(run)[("SERIAL-1", "cardiff")].person == known
    assert _scores(run)[("SERIAL-0", "cardiff")].person is None
    entry = AuditEntry.objects.filter(record_type="rfg_run").get()
    assert entry.record_id == str(run.pk)
    assert entry.actor_id == analyst.user.pk
    assert entry.details["model_version"] == 1 and entry.details["scored"] == run.scored


def test_only_roles_that_handle_police_data_may_score(persona: Callable[[str], User]) -> None:
    chair = actor_of(persona(Role.PANEL_CHAIR))
    with pytest.raises(RfgError, match=r"Your role does not let you run RFG scoring\."):
        score_region(region=_region(), actor=chair, end=END)
    assert not RfgRun.objects.exists()


def test_the_score_command(analyst: Actor, tmp_path: Path) -> None:
    load(analyst, tmp_path, extract())
    call_command("score_rfg", "--username", "matac", "--end", END.isoformat())
    run = RfgRun.objects.get()
    assert (run.window_end, run.created_by) == (END, analyst.user)
    with pytest.raises(CommandError, match="--end: '30/06/2025' is not a date"):
        call_command("score_rfg", "--username", "matac", "--end", "30/06/2025")
    with pytest.raises(CommandError, match="has no RFG model version 7"):
        call_command("score_rfg", "--username", "matac", "--model-version", "7")
    assert RfgRun.objects.count() == 1


def _python_reference(
    rows: list[Row], model: RfgFile, end: datetime.date
) -> dict[tuple[str, str], tuple[float, bool]]:
    """The formula of docs/rfg.md, computed plainly in Python from the extract's rows."""
    window = window_for(model, end)
    kept = [r for r in rows if window.start <= r.occurred_on <= end]
    groups: dict[tuple[str, str], list[Row]] = defaultdict(list)
    people: dict[str, list[Row]] = defaultdict(list)
    for row in kept:
        groups[(row.perpetrator_ref, row.area)].append(row)
        people[row.perpetrator_ref].append(row)
    adult_by = adult_born_by(model, end)
    serial = set()
    for ref, theirs in people.items():
        births = [r.perpetrator_born_on for r in theirs if r.perpetrator_born_on is not None]
        if (
            len(theirs) >= model.serial.min_records
            and len({r.victim_ref for r in theirs}) >= model.serial.min_victims
            and (not births or min(births) <= adult_by)
        ):
            serial.add(ref)
    w, caps, points = model.weights, model.caps, 100 / model.weights.total
    expected = {}
    for (ref, area), theirs in groups.items():
        harm = sum(
            model.gravity.offences[r.offence] * (1 + sum(getattr(model.uplifts, f) for f in r.flags))
            for r in theirs
        )
        last = max(r.occurred_on for r in theirs)
        parts = [
            round(points * w.recency * (1 - (end - last).days / window.days), 4),
            round(points * w.frequency * min(len(theirs), caps.records) / caps.records, 4),
            round(points * w.gravity * min(harm, caps.harm) / caps.harm, 4),
            round(
                points * w.victims * min(len({r.victim_ref for r in theirs}), caps.victims) / caps.victims, 4
            ),
        ]
        expected[(ref, area)] = (round(sum(parts), 4), ref in serial)
    return expected


def test_the_database_computes_what_the_formula_says(analyst: Actor, tmp_path: Path) -> None:
    rows = extract(seed=23)
    load(analyst, tmp_path, rows)
    run = score_region(region=_region(), end=END)

    expected = _python_reference(rows, model_of(run.model), END)

    got = {key: (s.score, s.serial) for key, s in _scores(run).items()}
    assert got.keys() == expected.keys()
    for key, (score, serial) in expected.items():
        assert got[key][0] == pytest.approx(score, abs=1e-4), key
        assert got[key][1] == serial, key
