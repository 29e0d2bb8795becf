"""Figures from the record that stand beside a checklist item, so that a reviewer rates from facts: how
people reach the service, consent as recorded, re-assessment at each stage, how cases ended, and the
links with partner and children's services. Counts only, of the reviewed service's own record; each key
is named in the standards file (`evidence:`) and defined here once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.cases.choices import AssessmentStage, CaseStatus, ConsentState
from pathways.cases.models import (
    Activity,
    AgencyInput,
    Case,
    CaseAssessment,
    CaseEnding,
    JointMeeting,
    ReEngagementAttempt,
)
from pathways.core.access import AgencyType
from pathways.core.policy import Actor
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Service
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.workforce.selectors import service_skills_figures, skills_current, skills_file, skills_profile


@dataclass(frozen=True)
class Figure:
    label: str
    value: int
    url: str = ""


def _choices_counted(rows: dict[str, int], choices: list[tuple[str, Any]]) -> list[Figure]:
    return [Figure(str(label), rows[value]) for value, label in choices if rows.get(value)]


def _referral_routes(service: Service) -> list[Figure]:
    rows = dict(
        Referral.objects.filter(service=service).values_list("route").annotate(n=Count("pk")).order_by()
    )
    found = _choices_counted(rows, ReferralRoute.choices)
    return found or [Figure(_("Referrals to the service"), 0)]


def _self_referral(service: Service) -> list[Figure]:
    referrals = Referral.objects.filter(service=service)
    return [
        Figure(_("Self-referrals"), referrals.filter(route=ReferralRoute.SELF).count()),
        Figure(_("All referrals"), referrals.count()),
    ]


def _eligibility(service: Service) -> list[Figure]:
    rows = dict(
        Referral.objects.filter(service=service).values_list("status").annotate(n=Count("pk")).order_by()
    )
    below = Referral.objects.filter(service=service, placed_below_need=True).count()
    return [*_choices_counted(rows, Status.choices), Figure(_("Placed below the tier they need"), below)]


def _consent(service: Service) -> list[Figure]:
    rows = dict(
        Case.objects.filter(service=service).values_list("consent").annotate(n=Count("pk")).order_by()
    )
    return _choices_counted(rows, ConsentState.choices) or [Figure(_("Cases"), 0)]


def _reassessment(service: Service) -> list[Figure]:
    rows = dict(
        CaseAssessment.objects.filter(case__service=service)
        .values_list("stage")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    return [
        Figure(_("Cases assessed at %(stage)s") % {"stage": str(label).lower()}, rows.get(value, 0))
        for value, label in AssessmentStage.choices
    ]


def _deselection(service: Service) -> list[Figure]:
    ended = CaseEnding.objects.filter(case__service=service, state="deselected")
    with_input = ended.filter(case__in=AgencyInput.objects.values("case")).count()
    return [
        Figure(_("Cases de-selected"), ended.count()),
        Figure(_("of them with other agencies' input recorded"), with_input),
        Figure(
            _("with the manager's decision recorded"), ended.filter(manager_decision_by__isnull=False).count()
        ),
    ]


def _reengagement(service: Service) -> list[Figure]:
    attempts = ReEngagementAttempt.objects.filter(case__service=service)
    return [
        Figure(_("Re-engagement attempts logged"), attempts.count()),
        Figure(_("Cases with an attempt"), attempts.values("case").distinct().count()),
    ]


def _drop_out(service: Service) -> list[Figure]:
    dropped = CaseEnding.objects.filter(case__service=service, state="dropped_out")
    disrupt = Activity.objects.filter(
        case__in=dropped.values("case"), kind="disrupt", status__in=("planned", "in_progress")
    )
    return [
        Figure(_("Cases ended by dropping out"), dropped.count()),
        Figure(_("Disrupt activities still open on them"), disrupt.count()),
    ]


def _children(service: Service) -> list[Figure]:
    cases = Case.objects.filter(service=service)
    return [
        Figure(
            _("Cases with work owned by children's services"),
            cases.filter(activities__owner__type=AgencyType.CHILDRENS_SERVICES).distinct().count(),
        ),
        Figure(_("Open cases"), cases.filter(status=CaseStatus.OPEN).count()),
    ]


def _partner_links(service: Service) -> list[Figure]:
    meetings = JointMeeting.objects.filter(Q(perpetrator_service=service) | Q(support_service=service))
    return [
        Figure(_("Joint case meetings held"), meetings.filter(status="held").count()),
        Figure(_("Joint case meetings planned"), meetings.filter(status="planned").count()),
    ]


Memo = dict[str, Any]


def _skills(service: Service, actor: Actor, memo: Memo) -> dict[str, Any] | None:
    # The four staff keys share one count of the service's staff a sheet.
    if "skills" not in memo:
        memo["skills"] = service_skills_figures(actor=actor, service=service, today=timezone.localdate())
    found: dict[str, Any] | None = memo["skills"]
    return found


def _staff_training(service: Service, actor: Actor, memo: Memo) -> list[Figure] | None:
    found = _skills(service, actor, memo)
    if found is None:
        return None
    return [
        Figure(_("Staff recorded"), found["staff"]),
        Figure(_("with MI training this year"), found["mi_this_year"]),
        Figure(_("with under twenty days of MI training in their career"), found["mi_under_twenty"]),
        Figure(_("with none"), found["mi_none"]),
        Figure(_("with skills practice recorded"), found["skills_practice"]),
    ]


def _mi_skills(service: Service, actor: Actor, memo: Memo) -> list[Figure] | None:
    found = _skills(service, actor, memo)
    if found is None:
        return None
    ratings = found["ratings"]
    if not ratings:
        return [Figure(_("Staff with a skills rating"), 0)]
    file = skills_file(version=skills_current())
    profile = skills_profile(ratings=ratings, file=file)
    figures = [Figure(_("Staff with a skills rating"), profile.n)]
    figures += [
        Figure(_("at %(name)s") % {"name": name}, count) for name, _minimum, count in profile.benchmarks
    ]
    return figures


def _supervision(service: Service, actor: Actor, memo: Memo) -> list[Figure] | None:
    found = _skills(service, actor, memo)
    if found is None:
        return None
    return [
        Figure(_("Staff recorded"), found["staff"]),
        Figure(_("with clinical supervision in the last three months"), found["supervised"]),
    ]


def _confidential_support(service: Service, actor: Actor, memo: Memo) -> list[Figure] | None:
    found = _skills(service, actor, memo)
    if found is None:
        return None
    return [
        Figure(_("Staff recorded"), found["staff"]),
        Figure(_("who know how to reach confidential support"), found["knows_support"]),
    ]


def _information_sharing(service: Service) -> list[Figure]:
    return _partner_links(service)


# What each key shows, from the service's record.
FIGURES: dict[str, Callable[[Service], list[Figure]]] = {
    "referral_routes": _referral_routes,
    "self_referral": _self_referral,
    "eligibility_in_triage": _eligibility,
    "consent_recorded": _consent,
    "reassessment": _reassessment,
    "deselection": _deselection,
    "reengagement": _reengagement,
    "drop_out": _drop_out,
    "children_services": _children,
    "partner_links": _partner_links,
    "information_sharing": _information_sharing,
}
# What the staff keys show, from the staff records: only to those who may read the team's skills profile
# (None for anyone else), of the staff they may count.
STAFF_FIGURES: dict[str, Callable[[Service, Actor, Memo], list[Figure] | None]] = {
    "staff_training": _staff_training,
    "mi_skills": _mi_skills,
    "supervision": _supervision,
    "confidential_support": _confidential_support,
}

# Where the reader goes to see what the figures count.
LINKS: dict[str, str] = {
    "referral_routes": "insights:outcomes",
    "self_referral": "insights:outcomes",
    "eligibility_in_triage": "insights:outcomes",
    "mi_skills": "workforce:skills",
}


def figures_for(
    *, service: Service, key: str, actor: Actor, memo: Memo | None = None
) -> tuple[list[Figure] | None, str]:
    """The figures for one key and the page they come from ("" where there is none): no figures for a key
    whose record Pathways does not keep yet, and None where the reader may not see them."""
    memo = {} if memo is None else memo
    link = LINKS.get(key)
    url = reverse(link) if link else ""
    if key in STAFF_FIGURES:
        return STAFF_FIGURES[key](service, actor, memo), url
    make = FIGURES.get(key)
    return (make(service), url) if make is not None else ([], "")
