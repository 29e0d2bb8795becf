"""Reads of assessment in a case: the person's assessments with the stage the case counts each at, when the
next one is due under the region's schedule, other agencies' views, and the risk over time. The
assessments themselves are the assessments app's, read through its own permission."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from pathways.accounts.models import Agency
from pathways.assessments.forms import words
from pathways.assessments.models import (
    Assessment,
    AssessmentStatus,
    InstrumentVersion,
    RegionAssessmentSettings,
)
from pathways.cases.choices import AgencyRisk, AssessmentStage, CaseStatus
from pathways.cases.models import AgencyView, Case, CaseAssessment
from pathways.cases.selectors.case import case_sealed_markers
from pathways.core.access import AgencyType
from pathways.core.policy import Actor, Perm, visible_to
from pathways.people.sealed import sealed_details_withhold


@dataclass(frozen=True)
class CaseAssessmentRow:
    assessment: Assessment
    instrument: str  # the form's name in the reader's language
    risk: str  # "standard", "medium", "high" or "" when it gives none
    # The stage the case counts it at, or None while nobody has linked it to the case.
    link: CaseAssessment | None

    @property
    def stage(self) -> str | None:
        return self.link.stage if self.link else None

    @property
    def risk_shown(self) -> str:
        return str(AgencyRisk(self.risk).label) if self.risk in AgencyRisk.values else self.risk


def _instrument_names(versions: set[Any]) -> dict[Any, str]:
    # The name alone, not each version's whole definition.
    names = InstrumentVersion.objects.filter(pk__in=versions).values_list("pk", "definition__name")
    return {pk: words(name) if isinstance(name, dict) else "" for pk, name in names}


def case_assessments(*, actor: Actor, case: Case) -> list[CaseAssessmentRow]:
    """The person's assessments the reader may see that the case counts, and those made since it opened,
    oldest first, each with its stage in the case (None while not linked). The same few queries however
    many there are."""
    links = {
        link.assessment_id: link
        for link in visible_to(actor, CaseAssessment.objects.filter(case=case), Perm.CASE_VIEW)
    }
    found = list(
        visible_to(
            actor,
            Assessment.objects.filter(person_id=case.person_id).filter(
                Q(pk__in=list(links)) | Q(assessed_on__gte=case.opened_at.date())
            ),
            Perm.ASSESSMENT_VIEW,
        )
        .select_related("instrument_version", "assessor", "agency")
        .defer("instrument_version__definition")
        .order_by("assessed_on", "created_at", "pk")
    )
    names = _instrument_names({a.instrument_version_id for a in found})
    return [
        CaseAssessmentRow(
            assessment=a,
            instrument=names.get(a.instrument_version_id) or a.instrument_version.instrument,
            risk=str((a.results or {}).get("risk_level") or ""),
            link=links.get(a.pk),
        )
        for a in found
    ]


@dataclass(frozen=True)
class ReassessmentDue:
    # The days between assessments for the case's service, or None when the region's settings are not
    # loaded (the page says so rather than guess).
    every_days: int | None
    # The date the next is counted from: the last completed assessment in the case, or the opening.
    since: datetime.date
    last: datetime.date | None
    due_on: datetime.date | None
    overdue: bool
    closure_recorded: bool


def case_reassessment_due(*, case: Case, today: datetime.date) -> ReassessmentDue:
    """When the case's next assessment is due: the region's days for the service (assessment.yaml,
    `reassessment_days`) after its last completed assessment, or after it opened; none once it has closed.
    And whether its closure assessment is recorded."""
    done = CaseAssessment.objects.filter(case=case, assessment__status=AssessmentStatus.COMPLETED)
    last = done.order_by("-assessment__assessed_on").values_list("assessment__assessed_on", flat=True).first()
    closure = done.filter(stage=AssessmentStage.CLOSURE).exists()
    since = last or case.opened_at.date()
    try:
        schedule = RegionAssessmentSettings.latest(case.service.region_id).settings["reassessment_days"]
    except RegionAssessmentSettings.NotLoaded:
        return ReassessmentDue(None, since, last, None, False, closure)
    every = int(schedule.get(case.service.slug, schedule["default"]))
    if case.status != CaseStatus.OPEN:
        return ReassessmentDue(every, since, last, None, False, closure)
    due = since + datetime.timedelta(days=every)
    return ReassessmentDue(every, since, last, due, today > due, closure)


@dataclass(frozen=True)
class AgencyViewRow:
    view: AgencyView
    # The summary as shown: None when it holds a sealed detail sealed after it was typed.
    summary: str | None


def case_agency_views(*, actor: Actor, case: Case) -> list[AgencyViewRow]:
    """Other agencies' views of the risk, oldest first. On his case each summary is checked again, as it
    is shown, for his family's sealed details."""
    views = list(
        visible_to(actor, AgencyView.objects.filter(case=case), Perm.CASE_VIEW)
        .select_related("agency", "recorded_by", "assessment__instrument_version")
        .defer("assessment__instrument_version__definition")
    )
    markers = case_sealed_markers(case=case) if views else []
    return [AgencyViewRow(v, sealed_details_withhold(v.summary, markers)) for v in views]


def agency_view_agencies(*, case: Case) -> list[Agency]:
    """The agencies whose view may be recorded: the others working in the case's region, not those
    running its service (commissioners hold no view of a person's risk)."""
    return list(
        Agency.objects.filter(is_active=True, areas__region=case.service.region_id)
        .exclude(type=AgencyType.COMMISSIONER)
        .exclude(services=case.service_id)
        .distinct()
        .order_by("name_en")
    )


# The height of each level on the chart; "not known" draws no bar.
RISK_STEPS = {"standard": 1, "medium": 2, "high": 3}


@dataclass(frozen=True)
class RiskPoint:
    on: datetime.date
    # The form's name for an assessment; the agency's name for an agency's view.
    source: str
    risk: str  # a RiskLevel or "not_known"
    stage: str | None  # the case's stage for an assessment; None for a view or an unlinked assessment
    from_agency: bool

    @property
    def step(self) -> int:
        return RISK_STEPS.get(self.risk, 0)

    @property
    def risk_shown(self) -> str:
        return str(AgencyRisk(self.risk).label) if self.risk in AgencyRisk.values else self.risk

    @property
    def stage_shown(self) -> str:
        return str(AssessmentStage(self.stage).label) if self.stage else ""


def case_risk_over_time(
    *,
    actor: Actor,
    case: Case,
    rows: list[CaseAssessmentRow] | None = None,
    views: list[AgencyViewRow] | None = None,
) -> list[RiskPoint]:
    """The risk in the case over time, oldest first: each completed assessment that gives a level, with its
    stage, and each agency's view. Pass the rows already read for the page to read them once."""
    rows = case_assessments(actor=actor, case=case) if rows is None else rows
    views = case_agency_views(actor=actor, case=case) if views is None else views
    points = [
        RiskPoint(r.assessment.assessed_on, r.instrument, r.risk, r.stage, False)
        for r in rows
        if r.assessment.status == AssessmentStatus.COMPLETED and r.risk
    ]
    points += [RiskPoint(v.view.given_on, v.view.agency.name, v.view.risk, None, True) for v in views]
    return sorted(points, key=lambda p: (p.on, p.from_agency))
