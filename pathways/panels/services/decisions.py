"""The panel's decision on an agenda item, taken by a quorate meeting, and the screening a referral to
the panel's capacity-limited service needs."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pathways.assessments.models import (
    ScreeningCandidate,
    ScreeningRound,
)
from pathways.audit.choices import AuditAction
from pathways.directory.choices import ReferralRoute
from pathways.panels import selectors
from pathways.panels.choices import Outcome, PanelKind
from pathways.panels.models import AgendaItem, Decision, Panel
from pathways.people.models import Person
from pathways.referrals.choices import HOLDING_A_PLACE, RiskLevel, Status
from pathways.referrals.models import Referral
from pathways.referrals.services import ReferralError, ReferralInput, referral_create, referral_service_choose

if TYPE_CHECKING:
    from pathways.core.policy import Actor
from pathways.panels.services.base import (
    SCREENED_OUTCOMES,
    PanelError,
    audit_panel,
    meeting_locked,
    meeting_refuse_if_closed,
    refuse_protected_details,
)


def _check_screening(item: AgendaItem, panel: Panel, screening: ScreeningRound | None) -> None:
    """A referral to the screened service is for a known person; a screening record given with it must be
    the service's, and one in which this person was taken."""
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
        return  # the decision makes the referral, which the service screens afterwards
    if screening.service_id != service.pk:
        raise PanelError(
            _("That screening was for another service, not %(service)s.") % {"service": service.name}
        )
    taken = ScreeningCandidate.objects.filter(
        screening=screening, referral__person_id__in=selectors.item_referral_people(item=item), taken=True
    ).exists()
    if not taken:
        raise PanelError(
            _("This person was not taken in that screening for %(service)s.") % {"service": service.name}
        )


def _refer_to_screened_service(*, item: AgendaItem, panel: Panel, actor: Actor) -> Referral:
    """The referral of the item's person (for a victim's case, the partner who harms her) to the panel's
    screened service, made now, or the one already open there. Its reason is the panel's name and date
    only: the panel's own reasons are about her case and never reach his side."""
    service = panel.screening_service
    assert service is not None
    people = selectors.item_referral_people(item=item)
    if not people:
        raise PanelError(
            _("No one who harms her is on record, so there is no one to refer to %(service)s.")
            % {"service": service.name}
        )
    open_one = Referral.objects.filter(
        person_id__in=people, service=service, status__in=(Status.RECEIVED, *HOLDING_A_PLACE)
    ).first()
    if open_one is not None:
        return open_one
    person = Person.objects.get(pk=people[0])
    meeting = item.meeting
    try:
        made = referral_create(
            actor=actor,
            data=ReferralInput(
                route=ReferralRoute.MARAC,
                reason=_("Referred by %(panel)s on %(date)s.")
                % {"panel": panel.name, "date": date_format(meeting.held_on, "j F Y")},
                risk_level=RiskLevel.HIGH if panel.kind == PanelKind.MARAC else RiskLevel.NOT_KNOWN,
                been_to_marac=panel.kind == PanelKind.MARAC,
                existing_person=person,
            ),
        )
        return referral_service_choose(actor=actor, referral=made, service_slug=service.slug)
    except ReferralError as error:
        raise PanelError(str(error)) from error


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
    refuse_protected_details(item=item, fields={"reasons": reasons}, actor=actor)
    with transaction.atomic():
        meeting = meeting_locked(meeting=item.meeting)
        meeting_refuse_if_closed(meeting=meeting)
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
        if outcome in SCREENED_OUTCOMES and screening is None:
            decision.referral = _refer_to_screened_service(item=item, panel=panel, actor=actor)
        decision.modified_by = actor.user
        decision.save()
        decision.decided_by.set(quorum.present)
        audit_panel(
            action=AuditAction.RECORD_CHANGED if existing else AuditAction.RECORD_CREATED,
            actor=actor,
            record_type="panel_decision",
            record_id=decision.pk,
            meeting=str(meeting.pk),
            item=str(item.pk),
            outcome=outcome,
            review_on=review_on,
            screening=str(screening.pk) if screening else None,
            agencies_present=sorted(a.slug for a in quorum.present),
        )
        return decision
