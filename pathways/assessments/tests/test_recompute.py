"""Recomputing stored results after a region's MARAC call-out threshold changes."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from pathways.accounts.models import User
from pathways.assessments import services
from pathways.assessments.models import (
    Assessment,
    AssessmentStatus,
    InstrumentVersion,
    RegionAssessmentSettings,
)
from pathways.assessments.recompute import recompute_results
from pathways.assessments.services import AssessmentError
from pathways.audit.models import AuditEntry
from pathways.directory.models import Region
from pathways.factories import actor_of
from pathways.referrals.tests.factories import refer

DAY = datetime.date(2026, 6, 1)
QUESTIONS = [f"q{n:02d}" for n in range(1, 25)]


@pytest.fixture
def assessor(cast: dict[str, User]) -> Any:
    return actor_of(cast["idva"])


def _dash(yes: int, callouts: int | None = None) -> dict[str, Any]:
    answers: dict[str, Any] = {q: "yes" if n < yes and q != "q08" else "no" for n, q in enumerate(QUESTIONS)}
    answers.update(incident_date="2026-05-30", professional_judgement="no")
    if callouts is not None:
        answers["police_callouts_12m"] = callouts
    return answers


def _start(actor: Any, person: Any, instrument: str = "dash-partner-agency") -> Assessment:
    return services.assessment_start(
        actor=actor, person=person, instrument_id=instrument, context="intake", assessed_on=DAY
    )


def _complete(
    actor: Any, person: Any, answers: dict[str, Any], instrument: str = "dash-partner-agency"
) -> Any:
    assessment = _start(actor, person, instrument)
    return services.assessment_save(actor=actor, assessment=assessment, answers=answers, complete=True)


def _new_threshold(threshold: int) -> None:
    region = Region.objects.get(slug="cardiff-and-vale")
    latest = RegionAssessmentSettings.objects.filter(region=region).first()
    assert latest is not None
    settings = {**latest.settings, "marac": {**latest.settings["marac"], "callout_threshold": threshold}}
    RegionAssessmentSettings.objects.create(
        region=region, version=latest.version + 1, settings=settings, file_sha256="0" * 64
    )


def _stored() -> dict[Any, tuple[str, dict[str, Any], dict[str, Any], int, Any]]:
    return {
        a.pk: (a.status, a.answers, a.results, a.instrument_version_id, a.modified_at)
        for a in Assessment.objects.all()
    }


@pytest.mark.django_db
def test_a_new_callout_threshold_changes_only_the_affected_marac_results(assessor: Any) -> None:
    person = refer(assessor).person
    at_three = _complete(assessor, person, _dash(yes=2, callouts=3))
    at_five = _complete(assessor, person, _dash(yes=2, callouts=5))
    none = _complete(assessor, person, _dash(yes=2))
    high = _complete(assessor, person, _dash(yes=15, callouts=3))
    fix = services.assessment_correct(actor=assessor, assessment=at_three, reason="Wrong incident date")
    corrected = services.assessment_save(
        actor=assessor, assessment=fix, answers=_dash(yes=3, callouts=4), complete=True
    )
    draft = _start(assessor, person)
    draft = services.assessment_save(actor=assessor, assessment=draft, answers=_dash(yes=2, callouts=3))
    assert at_three.results["marac"] == {"refer": True, "criteria": ["potential_escalation"]}
    assert at_three.results["risk_level"] == "high"
    before = _stored()
    assert before[at_three.pk][0] == AssessmentStatus.SUPERSEDED

    _new_threshold(5)
    # The superseded one at 3 call-outs, the correction at 4 and the high-risk one at 3.
    assert recompute_results() == 3

    after = _stored()
    changed = {pk for pk in before if before[pk][2] != after[pk][2]}
    assert changed == {at_three.pk, corrected.pk, high.pk}
    for pk in (at_three.pk, corrected.pk):
        assert after[pk][2]["marac"] == {"refer": False, "criteria": []}
        assert after[pk][2]["risk_level"] == "standard"
        assert after[pk][2]["values"] == before[pk][2]["values"]
    assert after[at_five.pk][2]["marac"]["criteria"] == ["potential_escalation"]
    assert before[high.pk][2]["marac"]["criteria"] == ["visible_high_risk", "potential_escalation"]
    assert after[high.pk][2]["marac"] == {"refer": True, "criteria": ["visible_high_risk"]}
    assert after[high.pk][2]["risk_level"] == "high"
    # Answers, instrument versions, statuses and modification times are untouched; drafts entirely.
    for pk, (status, answers, _results, version, modified) in before.items():
        assert (after[pk][0], after[pk][1], after[pk][3], after[pk][4]) == (
            status,
            answers,
            version,
            modified,
        )
    assert after[draft.pk] == before[draft.pk] and after[draft.pk][2] == {}
    assert after[none.pk] == before[none.pk]

    entry = AuditEntry.objects.filter(record_type="assessment_recompute").get()
    assert entry.action == "record.changed"
    assert entry.details["count"] == 3 and entry.details["instrument"] == "all"
    assert entry.details["checked"] == 5

    # Same answers, same version, same settings: the second run changes nothing.
    assert recompute_results() == 0
    assert _stored() == after
    assert AuditEntry.objects.filter(record_type="assessment_recompute").count() == 2


@pytest.mark.django_db
def test_each_assessment_keeps_its_own_instrument_version(assessor: Any) -> None:
    person = refer(assessor).person
    done = _complete(assessor, person, _dash(yes=13))  # 12 yes: q08 is kept "no"
    assert done.results["bands"]["yes_count"] == "medium"
    newer = InstrumentVersion.objects.get(pk=done.instrument_version_id)
    newer.pk = None
    newer.version += 1
    bands = newer.definition["banding"][0]["bands"]
    bands[1]["max"], bands[2]["min"] = 11, 12  # 12 yes answers would be high in the new version
    newer.save()
    assert recompute_results(instrument="dash-partner-agency", batch_size=1) == 0
    done.refresh_from_db()
    assert done.results["bands"]["yes_count"] == "medium" and done.instrument_version.version == 1


@pytest.mark.django_db
def test_an_engine_fix_is_applied_and_the_validated_population_flag_is_kept(assessor: Any) -> None:
    woman = refer(assessor, gender="woman").person
    odara = _complete(
        assessor, woman, {f"o{n:02d}": "yes" if n <= 4 else "no" for n in range(1, 14)}, "odara"
    )
    assert odara.results["outside_validated_population"] is True
    dash = _complete(assessor, woman, _dash(yes=4))
    good = {a.pk: a.results for a in Assessment.objects.all()}
    # As if stored by an engine with a bug: recomputing puts the results right, in small batches.
    Assessment.objects.filter(pk=odara.pk).update(
        results={**odara.results, "values": {"total": 0}, "bands": {}}
    )
    Assessment.objects.filter(pk=dash.pk).update(results={})
    assert recompute_results(batch_size=1) == 2
    assert {a.pk: a.results for a in Assessment.objects.all()} == good


def test_answers_changed_outside_pathways_stop_the_run_and_nothing_is_written(assessor: Any) -> None:
    people = [refer(assessor).person for _ in range(3)]
    for person in people:
        _complete(assessor, person, _dash(yes=2, callouts=3))
    _new_threshold(4)
    broken = Assessment.objects.order_by("pk").last()
    assert broken is not None
    Assessment.objects.filter(pk=broken.pk).update(answers=["yes"] * 24)
    before = _stored()
    # One row a batch: the others changed results may already be worked out (and staged) when it stops.
    with pytest.raises(AssessmentError, match="not a set of answers"):
        recompute_results(batch_size=1)
    assert _stored() == before
    assert not AuditEntry.objects.filter(record_type="assessment_recompute").exists()


@pytest.mark.django_db
def test_the_command_prints_the_count_and_can_keep_to_one_instrument(assessor: Any) -> None:
    person = refer(assessor).person
    _complete(assessor, person, _dash(yes=2, callouts=3))
    _new_threshold(4)
    out = StringIO()
    call_command("recompute_assessments", "--instrument", "dash-police", stdout=out)
    assert out.getvalue().strip() == "0"
    call_command("recompute_assessments", "--instrument", "dash-partner-agency", stdout=out)
    assert out.getvalue().split() == ["0", "1"]
    entry = AuditEntry.objects.filter(record_type="assessment_recompute").order_by("-sequence").first()
    assert entry is not None and entry.details["instrument"] == "dash-partner-agency"
    with pytest.raises(CommandError, match="No such instrument"):
        call_command("recompute_assessments", "--instrument", "no-such-tool", stdout=out)
