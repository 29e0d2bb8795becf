"""Writes of the insights app: data-sharing agreements with evaluation partners, recorded and audited."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor, Perm, allows
from pathways.directory.models import Region
from pathways.insights.models import SharingAgreement


class AgreementError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def agreement_record(*, actor: Actor, data: dict[str, Any]) -> SharingAgreement:
    """Record an agreement for the actor's region, as the form gives it."""
    if not allows(actor, Perm.EVALUATION_MANAGE):
        raise AgreementError(_("Only information governance records data-sharing agreements."))
    region = (
        Region.objects.filter(areas__agencies=actor.agency).first() if actor.agency is not None else None
    ) or Region.objects.first()
    if region is None:
        raise AgreementError(_("No region is loaded yet."))
    try:
        with transaction.atomic():
            agreement = SharingAgreement.objects.create(region=region, recorded_by=actor.user, **data)
    except IntegrityError as error:
        raise AgreementError(
            _("An agreement with this reference is already recorded."), "reference"
        ) from error
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="sharing_agreement",
        record_id=agreement.pk,
        details={
            "reference": agreement.reference,
            "partner": agreement.partner,
            "lawful_basis": agreement.lawful_basis,
            "expires_on": agreement.expires_on.isoformat(),
        },
    )
    return agreement
