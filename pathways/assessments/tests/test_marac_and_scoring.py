"""The MARAC referral criteria on their edges, scoring, and versions that leave old results alone."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from pathways.accounts.models import User
from pathways.assessments import services
from pathways.assessments.marac import MaracInputError, marac_criteria
from pathways.assessments.models import AssessmentStatus, InstrumentVersion
from pathways.assessments.selectors import assessments_compare, risk_current
from pathways.conftest import INSTRUMENT_PATHS
from pathways.core.datafiles import DataFileError
from pathways.core.dates import within_months
from pathways.factories import actor_of
from pathways.referrals.tests.factories import refer

DAY = datetime.date(2026, 6, 1)
QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]


def criteria(**overrides: Any) -> list[str]:
    arguments: dict[str, Any] = {
        "yes_count": 0,
        "visible_high_risk_at": 14,
        "professional_judgement": False,
        "judgement_reason": "",
        "callouts_last_12_months": None,
        "callout_threshold": 3,
        "repeat_window_months": 12,
        "last_marac_referral": None,
        "incident_date": DAY,
    }
    return marac_criteria(**{**arguments, **overrides}).criteria


def test_thirteen_yes_is_not_visible_high_risk_fourteen_is() -> None:
    assert criteria(yes_count=13) == []
    assert criteria(yes_count=14) == ["visible_high_risk"]


def test_professional_judgement_needs_a_reason() -> None:
    with pytest.raises(MaracInputError):
        criteria(professional_judgement=True, judgement_reason="   ")
    assert criteria(professional_judgement=True, judgement_reason="Recent threat with a knife") == [
        "professional_judgement"
    ]


def test_call_outs_at_the_threshold_count_below_do_not() -> None:
    assert criteria(callouts_last_12_months=2) == []
    assert criteria(callouts_last_12_months=3) == ["potential_escalation"]
    assert criteria(callouts_last_12_months=3, callout_threshold=4) == []


def test_repeat_at_364_days_is_a_repeat_at_366_it_is_not() -> None:
    assert criteria(last_marac_referral=DAY - datetime.timedelta(days=364)) == ["repeat"]
    assert criteria(last_marac_referral=DAY - datetime.timedelta(days=366)) == []


def test_twelve_months_from_29_february() -> None:
    leap = datetime.date(2024, 2, 29)
    assert within_months(leap, datetime.date(2025, 2, 28), 12)
    assert not within_months(leap, datetime.date(2025, 3, 1), 12)


def test_a_region_with_a_six_month_window_counts_only_six_months_as_a_repeat() -> None:
    assert criteria(last_marac_referral=DAY - datetime.timedelta(days=200)) == ["repeat"]
    assert criteria(last_marac_referral=DAY - datetime.timedelta(days=200), repeat_window_months=6) == []
    # 1 December + 6 months is 1 June; 31 August + 6 months is the last day of February.
    assert criteria(last_marac_referral=datetime.date(2025, 12, 1), repeat_window_months=6) == ["repeat"]
    assert within_months(datetime.date(2025, 8, 31), datetime.date(2026, 2, 28), 6)
    assert not within_months(datetime.date(2025, 8, 31), datetime.date(2026, 3, 1), 6)


@pytest.fixture
def assessor(cast: dict[str, User]) -> Any:
    return actor_of(cast["idva"])


def _dash(yes: int, dont_know: int = 0, **extra: Any) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for n, q in enumerate(QUESTIONS):
        answers[q] = "yes" if n < yes else "dont_know" if n < yes + dont_know else "no"
    answers.update(
        {
            "q08": answers["q08"] if answers["q08"] != "yes" else "no",
            "incident_date": "2026-06-01",
            "professional_judgement": "no",
        }
    )
    if yes > 7:  # keep the stalking follow-up closed: move q08's yes to q24
        answers["q24"] = "yes"
    answers.update(extra)
    return answers


def _complete(
    actor: Any, person: Any, answers: dict[str, Any], instrument: str = "dash-partner-agency"
) -> Any:
    assessment = services.assessment_start(
        actor=actor, person=person, instrument_id=instrument, context="intake", assessed_on=DAY
    )
    return services.assessment_save(actor=actor, assessment=assessment, answers=answers, complete=True)


@pytest.mark.django_db
def test_dont_know_is_not_counted_as_yes(assessor: Any) -> None:
    person = refer(assessor).person
    done = _complete(assessor, person, _dash(yes=13, dont_know=5))
    assert done.results["values"]["yes_count"] == 13
    assert done.results["marac"] == {"refer": False, "criteria": []}
    assert done.results["bands"]["yes_count"] == "medium"


@pytest.mark.django_db
def test_a_completed_dash_at_fourteen_refers_to_marac_and_sets_current_risk(assessor: Any) -> None:
    person = refer(assessor).person
    done = _complete(assessor, person, _dash(yes=15))
    assert done.results["marac"]["refer"] and "visible_high_risk" in done.results["marac"]["criteria"]
    risk = risk_current(person=person)
    assert risk is not None and risk.level == "high" and risk.assessment == done


@pytest.mark.django_db
def test_professional_judgement_without_reason_is_refused(assessor: Any) -> None:
    person = refer(assessor).person
    with pytest.raises(services.AssessmentError) as caught:
        _complete(assessor, person, _dash(yes=2, professional_judgement="yes"))
    assert caught.value.problems[0].item == "judgement_reason"


@pytest.mark.django_db
def test_a_submission_that_does_not_match_its_version_is_refused(assessor: Any) -> None:
    person = refer(assessor).person
    with pytest.raises(services.AssessmentError) as caught:
        _complete(assessor, person, {**_dash(yes=2), "q99": "yes", "q01": "perhaps"})
    problems = {p.item: p.message for p in caught.value.problems}
    assert problems["q99"] == "no such item in this version of the instrument"
    assert problems["q01"].startswith("expected one of")


@pytest.mark.django_db
def test_stalking_follow_ups_open_only_when_stalking_is_yes(assessor: Any) -> None:
    person = refer(assessor).person
    answers = _dash(yes=2, q08="yes")
    with pytest.raises(services.AssessmentError) as caught:
        _complete(assessor, person, answers)
    assert {p.item for p in caught.value.problems} == {f"s{n:02d}" for n in range(1, 12)}
    done = _complete(assessor, person, {**answers, **{f"s{n:02d}": "no" for n in range(1, 12)}})
    assert done.status == AssessmentStatus.COMPLETED


@pytest.mark.django_db
def test_completed_assessments_do_not_change_and_corrections_supersede(assessor: Any) -> None:
    person = refer(assessor).person
    done = _complete(assessor, person, _dash(yes=3))
    with pytest.raises(services.AssessmentError):
        services.assessment_save(actor=assessor, assessment=done, answers=_dash(yes=14), complete=True)
    with pytest.raises(services.AssessmentError, match="reason"):
        services.assessment_correct(actor=assessor, assessment=done, reason=" ")
    fix = services.assessment_correct(
        actor=assessor, assessment=done, reason="Q3 was recorded against the wrong person"
    )
    fixed = services.assessment_save(actor=assessor, assessment=fix, answers=_dash(yes=4), complete=True)
    done.refresh_from_db()
    assert done.status == AssessmentStatus.SUPERSEDED and done.results["values"]["yes_count"] == 3
    assert fixed.supersedes == done
    moved = assessments_compare(earlier=done, later=fixed)
    assert [(c.item, c.direction) for c in moved] == [("q04", "up")]


@pytest.mark.django_db
def test_a_new_instrument_version_leaves_old_results_intact(assessor: Any, tmp_path: Path) -> None:
    person = refer(assessor).person
    old = _complete(assessor, person, _dash(yes=12))
    assert old.results["bands"]["yes_count"] == "medium"
    changed = yaml.safe_load((INSTRUMENT_PATHS[0] / "dash-partner-agency.yaml").read_text())
    changed["banding"][0]["bands"][1]["max"] = 11
    changed["banding"][0]["bands"][2]["min"] = 12
    path = tmp_path / "dash-partner-agency.yaml"
    path.write_text(yaml.safe_dump(changed, allow_unicode=True))
    services.instruments_load(paths=[path])
    assert InstrumentVersion.objects.filter(instrument="dash-partner-agency").count() == 2
    new = _complete(assessor, person, _dash(yes=12))
    old.refresh_from_db()
    assert new.results["bands"]["yes_count"] == "high" and new.instrument_version.version == 2
    assert old.results["bands"]["yes_count"] == "medium" and old.instrument_version.version == 1


@pytest.mark.django_db
def test_an_invalid_instrument_file_is_rejected_whole_naming_file_item_and_problem(tmp_path: Path) -> None:
    broken = yaml.safe_load((INSTRUMENT_PATHS[0] / "dash-police.yaml").read_text())
    broken["sections"][0]["items"][0]["type"] = "maybe"
    broken["results"][0]["items"].append("q77")
    path = tmp_path / "dash-police.yaml"
    path.write_text(yaml.safe_dump(broken, allow_unicode=True))
    good = tmp_path / "other.yaml"
    good.write_text(
        (INSTRUMENT_PATHS[0] / "dash-partner-agency.yaml")
        .read_text()
        .replace("id: dash-partner-agency", "id: dash-copy")
    )
    with pytest.raises(DataFileError) as caught:
        services.instruments_load(paths=[good, path])
    text = str(caught.value)
    assert "dash-police.yaml" in text and "sections[1]" in text and "'maybe' is not allowed" in text
    assert not InstrumentVersion.objects.filter(instrument="dash-copy").exists()


@pytest.mark.django_db
def test_triage_uses_the_assessed_risk_when_the_referrer_did_not_know_it(assessor: Any) -> None:
    from pathways.referrals.services import referral_triage

    referral = refer(assessor, risk="not_known", route="marac")
    before, _ = referral_triage(referral=referral)
    _complete(assessor, referral.person, _dash(yes=15))
    after, _ = referral_triage(referral=referral)
    assert before.tier_needed == "early_intervention"  # risk not known
    assert after.tier_needed == "high_harm"
    assert after.fits[0].service == "drive-cardiff"
    assert after.fits[0].reasons[0].code == "tier_needed"
