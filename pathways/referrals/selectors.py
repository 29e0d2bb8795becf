from __future__ import annotations

import uuid

from django.db.models import QuerySet

from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.referrals.models import Referral

# A referral belongs to the agency that made it and to the agencies running the service it was sent to.
OWNERS = ("referring_agency", "service__agencies")


def referrals_for(actor: Actor) -> QuerySet[Referral]:
    return visible_to(
        actor,
        Referral.objects.select_related("person", "service", "referring_agency"),
        Perm.REFERRAL_VIEW,
        *OWNERS,
    )


def get_referral(actor: Actor, referral_id: uuid.UUID) -> Referral:
    return get_for_actor(
        actor,
        Referral.objects.select_related(
            "person__area",
            "partner",
            "service__partner_support_service",
            "referring_agency",
            "previous_referral__service",
        ),
        Perm.REFERRAL_VIEW,
        *OWNERS,
        pk=referral_id,
    )
