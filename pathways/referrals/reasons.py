"""Words for triage reasons, in the reader's language. Triage stores codes; this turns them into text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from pathways.directory.choices import ReferralRoute, ServiceStatus, Tier
from pathways.directory.models import Area, Service
from pathways.referrals.choices import RiskLevel


def _gender(value: str) -> str:
    return {"male": _("men"), "female": _("women"), "non_binary": _("non-binary people")}.get(value, value)


def _relationship(value: str) -> str:
    return {
        "opposite_sex": _("opposite-sex relationships"),
        "same_sex": _("same-sex relationships"),
        "familial": _("abuse within the family"),
    }.get(value, value)


def case_fact_label(name: str) -> str:
    """A question about the person's behaviour and history, answered "yes", as a reader says it."""
    return {
        "entrenched_behaviour": _("Their behaviour is entrenched"),
        "convictions_or_orders": _("They have previous convictions or court orders"),
        "serial_behaviour": _("They have abused more than one partner"),
        "mutual_violence": _("There are mutual or counter-allegations of violence"),
        "sexual_harm_concern": _("There are concerns about sexual harm"),
    }.get(name, name)


class Describer:
    """Caches the names it needs, so that a list of reasons costs two queries, not one each."""

    def __init__(self) -> None:
        self._areas: dict[str, str] | None = None
        self._services: dict[str, str] | None = None
        self._said: dict[tuple[Any, ...], str] = {}

    def area(self, slug: str) -> str:
        if self._areas is None:
            self._areas = {a.slug: a.name for a in Area.objects.all()}
        return self._areas.get(slug, slug)

    def service(self, slug: str) -> str:
        if self._services is None:
            self._services = {s.slug: s.name for s in Service.objects.all()}
        return self._services.get(slug, slug)

    def __call__(self, reason: Mapping[str, Any]) -> str:
        # A list repeats the same reasons row after row ("Does not cover Cardiff"): each is worded once.
        # A Describer lives for one request, so in one language.
        try:
            key = (reason["code"], *sorted(reason.get("params", {}).items()))
            said = self._said.get(key)
        except TypeError:  # a parameter that cannot be a key: word it every time
            return self._describe(reason)
        if said is None:
            said = self._said[key] = self._describe(reason)
        return said

    def _describe(self, reason: Mapping[str, Any]) -> str:
        code, p = reason["code"], reason.get("params", {})
        tiers, risks = dict(Tier.choices), dict(RiskLevel.choices)
        routes, statuses = dict(ReferralRoute.choices), dict(ServiceStatus.choices)
        texts = {
            "declined": lambda: _("Declined this referral already"),
            "not_running": lambda: (
                _("Not running: %(status)s") % {"status": statuses.get(p.get("status"), "")}
            ),
            "wrong_area": lambda: _("Does not cover %(area)s") % {"area": self.area(p["area"])},
            "gender": lambda: _("Not for %(group)s") % {"group": _gender(p["gender"])},
            "relationship": lambda: (
                _("Does not work with %(kind)s") % {"kind": _relationship(p["relationship"])}
            ),
            "age": lambda: _("Outside its age range"),
            "marac_only": lambda: _(
                "Takes referrals only through MARAC, and this case has not been to MARAC"
            ),
            "route": lambda: (
                _("Does not take referrals from %(route)s") % {"route": routes.get(p["route"], "")}
            ),
            "needs_children": lambda: _("Only for families with children"),
            "needs_partner_details": lambda: _(
                "Needs the partner's contact details, so that the partner can be offered support"
            ),
            "risk": lambda: (
                _("%(tier)s services are not for %(risk)s risk")
                % {"tier": tiers.get(p["tier"], ""), "risk": str(risks.get(p["risk"], "")).lower()}
            ),
            "full": lambda: (
                _("No places free (%(capacity)s places, all taken)") % {"capacity": p["capacity"]}
            ),
            "no_interpreters": lambda: _("Does not arrange interpreters"),
            "case_fact": lambda: (
                _("%(fact)s: %(tier)s services are not for this")
                % {"fact": case_fact_label(p["fact"]), "tier": str(tiers.get(p["tier"], "")).lower()}
            ),
            "case_fact_caution": lambda: (
                _("%(fact)s: this service may not take it; check with them before you choose it")
                % {"fact": case_fact_label(p["fact"])}
            ),
            "tier_needed": lambda: _("%(tier)s is the tier needed") % {"tier": tiers.get(p["tier"], "")},
            "below_need": lambda: (
                _("Below the tier needed (%(needed)s): choosing it records that need as unmet")
                % {"needed": str(tiers.get(p["needed"], "")).lower()}
            ),
            "tier_suits": lambda: (
                _("%(tier)s suits %(risk)s risk")
                % {"tier": tiers.get(p["tier"], ""), "risk": str(risks.get(p["risk"], "")).lower()}
            ),
            "covers_area": lambda: _("Covers %(area)s") % {"area": self.area(p["area"])},
            "takes_gender": lambda: _("Takes %(group)s") % {"group": _gender(p["gender"])},
            "takes_route": lambda: (
                _("Takes referrals from %(route)s") % {"route": routes.get(p["route"], "")}
            ),
            "partner_support": lambda: (
                _("Partner offered support by %(service)s") % {"service": self.service(p["service"])}
            ),
            "suits_shift_work": lambda: _("Sessions outside working hours or online"),
            "welsh": lambda: _("Works in Welsh"),
            "interpreters": lambda: _("Arranges interpreters"),
            "wait": lambda: _("Current wait: %(weeks)s weeks") % {"weeks": p["weeks"]},
            "places_free": lambda: _("Places free: %(free)s") % {"free": p["free"]},
            "area_not_known": lambda: _("The person's area is not known"),
            "genders_not_stated": lambda: _("The region file does not say whom it takes"),
            "hours_not_stated": lambda: _("The region file does not say when sessions are held"),
            "languages_not_stated": lambda: _(
                "The region file does not say whether it arranges interpreters"
            ),
        }
        text = texts.get(code)
        return text() if text else code
