"""What works: each service's outcomes over a period, computed from the record, never typed in.

Every figure is defined once, here (`MEASURES`), with the words shown beside it on the page, in the
export and in the API. Three groups of people are counted:

- the referrals sent to a service in the period, followed to where they have got since (started,
  engaged, completed) and how long they waited;
- the cases the service opened in the period, against the region's first-contact target;
- the cases that ended in the period: how, the risk at the start and the end, and the police records
  naming the person in the months before the end and as many months after (once they have passed).

A commissioner sees the figures of every service in their region with the one small-number rule
(pathways.core.smallnumbers) applied; a service's own managers see their own exactly. Every export and
every API answer applies the rule, whoever asks.
"""

from __future__ import annotations

import datetime
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Case as Case_,
)
from django.db.models import (
    Count,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.cases.choices import ATTENDED
from pathways.cases.models import Attendance, Case, CaseOutcome, OutcomePoliceCount
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for
from pathways.core.policy import Actor, Perm, allows
from pathways.core.smallnumbers import Cell, suppress
from pathways.directory.choices import Tier
from pathways.directory.models import Area, Service
from pathways.panels.returns import Quarter
from pathways.referrals.choices import Status
from pathways.referrals.models import ReferralEvent

BY_SERVICE, BY_AREA, BY_TIER = "service", "area", "tier"
TOTAL = "total"
NOT_KNOWN = "not_known"
# Risk levels in order, lowest first: a case whose risk at the end is before its risk at the start in
# this order ended at a lower risk.
RISK_ORDER = ("standard", "medium", "high")

REFERRALS = gettext_lazy("Referrals sent in the period, and what became of them")
OPENED = gettext_lazy("Cases opened in the period")
ENDED = gettext_lazy("Cases that ended in the period")
POLICE = gettext_lazy("Police records before and after a case ended in the period")


@dataclass(frozen=True)
class Measure:
    key: str
    label: str | Promise
    section: str | Promise
    definition: str | Promise
    # "count", "days" (a median or 90th percentile, in days) or "percent".
    kind: str = "count"
    # For a figure computed from counts: those counts; it is withheld when any of them is.
    depends_on: tuple[str, ...] = ()

    @property
    def computed(self) -> bool:
        return self.kind != "count"


def _police_measures(months: int) -> list[Measure]:
    words = {"months": months}
    return [
        Measure(
            f"police_cases_{months}",
            _("Cases counted, %(months)s months") % words,
            POLICE,
            _(
                "Cases that ended in the period whose %(months)s months after the end have passed, so that "
                "the police records in them are counted."
            )
            % words,
        ),
        Measure(
            f"police_before_{months}",
            _("Police records before, %(months)s months") % words,
            POLICE,
            _(
                "Police records naming the person as perpetrator in the %(months)s months before the case "
                "ended, for the cases counted."
            )
            % words,
        ),
        Measure(
            f"police_after_{months}",
            _("Police records after, %(months)s months") % words,
            POLICE,
            _("Police records naming the person as perpetrator in the %(months)s months after the end.")
            % words,
        ),
        Measure(
            f"police_fewer_{months}",
            _("Cases with fewer records after, %(months)s months") % words,
            POLICE,
            _("Of the cases counted, those with fewer police records after the end than before it."),
        ),
    ]


def measures(*, police_months: Iterable[int]) -> list[Measure]:
    """Every figure, in the order shown, with its definition. The periods of police records are the
    region's (casework.yaml `outcomes.police_months`)."""
    found = [
        Measure(
            "referred",
            _("Referred"),
            REFERRALS,
            _(
                "Referrals sent to the service (by triage, a practitioner's choice or the intake team) "
                "for the first time in the period."
            ),
        ),
        Measure(
            "started",
            _("Started"),
            REFERRALS,
            _("Of those referrals, the ones that have started with the service, in the period or since."),
        ),
        Measure(
            "started_percent",
            _("Started (%)"),
            REFERRALS,
            _("Started as a share of referred."),
            "percent",
            ("started", "referred"),
        ),
        Measure(
            "declined",
            _("Declined"),
            REFERRALS,
            _("Of those referrals, the ones the service declined (each went back to be placed again)."),
        ),
        Measure(
            "withdrawn",
            _("Withdrawn"),
            REFERRALS,
            _("Of those referrals, the ones withdrawn while with the service."),
        ),
        Measure(
            "engaged",
            _("Engaged"),
            REFERRALS,
            _(
                "Of those referrals, the ones whose case has engaged: the person came to as many sessions "
                "as the region's file asks (casework.yaml outcomes.engaged_sessions), or, at a service that "
                "works by case management, was first contacted."
            ),
        ),
        Measure(
            "completed",
            _("Completed"),
            REFERRALS,
            _("Of those referrals, the ones whose case has ended as completed."),
        ),
        Measure(
            "wait_contact_median",
            _("Days to first contact (median)"),
            REFERRALS,
            _("Days from the referral being sent to its case's first contact, for those contacted: median."),
            "days",
            ("contacted",),
        ),
        Measure(
            "wait_contact_p90",
            _("Days to first contact (90th percentile)"),
            REFERRALS,
            _("The same days: nine in ten of those contacted waited no longer than this."),
            "days",
            ("contacted",),
        ),
        Measure(
            "contacted",
            _("First contacted"),
            REFERRALS,
            _("Of those referrals, the ones whose case has made its first contact."),
        ),
        Measure(
            "wait_start_median",
            _("Days to start (median)"),
            REFERRALS,
            _("Days from the referral being sent to its start at the service, for those started: median."),
            "days",
            ("started",),
        ),
        Measure(
            "wait_start_p90",
            _("Days to start (90th percentile)"),
            REFERRALS,
            _("The same days: nine in ten of those started waited no longer than this."),
            "days",
            ("started",),
        ),
        Measure("opened", _("Cases opened"), OPENED, _("Cases the service opened in the period.")),
        Measure(
            "contact_in_target",
            _("First contact within target"),
            OPENED,
            _(
                "Of those cases, the ones first contacted within the region's target of their opening "
                "(casework.yaml first_contact.target_days)."
            ),
        ),
        Measure(
            "contact_late",
            _("First contact late"),
            OPENED,
            _("Of those cases, the ones first contacted after the target."),
        ),
        Measure(
            "contact_not_yet",
            _("Not contacted"),
            OPENED,
            _("Of those cases, the ones not yet contacted (still due, overdue, or closed without contact)."),
        ),
        Measure("ended", _("Cases ended"), ENDED, _("Cases that ended in the period, however they ended.")),
        Measure("ended_completed", _("Completed"), ENDED, _("Of those, the ones that ended as completed.")),
        Measure(
            "ended_dropped_out",
            _("Dropped out"),
            ENDED,
            _("Of those, the ones that ended because the person dropped out (disrupt work goes on)."),
        ),
        Measure(
            "ended_deselected",
            _("De-selected"),
            ENDED,
            _("Of those, the ones de-selected by the service's manager with other agencies' input."),
        ),
        Measure(
            "ended_other",
            _("Moved away or transferred"),
            ENDED,
            _("Of those, the ones that ended with a move away or a transfer to another service."),
        ),
        Measure(
            "risk_high_start",
            _("High risk at the start"),
            ENDED,
            _(
                "Of the cases that ended, those whose risk at the start (the latest assessment then) was "
                "high."
            ),
        ),
        Measure(
            "risk_high_end",
            _("High risk at the end"),
            ENDED,
            _("Of the cases that ended, those whose latest risk when the case ended was high."),
        ),
        Measure(
            "risk_lower",
            _("Lower risk at the end"),
            ENDED,
            _("Of the cases that ended, those whose risk at the end was lower than at the start."),
        ),
    ]
    for months in sorted(set(police_months)):
        found += _police_measures(months)
    return found


# The parts that add up to a total, for the small-number rule: withholding one part alone would let it be
# worked out from the total and the others.
ROW_GROUPS = (
    ("opened", ("contact_in_target", "contact_late", "contact_not_yet")),
    ("ended", ("ended_completed", "ended_dropped_out", "ended_deselected", "ended_other")),
)


# --- Periods -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    start: datetime.date
    # The last day in the period.
    end: datetime.date
    label: str

    @property
    def key(self) -> str:
        return f"{self.start.isoformat()}/{self.end.isoformat()}"

    def quarters(self) -> list[Period]:
        """The calendar quarters the period spans, each cut to the period: together they are the period."""
        found = []
        quarter = Quarter.containing(self.start)
        while quarter.start <= self.end:
            start, end = max(quarter.start, self.start), min(quarter.end, self.end)
            found.append(Period(start, end, str(quarter)))
            quarter = quarter.next()
        return found


def period_of_quarter(quarter: Quarter) -> Period:
    return Period(quarter.start, quarter.end, str(quarter))


def period_of_year(year: int) -> Period:
    return Period(datetime.date(year, 1, 1), datetime.date(year, 12, 31), str(year))


def _moment(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _day(moment: datetime.datetime) -> datetime.date:
    return timezone.localdate(moment)


# --- Whose figures -------------------------------------------------------------------------------------


def outcome_services(*, actor: Actor) -> QuerySet[Service]:
    """The services whose outcomes the actor reads: a commissioner's region's, or the services the
    actor's agency runs."""
    if not allows(actor, Perm.OUTCOMES_VIEW) or actor.agency is None:
        return Service.objects.none()
    if allows(actor, Perm.OUTCOMES_ALL):
        return Service.objects.filter(region__areas__in=actor.agency.areas.filter(in_region=True)).distinct()
    return Service.objects.filter(agencies=actor.agency)


def sees_exact(*, actor: Actor) -> bool:
    """Whether the actor reads exact figures on the page: a service's own staff do; a commissioner
    reads every page as an export would leave it."""
    return not allows(actor, Perm.OUTCOMES_ALL)


# --- Computing -----------------------------------------------------------------------------------------


@dataclass
class _Tally:
    counts: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    waits: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] += n


@dataclass
class Row:
    key: str
    label: str
    cells: dict[str, Cell]


@dataclass
class Figures:
    period: Period
    by: str
    measures: list[Measure]
    rows: list[Row]
    total: Row
    # The total row's funnel and counts in each quarter of the period.
    trend: list[tuple[Period, dict[str, Cell]]]
    suppressed: bool
    # The services read with nothing in the period, by name.
    idle: list[str] = field(default_factory=list)

    @property
    def sections(self) -> list[tuple[str, list[Measure]]]:
        found: dict[str, list[Measure]] = {}
        for m in self.measures:
            found.setdefault(str(m.section), []).append(m)
        return list(found.items())


TREND_MEASURES = ("referred", "started", "engaged", "completed")


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    # The nearest-rank percentile: the smallest value with at least `share` of the values at or below it.
    rank = max(1, -(-len(ordered) * int(share * 100) // 100))
    return ordered[rank - 1]


def _risk_lower(start: str, end: str) -> bool:
    return start in RISK_ORDER and end in RISK_ORDER and RISK_ORDER.index(end) < RISK_ORDER.index(start)


class _Keys:
    """Which row a unit falls in, by service, area or tier."""

    def __init__(self, by: str, services: dict[Any, Service]) -> None:
        self.by = by
        self.services = services

    def area(self, field: str) -> F | Value:
        """The person's area, read only where the rows are areas: a join the other rows need not make."""
        return F(field) if self.by == BY_AREA else Value(None, output_field=IntegerField())

    def __call__(self, service_id: Any, area_id: Any) -> str:
        if self.by == BY_AREA:
            return str(area_id) if area_id is not None else NOT_KNOWN
        if self.by == BY_TIER:
            return self.services[service_id].tier
        return str(service_id)


def _region_rules(services: Iterable[Service]) -> tuple[set[int], int, set[str], dict[Any, int], set[str]]:
    """From each region's casework file: the police periods, sessions to engage, services engaged at
    first contact, first-contact target days by region, and the risk levels counted as high."""
    months: set[int] = set()
    sessions = 1
    by_contact: set[str] = set()
    targets: dict[Any, int] = {}
    high: set[str] = set()
    for region_id in {s.region_id for s in services}:
        try:
            rules = casework_rules_for(region_id=region_id).file
        except CaseworkNotLoaded:
            continue
        months |= set(rules.outcomes.police_months)
        sessions = rules.outcomes.engaged_sessions
        by_contact |= set(rules.outcomes.engaged_at_first_contact)
        targets[region_id] = rules.first_contact.target_days
        high |= set(rules.closure.high_risk)
    return months, sessions, by_contact, targets, high


# The steps a referral reaches at a service that the outcomes count, by the measure counting them.
REACHED: dict[str, str] = {
    Status.STARTED: "started",
    Status.DECLINED: "declined",
    Status.WITHDRAWN: "withdrawn",
}


class _Quarters:
    """Which quarter of the period a moment falls in, worked out by the database as a number (0 for the
    first) from the quarters' first moments, local midnight: plain comparisons, where a date function
    would run once a row (on SQLite, in Python)."""

    def __init__(self, period: Period, quarters: list[Period]) -> None:
        self.keys = [q.key for q in quarters]
        self.starts = [_moment(q.start) for q in quarters[1:]]

    def of(self, field: str) -> Case_ | Value:
        if not self.starts:
            return Value(0)
        whens = [When(**{f"{field}__lt": start}, then=Value(n)) for n, start in enumerate(self.starts)]
        return Case_(*whens, default=Value(len(self.starts)), output_field=IntegerField())

    def __call__(self, number: int) -> str:
        return self.keys[number]


def _referral_cohort(
    *, ids: list[Any], period: Period, keys: _Keys, tallies: dict[str, _Tally], quarter_of: _Quarters,
    trend: dict[str, _Tally], engaged_sessions: int, by_contact: set[str],
) -> None:  # fmt: skip
    """The referrals first sent to each service in the period, and what became of them. The database
    counts them, by service, the area the person lives in and the quarter they were sent; only the waits
    are read one by one, to find their medians."""
    start, end = _moment(period.start), _moment(period.end + datetime.timedelta(days=1))
    # A referral sent to the same service more than once counts once, from its first sending: the period
    # it falls in is that sending's.
    earlier = ReferralEvent.objects.filter(
        referral_id=OuterRef("referral_id"),
        service_id=OuterRef("service_id"),
        status=Status.TRIAGED,
        at__lt=OuterRef("at"),
    )
    cohort = ReferralEvent.objects.filter(
        status=Status.TRIAGED, service_id__in=ids, at__gte=start, at__lt=end
    ).filter(~Exists(earlier))

    def add(rows: Iterable[tuple[Any, ...]], measure: str) -> None:
        for service_id, area_id, sent_quarter, n in rows:
            quarter = quarter_of(sent_quarter)
            for tally in (tallies[keys(service_id, area_id)], tallies[TOTAL], trend[quarter]):
                tally.add(measure, n)

    cohort = cohort.annotate(sent_quarter=quarter_of.of("at"), area=keys.area("referral__person__area_id"))
    where = ("service_id", "area", "sent_quarter")
    add(cohort.values_list(*where).annotate(n=Count("referral_id", distinct=True)).order_by(), "referred")
    # Each later step of the same referral at the same service, joined to its first sending (a join the
    # database plans once, where a subquery a row would run for every row).
    for status, measure in REACHED.items():
        # One filter() call: the three conditions hold of the same later step.
        step = cohort.filter(
            referral__events__status=status,
            referral__events__service=F("service"),
            referral__events__at__gte=F("at"),
        )
        add(step.values_list(*where).annotate(n=Count("referral_id", distinct=True)).order_by(), measure)
        if status != Status.STARTED:
            continue
        waits = (
            step.values_list("referral_id", *where)
            .annotate(first=Min("referral__events__at"))
            .values_list("referral_id", *where, "first", "at")
            .order_by()
        )
        for _referral_id, service_id, area_id, sent_quarter, started_at, sent in waits:
            days = (started_at - sent).total_seconds() / 86400
            for tally in (
                tallies[keys(service_id, area_id)],
                tallies[TOTAL],
                trend[quarter_of(sent_quarter)],
            ):
                tally.waits["wait_start"].append(days)
    attended = (
        Attendance.objects.filter(case=OuterRef("referral__case__pk"), status__in=ATTENDED)
        .order_by()
        .values("case")
        .annotate(n=Count("pk"))
        .values("n")
    )
    cases = cohort.filter(referral__case__service=F("service"))
    engaged = Q(
        referral__case__service__slug__in=by_contact, referral__case__first_contact_at__isnull=False
    ) | (~Q(referral__case__service__slug__in=by_contact) & Q(attended__gte=engaged_sessions))
    contacted = Q(referral__case__first_contact_at__gte=F("at"))
    rows = (
        cases.annotate(attended=Coalesce(Subquery(attended), 0))
        .values_list(*where)
        .annotate(
            engaged=Count("pk", filter=engaged),
            completed=Count("pk", filter=Q(referral__case__outcome__end_state="completed")),
            contacted=Count("pk", filter=contacted),
        )
        .order_by()
    )
    for service_id, area_id, sent_quarter, n_engaged, n_completed, n_contacted in rows:
        for tally in (tallies[keys(service_id, area_id)], tallies[TOTAL], trend[quarter_of(sent_quarter)]):
            tally.add("engaged", n_engaged)
            tally.add("completed", n_completed)
            tally.add("contacted", n_contacted)
    contact_waits = (
        cases.filter(contacted).values_list("service_id", "area", "referral__case__first_contact_at", "at")
    ).order_by()
    for service_id, area_id, reached_at, sent in contact_waits:
        if reached_at is None:
            continue
        for tally in (tallies[keys(service_id, area_id)], tallies[TOTAL]):
            tally.waits["wait_contact"].append((reached_at - sent).total_seconds() / 86400)


def _opened(
    *, ids: list[Any], period: Period, keys: _Keys, tallies: dict[str, _Tally], targets: dict[Any, int]
) -> None:
    """The cases opened in the period against their region's first-contact target, counted by the
    database: the day of first contact against the day the case opened, each in local time."""
    start, end = _moment(period.start), _moment(period.end + datetime.timedelta(days=1))
    opened = Case.objects.filter(service_id__in=ids, opened_at__gte=start, opened_at__lt=end)
    for region_id in opened.values_list("service__region_id", flat=True).distinct().order_by():
        target = targets.get(region_id)
        in_target = (
            Q(first_contact_at__isnull=False)
            & Q(
                contact_day__lte=ExpressionWrapper(
                    F("opened_day") + datetime.timedelta(days=target), DateField()
                )
            )
            if target is not None
            else Q(pk__in=[])
        )
        rows = (
            opened.filter(service__region_id=region_id)
            .annotate(contact_day=TruncDate("first_contact_at"), opened_day=TruncDate("opened_at"))
            .annotate(area=keys.area("person__area_id"))
            .values_list("service_id", "area")
            .annotate(
                n=Count("pk"),
                not_yet=Count("pk", filter=Q(first_contact_at__isnull=True)),
                in_target=Count("pk", filter=in_target),
            )
            .order_by()
        )
        for service_id, area_id, n, not_yet, n_in_target in rows:
            for tally in (tallies[keys(service_id, area_id)], tallies[TOTAL]):
                tally.add("opened", n)
                tally.add("contact_not_yet", not_yet)
                tally.add("contact_in_target", n_in_target)
                tally.add("contact_late", n - not_yet - n_in_target)


ENDING_KEYS = {
    "completed": "ended_completed",
    "dropped_out": "ended_dropped_out",
    "deselected": "ended_deselected",
}


def _ended(
    *, ids: list[Any], period: Period, keys: _Keys, tallies: dict[str, _Tally], high: set[str]
) -> None:
    outcomes = CaseOutcome.objects.filter(
        case__service_id__in=ids, ended_on__gte=period.start, ended_on__lte=period.end
    )
    rows = (
        outcomes.annotate(area=keys.area("case__person__area_id"))
        .values_list("case__service_id", "area", "end_state", "risk_at_start", "risk_at_end")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for service_id, area_id, end_state, risk_start, risk_end, n in rows:
        for tally in (tallies[keys(service_id, area_id)], tallies[TOTAL]):
            tally.add("ended", n)
            tally.add(ENDING_KEYS.get(end_state, "ended_other"), n)
            if risk_start in high:
                tally.add("risk_high_start", n)
            if risk_end in high:
                tally.add("risk_high_end", n)
            if _risk_lower(risk_start, risk_end):
                tally.add("risk_lower", n)
    counts = (
        OutcomePoliceCount.objects.filter(outcome__in=outcomes, after__isnull=False)
        .annotate(area=keys.area("outcome__case__person__area_id"))
        .values_list("outcome__case__service_id", "area", "months")
        .annotate(
            cases=Count("pk"),
            records_before=Sum("before"),
            records_after=Sum("after"),
            fewer=Count("pk", filter=Q(after__lt=F("before"))),
        )
        .order_by()
    )
    for service_id, area_id, months, n, before, after, fewer in counts:
        for tally in (tallies[keys(service_id, area_id)], tallies[TOTAL]):
            tally.add(f"police_cases_{months}", n)
            tally.add(f"police_before_{months}", before or 0)
            tally.add(f"police_after_{months}", after or 0)
            tally.add(f"police_fewer_{months}", fewer)


def _cells(tally: _Tally, chosen: list[Measure], prefix: str) -> dict[str, Cell]:
    cells: dict[str, Cell] = {}
    for m in chosen:
        value: int | float | None
        if m.kind == "count":
            value = tally.counts.get(m.key, 0)
        elif m.kind == "percent":
            part, whole = (tally.counts.get(k, 0) for k in m.depends_on)
            value = round(100 * part / whole, 1) if whole else None
        else:
            waits = tally.waits.get(m.key.rsplit("_", 1)[0], [])
            if not waits:
                value = None
            elif m.key.endswith("_median"):
                value = round(statistics.median(waits), 1)
            else:
                value = round(_percentile(waits, 0.9), 1)
        cells[m.key] = Cell(
            f"{prefix}|{m.key}",
            m.label,
            m.section,
            value,
            is_rate=m.computed,
            depends_on=tuple(f"{prefix}|{k}" for k in m.depends_on),
            unit="%" if m.kind == "percent" else "",
        )
    return cells


def _labels(by: str, keys: Iterable[str], services: dict[Any, Service]) -> dict[str, str]:
    if by == BY_AREA:
        areas = {str(a.pk): a.name for a in Area.objects.filter(pk__in=[k for k in keys if k != NOT_KNOWN])}
        return {k: areas.get(k, _("Area not known")) for k in keys}
    if by == BY_TIER:
        tiers = dict(Tier.choices)
        return {k: str(tiers.get(k, k)) for k in keys}
    return {k: services[k].name for k in keys if k in services}


def outcomes_figures(
    *,
    actor: Actor,
    period: Period,
    by: str = BY_SERVICE,
    service: Service | None = None,
    area: Area | None = None,
    tier: str = "",
    exact: bool | None = None,
) -> Figures:
    """The outcomes of the services the actor reads (of one tier, or serving one area, where asked) over
    `period`, one row per service (or area people live in, or tier) and a total, with the total's figures
    in each quarter of the period. With `exact` False (always, for a
    commissioner) the small-number rule is applied across every figure shown together."""
    chosen = outcome_services(actor=actor).select_related("region")
    if service is not None:
        chosen = chosen.filter(pk=service.pk)
    if tier:
        chosen = chosen.filter(tier=tier)
    if area is not None:
        chosen = chosen.filter(areas=area)
    services = {str(s.pk): s for s in chosen}
    by_id = {s.pk: s for s in services.values()}
    ids = list(by_id)
    months, engaged_sessions, by_contact, targets, high = _region_rules(by_id.values())
    keys = _Keys(by, by_id)
    quarters = period.quarters()
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    trend: dict[str, _Tally] = defaultdict(_Tally)
    if ids:
        _referral_cohort(
            ids=ids, period=period, keys=keys, tallies=tallies, quarter_of=_Quarters(period, quarters),
            trend=trend, engaged_sessions=engaged_sessions, by_contact=by_contact,
        )  # fmt: skip
        _opened(ids=ids, period=period, keys=keys, tallies=tallies, targets=targets)
        _ended(ids=ids, period=period, keys=keys, tallies=tallies, high=high)
    chosen_measures = measures(police_months=months)
    row_keys = [k for k in tallies if k != TOTAL and any(tallies[k].counts.values())]
    # A service with nothing in the period is a finding too: named below the figures rather than given a
    # row of noughts.
    idle = sorted(s.name for k, s in services.items() if k not in row_keys) if by == BY_SERVICE else []
    labels = _labels(by, row_keys, services)
    rows = [Row(k, labels.get(k, k), _cells(tallies[k], chosen_measures, k)) for k in row_keys]
    rows.sort(key=lambda r: r.label)
    total = Row(TOTAL, _("All"), _cells(tallies[TOTAL], chosen_measures, TOTAL))
    trend_measures = [m for m in chosen_measures if m.key in TREND_MEASURES]
    trend_cells = [(q, _cells(trend[q.key], trend_measures, f"{TOTAL}@{q.key}")) for q in quarters]
    if len(quarters) == 1:
        # One quarter: its figures are the total's own.
        trend_cells = [(quarters[0], {k: total.cells[k] for k in TREND_MEASURES})]
    suppressed = not (sees_exact(actor=actor) if exact is None else exact)
    if suppressed:
        _suppress(chosen_measures, rows, total, trend_cells)
    return Figures(period, by, chosen_measures, rows, total, trend_cells, suppressed, idle)


def _suppress(
    chosen: list[Measure], rows: list[Row], total: Row, trend: list[tuple[Period, dict[str, Cell]]]
) -> None:
    """One rule over every figure shown together: the table, its total and the trend by quarter."""
    everything: dict[str, Cell] = {}
    for row in [*rows, total]:
        everything.update({c.key: c for c in row.cells.values()})
    for _quarter, cells in trend:
        everything.update({c.key: c for c in cells.values()})
    groups: list[tuple[str, list[str]]] = []
    for m in chosen:
        if m.kind != "count":
            continue
        # Rows add up to the total; so do the quarters, by area only when every person has one.
        groups.append((total.cells[m.key].key, [r.cells[m.key].key for r in rows]))
        if m.key in TREND_MEASURES and len(trend) > 1:
            groups.append((total.cells[m.key].key, [cells[m.key].key for _q, cells in trend]))
    for row in [*rows, total]:
        for whole, parts in ROW_GROUPS:
            groups.append((row.cells[whole].key, [row.cells[p].key for p in parts]))
    suppress(everything, groups)


def outcomes_defined(*, actor: Actor) -> list[Measure]:
    """Every figure with its definition, for the reader's region."""
    months, *_rest = _region_rules(outcome_services(actor=actor).select_related("region"))
    return measures(police_months=months)
