"""Information at the table: what each agency's papers show about an agenda item.

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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.assessments.marac import criterion_label
from pathways.assessments.models import RegionAssessmentSettings
from pathways.assessments.selectors import CurrentRisk, risk_current
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import AgencyType
from pathways.core.policy import (
    Actor,
    Part,
    may_reveal_at_meeting,
    papers_parts,
    runs_the_meeting,
)
from pathways.core.sealedtext import mentions
from pathways.panels.choices import PanelKind
from pathways.panels.models import AgendaItem
from pathways.people.sealed import sealed_reveal

if TYPE_CHECKING:
    pass
from pathways.panels.protected import protected_markers

GUIDING_QUESTION = gettext_lazy("Is this going to improve the safety of the partner or ex-partner?")


# Agency types whose disclosures are health disclosures.
HEALTH_AGENCY_TYPES = frozenset({AgencyType.HEALTH})

CONTACT_FIELDS = ("address", "phone", "email")
CONTACT_LABELS = {
    "address": gettext_lazy("Address"),
    "phone": gettext_lazy("Phone"),
    "email": gettext_lazy("Email"),
}


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


def papers_get(*, item: AgendaItem, actor: Actor, reveal_purpose: str = "") -> Papers:
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
    risk = risk_current(person=person) if person is not None and Part.RISK in parts else None
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
                allowed=True,
            )
            for name in CONTACT_FIELDS
        }
    audit.entry_record(
        action=AuditAction.RECORD_VIEWED,
        actor=actor,
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
