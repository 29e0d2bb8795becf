"""Information at the table: what each agency's papers show about an agenda item, and what it shares.

Every share is weighed against the question practitioners in the region use (review, section 5.4): "is
this going to improve the safety of the partner or ex-partner?". Three rules hold whatever the table says:

- A victim's or partner's contact details and location never reach a perpetrator panel's papers (MATAC,
  DAPP), for anyone, and cannot be typed into them either.
- On a MARAC the victim's contact details are revealed only through the access policy, to roles with a
  stated need, with a purpose, and every reveal is audited.
- Reading the papers is audited, and so is every disclosure.

Which parts of the papers each agency type sees is the access policy's `PAPERS_BY_AGENCY_TYPE`, and who
may ask for a victim's contact details is its `may_reveal_at_meeting`; docs/panel-information.md explains
both.
"""

from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.accounts.models import Agency
from pathways.assessments.marac import criterion_label
from pathways.assessments.models import RegionAssessmentSettings
from pathways.assessments.selectors import CurrentRisk, current_risk
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import AgencyType, Side
from pathways.core.policy import (
    Actor,
    Part,
    Perm,
    allows,
    can_see_record,
    holds_seat,
    may_reveal_at_meeting,
    papers_parts,
    runs_the_meeting,
)
from pathways.core.sealedtext import Marker, mentions
from pathways.panels.choices import LawfulBasis, MeetingStatus, PanelKind
from pathways.panels.models import AgendaItem, Disclosure, Meeting, PanelMember
from pathways.people import sealed
from pathways.people.models import Person
from pathways.people.sealed import protected_ids_for, sealed_reveal
from pathways.police.models import PoliceRecord

if TYPE_CHECKING:
    from django.http import HttpRequest


GUIDING_QUESTION = gettext_lazy("Is this going to improve the safety of the partner or ex-partner?")


# Agency types whose disclosures are health disclosures.
HEALTH_AGENCY_TYPES = frozenset({AgencyType.HEALTH})

CONTACT_FIELDS = ("address", "phone", "email")
CONTACT_LABELS = {
    "address": gettext_lazy("Address"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
}


class SharingError(Exception):
    """A disclosure that cannot be recorded; the message says why and what to do, and `field` which part
    of the form it is about (None for the whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


# --- The papers ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RfgParts:
    score: float
    rank: int
    area: str
    recency: float
    frequency: float
    gravity: float
    victims: float
    records: int
    victim_count: int
    last_on: datetime.date
    serial: bool
    model_version: int


@dataclass(frozen=True)
class SharedLine:
    """One disclosure as this reader's papers show it. `information` is None when withheld from them."""

    agency: str
    lawful_basis: str
    shared_at: datetime.datetime
    information: str | None
    withheld_reason: str = ""


@dataclass(frozen=True)
class Papers:
    item: AgendaItem
    panel_kind: str
    perpetrator_panel: bool
    parts: frozenset[Part]
    name: str
    police_reference: str
    date_of_birth: datetime.date | None
    reason: str
    repeat: bool
    referring_agency: str
    risk: CurrentRisk | None
    marac_criteria: list[str]
    rfg: RfgParts | None
    shared: list[SharedLine]
    # MARAC only: whether this reader may ask to see the victim's contact details, and what was revealed.
    may_reveal_contact: bool
    contact: dict[str, str | None] | None

    @property
    def guiding_question(self) -> str:
        return str(GUIDING_QUESTION)

    def sees(self, part: str) -> bool:
        return part in self.parts

    @property
    def contact_rows(self) -> list[tuple[str, str | None]]:
        if self.contact is None:
            return []
        return [(str(CONTACT_LABELS[name]), self.contact.get(name)) for name in CONTACT_FIELDS]


def item_run_by(*, item: AgendaItem, actor: Actor) -> bool:
    """True when the actor holds (or deputises in) the chair's or the coordinator's seat at this panel."""
    return runs_the_meeting(actor, item.meeting)


def papers_parts_for(*, item: AgendaItem, actor: Actor) -> frozenset[Part]:
    """The parts of the papers the actor reads at this panel (the access policy decides)."""
    return papers_parts(actor, item)


def item_on_perpetrator_panel(*, item: AgendaItem) -> bool:
    return item.meeting.panel.kind in PanelKind.perpetrator_focused()


def papers_get(
    *, item: AgendaItem, actor: Actor, request: HttpRequest | None, reveal_purpose: str = ""
) -> Papers:
    """What the actor's agency may see about the item's person at this meeting. Reading is audited.

    `reveal_purpose`, on a MARAC, asks for the victim's contact details: they are revealed through the
    access policy (audited with the purpose) only to a role with a stated need. On a perpetrator panel
    there is nothing to reveal, for anyone.
    Raises Http404 when the actor's agency has no seat at the panel, as for an item that does not exist.
    """
    item = (
        AgendaItem.objects.select_related(
            "meeting__panel",
            "person",
            "referring_agency",
            "assessment",
            "rfg_score__area",
            "rfg_score__run__model",
        )
        .filter(pk=item.pk)
        .first()
        or item
    )
    parts = papers_parts_for(item=item, actor=actor)
    if not parts:
        raise Http404
    person = item.person
    perpetrator_panel = item_on_perpetrator_panel(item=item)
    risk = current_risk(person) if person is not None and Part.RISK in parts else None
    may_reveal = may_reveal_at_meeting(
        actor,
        meeting=item.meeting,
        person=person,
        victim_panel=item.meeting.panel.kind == PanelKind.MARAC and not perpetrator_panel,
    )
    contact = None
    if person is not None and may_reveal and reveal_purpose.strip():
        contact = {
            name: sealed_reveal(
                actor=actor,
                record=person,
                value=getattr(person, name),
                field=name,
                purpose=reveal_purpose.strip(),
                request=request,
                allowed=True,
            )
            for name in CONTACT_FIELDS
        }
    audit.record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor,
        request=request,
        record_type="panel_papers",
        record_id=item.pk,
        details={"parts": sorted(parts), "contact_revealed": contact is not None},
    )
    return Papers(
        item=item,
        panel_kind=item.meeting.panel.kind,
        perpetrator_panel=perpetrator_panel,
        parts=parts,
        name=person.display_name if person is not None and Part.IDENTITY in parts else "",
        police_reference=(item.police_reference or (person.police_reference if person else ""))
        if Part.IDENTITY in parts
        else "",
        date_of_birth=person.date_of_birth if person is not None and Part.IDENTITY in parts else None,
        reason=item.reason_label if Part.REASON in parts else "",
        repeat=item.repeat if Part.REASON in parts else False,
        referring_agency=item.referring_agency.name if Part.REASON in parts and item.referring_agency else "",
        risk=risk,
        marac_criteria=_criteria(item, risk) if Part.RISK in parts else [],
        rfg=_rfg(item) if Part.RFG in parts else None,
        shared=_shared(item, parts) if Part.DISCLOSURES in parts else [],
        may_reveal_contact=may_reveal,
        contact=contact,
    )


def _criteria(item: AgendaItem, risk: CurrentRisk | None) -> list[str]:
    assessment = item.assessment or (risk.assessment if risk else None)
    met = (assessment.results.get("marac") or {}).get("criteria", []) if assessment else []
    months = RegionAssessmentSettings.repeat_window_months(item.meeting.panel.region_id) if met else 0
    return [criterion_label(code, repeat_window_months=months) for code in met]


def _rfg(item: AgendaItem) -> RfgParts | None:
    score = item.rfg_score
    if score is None:
        return None
    return RfgParts(
        score=score.score,
        rank=score.rank,
        area=score.area.name if score.area else "",
        recency=score.recency,
        frequency=score.frequency,
        gravity=score.gravity,
        victims=score.victims,
        records=score.records,
        victim_count=score.victim_count,
        last_on=score.last_on,
        serial=score.serial,
        model_version=score.run.model.version,
    )


def _shared(item: AgendaItem, parts: frozenset[Part]) -> list[SharedLine]:
    disclosures = list(item.disclosures.select_related("agency").order_by("created_at"))
    # Checked again when shown: a contact detail sealed on a record after it was typed into a disclosure
    # must still never reach a perpetrator panel's papers.
    markers = protected_markers(item=item) if item_on_perpetrator_panel(item=item) and disclosures else []
    lines = []
    for disclosure in disclosures:
        information: str | None = disclosure.information
        withheld = ""
        if disclosure.agency.type in HEALTH_AGENCY_TYPES and Part.HEALTH_DISCLOSURES not in parts:
            information, withheld = (
                None,
                _("Health information: read by the chair, the coordinator, health and the victim service."),
            )
        elif markers and mentions(disclosure.information, markers):
            information, withheld = (
                None,
                _("Withheld: it holds a partner's or victim's contact details or location."),
            )
        lines.append(
            SharedLine(
                agency=disclosure.agency.name,
                lawful_basis=disclosure.get_lawful_basis_display(),
                shared_at=disclosure.created_at,
                information=information,
                withheld_reason=withheld,
            )
        )
    return lines


# --- Keeping sealed details out of what is typed --------------------------------------------------------


@dataclass(frozen=True)
class Subject:
    """Whom typed text is about: a person record, a police reference, or both, in a region."""

    key: Any
    person: Person | None
    police_reference: str
    region_id: int


def protected_ids_for_subjects(*, subjects: list[Subject]) -> dict[Any, set[uuid.UUID]]:
    """For each subject, the people whose location must stay out of typed text about them: the person's
    partners and ex-partners, children, and the person themself if on the victim side
    (pathways.people.sealed), and the victims the police have recorded against the person, by their record
    or, for someone known only from police data, by the force's reference. A few queries in all."""
    by_person = protected_ids_for(s.person.pk for s in subjects if s.person is not None)
    found: dict[Any, set[uuid.UUID]] = {
        s.key: set(by_person.get(s.person.pk, set())) if s.person is not None else set() for s in subjects
    }
    person_keys: dict[uuid.UUID, list[Any]] = {}
    reference_keys: dict[tuple[int, str], list[Any]] = {}
    for subject in subjects:
        if subject.person is not None:
            person_keys.setdefault(subject.person.pk, []).append(subject.key)
        references = {subject.police_reference, subject.person.police_reference if subject.person else ""}
        for reference in references - {""}:
            reference_keys.setdefault((subject.region_id, reference), []).append(subject.key)
    named = Q(perpetrator_id__in=list(person_keys)) if person_keys else Q(pk__in=[])
    for region_id, reference in reference_keys:
        named |= Q(region_id=region_id, perpetrator_ref=reference)
    rows = PoliceRecord.objects.filter(named, victim__isnull=False).values_list(
        "perpetrator_id", "region_id", "perpetrator_ref", "victim_id"
    )
    for perpetrator_id, region_id, reference, victim_id in rows:
        for key in person_keys.get(perpetrator_id, []) + reference_keys.get((region_id, reference), []):
            found[key].add(victim_id)
    for subject in subjects:
        if subject.person is not None and subject.person.side != Side.VICTIM:
            found[subject.key].discard(subject.person.pk)
    return found


def _subject(item: AgendaItem) -> Subject:
    return Subject(item.pk, item.person, item.police_reference, item.meeting.panel.region_id)


def protected_ids_by_item(*, items: list[AgendaItem]) -> dict[uuid.UUID, set[uuid.UUID]]:
    """For each item, the people protected in its typed text (decisions, actions, what was shared, the
    minutes). The items should come with their person and meeting's panel."""
    return protected_ids_for_subjects(subjects=[_subject(item) for item in items])


def protected_markers_for_person(*, person: Person, region_id: int) -> list[Marker]:
    """The sealed details protected in typed text about a person (a reason for referring them in)."""
    subject = Subject(person.pk, person, "", region_id)
    return sealed.markers_of(protected_ids_for_subjects(subjects=[subject]))[person.pk]


def protected_markers_by_item(*, items: list[AgendaItem]) -> dict[uuid.UUID, list[Marker]]:
    """Each item's protected people's sealed details, as markers (never shown, returned or logged)."""
    return sealed.markers_of(protected_ids_by_item(items=items))


def protected_people(*, item: AgendaItem) -> list[Person]:
    return list(Person.objects.filter(pk__in=protected_ids_by_item(items=[item])[item.pk]))


def protected_markers(*, item: AgendaItem) -> list[Marker]:
    return protected_markers_by_item(items=[item])[item.pk]


# --- Recording what an agency shared -------------------------------------------------------------------


def disclosure_agencies(*, item: AgendaItem, actor: Actor) -> list[Agency]:
    """The agencies the actor may record a disclosure for: their own, if it has a seat; the chair and the
    coordinator record for any agency at the table, since they take the notes."""
    agency = actor.agency
    if agency is None or not allows(actor, Perm.PANEL_CONTRIBUTE) or not holds_seat(actor, item.meeting):
        return []
    if item_run_by(item=item, actor=actor):
        seats = PanelMember.objects.filter(panel_id=item.meeting.panel_id)
        return list(Agency.objects.filter(pk__in=seats.values("agency_id")).order_by("name_en"))
    return [agency]


def disclosure_record(
    *,
    item: AgendaItem,
    agency: Agency,
    information: str,
    lawful_basis: str,
    actor: Actor,
    request: HttpRequest | None = None,
) -> Disclosure:
    """Record what `agency` shared at the table about `item`, and on what lawful basis. Audited.

    Refused, with nothing saved, when: the agency has no seat on the panel (or the actor may not record for
    it); there is no lawful basis; the meeting's minutes are issued; the text is empty; or the text holds a
    protected person's sealed contact details or location.
    """
    item = AgendaItem.objects.select_related("meeting__panel").get(pk=item.pk)
    if not can_see_record(actor, item.meeting, Perm.PANEL_CONTRIBUTE):
        raise Http404
    if agency.pk not in {a.pk for a in disclosure_agencies(item=item, actor=actor)}:
        raise SharingError(_("Only an agency with a seat on this panel can share at its table."), "agency")
    if lawful_basis not in LawfulBasis.values:
        raise SharingError(_("Choose the lawful basis the information is shared on."), "lawful_basis")
    text = information.strip()
    if not text:
        raise SharingError(_("Enter the information shared."), "information")
    if len(text) > 8000:
        raise SharingError(_("The information shared must be 8000 characters or fewer."), "information")
    if item.meeting.status == MeetingStatus.CLOSED:
        raise SharingError(_("The minutes of this meeting are issued: nothing more can be shared at it."))
    found = mentions(text, protected_markers(item=item))
    if found:
        # Telling the user their text matched is itself a glimpse of a sealed detail: the attempt is
        # audited as one, so that anyone probing for an address shows up in the log.
        audit.record(
            action=AuditAction.SEALED_VIEWED,
            actor=actor,
            request=request,
            record_type="agendaitem",
            record_id=item.pk,
            purpose="disclosure refused: it held a protected person's contact details or location",
            details={"refused": sorted(found)},
        )
        if item_on_perpetrator_panel(item=item):
            raise SharingError(
                _(
                    "This holds the contact details or location of someone this person has harmed, or of a "
                    "partner or child. A victim's location never goes on a perpetrator panel's papers: "
                    "remove it and share what the panel needs to know."
                ),
                "information",
            )
        raise SharingError(
            _(
                "This holds the victim's or a child's contact details or location. Everyone at the table "
                "reads what is shared: remove them. Those with a need see the sealed details on the papers."
            ),
            "information",
        )
    with transaction.atomic():
        # Under the meeting's row lock, so that a disclosure and the minutes being issued cannot interleave.
        meeting = Meeting.objects.select_for_update().get(pk=item.meeting_id)
        if meeting.status == MeetingStatus.CLOSED:
            raise SharingError(_("The minutes of this meeting are issued: nothing more can be shared at it."))
        disclosure = Disclosure.objects.create(
            item=item,
            agency=agency,
            information=text,
            lawful_basis=lawful_basis,
            created_by=actor.user,
            modified_by=actor.user,
        )
        audit.record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            request=request,
            record_type="disclosure",
            record_id=disclosure.pk,
            details={"item": str(item.pk), "agency": str(agency.pk), "lawful_basis": lawful_basis},
        )
    return disclosure
