"""Information at the table: what each agency's papers show about an agenda item, and what it shares.

Every share is weighed against the question practitioners in the region use (review, section 5.4): "is
this going to improve the safety of the partner or ex-partner?". Three rules hold whatever the table says:

- A victim's or partner's contact details and location never reach a perpetrator panel's papers (MATAC,
  DAPP), for anyone, and cannot be typed into them either.
- On a MARAC the victim's contact details are revealed only through the access policy, to roles with a
  stated need, with a purpose, and every reveal is audited.
- Reading the papers is audited, and so is every disclosure.

Which parts of the papers each agency type sees is `PAPERS_BY_AGENCY_TYPE`; docs/panel-information.md
explains it.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.accounts.choices import AgencyType
from pathways.accounts.models import Agency
from pathways.assessments.selectors import CurrentRisk, current_risk
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.crypto import SealedValueUnreadable, unseal
from pathways.core.fields import Sealed
from pathways.core.policy import Actor, Perm, allows, can_see_record, can_see_sealed, reveal_sealed
from pathways.panels.choices import LawfulBasis, MeetingStatus, MemberRole, PanelKind
from pathways.panels.models import AgendaItem, Disclosure, Meeting, PanelMember, PoliceRecord
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person, Relationship

if TYPE_CHECKING:
    from django.http import HttpRequest


GUIDING_QUESTION = gettext_lazy("Is this going to improve the safety of the partner or ex-partner?")


class Part(StrEnum):
    """The parts of an agenda item's papers."""

    IDENTITY = "identity"  # name, date of birth, police reference
    REASON = "reason"  # why on the agenda, repeat, who referred
    RISK = "risk"  # current risk level with its source, MARAC criteria met
    RFG = "rfg"  # the RFG score and the parts that make it up
    DISCLOSURES = "disclosures"  # who shared, on what basis and when; the text of non-health shares
    HEALTH_DISCLOSURES = "health_disclosures"  # the text of what health services shared


_AT_THE_TABLE = frozenset({Part.IDENTITY, Part.REASON, Part.RISK, Part.RFG, Part.DISCLOSURES})

# Which parts each agency type sees, by the type of the agency the viewer acts for. Everyone with a seat
# sees who is discussed, why, the risk, the RFG score and what was shared: a panel works because no one
# agency sees the whole picture. Health services share only what the risk needs (the review, section 5.4,
# found them the most wary of sharing), so the text of a health disclosure is read by health and by the
# victim service that plans the victim's safety; the others see that health shared, when and on what
# basis, and can ask the chair.
PAPERS_BY_AGENCY_TYPE: dict[str, frozenset[Part]] = {
    AgencyType.POLICE: _AT_THE_TABLE,
    AgencyType.PROBATION: _AT_THE_TABLE,
    AgencyType.PERPETRATOR_SERVICE: _AT_THE_TABLE,
    AgencyType.VICTIM_SERVICE: _AT_THE_TABLE | {Part.HEALTH_DISCLOSURES},
    AgencyType.HEALTH: _AT_THE_TABLE | {Part.HEALTH_DISCLOSURES},
    AgencyType.CHILDRENS_SERVICES: _AT_THE_TABLE,
    AgencyType.ADULT_SERVICES: _AT_THE_TABLE,
    AgencyType.HOUSING: _AT_THE_TABLE,
    AgencyType.OTHER: _AT_THE_TABLE,
    # Commissioners see figures, never a person (and hold no panel permission).
    AgencyType.COMMISSIONER: frozenset(),
}
# Whoever holds (or deputises in) the chair's or the coordinator's seat runs the meeting and takes notes.
RUNNING_THE_MEETING = frozenset(Part)
SEATS_RUNNING_THE_MEETING = frozenset({MemberRole.CHAIR, MemberRole.COORDINATOR})
# Agency types whose disclosures are health disclosures.
HEALTH_AGENCY_TYPES = frozenset({AgencyType.HEALTH})

MARAC_CRITERIA_LABELS = {
    "visible_high_risk": gettext_lazy("visible high risk"),
    "professional_judgement": gettext_lazy("professional judgement"),
    "potential_escalation": gettext_lazy("potential escalation"),
    "repeat": gettext_lazy("repeat within 12 months"),
}
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


class VictimAtTheTable:
    """The victim on a MARAC agenda item, for the access policy: the agencies with a seat at the panel
    share the case, and only those of them with a stated need see the contact details."""

    def __init__(self, item: AgendaItem) -> None:
        self.item = item
        self.pk = item.person_id

    def owning_agency_ids(self) -> Iterable[Any]:
        return self.item.meeting.owning_agency_ids()


def running_the_meeting(item: AgendaItem, actor: Actor) -> bool:
    """True when the actor holds (or deputises in) the chair's or the coordinator's seat at this panel."""
    if actor.agency is None:
        return False
    return (
        PanelMember.objects.filter(
            panel_id=item.meeting.panel_id, agency=actor.agency, role__in=SEATS_RUNNING_THE_MEETING
        )
        .filter(Q(user_id=actor.user.pk) | Q(deputy_id=actor.user.pk))
        .exists()
    )


def parts_for(item: AgendaItem, actor: Actor) -> frozenset[Part]:
    """The parts of the papers the actor's agency sees at this panel."""
    agency = actor.agency
    if agency is None or not can_see_record(actor, item.meeting, Perm.PANEL_CASE_VIEW):
        return frozenset()
    if running_the_meeting(item, actor):
        return RUNNING_THE_MEETING
    return PAPERS_BY_AGENCY_TYPE.get(agency.type, frozenset())


def is_perpetrator_panel(item: AgendaItem) -> bool:
    return item.meeting.panel.kind in PanelKind.perpetrator_focused()


def papers_for(
    item: AgendaItem, actor: Actor, request: HttpRequest | None, *, reveal_purpose: str = ""
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
    parts = parts_for(item, actor)
    if not parts:
        raise Http404
    person = item.person
    perpetrator_panel = is_perpetrator_panel(item)
    risk = current_risk(person) if person is not None and Part.RISK in parts else None
    may_reveal = (
        item.meeting.panel.kind == PanelKind.MARAC
        and not perpetrator_panel
        and person is not None
        and can_see_sealed(actor, VictimAtTheTable(item))
    )
    contact = None
    if person is not None and may_reveal and reveal_purpose.strip():
        victim = VictimAtTheTable(item)
        contact = {
            name: reveal_sealed(
                actor,
                victim,
                getattr(person, name),
                field=name,
                purpose=reveal_purpose.strip(),
                request=request,
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
        reason=item.get_reason_display() if Part.REASON in parts else "",
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
    return [str(MARAC_CRITERIA_LABELS.get(code, code)) for code in met]


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
    markers = protected_markers(item) if is_perpetrator_panel(item) and disclosures else []
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
class Marker:
    """Something that would locate or contact a protected person, normalised as text is compared."""

    kind: str  # "address", "postcode", "phone", "email", "school"
    value: str


_STREET_ABBREVIATIONS = {
    "st": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "cres": "crescent",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "tce": "terrace",
    "ter": "terrace",
    "gdns": "gardens",
    "gr": "grove",
    "pk": "park",
}
_STREET_WORDS = frozenset(
    {
        "street",
        "road",
        "avenue",
        "lane",
        "drive",
        "close",
        "crescent",
        "court",
        "place",
        "square",
        "terrace",
        "gardens",
        "grove",
        "park",
        "way",
        "walk",
        "row",
        "hill",
        "heol",
        "ffordd",
        "stryd",
        "lon",
        "rhodfa",
    }
)
_PREMISES_WORDS = frozenset({"flat", "apartment", "apt", "unit", "room", "house", "no"})
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?)\s*([0-9][A-Z]{2})\b", re.IGNORECASE)
_PHONE_RUN = re.compile(r"\+?\d[\d\s\-().]{4,}\d")


def _words(text: str) -> list[str]:
    return [_STREET_ABBREVIATIONS.get(w, w) for w in re.findall(r"[^\W_]+", text.casefold())]


def _phone_digits(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    # +44 7700 900555 and 07700 900555 are the same number.
    return "0" + digits[2:] if digits.startswith("44") and len(digits) > 10 else digits


def _address_markers(address: str) -> list[Marker]:
    markers = [Marker("postcode", (a + b).casefold()) for a, b in _POSTCODE.findall(address)]
    lines = [_POSTCODE.sub(" ", line).strip() for line in re.split(r"[\n,;]+", address)]
    lines = [line for line in lines if _words(line)]
    # The last line is usually the town: naming a town does not locate anyone. A one-line address is kept.
    identifying = lines[:-1] if len(lines) > 1 else lines
    for line in identifying:
        words = _words(line)
        for n, word in enumerate(words):
            if word in _STREET_WORDS and n >= 1:
                words = words[: n + 1]
                break
        street = words
        while street and (any(ch.isdigit() for ch in street[0]) or street[0] in _PREMISES_WORDS):
            street = street[1:]
        if len(street) >= 2:
            markers.append(Marker("address", " ".join(street)))
        elif len(words) >= 2:
            markers.append(Marker("address", " ".join(words)))
    return markers


def markers_for(person: Person) -> list[Marker]:
    """The person's sealed contact details and location, as markers. Read on the server only, to keep them
    out of typed text; never shown, returned or logged."""
    markers: list[Marker] = []
    for field in ("address", "phone", "email", "school"):
        value = getattr(person, field)
        if not isinstance(value, Sealed):
            continue
        try:
            # Not a reveal: the text is compared here and goes no further.
            plain = unseal(value.token)
        except SealedValueUnreadable as exc:
            raise SharingError(
                _("The contact details this is checked against cannot be read just now. Try again later.")
            ) from exc
        if field == "address":
            markers += _address_markers(plain)
        elif field == "phone":
            # The last nine digits: with or without the leading 0 or +44 it is the same number.
            digits = _phone_digits(plain)[-9:]
            if len(digits) >= 6:
                markers.append(Marker("phone", digits))
        elif field == "email":
            compact = "".join(_words(plain))
            if len(compact) >= 6:
                markers.append(Marker("email", compact))
        elif len(_words(plain)) >= 2:
            markers.append(Marker("school", " ".join(_words(plain))))
    return markers


def protected_people(item: AgendaItem) -> list[Person]:
    """The people whose location must stay out of this item's typed text.

    On a perpetrator panel: the person's partners and ex-partners, the victims the police have recorded
    against them, and their children. On a MARAC or daily discussion: the victim discussed, and their
    children.
    """
    person_id = item.person_id
    ids: set[uuid.UUID] = set()
    if person_id is not None:
        children = Relationship.objects.filter(person_id=person_id, kind=RelationshipKind.PARENT_OF)
        ids |= set(children.values_list("other_id", flat=True))
        if not is_perpetrator_panel(item):
            return list(Person.objects.filter(pk__in=ids | {person_id}))
        partners = (RelationshipKind.CURRENT_PARTNER, RelationshipKind.EX_PARTNER)
        ids |= set(
            Relationship.objects.filter(person_id=person_id, kind__in=partners).values_list(
                "other_id", flat=True
            )
        )
        ids |= set(
            Relationship.objects.filter(other_id=person_id, kind__in=partners).values_list(
                "person_id", flat=True
            )
        )
    elif not is_perpetrator_panel(item):
        return []
    # Someone known only from police data is linked to their victims by the force's reference.
    named = Q(perpetrator_id=person_id) if person_id else Q()
    references = {item.police_reference, item.person.police_reference if item.person else ""} - {""}
    if references:
        named |= Q(perpetrator_ref__in=references, region_id=item.meeting.panel.region_id)
    victims = (
        PoliceRecord.objects.filter(named, victim__isnull=False) if named else PoliceRecord.objects.none()
    )
    ids |= {victim for victim in victims.values_list("victim_id", flat=True) if victim is not None}
    ids.discard(person_id)
    return list(Person.objects.filter(pk__in=ids))


def protected_markers(item: AgendaItem) -> list[Marker]:
    return [marker for person in protected_people(item) for marker in markers_for(person)]


def mentions(text: str, markers: list[Marker]) -> set[str]:
    """The kinds of protected detail the text holds, compared in normalised form: case, punctuation,
    spacing, street abbreviations and +44 do not hide a match."""
    words = _words(text)
    spaced = f" {' '.join(words)} "
    compact = "".join(words)
    without_at = "".join(w for w in words if w not in ("at", "dot"))
    phones = [_phone_digits(run) for run in _PHONE_RUN.findall(text)]
    found = set()
    for marker in markers:
        if marker.kind in ("address", "school"):
            hit = f" {marker.value} " in spaced
        elif marker.kind == "postcode":
            hit = marker.value in compact
        elif marker.kind == "phone":
            hit = any(marker.value in run for run in phones)
        else:
            hit = marker.value in compact or marker.value in without_at
        if hit:
            found.add(marker.kind)
    return found


# --- Recording what an agency shared -------------------------------------------------------------------


def may_share_for(item: AgendaItem, actor: Actor) -> list[Agency]:
    """The agencies the actor may record a disclosure for: their own, if it has a seat; the chair and the
    coordinator record for any agency at the table, since they take the notes."""
    agency = actor.agency
    if agency is None or not allows(actor, Perm.PANEL_CONTRIBUTE):
        return []
    seats = PanelMember.objects.filter(panel_id=item.meeting.panel_id)
    if running_the_meeting(item, actor):
        return list(Agency.objects.filter(pk__in=seats.values("agency_id")).order_by("name_en"))
    return [agency] if seats.filter(agency=agency).exists() else []


def record_disclosure(
    item: AgendaItem,
    *,
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
    if agency.pk not in {a.pk for a in may_share_for(item, actor)}:
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
    found = mentions(text, protected_markers(item))
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
        if is_perpetrator_panel(item):
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
