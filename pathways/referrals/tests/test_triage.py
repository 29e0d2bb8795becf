"""Triage on the shipped region: what fits, in what order, and why every other service is ruled out."""

from __future__ import annotations

import pytest

from pathways.directory.models import Service
from pathways.referrals.reasons import Describer
from pathways.referrals.services import referral_triage
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


def _ruled(result: object, slug: str) -> list[str]:
    """Every reason triage gives for ruling the service out, in words."""
    reasons = next(r.reasons for r in result.ruled_out if r.service == slug)  # type: ignore[attr-defined]
    describe = Describer()
    return [describe({"code": reason.code, "params": reason.params}) for reason in reasons]


def test_a_man_in_cardiff_referred_by_childrens_services_gets_clear_first(region: None) -> None:
    result, _ = referral_triage(referral=refer(None))
    assert result.fits[0].service == "clear"
    reasons = [r.code for r in result.fits[0].reasons]
    assert {"tier_needed", "covers_area", "takes_gender", "takes_route", "partner_support"} <= set(reasons)
    assert _ruled(result, "drive-cardiff") == [
        "Takes referrals only through MARAC, and this case has not been to MARAC",
        "High harm services are not for standard risk",
    ]


def test_every_considered_service_is_either_a_fit_or_ruled_out_with_a_reason(region: None) -> None:
    result, _ = referral_triage(referral=refer(None))
    listed = {o.service for o in result.fits} | {r.service for r in result.ruled_out}
    considered = Service.objects.filter(
        kind="perpetrator_intervention",
        tier__in=[
            "early_intervention",
            "medium_risk",
            "high_harm",
            "criminal_justice",
            "court_diversion",
            "family",
        ],
    )
    assert listed == set(considered.values_list("slug", flat=True))
    assert all(r.reasons and all(reason.code for reason in r.reasons) for r in result.ruled_out)


@pytest.mark.parametrize(
    ("overrides", "slug", "expected"),
    [
        ({"area": "vale-of-glamorgan"}, "clear", "Does not cover Vale of Glamorgan"),
        ({"gender": "woman", "partner_gender": "man"}, "clear", "Not for women"),
        ({"partner": False}, "clear", "Needs the partner's contact details"),
        ({"risk": "high"}, "clear", "Early intervention services are not for high risk"),
        ({}, "atal-y-fro-dvpp", "Not running: Decommissioned"),
        ({}, "bbr", "Does not take referrals from Children's services"),
    ],
)
def test_ruled_out_reasons(region: None, overrides: dict[str, object], slug: str, expected: str) -> None:
    result, _ = referral_triage(referral=refer(None, **overrides))  # type: ignore[arg-type]
    assert slug not in {o.service for o in result.fits}
    assert any(reason.startswith(expected) for reason in _ruled(result, slug))


def test_a_marac_case_at_high_risk_can_go_to_drive(region: None) -> None:
    result, _ = referral_triage(referral=refer(None, route="marac", risk="high"))
    assert result.fits[0].service == "drive-cardiff"
    assert "takes_route" in {r.code for r in result.fits[0].reasons}


def test_a_woman_in_the_vale_has_nowhere_to_go(region: None) -> None:
    result, _ = referral_triage(
        referral=refer(
            None,
            gender="woman",
            partner_gender="man",
            area="vale-of-glamorgan",
            route="police",
            risk="medium",
        )
    )
    assert result.fits == []
    assert result.tier_needed == "medium_risk"


def test_a_full_service_is_ruled_out(region: None) -> None:
    Service.objects.filter(slug="clear").update(capacity=1)
    from pathways.referrals.services import referral_service_choose

    referral_service_choose(actor=None, referral=refer(None), service_slug="clear")
    result, _ = referral_triage(referral=refer(None))
    assert any(reason.startswith("No places free") for reason in _ruled(result, "clear"))


def test_ranking_follows_the_weights_in_the_rules_file(region: None) -> None:
    """Changing a weight in the region's rules changes the order, with no code change."""
    from pathways.referrals.models import TriageRuleSet

    Service.objects.filter(slug="drive-cardiff").update(referral_routes=["marac", "childrens_services"])
    referral = refer(None, risk="not_known")
    before, _ = referral_triage(referral=referral)
    order = [o.service for o in before.fits]
    assert order.index("clear") < order.index("drive-cardiff")
    ruleset = TriageRuleSet.objects.get()
    ruleset.rules["risk_tiers"]["not_known"] = [
        "high_harm",
        "early_intervention",
        "medium_risk",
        "family",
        "criminal_justice",
        "court_diversion",
    ]
    ruleset.save()
    after, _ = referral_triage(referral=referral)
    order = [o.service for o in after.fits]
    assert order.index("drive-cardiff") < order.index("clear")
