"""Meeting rules: loading panels, members, schedules, attendance, agendas, decisions, actions and minutes.

Every write is atomic and audited; a broken rule raises PanelError with a message a user can act on, and
nothing is changed. Who may call what is the access policy's business (pathways/core/policy.py); these
functions assume the caller has already been let in.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency, Membership, User
from pathways.assessments.marac import within_months
from pathways.assessments.models import (
    Assessment,
    AssessmentStatus,
    RegionAssessmentSettings,
    ScreeningCandidate,
    ScreeningRound,
)
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.datafiles import DataFileError, Location, problems_from, validate
from pathways.directory.models import Area, Service
from pathways.directory.services import loaded_region
from pathways.panels import selectors, sharing
from pathways.panels.choices import (
    ActionStatus,
    AgendaReason,
    MeetingStatus,
    MemberRole,
    Outcome,
    PanelKind,
)
from pathways.panels.models import (
    Action,
    AgendaItem,
    Attendance,
    Decision,
    Meeting,
    Panel,
    PanelMember,
    RfgNomination,
)
from pathways.panels.panelfile import PanelsFile
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, Relationship
from pathways.people.sealed import sealed_details_refuse
from pathways.police.models import RfgRun, RfgScore
from pathways.referrals.choices import HOLDING_A_PLACE
from pathways.referrals.models import Referral

if TYPE_CHECKING:
    from pathways.core.policy import Actor


class PanelError(Exception):
    """A meeting rule was broken; the message is translated and fit to show the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# Outcomes that take one of the panel's capacity-limited service's places.
SCREENED_OUTCOMES = frozenset({Outcome.REFER_SCREENED})

# The order of an agenda, and which reason an item is filed under when a person has several: a case the
# panel already owns comes first (the new reasons are noted on it), then new high-risk cases, repeats
# before first referrals, then the highest RFG scores, then people referred in by partners.
REASON_ORDER = (
    AgendaReason.CASE_REVIEW,
    AgendaReason.REPEAT,
    AgendaReason.MARAC_CRITERIA,
    AgendaReason.RFG,
    AgendaReason.NOMINATED,
)


def _today() -> datetime.date:
    return timezone.localdate()


def _audit(action: str, actor: Actor | None, record_type: str, record_id: object, **details: Any) -> None:
    audit.record(
        action=action,
        actor=actor,
        username="" if actor else "system",
        record_type=record_type,
        record_id=record_id,
        # Dates and UUIDs as text: the audit entry's details are JSON.
        details={k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in details.items()},
    )


def _locked(meeting: Meeting) -> Meeting:
    """The meeting re-read under a row lock, so that deciding and closing cannot interleave."""
    return Meeting.objects.select_for_update().select_related("panel").get(pk=meeting.pk)


def _refuse_if_closed(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise PanelError(_("The minutes of this meeting have been issued: its record can no longer change."))


# --- panels and members --------------------------------------------------------------------------------


@transaction.atomic
def panels_load(*, path: Path, actor: Actor | None = None) -> list[Panel]:
    """Make the region's panels match its panels.yaml: created or updated by slug; panels no longer in the
    file are made inactive (their meetings are kept). All or nothing, every problem reported at once."""
    parsed, data, index = validate(path, PanelsFile)
    region = loaded_region(path, parsed.region, index)
    areas = {a.slug: a for a in Area.objects.filter(region=region)}
    services = {s.slug: s for s in Service.objects.filter(region=region)}
    problems: list[tuple[Location, str]] = []
    for n, entry in enumerate(parsed.panels):
        for k, slug in enumerate(entry.areas):
            if slug not in areas:
                problems.append(
                    (("panels", n, "areas", k), f"no area {slug!r} in region.yaml; check the slug")
                )
        if entry.screening_service and entry.screening_service not in services:
            problems.append(
                (
                    ("panels", n, "screening_service"),
                    f"no service {entry.screening_service!r} in region.yaml; check the slug",
                )
            )
    if problems:
        raise DataFileError(problems_from(path, data, index, problems))
    panels = []
    for entry in parsed.panels:
        panel, _created = Panel.objects.update_or_create(
            region=region,
            slug=entry.slug,
            defaults={
                "kind": entry.kind,
                "name_en": entry.name.en,
                "name_cy": entry.name.cy,
                "every_days": entry.every_days,
                "quorum": entry.quorum,
                "top_n": entry.top_n or 0,  # 0: the panel ranks no RFG scores onto its agenda
                "screening_service": services.get(entry.screening_service or ""),
                "is_active": entry.active,
            },
        )
        panel.areas.set([areas[slug] for slug in entry.areas])
        panels.append(panel)
    retired = (
        Panel.objects.filter(region=region, is_active=True)
        .exclude(slug__in=[p.slug for p in parsed.panels])
        .update(is_active=False)
    )
    _audit(
        AuditAction.REGION_LOADED,
        actor,
        "panels",
        region.slug,
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        panels=len(panels),
        made_inactive=retired,
        file=path.name,
    )
    return panels


def _is_member_of(user: User, agency: Agency) -> bool:
    return Membership.objects.filter(user=user, agency=agency, is_active=True, user__is_active=True).exists()


@transaction.atomic
def panel_member_add(
    *,
    panel: Panel,
    agency: Agency,
    user: User,
    role: str = MemberRole.MEMBER,
    deputy: User | None = None,
    actor: Actor | None = None,
) -> PanelMember:
    """Give `agency` a seat on `panel`, held by `user` (with an optional deputy from the same agency)."""
    if role not in MemberRole.values:
        raise PanelError(_("Choose the member's role on the panel."))
    if not agency.is_active:
        raise PanelError(_("%(agency)s is no longer active.") % {"agency": agency.name})
    if not _is_member_of(user, agency):
        raise PanelError(
            _("%(user)s does not work for %(agency)s.")
            % {"user": user.full_name or user, "agency": agency.name}
        )
    if deputy is not None:
        if deputy == user:
            raise PanelError(_("A deputy must be someone other than the member."))
        if not _is_member_of(deputy, agency):
            raise PanelError(
                _("The deputy must also work for %(agency)s.") % {"agency": agency.name},
            )
    if PanelMember.objects.filter(panel=panel, user=user).exists():
        raise PanelError(_("%(user)s already has a seat on this panel.") % {"user": user.full_name or user})
    member = PanelMember.objects.create(panel=panel, agency=agency, user=user, deputy=deputy, role=role)
    _audit(
        AuditAction.RECORD_CREATED,
        actor,
        "panel_member",
        member.pk,
        panel=panel.slug,
        agency=agency.slug,
        role=role,
        deputy=deputy is not None,
    )
    return member


# --- meetings and attendance ---------------------------------------------------------------------------


@transaction.atomic
def meeting_schedule(*, panel: Panel, held_on: datetime.date | None = None, actor: Actor) -> Meeting:
    """The next meeting: on `held_on`, or else on the panel's cadence after its last meeting (the first such
    date that is not before today; today when it has never met). Never two on one day."""
    panel = Panel.objects.select_for_update().get(pk=panel.pk)
    if not panel.is_active:
        raise PanelError(_("This panel no longer meets."))
    if held_on is None:
        last = panel.meetings.order_by("-held_on").values_list("held_on", flat=True).first()
        today = _today()
        if last is None:
            held_on = today
        else:
            step = datetime.timedelta(days=panel.every_days)
            held_on = last + step
            if held_on < today:
                held_on += step * -(-(today - held_on).days // panel.every_days)
    if panel.meetings.filter(held_on=held_on).exists():
        raise PanelError(_("This panel already meets on %(date)s.") % {"date": date_format(held_on, "j F Y")})
    meeting = Meeting.objects.create(
        panel=panel, held_on=held_on, created_by=actor.user, modified_by=actor.user
    )
    _audit(AuditAction.RECORD_CREATED, actor, "meeting", meeting.pk, panel=panel.slug, held_on=held_on)
    return meeting


@transaction.atomic
def meeting_attendance_record(
    *, meeting: Meeting, attendance: dict[Any, tuple[bool, bool]], actor: Actor
) -> None:
    """Record who attended: member pk -> (present, by_deputy), where present means the seat was filled and
    by_deputy that the deputy filled it (which counts as present). Members not given stay as they were.
    Recording attendance marks the meeting as held."""
    meeting = _locked(meeting)
    _refuse_if_closed(meeting)
    members = {str(m.pk): m for m in meeting.panel.members.select_related("agency")}
    unknown = [pk for pk in attendance if str(pk) not in members]
    if unknown:
        raise PanelError(_("Only the panel's members can be recorded as attending."))
    for pk, (present, by_deputy) in attendance.items():
        member = members[str(pk)]
        if by_deputy and member.deputy_id is None:
            raise PanelError(
                _("%(agency)s has no deputy named for this seat.") % {"agency": member.agency.name}
            )
        Attendance.objects.update_or_create(
            meeting=meeting,
            member=member,
            defaults={"present": present or by_deputy, "by_deputy": by_deputy},
        )
    if meeting.status == MeetingStatus.PLANNED:
        meeting.status = MeetingStatus.HELD
    meeting.modified_by = actor.user
    meeting.save(update_fields=["status", "modified_by", "modified_at"])
    _audit(
        AuditAction.RECORD_CHANGED,
        actor,
        "meeting_attendance",
        meeting.pk,
        present=sum(1 for present, by_deputy in attendance.values() if present or by_deputy),
        recorded=len(attendance),
    )


# --- agendas -------------------------------------------------------------------------------------------


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
    meeting = _locked(meeting)
    panel = meeting.panel
    _refuse_if_closed(meeting)
    if meeting.held_on < _today():
        raise PanelError(_("This meeting has already been held: its agenda can no longer be built."))
    if not panel.members.exists():
        raise PanelError(
            _("This panel has no members yet. Add the member agencies before building an agenda.")
        )
    area_ids = list(panel.areas.values_list("pk", flat=True))
    kept = list(
        meeting.items.filter(
            Q(decision__isnull=False) | Q(actions__isnull=False) | Q(disclosures__isnull=False)
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
    _audit(
        AuditAction.RECORD_CHANGED,
        actor,
        "meeting_agenda",
        meeting.pk,
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
        markers=sharing.protected_markers_for_person(person=person, region_id=panel.region_id),
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
        _audit(
            AuditAction.RECORD_CREATED,
            actor,
            "panel_nomination",
            nomination.pk,
            panel=panel.slug,
            person=str(person.pk),
            agency=agency.slug,
        )
        return nomination


# --- decisions and actions -----------------------------------------------------------------------------


def _check_screening(item: AgendaItem, panel: Panel, screening: ScreeningRound | None) -> None:
    service = panel.screening_service
    if service is None:
        raise PanelError(_("This panel does not refer to a service with limited places."))
    if item.person_id is None:
        raise PanelError(
            _(
                "Record who this person is before referring them to %(service)s: "
                "it screens people, not police references."
            )
            % {"service": service.name}
        )
    if screening is None:
        raise PanelError(
            _(
                "Referring someone to %(service)s needs its screening record: "
                "choose the screening in which this person was taken."
            )
            % {"service": service.name}
        )
    if screening.service_id != service.pk:
        raise PanelError(
            _("That screening was for another service, not %(service)s.") % {"service": service.name}
        )
    taken = ScreeningCandidate.objects.filter(
        screening=screening, referral__person_id__in=item_screenings(item=item), taken=True
    ).exists()
    if not taken:
        raise PanelError(
            _("This person was not taken in that screening for %(service)s.") % {"service": service.name}
        )


def item_screenings(*, item: AgendaItem) -> list[Any]:
    """Who a referral from this item to a capacity-limited service is for: the person on a perpetrator
    panel's item; on a victim's case at a MARAC, the partners and ex-partners who harm her."""
    if item.person is None or item.person.side == Side.PERPETRATOR:
        return [item.person_id]
    partners = (RelationshipKind.CURRENT_PARTNER, RelationshipKind.EX_PARTNER)
    return list(
        Relationship.objects.filter(
            other_id=item.person_id, kind__in=partners, person__side=Side.PERPETRATOR
        ).values_list("person_id", flat=True)
    )


def decision_record(
    *,
    item: AgendaItem,
    outcome: str,
    reasons: str,
    review_on: datetime.date | None = None,
    screening: ScreeningRound | None = None,
    actor: Actor,
) -> Decision:
    """The panel's decision on an item (made again, it replaces the earlier one until the minutes are
    issued). It needs reasons, a quorate and open meeting, and, for the panel's capacity-limited service,
    that service's screening record in which this person was taken. The decision names the meeting and the
    agencies present: the panel decided, not one agency."""
    reasons = (reasons or "").strip()
    sealed_details_refuse(
        fields={"reasons": reasons},
        markers=sharing.protected_markers(item=item),
        actor=actor,
        record_type="agendaitem",
        record_id=item.pk,
        error=PanelError,
    )
    with transaction.atomic():
        meeting = _locked(item.meeting)
        _refuse_if_closed(meeting)
        panel = meeting.panel
        reasons = (reasons or "").strip()
        if outcome not in Outcome.values:
            raise PanelError(_("Choose the panel's decision."))
        if not reasons:
            raise PanelError(_("Give the panel's reasons for the decision."))
        quorum = selectors.meeting_quorum(meeting=meeting)
        if not quorum.quorate:
            raise PanelError(
                _(
                    "The panel is not quorate (%(present)s of %(needed)s agencies present), "
                    "so it cannot decide."
                )
                % {"present": len(quorum.present), "needed": quorum.needed}
            )
        if review_on is not None and review_on <= meeting.held_on:
            raise PanelError(_("The review date must be after the meeting."))
        if outcome in SCREENED_OUTCOMES:
            _check_screening(item, panel, screening)
        elif screening is not None:
            raise PanelError(
                _("A screening record goes only with a referral to the panel's limited service.")
            )
        existing = Decision.objects.filter(item=item).first()
        decision = existing or Decision(item=item, created_by=actor.user)
        decision.outcome = outcome
        decision.reasons = reasons
        decision.review_on = review_on
        decision.screening = screening
        decision.modified_by = actor.user
        decision.save()
        decision.decided_by.set(quorum.present)
        _audit(
            AuditAction.RECORD_CHANGED if existing else AuditAction.RECORD_CREATED,
            actor,
            "panel_decision",
            decision.pk,
            meeting=str(meeting.pk),
            item=str(item.pk),
            outcome=outcome,
            review_on=review_on,
            screening=str(screening.pk) if screening else None,
            agencies_present=sorted(a.slug for a in quorum.present),
        )
        return decision


def action_create(
    *,
    item: AgendaItem,
    description: str,
    agency: Agency,
    owner: User | None = None,
    due_on: datetime.date,
    actor: Actor,
) -> Action:
    """An action on an item for an agency with a seat on the panel (and, if named, an owner who works for
    it), due on or after the meeting. Refused once the minutes are issued."""
    description = (description or "").strip()
    sealed_details_refuse(
        fields={"description": description},
        markers=sharing.protected_markers(item=item),
        actor=actor,
        record_type="agendaitem",
        record_id=item.pk,
        error=PanelError,
    )
    with transaction.atomic():
        meeting = _locked(item.meeting)
        _refuse_if_closed(meeting)
        description = (description or "").strip()
        if not description:
            raise PanelError(_("Say what the action is."))
        if not meeting.panel.members.filter(agency=agency).exists():
            raise PanelError(
                _("%(agency)s has no seat on this panel: actions go to member agencies.")
                % {"agency": agency.name}
            )
        if owner is not None and not _is_member_of(owner, agency):
            raise PanelError(
                _("%(user)s does not work for %(agency)s.")
                % {"user": owner.full_name or owner, "agency": agency.name}
            )
        if due_on < meeting.held_on:
            raise PanelError(_("An action cannot fall due before the meeting that set it."))
        action = Action.objects.create(
            item=item,
            description=description,
            agency=agency,
            owner=owner,
            due_on=due_on,
            created_by=actor.user,
            modified_by=actor.user,
        )
        _audit(
            AuditAction.RECORD_CREATED,
            actor,
            "panel_action",
            action.pk,
            item=str(item.pk),
            agency=agency.slug,
            owner=str(owner.pk) if owner else None,
            due_on=due_on,
        )
        return action


@transaction.atomic
def action_update(*, action: Action, status: str, actor: Actor) -> Action:
    """Move an action's status; allowed after the minutes are issued too (the work goes on)."""
    if status not in ActionStatus.values:
        raise PanelError(_("Choose the action's status."))
    action = Action.objects.select_for_update().get(pk=action.pk)
    before = action.status
    action.status = status
    action.completed_on = (action.completed_on or _today()) if status == ActionStatus.DONE else None
    action.modified_by = actor.user
    action.save(update_fields=["status", "completed_on", "modified_by", "modified_at"])
    _audit(AuditAction.RECORD_CHANGED, actor, "panel_action", action.pk, status_from=before, status_to=status)
    return action


@dataclass(frozen=True)
class Chased:
    """An overdue action chased, as a command may print it: references only, nothing about the person."""

    action_id: Any
    agency_slug: str
    panel_slug: str
    due_on: datetime.date


@transaction.atomic
def actions_chase_overdue(*, today: datetime.date, actor: Actor | None) -> list[Chased]:
    """Mark every open action past its due date as chased today, at most once a day each, and audit each
    chase; returns the actions chased now."""
    due = [
        Chased(*row)
        for row in selectors.actions_overdue(today=today)
        .filter(Q(last_chased_on__isnull=True) | Q(last_chased_on__lt=today))
        .select_for_update(of=("self",))
        .values_list("pk", "agency__slug", "item__meeting__panel__slug", "due_on")
    ]
    Action.objects.filter(pk__in=[c.action_id for c in due]).update(last_chased_on=today)
    for chased in due:
        _audit(
            AuditAction.RECORD_CHANGED,
            actor,
            "panel_action",
            chased.action_id,
            chased_on=today,
            agency=chased.agency_slug,
            due_on=chased.due_on,
        )
    return due


def actions_chase_overdue_count(*, today: datetime.date, actor: Actor | None) -> int:
    """How many overdue actions were chased now (see chase_overdue_actions)."""
    return len(actions_chase_overdue(today=today, actor=actor))


@transaction.atomic
def meeting_close(*, meeting: Meeting, actor: Actor) -> Meeting:
    """Issue the minutes: the items' decisions and actions are fixed from now on (actions' statuses still
    move). Referrals in that the meeting did not decide go back to wait for the next one."""
    meeting = _locked(meeting)
    _refuse_if_closed(meeting)
    undecided = meeting.items.filter(decision__isnull=True)
    decided_people = meeting.items.filter(decision__isnull=False, person__isnull=False).values("person_id")
    carried = (
        RfgNomination.objects.filter(heard_at=meeting)
        .exclude(person_id__in=decided_people)
        .update(heard_at=None)
    )
    meeting.status = MeetingStatus.CLOSED
    meeting.modified_by = actor.user
    meeting.save(update_fields=["status", "modified_by", "modified_at"])
    _audit(
        AuditAction.RECORD_CHANGED,
        actor,
        "meeting",
        meeting.pk,
        status=MeetingStatus.CLOSED,
        items=meeting.items.count(),
        undecided=undecided.count(),
        nominations_carried=carried,
    )
    return meeting


# --- minutes -------------------------------------------------------------------------------------------


def minutes_render(*, meeting: Meeting, language: str, reader: Actor) -> str:
    """The minutes as an HTML fragment in `language` ("en" or "cy"), both from the same record, as `reader`
    may read them."""
    with translation.override(language):
        return render_to_string(
            "panels/minutes_document.html",
            {"minutes": selectors.minutes_get(meeting=meeting, reader=reader), "language": language},
        )
