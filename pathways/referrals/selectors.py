from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from pathways.core.policy import Actor, Perm, get_for_actor, visible_to
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral


@dataclass(frozen=True)
class PartnerReferralSummary:
    """What the person's side may know of a partner's support referral (the access policy's crossing
    "partner_referral"): that it exists, its status and the service's name. Nothing else of her record."""

    status: str
    status_label: str
    service: str


def partner_referrals_summary(*, referral: Referral) -> list[PartnerReferralSummary]:
    labels = dict(Status.choices)
    return [
        PartnerReferralSummary(
            status=r.status,
            status_label=str(labels.get(r.status, r.status)),
            service=r.service.name if r.service else "",
        )
        for r in referral.partner_referrals.select_related("service")
        .only("status", "service__name_en", "service__name_cy", "linked_referral")
        .order_by("created_at")
    ]


def referrals_for(actor: Actor) -> QuerySet[Referral]:
    return visible_to(
        actor,
        Referral.objects.select_related("person", "service", "referring_agency"),
        Perm.REFERRAL_VIEW,
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
        pk=referral_id,
    )
