"""What the referrer knows of behaviour and history changes triage as the region's rules say, every reason
a service is ruled out is given, and need no service of the right tier could meet is counted even when
another service takes the person."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pathways.core.datafiles import DataFileError
from pathways.directory.models import Service
from pathways.insights.selectors import gap_map_build
from pathways.referrals.reasons import Describer
from pathways.referrals.services import (
    referral_service_choose,
    referral_triage,
    referral_unmet_need_record,
    triage_rules_load,
)
from pathways.referrals.tests.factories import refer
from pathways.referrals.triage import TriageResult

pytestmark = pytest.mark.django_db

RULES = Path(__file__).resolve().parents[3] / "regions" / "cardiff-and-vale" / "triage.yaml"


def _words(result: TriageResult, slug: str) -> list[str]:
    describe = Describer()
    ruled = next(r for r in result.ruled_out if r.service == slug)
    return [describe({"code": r.code, "params": r.params}) for r in ruled.reasons]


def _fit(result: TriageResult, slug: str) -> list[str]:
    describe = Describer()
    option = next(o for o in result.fits if o.service == slug)
    return [describe({"code": r.code, "params": r.params}) for r in [*option.reasons, *option.cautions]]


def test_entrenched_behaviour_at_medium_risk_rules_out_clear_and_needs_the_medium_tier(region: None) -> None:
    plain, _ = referral_triage(referral=refer(None, risk="medium"))
    assert "clear" in {o.service for o in plain.fits}
    result, _ = referral_triage(referral=refer(None, risk="medium", facts={"entrenched_behaviour": True}))
    assert "clear" not in {o.service for o in result.fits}
    assert _words(result, "clear") == [
        "Their behaviour is entrenched: early intervention services are not for this"
    ]
    assert result.tier_needed == "medium_risk"


def test_every_reason_a_service_is_ruled_out_is_given(region: None) -> None:
    result, _ = referral_triage(
        referral=refer(None, gender="woman", partner_gender="man", area="vale-of-glamorgan", partner=False)
    )
    assert _words(result, "clear") == [
        "Does not cover Vale of Glamorgan",
        "Not for women",
        "Needs the partner's contact details, so that the partner can be offered support",
    ]


def test_concerns_about_sexual_harm_bring_in_the_sexual_violence_services(region: None) -> None:
    plain, _ = referral_triage(referral=refer(None))
    assert not any(r.tier == "sexual_violence" for r in plain.ruled_out)
    result, _ = referral_triage(referral=refer(None, facts={"sexual_harm_concern": True}))
    considered = {o.service for o in result.fits} | {r.service for r in result.ruled_out}
    assert {"horizon", "kaizen"} <= considered
    assert result.tier_needed == "sexual_violence"


def test_mutual_violence_is_a_caution_and_the_decision_stays_with_the_practitioner(region: None) -> None:
    facts = {"mutual_violence": True}
    result, _ = referral_triage(referral=refer(None, route="marac", risk="high", facts=facts))
    assert result.fits[0].service == "drive-cardiff"
    assert any(
        text.startswith("There are mutual or counter-allegations of violence: this service may not take it")
        for text in _fit(result, "drive-cardiff")
    )


def test_serial_behaviour_needs_the_high_harm_tier(region: None) -> None:
    result, _ = referral_triage(
        referral=refer(None, route="probation", risk="medium", facts={"serial_behaviour": True})
    )
    assert result.tier_needed == "high_harm"
    assert "clear" not in {o.service for o in result.fits}


def test_a_service_below_the_tier_needed_is_counted_as_placed_below_need(region: None) -> None:
    """A medium-risk man whom CLEAR may take still needed the medium tier the region has lost."""
    referral = refer(None, risk="medium")
    result, _ = referral_triage(referral=referral)
    assert result.tier_needed == "medium_risk"
    assert "Below the tier needed (medium risk)" in " ".join(_fit(result, "clear"))
    chosen = referral_service_choose(actor=None, referral=referral, service_slug="clear")
    assert chosen.placed_below_need and chosen.tier_needed == "medium_risk"
    cell = gap_map_build().cell("cardiff", "medium_risk")
    assert (cell.unmet_need, cell.placed_below_need) == (0, 1)
    assert cell.need_reasons and all(n == 1 for _, n in cell.need_reasons)


def test_unmet_need_is_counted_with_the_reasons_of_the_tier_needed(region: None) -> None:
    Service.objects.filter(tier="medium_risk").delete()
    referral = refer(None, gender="woman", partner_gender="man", area="vale-of-glamorgan", risk="medium")
    referral_unmet_need_record(actor=None, referral=referral)
    cell = gap_map_build().cell("vale-of-glamorgan", "medium_risk")
    assert cell.unmet_need == 1
    assert cell.need_reasons == [("No service of this tier covers the area", 1)]


def test_a_triage_file_missing_a_question_is_refused_naming_it(region: None, tmp_path: Path) -> None:
    rules = yaml.safe_load(RULES.read_text())
    del rules["case_facts"]["mutual_violence"]
    broken = tmp_path / "triage.yaml"
    broken.write_text(yaml.safe_dump(rules))
    with pytest.raises(DataFileError) as refused:
        triage_rules_load(path=broken)
    assert "case_facts needs a rule for mutual_violence" in str(refused.value)
    assert "triage.yaml" in str(refused.value)
