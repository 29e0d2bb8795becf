"""The panel's decision on an agenda item, taken by a quorate meeting, and the screening a referral to
the panel's capacity-limited service needs."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils.translation import gettext as _

from pathways.assessments.models import (
    ScreeningCandidate,
    ScreeningRound,
)
from pathways.audit.choices import AuditAction
from pathways.panels import selectors
from pathways.panels.choices import (
    Outcome,
)
from pathways.panels.models import (
    AgendaItem,
    Decision,
    Panel,
)

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
        screening=screening, referral__person_id__in=selectors.item_referral_people(item=item), taken=True
    ).exists()
    if not taken:
        raise PanelError(
            _("This person was not taken in that screening for %(service)s.") % {"service": service.name}
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
