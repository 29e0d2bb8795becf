"""Recording what an agency shared at the table, on what lawful basis: only for an agency with a seat,
never with a protected person's sealed details in it, never once the minutes are issued. Audited."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import (
    Actor,
    Perm,
    allows,
    can_see_record,
    holds_seat,
)
from pathways.core.sealedtext import mentions
from pathways.panels.choices import LawfulBasis, MeetingStatus
from pathways.panels.models import AgendaItem, Disclosure, PanelMember

if TYPE_CHECKING:
    pass
from pathways.panels.papers import item_on_perpetrator_panel, item_run_by
from pathways.panels.protected import protected_markers
from pathways.panels.services.base import meeting_locked


class SharingError(Exception):
    """A disclosure that cannot be recorded; the message says why and what to do, and `field` which part
    of the form it is about (None for the whole)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


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
    *, item: AgendaItem, agency: Agency, information: str, lawful_basis: str, actor: Actor
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
        audit.entry_record(
            action=AuditAction.SEALED_VIEWED,
            actor=actor,
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
        meeting = meeting_locked(meeting=item.meeting)
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
        audit.entry_record(
            action=AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="disclosure",
            record_id=disclosure.pk,
            details={"item": str(item.pk), "agency": str(agency.pk), "lawful_basis": lawful_basis},
        )
    return disclosure
