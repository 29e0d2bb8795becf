"""Writes of a case's ending, guarded by the region's rules (casework.yaml `endings`, `closure`,
`outcomes`): no closure while the latest risk is high unless another agency has taken on the case's
management; an ending that needs other agencies' input or the manager's decision waits for them. When a
case ends, its outcome is computed, the police, the referring panel's chair and the partner's support
service are told on their Tasks, and what the other parts of a case do at its end is called
(settings.CASE_ENDED)."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.assessments.models import RegionAssessmentSettings
from pathways.audit.choices import AuditAction
from pathways.cases.choices import (
    CaseEventKind,
    CaseStatus,
    GoalStatus,
    ReEngagementChannel,
    ReEngagementOutcome,
    TaskKind,
    TraceStatus,
)
from pathways.cases.models import (
    AgencyInput,
    Case,
    CaseEnding,
    CaseOutcome,
    CaseTask,
    Goal,
    ManagementAcceptance,
    OutcomePoliceCount,
    ReEngagementAttempt,
    SafetyUpdate,
    VictimTrace,
)
from pathways.cases.rulesfile import Ending
from pathways.cases.selectors.alerts import worker_agency_ids
from pathways.cases.selectors.case import case_panel_decision, case_partner_cases
from pathways.cases.selectors.ending import (
    DROPPED_OUT,
    case_closure,
    completed_risk_on_or_before,
    ending_other_agencies,
    is_service_manager,
    risk_shown,
)
from pathways.cases.selectors.rules import Rules, casework_rules_for_case, name_shown
from pathways.cases.services.base import (
    CaseError,
    case_audit,
    case_event_add,
    case_for_change,
    case_text_refuse,
)
from pathways.cases.services.journeys import journeys_casework_refresh
from pathways.core.access import AgencyType, Side
from pathways.core.dates import months_after
from pathways.panels.choices import AgendaReason, MeetingStatus, MemberRole, PanelKind
from pathways.panels.models import AgendaItem, PanelMember
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, Relationship
from pathways.police.models import PoliceRecord

if TYPE_CHECKING:
    from pathways.core.policy import Actor

REASON_MAX = 4000
NOTE_MAX = 2000


class CaseEnded(Protocol):
    def __call__(self, *, case: Case, actor: Actor, ending: Ending) -> object: ...


def _ended_hooks() -> list[CaseEnded]:
    # Read each time rather than kept: the list is the settings', whatever a test or deployment sets.
    return [import_string(path) for path in settings.CASE_ENDED]


def _refuse_sealed(*, actor: Actor, case: Case, fields: Mapping[str, str]) -> None:
    case_text_refuse(actor=actor, case=case, fields=fields, record_type="case")


def _other_agency(*, case: Case, agency: Agency | None) -> Agency:
    if agency is None or not ending_other_agencies(case=case).filter(pk=agency.pk).exists():
        raise CaseError(_("Choose an agency other than the service's."), "agency")
    return agency


def _date_check(day: datetime.date | None, *, field: str, label: str) -> datetime.date:
    if day is None:
        raise CaseError(_("Enter %(field)s.") % {"field": label}, field)
    if day > timezone.localdate():
        raise CaseError(_("%(field)s must be today or in the past.") % {"field": label.capitalize()}, field)
    return day


def _agency_names(agency: Agency) -> dict[str, str]:
    # Both names, so that the history reads in either language without a query per step.
    return {"agency_en": agency.name_en, "agency_cy": agency.name_cy}


def management_accept(
    *,
    actor: Actor,
    case: Case,
    agency: Agency | None,
    accepted_by: str,
    accepted_on: datetime.date | None,
    note: str = "",
) -> ManagementAcceptance:
    """Record that another agency has taken on the management of the case (so that it may close while its
    risk is high): which agency, who there agreed and when."""
    # Before the transaction, so that the audit entry of a refused attempt is kept.
    _refuse_sealed(
        actor=actor,
        case=case,
        fields={"accepted_by": (accepted_by or "").strip(), "note": (note or "").strip()},
    )
    with transaction.atomic():
        return _management_save(
            actor=actor, case=case, agency=agency, accepted_by=accepted_by, accepted_on=accepted_on, note=note
        )


def _management_save(
    *,
    actor: Actor,
    case: Case,
    agency: Agency | None,
    accepted_by: str,
    accepted_on: datetime.date | None,
    note: str,
) -> ManagementAcceptance:
    case = case_for_change(actor=actor, case=case)
    agency = _other_agency(case=case, agency=agency)
    accepted_by, note = (accepted_by or "").strip(), (note or "").strip()
    if not accepted_by:
        raise CaseError(_("Enter who at the agency accepted management of the case."), "accepted_by")
    if len(accepted_by) > 200:
        raise CaseError(_("Who accepted it must be 200 characters or fewer."), "accepted_by")
    if len(note) > NOTE_MAX:
        raise CaseError(_("The note must be 2000 characters or fewer."), "note")
    accepted_on = _date_check(accepted_on, field="accepted_on", label=_("the date it was accepted"))
    accepted = ManagementAcceptance.objects.create(
        case=case,
        agency=agency,
        accepted_by=accepted_by,
        accepted_on=accepted_on,
        note=note,
        recorded_by=actor.user,
    )
    case_event_add(case=case, kind=CaseEventKind.MANAGEMENT, actor=actor, detail=_agency_names(agency))
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="management_acceptance",
        record_id=accepted.pk,
        details={"case": str(case.pk), "agency": agency.slug, "accepted_on": accepted_on.isoformat()},
    )
    return accepted


def agency_input_record(*, actor: Actor, case: Case, agency: Agency | None, summary: str) -> AgencyInput:
    """Record what another agency said about ending the case (a de-selection waits for it)."""
    # Before the transaction, so that the audit entry of a refused attempt is kept.
    _refuse_sealed(actor=actor, case=case, fields={"summary": (summary or "").strip()})
    with transaction.atomic():
        return _agency_input_save(actor=actor, case=case, agency=agency, summary=summary)


def _agency_input_save(*, actor: Actor, case: Case, agency: Agency | None, summary: str) -> AgencyInput:
    case = case_for_change(actor=actor, case=case)
    agency = _other_agency(case=case, agency=agency)
    summary = (summary or "").strip()
    if not summary:
        raise CaseError(_("Enter what the agency said."), "summary")
    if len(summary) > REASON_MAX:
        raise CaseError(_("What the agency said must be 4000 characters or fewer."), "summary")
    given = AgencyInput.objects.create(case=case, agency=agency, summary=summary, recorded_by=actor.user)
    case_event_add(case=case, kind=CaseEventKind.AGENCY_INPUT, actor=actor, detail=_agency_names(agency))
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="agency_input",
        record_id=given.pk,
        details={"case": str(case.pk), "agency": agency.slug},
    )
    return given


# --- ending -----------------------------------------------------------------------------------------------


def case_end(
    *, actor: Actor, case: Case, state: str, reason: str, ended_on: datetime.date | None
) -> CaseEnding:
    """End the case one of the region's ways, with its reason. Refused, with nothing saved, when the
    latest risk is one the region keeps cases open at and no other agency has taken on the case's
    management; when the way of ending needs other agencies' input and none is recorded since the case
    opened; when it needs the manager's decision and the actor is not a manager at the service; or when
    the reason or the date is missing."""
    # Before the transaction, so that the audit entry of a refused attempt is kept.
    _refuse_sealed(actor=actor, case=case, fields={"reason": (reason or "").strip()})
    with transaction.atomic():
        return case_end_checked(actor=actor, case=case, state=state, reason=reason, ended_on=ended_on)


def case_end_checked(
    *,
    actor: Actor,
    case: Case,
    state: str,
    reason: str,
    ended_on: datetime.date | None,
    handed_over: bool = False,
) -> CaseEnding:
    """`case_end` inside the caller's transaction, the reason already checked for sealed details. A case
    `handed_over` to another service (a transfer) is managed by that service from now on, so the rule
    that a high-risk case waits for another agency's management is met by the handover itself."""
    case = case_for_change(actor=actor, case=case)
    rules = casework_rules_for_case(case=case)
    ending = rules.ending(state)
    if ending is None:
        raise CaseError(_("Choose how the case ended."), "state")
    name = name_shown(ending.name)
    closure = case_closure(case=case, rules=rules)
    if closure.blocked_by_risk and not handed_over:
        raise CaseError(
            _("The latest risk is %(risk)s: record which agency has accepted management of the case first.")
            % {"risk": risk_shown(closure.risk).lower()},
            "state",
        )
    if ending.other_agencies_input and not closure.input_recorded:
        raise CaseError(
            _("Ending a case as %(ending)s needs other agencies' input: record what they said first.")
            % {"ending": name.lower()},
            "state",
        )
    manager = is_service_manager(actor=actor, case=case)
    if ending.manager_decision and not manager:
        raise CaseError(
            _("Ending a case as %(ending)s is the decision of a manager at the service.")
            % {"ending": name.lower()},
            "state",
        )
    reason = (reason or "").strip()
    if not reason:
        raise CaseError(_("Enter the reason the case is ending."), "reason")
    if len(reason) > REASON_MAX:
        raise CaseError(_("The reason must be 4000 characters or fewer."), "reason")
    ended_on = _date_check(ended_on, field="ended_on", label=_("the date the case ended"))
    if ended_on < timezone.localdate(case.opened_at):
        raise CaseError(_("The date the case ended cannot be before it opened."), "ended_on")

    case.status, case.closed_at = CaseStatus.CLOSED, timezone.now()
    case.save(update_fields=["status", "closed_at"])
    ended = CaseEnding.objects.create(
        case=case,
        state=ending.state,
        reason=reason,
        ended_on=ended_on,
        decided_by=actor.user,
        manager_decision_by=actor.user if ending.manager_decision else None,
        rules=rules.version,
    )
    outcome = _outcome_record(case=case, ended=ended, rules=rules, risk_at_end=closure.risk)
    told = _tell(case=case, ending=ending, rules=rules)
    case_event_add(
        case=case,
        kind=CaseEventKind.ENDED,
        actor=actor,
        detail={"state": ending.state, "name_en": ending.name.en, "name_cy": ending.name.cy},
    )
    case_audit(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="case",
        record_id=case.pk,
        details={
            "status": CaseStatus.CLOSED,
            "ending": ending.state,
            "ended_on": ended_on.isoformat(),
            "rules_version": rules.version.version,
            "outcome": outcome.pk,
            "told": len(told),
        },
    )
    for hook in _ended_hooks():
        hook(case=case, actor=actor, ending=ending)
    return ended


# --- who is told ------------------------------------------------------------------------------------------


def _police_agencies(case: Case) -> QuerySet[Agency]:
    """The active police forces covering where the person lives, or the service's areas when that is not
    known."""
    if case.person.area_id is not None:
        covered = Q(areas=case.person.area_id)
    else:
        covered = Q(areas__services=case.service)
    return Agency.objects.filter(covered, type=AgencyType.POLICE, is_active=True).distinct().order_by("pk")


def _panel_chair(case: Case) -> PanelMember | None:
    decision = case_panel_decision(case=case)
    if decision is None:
        return None
    return (
        PanelMember.objects.filter(panel_id=decision.item.meeting.panel_id, role=MemberRole.CHAIR)
        .select_related("agency", "user")
        .order_by("pk")
        .first()
    )


def _tell(*, case: Case, ending: Ending, rules: Rules) -> list[CaseTask]:
    """A task on the Tasks of each agency the region tells of a case's end (casework.yaml `closure.tell`):
    the police, the chair of the panel the case came from, the partner's support service."""
    whom: dict[tuple[Any, Any], str] = {}
    for who in rules.file.closure.tell:
        if who == "police":
            for agency_id in _police_agencies(case).values_list("pk", flat=True):
                whom.setdefault((agency_id, None), who)
        elif who == "panel_chair":
            chair = _panel_chair(case)
            if chair is not None:
                whom.setdefault((chair.agency_id, chair.user_id), who)
        elif who == "partner_service":
            partners = case_partner_cases(case=case)
            agencies = worker_agency_ids((p.service_id, p.worker_id) for p in partners)
            for partner in partners:
                theirs = agencies[(partner.service_id, partner.worker_id)]
                if theirs is not None:
                    whom.setdefault((theirs, partner.worker_id), who)
    reference = case.referral.reference if case.referral_id and case.referral else ""
    today = timezone.localdate()
    return CaseTask.objects.bulk_create(
        CaseTask(
            case=case,
            kind=TaskKind.CASE_ENDED,
            agency_id=agency_id,
            user_id=user_id,
            due_on=today,
            detail={
                "service": case.service.slug,
                "ending": ending.state,
                "reference": reference,
                "told": who,
            },
        )
        for (agency_id, user_id), who in whom.items()
    )


# --- outcomes ---------------------------------------------------------------------------------------------


def _plan_goals(case: Case) -> tuple[int, int]:
    """The plan's goals and how many were met."""
    counted = Goal.objects.filter(case=case).aggregate(
        total=Count("pk"), met=Count("pk", filter=Q(status=GoalStatus.MET))
    )
    return int(counted["total"] or 0), int(counted["met"] or 0)


def _police_records(person: Person) -> QuerySet[PoliceRecord]:
    """The police records naming the person as perpetrator. A record is linked to him by his police
    reference when it is imported, so that reference (which is indexed) narrows the search."""
    records = PoliceRecord.objects.filter(perpetrator_id=person.pk)
    if person.police_reference:
        records = records.filter(perpetrator_ref=person.police_reference)
    return records


def _police_counts(person: Person, windows: dict[int, tuple[datetime.date, datetime.date]]) -> dict[int, int]:
    """For each period, the records that occurred after its first day and on or before its last: one
    query for every period."""
    if not windows:
        return {}
    counted = _police_records(person).aggregate(
        **{
            f"m{months}": Count("pk", filter=Q(occurred_on__gt=start, occurred_on__lte=end))
            for months, (start, end) in windows.items()
        }
    )
    return {months: int(counted[f"m{months}"] or 0) for months in windows}


def _risk_at_start(case: Case) -> str:
    risk = completed_risk_on_or_before(case=case)
    if risk:
        return risk
    return case.referral.risk_level if case.referral_id and case.referral else ""


def _family_ids(person: Person) -> list[Any]:
    """The person and their partners and ex-partners on file: the family a MARAC would discuss."""
    return [person.pk, *person.partners().values_list("pk", flat=True)]


def _family_has_children(family: list[Any], day: datetime.date) -> bool:
    children = Person.objects.filter(
        pk__in=Relationship.objects.filter(person_id__in=family, kind=RelationshipKind.PARENT_OF).values(
            "other_id"
        )
    ).only("date_of_birth")
    return any(child.is_child_on(day) for child in children)


def _marac_discussed(
    *, person: Person, family: list[Any], after: datetime.date, until: datetime.date
) -> bool:
    """Whether anyone in the family was discussed at a MARAC held after `after` and on or before `until`;
    a case review looks again at a case already heard, so it is not a new discussion. Someone on an
    agenda from police data alone is matched by the person's police reference."""
    who = Q(person_id__in=family)
    if person.police_reference:
        who |= Q(person__isnull=True, police_reference=person.police_reference)
    return (
        AgendaItem.objects.filter(
            who,
            meeting__panel__kind=PanelKind.MARAC,
            meeting__status__in=(MeetingStatus.HELD, MeetingStatus.CLOSED),
            meeting__held_on__gt=after,
            meeting__held_on__lte=until,
        )
        .exclude(reason=AgendaReason.CASE_REVIEW)
        .exists()
    )


def _marac_window(case: Case) -> int | None:
    try:
        return RegionAssessmentSettings.repeat_window_months(case.service.region_id)
    except RegionAssessmentSettings.NotLoaded:
        return None


def _partner_risk_change(case: Case) -> str:
    """On her case: the latest change in risk she reported before it was closed."""
    if case.person.side != Side.VICTIM:
        return ""
    found = (
        SafetyUpdate.objects.filter(case=case)
        .exclude(risk_change="")
        .order_by("-at", "-pk")
        .values_list("risk_change", flat=True)
        .first()
    )
    return found or ""


def _victims_traced(case: Case) -> tuple[int, int]:
    """On his case: the people he has harmed found before it was closed, each once however many services
    trace her, and those not yet traced by any of them."""
    if case.person.side != Side.PERPETRATOR:
        return 0, 0
    reached: dict[str, bool] = {}
    for victim_id, victim_ref, status in VictimTrace.objects.filter(perpetrator=case.person).values_list(
        "victim_id", "victim_ref", "status"
    ):
        key = str(victim_id) if victim_id else f"ref:{victim_ref}"
        reached[key] = reached.get(key, False) or status != TraceStatus.NOT_TRACED
    return len(reached), sum(1 for traced in reached.values() if not traced)


def _outcome_record(*, case: Case, ended: CaseEnding, rules: Rules, risk_at_end: str | None) -> CaseOutcome:
    total, met = _plan_goals(case)
    end = ended.ended_on
    family = _family_ids(case.person)
    window = _marac_window(case)
    found, untraced = _victims_traced(case)
    outcome = CaseOutcome.objects.create(
        case=case,
        end_state=ended.state,
        ended_on=end,
        risk_at_start=_risk_at_start(case),
        risk_at_end=risk_at_end or "",
        goals_total=total,
        goals_met=met,
        family_children=_family_has_children(family, end),
        marac_window_months=window,
        marac_before=(
            _marac_discussed(person=case.person, family=family, after=months_after(end, -window), until=end)
            if window is not None
            else None
        ),
        partner_risk_change=_partner_risk_change(case),
        victims_found=found,
        victims_untraced=untraced,
    )
    months = rules.file.outcomes.police_months
    before = _police_counts(case.person, {m: (months_after(end, -m), end) for m in months})
    OutcomePoliceCount.objects.bulk_create(
        OutcomePoliceCount(outcome=outcome, months=m, before=before[m]) for m in months
    )
    _outcome_after_fill(outcome=outcome, person=case.person, today=timezone.localdate())
    journeys_casework_refresh(case_ids=[case.pk])
    return outcome


def _outcome_after_fill(*, outcome: CaseOutcome, person: Person, today: datetime.date) -> int:
    """Count the records after the end for each period of the outcome that has passed and is not yet
    counted, and whether the family was back at a MARAC once the repeat window has passed. How many
    periods were counted (the MARAC window among them)."""
    end = outcome.ended_on
    marac = 0
    window = outcome.marac_window_months
    if outcome.marac_after is None and window is not None and months_after(end, window) < today:
        outcome.marac_after = _marac_discussed(
            person=person, family=_family_ids(person), after=end, until=months_after(end, window)
        )
        outcome.save(update_fields=["marac_after"])
        marac = 1
    due = {
        count.months: count
        for count in OutcomePoliceCount.objects.filter(outcome=outcome, after__isnull=True)
        if months_after(outcome.ended_on, count.months) < today
    }
    if not due:
        return marac
    after = _police_counts(person, {m: (end, months_after(end, m)) for m in due})
    for months, count in due.items():
        count.after, count.after_counted_on = after[months], today
    OutcomePoliceCount.objects.bulk_update(due.values(), ["after", "after_counted_on"])
    return marac + len(due)


def case_outcomes_refresh(*, today: datetime.date | None = None) -> int:
    """Fill in the police records after each ended case for every period that has passed since it ended
    and is not yet counted (run nightly: `manage.py case_outcomes_refresh`). How many periods were
    counted; each outcome is counted in its own transaction and audited."""
    today = today or timezone.localdate()
    waiting = (
        CaseOutcome.objects.filter(
            Q(police_counts__after__isnull=True)
            | Q(marac_after__isnull=True, marac_window_months__isnull=False)
        )
        .select_related("case__person")
        .distinct()
        .order_by("ended_on", "pk")
    )
    counted = 0
    for outcome in waiting.iterator(chunk_size=500):
        with transaction.atomic():
            filled = _outcome_after_fill(outcome=outcome, person=outcome.case.person, today=today)
            if filled:
                case_audit(
                    action=AuditAction.RECORD_CHANGED,
                    actor=None,
                    record_type="case_outcome",
                    record_id=outcome.pk,
                    details={"case": str(outcome.case_id), "periods_counted": filled},
                )
        counted += filled
    return counted


# --- after dropping out -----------------------------------------------------------------------------------


@transaction.atomic
def re_engagement_log(
    *, actor: Actor, case: Case, on: datetime.date | None, channel: str, outcome: str
) -> ReEngagementAttempt:
    """Log an attempt to bring back someone whose case ended because he dropped out: when, how and what
    came of it. The case stays closed; someone who comes back starts again with a new referral."""
    case = case_for_change(actor=actor, case=case, open_only=False)
    ended = CaseEnding.objects.filter(case=case).first()
    if case.status != CaseStatus.CLOSED or ended is None or ended.state != DROPPED_OUT:
        raise CaseError(
            _("Re-engagement attempts are logged once a case has ended because the person dropped out.")
        )
    if channel not in ReEngagementChannel.values:
        raise CaseError(_("Choose how the attempt was made."), "channel")
    if outcome not in ReEngagementOutcome.values:
        raise CaseError(_("Choose what came of it."), "outcome")
    on = _date_check(on, field="on", label=_("the date of the attempt"))
    if on < ended.ended_on:
        raise CaseError(_("The date of the attempt cannot be before the case ended."), "on")
    attempt = ReEngagementAttempt.objects.create(
        case=case, on=on, channel=channel, outcome=outcome, recorded_by=actor.user
    )
    case_event_add(
        case=case,
        kind=CaseEventKind.RE_ENGAGEMENT,
        actor=actor,
        detail={"channel": channel, "outcome": outcome},
    )
    case_audit(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="re_engagement_attempt",
        record_id=attempt.pk,
        details={"case": str(case.pk), "on": on.isoformat(), "channel": channel, "outcome": outcome},
    )
    return attempt


__all__ = [
    "agency_input_record",
    "case_end",
    "case_outcomes_refresh",
    "management_accept",
    "re_engagement_log",
]
