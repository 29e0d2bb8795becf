"""A meeting's agenda: who the panel hears and why (MARAC criteria and repeats, the RFG ranking, people
referred in by partners, case reviews), in the region's order; and referring someone in."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.assessments.models import (
    Assessment,
    AssessmentStatus,
    RegionAssessmentSettings,
)
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.dates import within_months
from pathways.panels import protected
from pathways.panels.choices import (
    AgendaReason,
    MeetingStatus,
    PanelKind,
)
from pathways.panels.models import (
    AgendaItem,
    Decision,
    Meeting,
    Panel,
    RfgNomination,
)
from pathways.people.models import Person
from pathways.people.sealed import sealed_details_refuse
from pathways.police.models import RfgRun, RfgScore
from pathways.referrals.choices import HOLDING_A_PLACE
from pathways.referrals.models import Referral

if TYPE_CHECKING:
    from pathways.core.policy import Actor
from pathways.panels.services import base
from pathways.panels.services.base import PanelError, audit_panel, meeting_locked, meeting_refuse_if_closed

REASON_ORDER = (
    AgendaReason.CASE_REVIEW,
    AgendaReason.REPEAT,
    AgendaReason.MARAC_CRITERIA,
    AgendaReason.RFG,
    AgendaReason.NOMINATED,
)


@dataclass
class _Candidate:
    """Everything that puts one person on the agenda, gathered before it becomes one item."""

    person_id: Any = None
    police_reference: str = ""
    reasons: set[str] = field(default_factory=set)
    repeat: bool = False
    assessment_id: Any = None
    assessed_on: datetime.date | None = None
    rfg_score_id: int | None = None
    score: float = 0.0
    nomination_ids: list[Any] = field(default_factory=list)
    nominated_at: datetime.datetime | None = None
    review_of_id: Any = None
    review_on: datetime.date | None = None
    referring_agency_id: Any = None

    @property
    def reason(self) -> str:
        return next(r for r in REASON_ORDER if r in self.reasons)


def _key(person_id: Any, police_reference: str) -> tuple[str, str]:
    return ("person", str(person_id)) if person_id else ("police", police_reference)


def _counted_items(panel_filter: Q, meeting: Meeting) -> QuerySet[AgendaItem]:
    """Items at other meetings that count as the person having been (or being about to be) heard: decided,
    or on the agenda of a meeting still open. An undecided item of a closed meeting was not heard."""
    return (
        AgendaItem.objects.filter(panel_filter)
        .exclude(meeting=meeting)
        .filter(Q(decision__isnull=False) | ~Q(meeting__status=MeetingStatus.CLOSED))
    )


def _marac_window_start(meeting: Meeting) -> datetime.date:
    previous = (
        Meeting.objects.filter(panel=meeting.panel, held_on__lt=meeting.held_on)
        .order_by("-held_on")
        .values_list("held_on", flat=True)
        .first()
    )
    return previous or meeting.held_on - datetime.timedelta(days=meeting.panel.every_days)


def _marac_candidates(meeting: Meeting, area_ids: list[Any]) -> list[_Candidate]:
    """People of the panel's areas whose latest completed assessment with a MARAC result meets the criteria,
    assessed since the panel's previous meeting (on its day included) and not heard by the panel since."""
    completed = Assessment.objects.filter(status=AssessmentStatus.COMPLETED, assessed_on__lte=meeting.held_on)
    newer = (
        completed.filter(person=OuterRef("person"))
        .filter(
            Q(assessed_on__gt=OuterRef("assessed_on"))
            | Q(assessed_on=OuterRef("assessed_on"), completed_at__gt=OuterRef("completed_at"))
        )
        .filter(results__has_key="marac")
    )
    heard = _counted_items(
        Q(
            person=OuterRef("person"),
            meeting__panel=meeting.panel,
            meeting__held_on__gte=OuterRef("assessed_on"),
        ),
        meeting,
    )
    last_marac = (
        _counted_items(
            Q(
                person=OuterRef("person"),
                meeting__panel__kind=PanelKind.MARAC,
                meeting__held_on__lte=OuterRef("assessed_on"),
            ),
            meeting,
        )
        .order_by("-meeting__held_on")
        .values("meeting__held_on")[:1]
    )
    # The area test as a correlated EXISTS keeps the date-bounded scan of assessments as the outer loop;
    # as a join, the planner may instead walk every person of the areas.
    # Only victims: a MARAC hears the case of the person harmed, never puts him on its agenda.
    in_areas = Exists(
        Person.objects.filter(
            pk=OuterRef("person_id"),
            area__in=area_ids,
            side=PanelKind.side_discussed(meeting.panel.kind),
        )
    )
    # Cheap tests first: SQLite evaluates them in order, and reading the JSON of every assessment ever
    # made is what would cost; the date bounds the scan to the window.
    rows = (
        completed.filter(assessed_on__gte=_marac_window_start(meeting))
        .filter(results__marac__refer=True)
        .filter(in_areas, ~Exists(newer), ~Exists(heard))
        .annotate(last_marac=last_marac)
        .order_by()
        .values_list("pk", "person_id", "assessed_on", "agency_id", "results__marac__criteria", "last_marac")
    )
    found = []
    try:
        months = RegionAssessmentSettings.repeat_window_months(meeting.panel.region_id)
    except RegionAssessmentSettings.NotLoaded as error:
        raise PanelError(str(error)) from None
    for pk, person_id, assessed_on, agency_id, criteria, last_marac_on in rows:
        if isinstance(last_marac_on, str):  # SQLite returns an annotated date as text
            last_marac_on = datetime.date.fromisoformat(last_marac_on)
        repeat = "repeat" in (criteria or []) or (
            last_marac_on is not None and within_months(last_marac_on, assessed_on, months)
        )
        found.append(
            _Candidate(
                person_id=person_id,
                reasons={AgendaReason.REPEAT if repeat else AgendaReason.MARAC_CRITERIA},
                repeat=repeat,
                assessment_id=pk,
                assessed_on=assessed_on,
                referring_agency_id=agency_id,
            )
        )
    return found


def rfg_run_latest(*, meeting: Meeting) -> RfgRun | None:
    return RfgRun.objects.filter(region=meeting.panel.region_id).order_by("-created_at").first()


def _rfg_candidates(meeting: Meeting, run: RfgRun, area_ids: list[Any]) -> list[_Candidate]:
    """For each of the panel's areas, the panel's top_n scores in the run among people not already being
    worked with: no referral holding a service's place, and no case of this panel with a review ahead."""
    panel = meeting.panel
    # Uncorrelated subqueries, each worked out once, not once per score.
    holding_a_place = Referral.objects.filter(status__in=HOLDING_A_PLACE).values("person_id")
    open_cases = AgendaItem.objects.filter(meeting__panel=panel, decision__review_on__gt=meeting.held_on)
    # A victim's record linked to a scored police reference by mistake never puts her on this agenda.
    victims = Person.objects.filter(side=Side.VICTIM).values("pk")
    eligible = (
        RfgScore.objects.filter(run=run)
        .exclude(person_id__in=holding_a_place)
        .exclude(person_id__in=victims)
        .exclude(person_id__in=open_cases.filter(person__isnull=False).values("person_id"))
        .exclude(perpetrator_ref__in=open_cases.exclude(police_reference="").values("police_reference"))
        .order_by("rank", "pk")
        .values_list("pk", "person_id", "perpetrator_ref", "score")
    )
    # One query per area (a panel covers one or two): each walks the (run, area, rank) index from the top
    # and stops after top_n people not excluded, instead of ranking every score in the run.
    ranked = [row for area_id in area_ids for row in eligible.filter(area_id=area_id)[: panel.top_n]]
    return [
        _Candidate(
            person_id=person_id,
            police_reference=reference,
            reasons={AgendaReason.RFG},
            rfg_score_id=pk,
            score=score,
        )
        for pk, person_id, reference, score in ranked
    ]


def _nomination_candidates(meeting: Meeting) -> list[_Candidate]:
    nominations = (
        RfgNomination.objects.filter(panel=meeting.panel)
        .filter(person__side=PanelKind.side_discussed(meeting.panel.kind))
        .filter(Q(heard_at__isnull=True) | Q(heard_at=meeting))
        .order_by("created_at")
        .values_list("pk", "person_id", "agency_id", "created_at")
    )
    return [
        _Candidate(
            person_id=person_id,
            reasons={AgendaReason.NOMINATED},
            nomination_ids=[pk],
            nominated_at=created_at,
            referring_agency_id=agency_id,
        )
        for pk, person_id, agency_id, created_at in nominations
    ]


def _review_candidates(meeting: Meeting) -> list[_Candidate]:
    """The panel's decisions whose review date has come and that no later decision has reviewed yet."""
    reviewed = _counted_items(Q(review_of=OuterRef("pk")), meeting)
    due = (
        Decision.objects.filter(
            item__meeting__panel=meeting.panel, review_on__isnull=False, review_on__lte=meeting.held_on
        )
        .exclude(item__meeting=meeting)
        .filter(~Exists(reviewed))
        .order_by("review_on")
        .values_list("pk", "item__person_id", "item__police_reference", "review_on")
    )
    return [
        _Candidate(
            person_id=person_id,
            police_reference=reference,
            reasons={AgendaReason.CASE_REVIEW},
            review_of_id=pk,
            review_on=review_on,
        )
        for pk, person_id, reference, review_on in due
    ]


def _merge(candidates: Iterable[_Candidate]) -> dict[tuple[str, str], _Candidate]:
    """One candidate per person: every reason and link kept, the earliest review and the best score."""
    merged: dict[tuple[str, str], _Candidate] = {}
    for c in candidates:
        key = _key(c.person_id, c.police_reference)
        into = merged.get(key)
        if into is None:
            merged[key] = c
            continue
        into.reasons |= c.reasons
        into.repeat = into.repeat or c.repeat
        into.police_reference = into.police_reference or c.police_reference
        into.nomination_ids += c.nomination_ids
        for name in ("assessment_id", "assessed_on", "review_of_id", "review_on", "nominated_at"):
            if getattr(into, name) is None:
                setattr(into, name, getattr(c, name))
        if c.rfg_score_id is not None and (into.rfg_score_id is None or c.score > into.score):
            into.rfg_score_id, into.score = c.rfg_score_id, c.score
        if into.referring_agency_id is None:
            into.referring_agency_id = c.referring_agency_id
    return merged


def _order_key(
    reason: str,
    review_on: datetime.date | None,
    assessed_on: datetime.date | None,
    score: float,
    nominated_at: datetime.datetime | None,
) -> tuple[Any, ...]:
    group = REASON_ORDER.index(AgendaReason(reason))
    if reason == AgendaReason.CASE_REVIEW:
        return (group, review_on or datetime.date.max)
    if reason in (AgendaReason.REPEAT, AgendaReason.MARAC_CRITERIA):
        return (group, assessed_on or datetime.date.max)
    if reason == AgendaReason.RFG:
        return (group, -score)
    return (group, nominated_at.timestamp() if nominated_at else 0.0)


def _kept_order_key(item: AgendaItem) -> tuple[Any, ...]:
    return _order_key(
        item.reason,
        item.review_of.review_on if item.review_of else None,
        item.assessment.assessed_on if item.assessment else None,
        item.rfg_score.score if item.rfg_score else 0.0,
        item.nomination.created_at if item.nomination else None,
    )


def _review_asked_for(meeting: Meeting) -> Q:
    """Items reviewing a decision whose own review date has not come by this meeting: put there by
    `agenda_review_add` (a case the panel referred on has ended), never found again by a build."""
    return Q(review_of__isnull=False) & (
        Q(review_of__review_on__isnull=True) | Q(review_of__review_on__gt=meeting.held_on)
    )


@transaction.atomic
def agenda_build(*, meeting: Meeting, actor: Actor) -> list[AgendaItem]:
    """Build (or rebuild) the meeting's agenda from the record.

    MARAC and daily panels hear people meeting the MARAC referral criteria (repeats flagged); MATAC hears
    the top RFG scores per area from the region's latest run; every panel hears partner nominations and
    the case reviews that have fallen due. One item per person, filed under the strongest reason with the
    others noted. Items with anything recorded against them (a decision, an action, a disclosure) are kept;
    the rest are replaced. Refused for a panel with no members, a closed meeting or one whose date has
    passed. Queries are set-based: the cost grows with the agenda, not with the number of people.
    """
    meeting = meeting_locked(meeting=meeting)
    panel = meeting.panel
    meeting_refuse_if_closed(meeting=meeting)
    if meeting.held_on < base.today():
        raise PanelError(_("This meeting has already been held: its agenda can no longer be built."))
    if not panel.members.exists():
        raise PanelError(
            _("This panel has no members yet. Add the member agencies before building an agenda.")
        )
    area_ids = list(panel.areas.values_list("pk", flat=True))
    kept = list(
        meeting.items.filter(
            Q(decision__isnull=False)
            | Q(actions__isnull=False)
            | Q(disclosures__isnull=False)
            | _review_asked_for(meeting)
        )
        .distinct()
        .select_related("review_of", "assessment", "rfg_score", "nomination")
    )
    kept_ids = [item.pk for item in kept]
    kept_people = [item.person_id for item in kept if item.person_id]
    RfgNomination.objects.filter(heard_at=meeting).exclude(person_id__in=kept_people).update(heard_at=None)
    replaced, _deleted = meeting.items.exclude(pk__in=kept_ids).delete()

    candidates: list[_Candidate] = _review_candidates(meeting)
    if panel.kind in (PanelKind.MARAC, PanelKind.DAILY):
        candidates += _marac_candidates(meeting, area_ids)
    run = rfg_run_latest(meeting=meeting) if panel.kind == PanelKind.MATAC else None
    if run is not None:
        candidates += _rfg_candidates(meeting, run, area_ids)
    candidates += _nomination_candidates(meeting)
    merged = _merge(candidates)
    for item in kept:
        merged.pop(_key(item.person_id, item.police_reference), None)

    ordered: list[tuple[tuple[Any, ...], AgendaItem | _Candidate]] = [
        (_kept_order_key(item), item) for item in kept
    ]
    ordered += [
        (_order_key(c.reason, c.review_on, c.assessed_on, c.score, c.nominated_at), c)
        for c in merged.values()
    ]
    ordered.sort(key=lambda pair: pair[0])
    new_items: list[AgendaItem] = []
    nominated: list[Any] = []
    for position, (_order, entry) in enumerate(ordered, start=1):
        if isinstance(entry, AgendaItem):
            entry.position = position
            continue
        reason = entry.reason
        nominated += entry.nomination_ids
        new_items.append(
            AgendaItem(
                meeting=meeting,
                person_id=entry.person_id,
                police_reference=entry.police_reference,
                reason=reason,
                other_reasons=[r.value for r in REASON_ORDER if r in entry.reasons and r != reason],
                position=position,
                repeat=entry.repeat,
                assessment_id=entry.assessment_id,
                rfg_score_id=entry.rfg_score_id,
                nomination_id=entry.nomination_ids[0] if entry.nomination_ids else None,
                review_of_id=entry.review_of_id,
                referring_agency_id=entry.referring_agency_id,
                created_by=actor.user,
                modified_by=actor.user,
            )
        )
    AgendaItem.objects.bulk_update(kept, ["position"])
    AgendaItem.objects.bulk_create(new_items)
    RfgNomination.objects.filter(pk__in=nominated).update(heard_at=meeting)
    meeting.rfg_run = run if run is not None else meeting.rfg_run
    meeting.agenda_built_at = timezone.now()
    meeting.modified_by = actor.user
    meeting.save(update_fields=["rfg_run", "agenda_built_at", "modified_by", "modified_at"])
    counts: dict[str, int] = {}
    for item in new_items:
        counts[item.reason] = counts.get(item.reason, 0) + 1
    audit_panel(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="meeting_agenda",
        record_id=meeting.pk,
        kept=len(kept),
        replaced=replaced,
        added=len(new_items),
        reasons=counts,
        rfg_run=str(run.pk) if run else None,
    )
    return list(
        meeting.items.select_related("person", "assessment", "rfg_score", "nomination", "review_of").order_by(
            "position"
        )
    )


def nomination_create(
    *, panel: Panel, person: Person, agency: Agency, reason: str, actor: Actor
) -> RfgNomination:
    """A member or partner agency refers someone in for the panel's next agenda. One open referral in per
    agency and person: a second agency's referral is heard at the same item."""
    reason = (reason or "").strip()
    if not reason:
        raise PanelError(_("Say why this person should be discussed."))
    if person.side != PanelKind.side_discussed(panel.kind):
        # A victim on a perpetrator panel would put her on papers read by the services working with him.
        if PanelKind.side_discussed(panel.kind) == Side.PERPETRATOR:
            message = _("%(panel)s discusses people who use abuse: refer a victim's case to a MARAC.")
        else:
            message = _("%(panel)s discusses victims' cases: refer the person who uses abuse to a MATAC.")
        raise PanelError(message % {"panel": panel.name})
    if not panel.is_active:
        raise PanelError(_("This panel no longer meets."))
    if not agency.is_active:
        raise PanelError(_("%(agency)s is no longer active.") % {"agency": agency.name})
    sealed_details_refuse(
        fields={"reason": reason},
        markers=protected.protected_markers_for_person(person=person, region_id=panel.region_id),
        actor=actor,
        record_type="person",
        record_id=person.pk,
        error=PanelError,
    )
    with transaction.atomic():
        if RfgNomination.objects.filter(
            panel=panel, person=person, agency=agency, heard_at__isnull=True
        ).exists():
            raise PanelError(
                _("Your agency has already referred this person in for the panel's next meeting.")
            )
        nomination = RfgNomination.objects.create(
            panel=panel,
            person=person,
            agency=agency,
            reason=reason,
            created_by=actor.user,
            modified_by=actor.user,
        )
        audit_panel(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="panel_nomination",
            record_id=nomination.pk,
            panel=panel.slug,
            person=str(person.pk),
            agency=agency.slug,
        )
        return nomination


@transaction.atomic
def agenda_review_add(*, meeting: Meeting, decision: Decision, actor: Actor | None) -> AgendaItem:
    """Put the person a decision was about on a coming meeting's agenda again, to review that decision (the
    case the panel referred him to has ended, say), in the region's order with the other case reviews.
    Someone already on the agenda keeps his one item, which now reviews the decision too. The item is kept
    when the agenda is built again. Refused for a closed meeting, one whose date has passed, or a decision
    of another panel."""
    meeting = meeting_locked(meeting=meeting)
    meeting_refuse_if_closed(meeting=meeting)
    if meeting.held_on < base.today():
        raise PanelError(_("This meeting has already been held: its agenda can no longer change."))
    decided = Decision.objects.select_related("item__meeting").get(pk=decision.pk)
    if decided.item.meeting.panel_id != meeting.panel_id:
        raise PanelError(_("A panel reviews its own decisions only."))
    person_id, reference = decided.item.person_id, decided.item.police_reference
    same = Q(person_id=person_id) if person_id else Q(person__isnull=True, police_reference=reference)
    user = actor.user if actor is not None and actor.user.is_authenticated else None
    item = meeting.items.filter(same).first()
    added = item is None
    if item is None:
        item = AgendaItem.objects.create(
            meeting=meeting,
            person_id=person_id,
            police_reference=reference,
            reason=AgendaReason.CASE_REVIEW,
            position=meeting.items.count() + 1,
            review_of=decided,
            created_by=user,
            modified_by=user,
        )
    elif item.review_of_id is None:
        reasons = {item.reason, *item.other_reasons, AgendaReason.CASE_REVIEW}
        item.reason = AgendaReason.CASE_REVIEW
        item.other_reasons = [r.value for r in REASON_ORDER if r in reasons and r != AgendaReason.CASE_REVIEW]
        item.review_of = decided
        item.modified_by = user
        item.save(update_fields=["reason", "other_reasons", "review_of", "modified_by", "modified_at"])
    items = list(meeting.items.select_related("review_of", "assessment", "rfg_score", "nomination"))
    items.sort(key=lambda i: (_kept_order_key(i), i.position))
    for position, each in enumerate(items, start=1):
        each.position = position
    AgendaItem.objects.bulk_update(items, ["position"])
    audit_panel(
        action=AuditAction.RECORD_CREATED if added else AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="agenda_item",
        record_id=item.pk,
        meeting=str(meeting.pk),
        review_of=str(decided.pk),
        reason=AgendaReason.CASE_REVIEW,
    )
    return next(i for i in items if i.pk == item.pk)
