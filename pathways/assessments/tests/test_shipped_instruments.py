"""The shipped instrument files: they load, and each scores (or refuses to score) as its source says."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from pathways.accounts.models import User
from pathways.assessments import services
from pathways.assessments.models import Assessment, AssessmentStatus, InstrumentVersion
from pathways.conftest import INSTRUMENT_PATHS
from pathways.factories import actor_of, sign_in
from pathways.referrals.tests.factories import refer

DAY = datetime.date(2026, 6, 1)
NOT_INSTRUMENTS = services.OTHER_REGION_FILES | {"assessment.yaml"}
SPJ_FORMS = ["b-safer-v2", "sara-v3-results", "spj-generic"]
SUMMARY_JUDGEMENTS = {"case_prioritisation", "risk_serious_physical_harm", "imminent_violence"}
B_SAFER_FACTORS = [
    "violent_acts",
    "violent_threats_or_thoughts",
    "escalation",
    "court_order_violations",
    "violent_attitudes",
    "general_criminality",
    "relationship_problems",
    "employment_problems",
    "substance_use_problems",
    "mental_health_problems",
    "victim_inconsistent",
    "victim_extreme_fear",
    "victim_lacks_resources",
    "victim_unsafe_living",
    "victim_personal_problems",
]
JUDGED = {
    "case_prioritisation": "low",
    "risk_serious_physical_harm": "low",
    "imminent_violence": "low",
    "risk_management_recommendations": "Weekly contact; review if the partner moves.",
}
NEEDS_DOMAINS = [
    "mental_health",
    "substance_use",
    "housing",
    "employment_money",
    "children_contact",
    "own_victimisation",
    "readiness",
]


def _shipped_files() -> list[Path]:
    return [
        path
        for folder in INSTRUMENT_PATHS
        for path in sorted(folder.glob("*.yaml"))
        if path.name not in NOT_INSTRUMENTS
    ]


@pytest.fixture
def assessor(cast: dict[str, User]) -> Any:
    return actor_of(cast["drive"])  # Drive's case manager


@pytest.fixture
def person(assessor: Any) -> Any:
    return refer(assessor).person


def _complete(actor: Any, person: Any, instrument: str, answers: dict[str, Any]) -> Any:
    assessment = services.assessment_start(
        actor=actor, person=person, instrument_id=instrument, context="intake", assessed_on=DAY
    )
    return services.assessment_save(actor=actor, assessment=assessment, answers=answers, complete=True)


# --- every file ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_every_shipped_file_is_loaded_under_its_file_name(region: None) -> None:
    files = _shipped_files()
    ids = {yaml.safe_load(path.read_text(encoding="utf-8"))["id"] for path in files}
    assert {path.stem for path in files} == ids
    assert {"b-safer-v2", "odara", "sara-v3-results", "spj-generic", "needs", "perpetrator-risk"} <= ids
    for instrument in ids:
        version = InstrumentVersion.objects.filter(instrument=instrument).first()
        assert version is not None, instrument
        assert version.definition["wording"] == "neutral_labels"
        assert version.definition["licence"] and version.definition["source"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "instrument", ["b-safer-v2", "odara", "sara-v3-results", "spj-generic", "needs", "perpetrator-risk"]
)
def test_each_new_form_opens_in_welsh(assessor: Any, person: Any, instrument: str) -> None:
    client = sign_in(Client(), assessor.user)
    location = client.post(
        f"/cy/assessments/people/{person.pk}/new/",
        {"instrument": instrument, "context": "intake", "assessed_on": "2026-06-01"},
    )["Location"]
    page = client.get(location).content.decode()
    version = services.instrument_version_current(instrument_id=instrument)
    assert version.definition["name"]["cy"].replace("'", "&#x27;") in page
    first = version.definition["sections"][0]["items"][0]["label"]["cy"]
    assert first.replace("'", "&#x27;") in page


@pytest.mark.django_db
def test_b_safer_completed_through_the_page(assessor: Any, person: Any) -> None:
    client = sign_in(Client(), assessor.user)
    location = client.post(
        f"/en/assessments/people/{person.pk}/new/",
        {"instrument": "b-safer-v2", "context": "intake", "assessed_on": "2026-06-01"},
    )["Location"]
    ratings = {f"{f}__{period}": "absent" for f in B_SAFER_FACTORS for period in ("recent", "past")}
    ratings["violent_acts__past"] = "present"
    response = client.post(
        location, {**ratings, **JUDGED, "case_prioritisation": "moderate", "complete": "1"}
    )
    assert response.status_code == 302
    done = Assessment.objects.get()
    assert done.status == AssessmentStatus.COMPLETED
    assert done.answers["violent_acts"] == {"recent": "absent", "past": "present"}
    assert done.results == {"values": {"factors_present": 1}, "bands": {}, "risk_level": "medium"}


# --- structured professional judgement -----------------------------------------------------------------


def _b_safer(rating: str = "absent", **judgements: str) -> dict[str, Any]:
    answers: dict[str, Any] = {f: {"recent": rating, "past": rating} for f in B_SAFER_FACTORS}
    return {**answers, **judgements}


@pytest.mark.django_db
def test_b_safer_cannot_be_completed_without_the_assessor_s_judgements(assessor: Any, person: Any) -> None:
    with pytest.raises(services.AssessmentError) as caught:
        _complete(assessor, person, "b-safer-v2", _b_safer("present"))
    assert {p.item for p in caught.value.problems} == {*SUMMARY_JUDGEMENTS, "risk_management_recommendations"}


@pytest.mark.django_db
def test_b_safer_risk_follows_the_judgement_never_the_factors(assessor: Any, person: Any) -> None:
    none_present = _complete(assessor, person, "b-safer-v2", _b_safer("absent", **JUDGED))
    all_present = _complete(assessor, person, "b-safer-v2", _b_safer("present", **JUDGED))
    judged_high = _complete(
        assessor, person, "b-safer-v2", _b_safer("absent", **{**JUDGED, "case_prioritisation": "high"})
    )
    assert none_present.results == {"values": {"factors_present": 0}, "bands": {}, "risk_level": "standard"}
    assert all_present.results == {"values": {"factors_present": 15}, "bands": {}, "risk_level": "standard"}
    assert judged_high.results == {"values": {"factors_present": 0}, "bands": {}, "risk_level": "high"}
    assert services.instrument_definition(version=none_present.instrument_version).banding == []


@pytest.mark.django_db
def test_b_safer_count_takes_a_factor_present_in_either_period(assessor: Any, person: Any) -> None:
    answers = {
        **_b_safer("absent", **JUDGED),
        "violent_acts": {"recent": "present", "past": "absent"},
        "escalation": {"recent": "absent", "past": "present"},
        "violent_attitudes": {"recent": "possibly_present", "past": "possibly_present"},
    }
    done = _complete(assessor, person, "b-safer-v2", answers)
    assert done.results["values"]["factors_present"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize("instrument", SPJ_FORMS)
@pytest.mark.parametrize(("judged", "level"), [("low", "standard"), ("moderate", "medium"), ("high", "high")])
def test_spj_risk_level_is_the_case_prioritisation(
    assessor: Any, person: Any, instrument: str, judged: str, level: str
) -> None:
    definition = services.instrument_definition(
        version=services.instrument_version_current(instrument_id=instrument)
    )
    assert {j.id for j in definition.judgements} >= SUMMARY_JUDGEMENTS
    answers: dict[str, Any] = {}
    for section in definition.sections:
        for item in section.items:
            if item.type == "presence_recent_past":
                answers[item.id] = {"recent": "present", "past": "present"}
            elif item.type == "date":
                answers[item.id] = "2026-05-20"
    answers.update({**JUDGED, "case_prioritisation": judged})
    assert _complete(assessor, person, instrument, answers).results["risk_level"] == level


# --- ODARA ---------------------------------------------------------------------------------------------


def _odara(yes: int) -> dict[str, str]:
    return {f"o{n:02d}": "yes" if n <= yes else "no" for n in range(1, 14)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("yes", "band"),
    [(0, "bin-0"), (4, "bin-4"), (5, "bin-5-6"), (6, "bin-5-6"), (7, "bin-7-13"), (13, "bin-7-13")],
)
def test_odara_total_and_bin(assessor: Any, person: Any, yes: int, band: str) -> None:
    done = _complete(assessor, person, "odara", _odara(yes))
    assert done.results["values"] == {"total": yes}
    assert done.results["bands"] == {"total": band}
    assert done.results["risk_level"] is None


@pytest.mark.django_db
def test_odara_every_item_must_be_answered(assessor: Any, person: Any) -> None:
    answers = _odara(3)
    del answers["o13"]
    with pytest.raises(services.AssessmentError) as caught:
        _complete(assessor, person, "odara", answers)
    assert [p.item for p in caught.value.problems] == ["o13"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("gender", "partner_gender", "outside"), [("woman", "man", True), ("man", "woman", False)]
)
def test_odara_warns_outside_men_assaulting_female_partners(
    assessor: Any, gender: str, partner_gender: str, outside: bool
) -> None:
    referred = refer(assessor, gender=gender, partner_gender=partner_gender).person
    done = _complete(assessor, referred, "odara", _odara(2))
    assert done.results["outside_validated_population"] is outside


# --- needs ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_needs_counts_high_needs_and_sums_the_domains(assessor: Any, person: Any) -> None:
    levels = ["high_need", "some_need", "no_need", "high_need", "some_need", "no_need", "high_need"]
    answers: dict[str, Any] = {
        f"{domain}_need": level for domain, level in zip(NEEDS_DOMAINS, levels, strict=True)
    }
    answers.update({"housing_note": "high_need", "acknowledges_partner_afraid": "dont_know"})
    done = _complete(assessor, person, "needs", answers)
    assert done.results["values"] == {"high_need_count": 3, "need_score": 8}
    assert done.results["bands"] == {} and done.results["risk_level"] is None


@pytest.mark.django_db
def test_needs_asks_whether_the_partner_s_fear_is_acknowledged(assessor: Any, person: Any) -> None:
    answers = {f"{domain}_need": "no_need" for domain in NEEDS_DOMAINS}
    with pytest.raises(services.AssessmentError) as caught:
        _complete(assessor, person, "needs", answers)
    assert [p.item for p in caught.value.problems] == ["acknowledges_partner_afraid"]


# --- the region's perpetrator checklist ----------------------------------------------------------------


def _checklist(yes: int, dont_know: int = 0, judgement: str = "no") -> dict[str, str]:
    answers = {
        f"p{n:02d}": "yes" if n <= yes else "dont_know" if n <= yes + dont_know else "no"
        for n in range(1, 16)
    }
    return {**answers, "professional_judgement": judgement}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("yes", "band"),
    [(0, "standard"), (4, "standard"), (5, "medium"), (8, "medium"), (9, "high"), (15, "high")],
)
def test_perpetrator_checklist_bands(assessor: Any, person: Any, yes: int, band: str) -> None:
    done = _complete(assessor, person, "perpetrator-risk", _checklist(yes))
    assert done.results["values"] == {"yes_count": yes}
    assert done.results["bands"] == {"yes_count": band}
    assert done.results["risk_level"] == band


@pytest.mark.django_db
def test_perpetrator_checklist_dont_know_is_not_yes_and_judgement_raises_to_high(
    assessor: Any, person: Any
) -> None:
    unsure = _complete(assessor, person, "perpetrator-risk", _checklist(4, dont_know=6))
    assert unsure.results["values"]["yes_count"] == 4 and unsure.results["risk_level"] == "standard"
    judged = _complete(
        assessor,
        person,
        "perpetrator-risk",
        {**_checklist(1, judgement="yes"), "judgement_reason": "Recent threat to kill with a knife."},
    )
    assert judged.results["bands"] == {"yes_count": "standard"} and judged.results["risk_level"] == "high"
