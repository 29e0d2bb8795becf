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

import contextlib
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
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.assessments.models import RegionAssessmentSettings
from pathways.cases.choices import RiskChange
from pathways.cases.models import Case, CaseOutcome, OutcomePoliceCount
from pathways.cases.rulesfile import AGE_BANDS_FROM
from pathways.cases.selectors.rules import CaseworkNotLoaded, casework_rules_for
from pathways.core.access import Side
from pathways.core.dates import months_after
from pathways.core.policy import Actor, Perm, allows
from pathways.core.smallnumbers import Cell, outside_of, suppress
from pathways.directory.choices import Tier
from pathways.directory.models import Area, Service
from pathways.insights.ages import AgeBand, age_bands
from pathways.insights.choices import Group
from pathways.panels.returns import LGB_ORIENTATIONS, TRANS_PROXY_GENDERS, Quarter
from pathways.people.choices import GenderIdentity, RelationshipKind, WorkPattern
from pathways.people.models import Relationship
from pathways.referrals.models import Journey

BY_SERVICE, BY_AREA, BY_TIER, BY_GROUP, BY_AGE = "service", "area", "tier", "group", "age"
# What a row can be. The groups overlap (a woman with no children is in two), so their rows do not add
# up to the total; every other choice splits the people counted.
BY_CHOICES = (
    (BY_SERVICE, gettext_lazy("Service")),
    (BY_AREA, gettext_lazy("Area where people live")),
    (BY_TIER, gettext_lazy("Tier")),
    (BY_GROUP, gettext_lazy("Group services leave out")),
    (BY_AGE, gettext_lazy("Age at the start of the period")),
)


def _group_tests(person: str) -> dict[str, Any]:
    """Who is in each of the groups the review says services leave out (section 4.7), from their record:
    the same groups the gap map reads services against."""
    return {
        Group.WOMEN: Q(**{f"{person}__gender_identity": GenderIdentity.WOMAN}),
        Group.LGBTQ: Q(**{f"{person}__sexual_orientation__in": LGB_ORIENTATIONS})
        | Q(**{f"{person}__gender_identity__in": TRANS_PROXY_GENDERS}),
        Group.LIMITED_ENGLISH: Q(**{f"{person}__interpreter_needed": True}),
        Group.SHIFT_WORKERS: Q(**{f"{person}__work_pattern": WorkPattern.SHIFT_WORK}),
        Group.DISABLED: Q(**{f"{person}__has_disability": True}),
        Group.NO_CHILDREN: ~Exists(
            Relationship.objects.filter(person_id=OuterRef(f"{person}__pk"), kind=RelationshipKind.PARENT_OF)
        ),
    }


TOTAL = "total"
NOT_KNOWN = "not_known"
# Risk levels in order, lowest first: a case whose risk at the end is before its risk at the start in
# this order ended at a lower risk.
RISK_ORDER = ("standard", "medium", "high")

REFERRALS = gettext_lazy("Referrals sent in the period, and what became of them")
OPENED = gettext_lazy("Cases opened in the period")
ENDED = gettext_lazy("Cases that ended in the period")
POLICE = gettext_lazy("Police records before and after a case ended in the period")
MARAC = gettext_lazy("Families back at MARAC after a case ended in the period")
PARTNERS = gettext_lazy("Partners' cases that ended in the period: the safety she reported")
TRACED = gettext_lazy("People harmed, found and traced by the time his case ended")


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
    # A figure about the families of the people a service works with, from the victim side (MARAC
    # hearings of the people they harm): read by a commissioner, never by the service that works with
    # him, whose small caseload could let a count point at one man's partner.
    across_sides: bool = False

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


def _marac_measures(window: int) -> list[Measure]:
    words = {"months": window}
    counted = {
        "children": _(
            "Cases that ended in the period whose %(months)s months after the end have passed (the region's "
            "MARAC repeat window, assessment.yaml marac.repeat_window_months), where the person, a partner "
            "or an ex-partner on file had a child under 18, or of unknown age, when the case ended."
        ),
        "no_children": _(
            "Cases that ended in the period whose %(months)s months after the end have passed (the region's "
            "MARAC repeat window), with no child in the family on file."
        ),
    }
    found = []
    for key, who in (
        ("children", _("families with children")),
        ("no_children", _("families without children")),
    ):
        found += [
            Measure(
                f"marac_cases_{key}",
                _("Cases counted, %(who)s") % {"who": who},
                MARAC,
                counted[key] % words,
                across_sides=True,
            ),
            Measure(
                f"marac_before_{key}",
                _("At MARAC in the %(months)s months before, %(who)s") % {**words, "who": who},
                MARAC,
                _(
                    "Of the cases counted, those where the person, a partner or an ex-partner was discussed "
                    "at a MARAC (not a case review) in the %(months)s months before the case ended."
                )
                % words,
                across_sides=True,
            ),
            Measure(
                f"marac_after_{key}",
                _("Back at MARAC within %(months)s months, %(who)s") % {**words, "who": who},
                MARAC,
                _(
                    "Of the cases counted, those where the person, a partner or an ex-partner was discussed "
                    "at a MARAC (not a case review) in the %(months)s months after the case ended."
                )
                % words,
                across_sides=True,
            ),
        ]
    return found


def _partner_measures() -> list[Measure]:
    return [
        Measure(
            "partner_cases",
            _("Partners' cases ended"),
            PARTNERS,
            _("Cases of partners and ex-partners (the victim side) that ended in the period."),
        ),
        Measure(
            "partner_lowered",
            _("Reported risk lowered"),
            PARTNERS,
            _("Of those, the ones where the latest change in risk she reported by the end was lower."),
        ),
        Measure(
            "partner_unchanged",
            _("Reported risk unchanged"),
            PARTNERS,
            _("Of those, the ones where the latest change in risk she reported by the end was none."),
        ),
        Measure(
            "partner_raised",
            _("Reported risk raised"),
            PARTNERS,
            _("Of those, the ones where the latest change in risk she reported by the end was higher."),
        ),
        Measure(
            "partner_no_report",
            _("Nothing reported"),
            PARTNERS,
            _("Of those, the ones where she reported no change in risk to her support worker."),
        ),
    ]


def _traced_measures() -> list[Measure]:
    return [
        Measure(
            "victims_found",
            _("People harmed found"),
            TRACED,
            _(
                "For the cases of people who use abuse that ended in the period: the people they have "
                "harmed found on file by the end (relationships and police records), each once."
            ),
        ),
        Measure(
            "victims_traced",
            _("Traced"),
            TRACED,
            _(
                "Of those, the ones a support service had reached by the end (contacted, offered support, "
                "declined it, or found not safe to contact)."
            ),
        ),
        Measure(
            "victims_untraced",
            _("Not traced"),
            TRACED,
            _("Of those, the ones no support service had yet traced when his case ended."),
        ),
    ]


def measures(*, police_months: Iterable[int], marac_window: int | None, across_sides: bool) -> list[Measure]:
    """Every figure, in the order shown, with its definition. The periods of police records are the
    region's (casework.yaml `outcomes.police_months`), and so is the MARAC repeat window (assessment.yaml);
    the figures from across the sides of a family only for a reader allowed them (`across_sides`)."""
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
    if marac_window is not None and across_sides:
        found += _marac_measures(marac_window)
    found += _partner_measures() + _traced_measures()
    return found


# The parts that add up to a total, for the small-number rule: withholding one part alone would let it be
# worked out from the total and the others.
ROW_GROUPS = (
    ("opened", ("contact_in_target", "contact_late", "contact_not_yet")),
    ("ended", ("ended_completed", "ended_dropped_out", "ended_deselected", "ended_other")),
    ("partner_cases", ("partner_lowered", "partner_unchanged", "partner_raised", "partner_no_report")),
    ("victims_found", ("victims_traced", "victims_untraced")),
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
    def one_row(self) -> bool:
        """Whether the one row is the whole: never for a group, which holds only some of the people."""
        return len(self.rows) == 1 and self.by != BY_GROUP

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
    """Which row a unit falls in: by service or tier, or by something about the person (the area they
    live in, their gender, their age band), read only where the rows ask for it."""

    def __init__(self, by: str, services: dict[Any, Service], period: Period, bands: list[AgeBand]) -> None:
        self.by = by
        self.services = services
        self.period = period
        self.bands = bands

    def group(self, person: str) -> F | Value | Case_ | ExpressionWrapper[Any]:
        """The person's row value, `person` being the path to them: a join the other rows need not make."""
        if self.by == BY_AREA:
            return F(f"{person}__area_id")
        if self.by == BY_GROUP:
            # The groups a person is in, as the bits of one number: one column to count by, whatever
            # the overlaps.
            bits: Any = Value(0)
            for bit, test in enumerate(_group_tests(person).values()):
                bits = bits + Case_(When(test, then=Value(1 << bit)), default=Value(0))
            return ExpressionWrapper(bits, output_field=IntegerField())
        if self.by == BY_AGE:
            # Plain comparisons of the date of birth with the bands' first days: no date arithmetic a row.
            born = f"{person}__date_of_birth"
            whens = [When(**{f"{born}__isnull": True}, then=Value(NOT_KNOWN))]
            # Born after the day the band's oldest would turn one year older: younger than that.
            whens += [
                When(
                    **{f"{born}__gt": months_after(self.period.start, -12 * (band.oldest + 1))},
                    then=Value(band.key),
                )
                for band in self.bands
                if band.oldest is not None
            ]
            return Case_(*whens, default=Value(self.bands[-1].key))
        return Value(None, output_field=IntegerField())

    def __call__(self, service_id: Any, value: Any) -> list[str]:
        """The rows a unit falls in: one, or for groups those the person is in (none, some or all)."""
        if self.by == BY_GROUP:
            return [str(g) for bit, g in enumerate(Group.values) if int(value) & (1 << bit)]
        if self.by in (BY_AREA, BY_AGE):
            return [str(value) if value not in (None, "") else NOT_KNOWN]
        if self.by == BY_TIER:
            return [self.services[service_id].tier]
        return [str(service_id)]

    def tallies(self, tallies: dict[str, _Tally], service_id: Any, value: Any) -> list[_Tally]:
        """The tallies a unit adds to: its rows' and the total's."""
        return [*(tallies[k] for k in self(service_id, value)), tallies[TOTAL]]


@dataclass(frozen=True)
class _Rules:
    police_months: set[int]
    engaged_sessions: int
    engaged_at_first_contact: set[str]
    target_days: dict[Any, int]
    high_risk: set[str]
    marac_window: int | None
    age_bands: list[AgeBand]


def _region_rules(services: Iterable[Service]) -> _Rules:
    """From each region's casework file: the police periods, sessions to engage, services engaged at
    first contact, first-contact target days by region and the risk levels counted as high; from its
    assessment settings, the MARAC repeat window."""
    months: set[int] = set()
    sessions = 1
    by_contact: set[str] = set()
    targets: dict[Any, int] = {}
    high: set[str] = set()
    window: int | None = None
    starts: set[int] = set()
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
        starts |= set(rules.outcomes.age_bands_from)
        with contextlib.suppress(RegionAssessmentSettings.NotLoaded):
            window = RegionAssessmentSettings.repeat_window_months(region_id)
    # Regions banding ages differently are read by every band either draws (one region, its own).
    bands = age_bands(starts=sorted(starts or AGE_BANDS_FROM))
    return _Rules(months, sessions, by_contact, targets, high, window, bands)


# The steps a referral reaches at a service that the outcomes count, by the measure counting them, as
# its journey there keeps them.
REACHED: dict[str, str] = {"started": "started_at", "declined": "declined_at", "withdrawn": "withdrawn_at"}


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
    """The referrals first sent to each service in the period, and what became of them, from their
    journeys there. The database counts them, by service, the area the person lives in and the quarter
    they were sent; only the waits are read one by one, to find their medians."""
    start, end = _moment(period.start), _moment(period.end + datetime.timedelta(days=1))
    # A referral sent to the same service more than once counts once, from its first sending: the period
    # it falls in is that sending's, and its steps there are those at or after it.
    cohort = Journey.objects.filter(service_id__in=ids, sent_at__gte=start, sent_at__lt=end).annotate(
        sent_quarter=quarter_of.of("sent_at"), area=keys.group("referral__person")
    )
    where = ("service_id", "area", "sent_quarter")
    # Engaged: at a service engaging at first contact, once contact was made; elsewhere, after the
    # region's number of sessions attended. Only a referral that started there has a case to engage in.
    at_contact = [pk for pk, s in keys.services.items() if s.slug in by_contact]
    engaged = Q(started_at__isnull=False) & (
        Q(service_id__in=at_contact, contact_wait_days__isnull=False)
        | (~Q(service_id__in=at_contact) & Q(sessions_attended__gte=engaged_sessions))
    )
    figures: dict[str, Any] = {
        "referred": Count("pk"),
        **{measure: Count(field) for measure, field in REACHED.items()},
        "engaged": Count("pk", filter=engaged),
        "completed": Count("pk", filter=Q(ended_state="completed")),
        "contacted": Count("pk", filter=Q(contact_wait_days__gte=0)),
    }
    rows = cohort.values_list(*where).annotate(**figures).order_by()
    for service_id, area_id, sent_quarter, *counts in rows:
        for tally in [*keys.tallies(tallies, service_id, area_id), trend[quarter_of(sent_quarter)]]:
            for measure, n in zip(figures, counts, strict=True):
                tally.add(measure, n)
    waits = cohort.filter(started_at__isnull=False).values_list(
        *where, "start_wait_days", "contact_wait_days"
    )
    for service_id, area_id, sent_quarter, to_start, to_contact in waits.order_by():
        shared = keys.tallies(tallies, service_id, area_id)
        for tally in [*shared, trend[quarter_of(sent_quarter)]]:
            tally.waits["wait_start"].append(to_start)
        if to_contact is not None and to_contact >= 0:
            for tally in shared:
                tally.waits["wait_contact"].append(to_contact)


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
            .annotate(area=keys.group("person"))
            .values_list("service_id", "area")
            .annotate(
                n=Count("pk"),
                not_yet=Count("pk", filter=Q(first_contact_at__isnull=True)),
                in_target=Count("pk", filter=in_target),
            )
            .order_by()
        )
        for service_id, area_id, n, not_yet, n_in_target in rows:
            for tally in keys.tallies(tallies, service_id, area_id):
                tally.add("opened", n)
                tally.add("contact_not_yet", not_yet)
                tally.add("contact_in_target", n_in_target)
                tally.add("contact_late", n - not_yet - n_in_target)


ENDING_KEYS = {
    "completed": "ended_completed",
    "dropped_out": "ended_dropped_out",
    "deselected": "ended_deselected",
}


def _family_figures() -> dict[str, Any]:
    """What the outcomes kept about the family when each case ended: her reported safety on her case,
    the people he harmed traced on his, and the family at MARAC before and after, once the window after
    has passed."""
    victim, perpetrator = Q(case__person__side=Side.VICTIM), Q(case__person__side=Side.PERPETRATOR)
    counted = Q(marac_after__isnull=False, family_children__isnull=False)
    children, none = counted & Q(family_children=True), counted & Q(family_children=False)
    return {
        "partner_cases": Count("pk", filter=victim),
        "partner_lowered": Count("pk", filter=victim & Q(partner_risk_change=RiskChange.LOWERED)),
        "partner_unchanged": Count("pk", filter=victim & Q(partner_risk_change=RiskChange.UNCHANGED)),
        "partner_raised": Count("pk", filter=victim & Q(partner_risk_change=RiskChange.RAISED)),
        "partner_no_report": Count("pk", filter=victim & Q(partner_risk_change="")),
        "victims_found": Sum("victims_found", filter=perpetrator),
        "victims_untraced": Sum("victims_untraced", filter=perpetrator),
        "marac_cases_children": Count("pk", filter=children),
        "marac_before_children": Count("pk", filter=children & Q(marac_before=True)),
        "marac_after_children": Count("pk", filter=children & Q(marac_after=True)),
        "marac_cases_no_children": Count("pk", filter=none),
        "marac_before_no_children": Count("pk", filter=none & Q(marac_before=True)),
        "marac_after_no_children": Count("pk", filter=none & Q(marac_after=True)),
    }


def _ended(
    *, ids: list[Any], period: Period, keys: _Keys, tallies: dict[str, _Tally], high: set[str]
) -> None:
    """The cases that ended in the period: how, the risk at the start and the end, the police records
    before and after, and what was kept about the family. The database finds them by the day they ended
    and counts them by service, which is how few of them it reads: asked for the services too, it would
    walk every case each service ever had. The services not asked for are left out as the counts come."""
    chosen = set(ids)
    outcomes = CaseOutcome.objects.filter(ended_on__gte=period.start, ended_on__lte=period.end)
    family = _family_figures()
    rows = (
        outcomes.annotate(area=keys.group("case__person"))
        .values_list("case__service_id", "area", "end_state", "risk_at_start", "risk_at_end")
        .annotate(n=Count("pk"), **family)
        .order_by()
    )
    for service_id, area_id, end_state, risk_start, risk_end, n, *values in rows:
        if service_id not in chosen:
            continue
        got = {k: int(v or 0) for k, v in zip(family, values, strict=True)}
        got["victims_traced"] = got["victims_found"] - got["victims_untraced"]
        got["ended"] = n
        got[ENDING_KEYS.get(end_state, "ended_other")] = n
        if risk_start in high:
            got["risk_high_start"] = n
        if risk_end in high:
            got["risk_high_end"] = n
        if _risk_lower(risk_start, risk_end):
            got["risk_lower"] = n
        for tally in keys.tallies(tallies, service_id, area_id):
            for key, count in got.items():
                tally.add(key, count)
    counts = (
        OutcomePoliceCount.objects.filter(
            outcome__ended_on__gte=period.start, outcome__ended_on__lte=period.end, after__isnull=False
        )
        .annotate(area=keys.group("outcome__case__person"))
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
        if service_id not in chosen:
            continue
        for tally in keys.tallies(tallies, service_id, area_id):
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


def _labels(
    by: str, keys: Iterable[str], services: dict[Any, Service], bands: list[AgeBand]
) -> dict[str, str]:
    if by == BY_AREA:
        areas = {str(a.pk): a.name for a in Area.objects.filter(pk__in=[k for k in keys if k != NOT_KNOWN])}
        return {k: areas.get(k, _("Area not known")) for k in keys}
    if by == BY_TIER:
        tiers = dict(Tier.choices)
        return {k: str(tiers.get(k, k)) for k in keys}
    if by in (BY_GROUP, BY_AGE):
        known = dict(Group.choices) if by == BY_GROUP else {band.key: band.label for band in bands}
        return {k: str(known.get(k, _("Not known"))) for k in keys}
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
    rules = _region_rules(by_id.values())
    keys = _Keys(by, by_id, period, rules.age_bands)
    quarters = period.quarters()
    tallies: dict[str, _Tally] = defaultdict(_Tally)
    trend: dict[str, _Tally] = defaultdict(_Tally)
    if ids:
        _referral_cohort(
            ids=ids, period=period, keys=keys, tallies=tallies, quarter_of=_Quarters(period, quarters),
            trend=trend, engaged_sessions=rules.engaged_sessions, by_contact=rules.engaged_at_first_contact,
        )  # fmt: skip
        _opened(ids=ids, period=period, keys=keys, tallies=tallies, targets=rules.target_days)
        _ended(ids=ids, period=period, keys=keys, tallies=tallies, high=rules.high_risk)
    chosen_measures = _measures_read(actor=actor, rules=rules)
    row_keys = [k for k in tallies if k != TOTAL and any(tallies[k].counts.values())]
    # A service with nothing in the period is a finding too: named below the figures rather than given a
    # row of noughts.
    idle = sorted(s.name for k, s in services.items() if k not in row_keys) if by == BY_SERVICE else []
    labels = _labels(by, row_keys, services, rules.age_bands)
    rows = [Row(k, labels.get(k, k), _cells(tallies[k], chosen_measures, k)) for k in row_keys]
    order = [key for key, _label in Group.choices] + [band.key for band in rules.age_bands]
    if by in (BY_GROUP, BY_AGE):
        rows.sort(key=lambda r: order.index(r.key) if r.key in order else len(order))
    else:
        rows.sort(key=lambda r: r.label)
    total = Row(TOTAL, _("All"), _cells(tallies[TOTAL], chosen_measures, TOTAL))
    trend_measures = [m for m in chosen_measures if m.key in TREND_MEASURES]
    trend_cells = [(q, _cells(trend[q.key], trend_measures, f"{TOTAL}@{q.key}")) for q in quarters]
    if len(quarters) == 1:
        # One quarter: its figures are the total's own.
        trend_cells = [(quarters[0], {k: total.cells[k] for k in TREND_MEASURES})]
    suppressed = not (sees_exact(actor=actor) if exact is None else exact)
    if suppressed:
        _suppress(chosen_measures, rows, total, trend_cells, overlapping=by == BY_GROUP)
    return Figures(period, by, chosen_measures, rows, total, trend_cells, suppressed, idle)


def _suppress(
    chosen: list[Measure],
    rows: list[Row],
    total: Row,
    trend: list[tuple[Period, dict[str, Cell]]],
    *,
    overlapping: bool,
) -> None:
    """One rule over every figure shown together: the table, its total and the trend by quarter. Rows
    that overlap (groups) do not add up to the total, but each with the people outside it does: those
    outside are counted as cells no one is shown, so that a group is withheld when the total less the
    group would be a small number."""
    everything: dict[str, Cell] = {}
    for row in [*rows, total]:
        everything.update({c.key: c for c in row.cells.values()})
    for _quarter, cells in trend:
        everything.update({c.key: c for c in cells.values()})
    groups: list[tuple[str, list[str]]] = []
    for m in chosen:
        if m.kind != "count":
            continue
        whole = total.cells[m.key]
        if overlapping:
            groups += [outside_of(everything, whole=whole, part=row.cells[m.key]) for row in rows]
        else:
            # Rows add up to the total; so do the quarters.
            groups.append((whole.key, [r.cells[m.key].key for r in rows]))
        if m.key in TREND_MEASURES and len(trend) > 1:
            groups.append((total.cells[m.key].key, [cells[m.key].key for _q, cells in trend]))
    for row in [*rows, total]:
        for sum_of, parts in ROW_GROUPS:
            groups.append((row.cells[sum_of].key, [row.cells[p].key for p in parts]))
    suppress(everything, groups)


def _measures_read(*, actor: Actor, rules: _Rules) -> list[Measure]:
    return measures(
        police_months=rules.police_months,
        marac_window=rules.marac_window,
        across_sides=allows(actor, Perm.OUTCOMES_ALL),
    )


def outcomes_defined(*, actor: Actor) -> list[Measure]:
    """Every figure the reader reads, with its definition, for the reader's region."""
    return _measures_read(actor=actor, rules=_region_rules(outcome_services(actor=actor)))
