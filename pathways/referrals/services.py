"""Referral writes: intake, triage choices, unmet need, the lifecycle and step-up or step-down.

Each is one transaction that checks the current state, changes it, records an event (who, when, why)
and writes the audit entry; pages, the API, the CSV import and the self-referral form all call these.
"""

from __future__ import annotations

import datetime
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.assessments.selectors import risk_current
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.datafiles import load_versioned
from pathways.core.policy import Actor, may_take_step, runs_service
from pathways.core.sealedtext import Marker, markers_from
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Region, Service
from pathways.directory.services import region_loaded
from pathways.people.choices import GenderIdentity, PreferredLanguage, RelationshipKind, WorkPattern
from pathways.people.models import Person, Relationship
from pathways.people.sealed import markers_by_person, sealed_details_refuse
from pathways.people.services import PersonInput, person_access_grant, person_create, relationship_create
from pathways.referrals.choices import HOLDING_A_PLACE, ReferralKind, RiskLevel, Status, Transition
from pathways.referrals.models import Referral, ReferralEvent, TriageRuleSet
from pathways.referrals.reasons import Describer
from pathways.referrals.triage import (
    PERSON_TO_SERVICE_GENDER,
    Case,
    ServiceFacts,
    TriageResult,
    facts_from,
    triage,
)
from pathways.referrals.triagefile import TriageRules

REFERENCE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone


class ReferralError(Exception):
    """A referral action that cannot be done in the referral's current state; the message says why, and
    `field` names the form field it is about, when there is one."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def referral_sealed_markers(*, referral: Referral) -> list[Marker]:
    """The sealed details kept out of a referral's typed text: none for a partner's own support referral
    (on her side), those of his partners, ex-partners and children for his."""
    if referral.kind != ReferralKind.PERPETRATOR:
        return []
    return markers_by_person([referral.person_id])[referral.person_id]


def _markers_for_input(data: ReferralInput) -> list[Marker]:
    """The sealed details given with a new referral, and those already held for an existing person."""
    given = [data.partner.person] if data.partner is not None else []
    markers = [
        m
        for p in [*given, *data.children]
        for m in markers_from(address=p.address, phone=p.phone, email=p.email, school=p.school)
    ]
    if data.existing_person is not None:
        markers += markers_by_person([data.existing_person.pk])[data.existing_person.pk]
    return markers


def referral_reference_random() -> str:
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"PW-{chars[:4]}-{chars[4:]}"


def referral_reference_new() -> str:
    """A reference no referral has yet: with 31^8 references, clashes become likely at scale."""
    while True:
        reference = referral_reference_random()
        if not Referral.objects.filter(reference=reference).exists():
            return reference


# --- triage rules --------------------------------------------------------------------------------------


@transaction.atomic
def triage_rules_load(*, path: Path, actor: Actor | None = None) -> TriageRuleSet:
    ruleset, changed = load_versioned(
        path,
        TriageRules,
        TriageRuleSet,
        scope=lambda rules, index: {"region": region_loaded(path=path, slug=rules.region, index=index)},
        field="rules",
    )
    if not changed:
        return ruleset
    audit.entry_record(
        action=AuditAction.REGION_LOADED,
        actor=actor,
        record_type="triage_rules",
        record_id=f"{ruleset.region.slug} v{ruleset.version}",
        details={"sha256": ruleset.file_sha256},
    )
    return ruleset


def triage_rules_current(*, region: Region | None) -> tuple[TriageRuleSet, TriageRules]:
    ruleset = TriageRuleSet.objects.filter(region=region).first() if region else None
    if ruleset is None:
        raise ReferralError(
            _(
                "No triage rules are loaded for this region. An administrator loads them with "
                "manage.py load_triage."
            )
        )
    return ruleset, TriageRules.model_validate(ruleset.rules)


def triage_service_facts(*, region: Region) -> list[ServiceFacts]:
    held = dict(
        Referral.objects.filter(status__in=HOLDING_A_PLACE, service__region=region)
        .values_list("service")
        .annotate(n=Count("pk"))
        .values_list("service", "n")
    )
    services = (
        Service.objects.filter(region=region)
        .select_related("partner_support_service")
        .prefetch_related("areas")
    )
    return [facts_from(s, held.get(s.pk, 0)) for s in services]


def _relationship_type(person: Person, partner: Person | None) -> str | None:
    binary = {GenderIdentity.MAN, GenderIdentity.WOMAN}
    if partner is None or person.gender_identity not in binary or partner.gender_identity not in binary:
        return None
    return "same_sex" if person.gender_identity == partner.gender_identity else "opposite_sex"


def triage_case(*, referral: Referral) -> Case:
    person, partner = referral.person, referral.partner
    has_partner_details = partner is not None and any(
        value is not None for value in (partner.phone, partner.address, partner.email)
    )
    has_children = (
        referral.children_in_family
        or Relationship.objects.filter(person=person, kind=RelationshipKind.PARENT_OF).exists()
    )
    return Case(
        area=person.area.slug if person.area else None,
        gender=PERSON_TO_SERVICE_GENDER.get(person.gender_identity),
        relationship_type=_relationship_type(person, partner),
        age=person.age,
        route=referral.route,
        been_to_marac=referral.been_to_marac,
        risk_level=triage_risk(referral=referral),
        has_partner_details=has_partner_details,
        has_children=has_children,
        interpreter_needed=person.interpreter_needed,
        welsh=person.preferred_language == PreferredLanguage.WELSH,
        shift_worker=person.work_pattern == WorkPattern.SHIFT_WORK,
    )


def triage_risk(*, referral: Referral) -> str:
    """The risk the referrer stated; when they did not know it, the person's current assessed risk."""
    if referral.risk_level != RiskLevel.NOT_KNOWN:
        return referral.risk_level

    current = risk_current(person=referral.person)
    return current.level if current else RiskLevel.NOT_KNOWN


def referral_region(*, referral: Referral) -> Region | None:
    return referral.person.region or Region.objects.order_by("slug").first()


def referral_triage(*, referral: Referral) -> tuple[TriageResult, TriageRuleSet]:
    region = referral_region(referral=referral)
    ruleset, rules = triage_rules_current(region=region)
    assert region is not None
    return triage(triage_case(referral=referral), triage_service_facts(region=region), rules), ruleset


# --- intake --------------------------------------------------------------------------------------------


@dataclass
class PartnerInput:
    person: PersonInput
    relationship: str = RelationshipKind.CURRENT_PARTNER


@dataclass
class ReferralInput:
    route: str
    reason: str
    risk_level: str = RiskLevel.NOT_KNOWN
    risk_notes: str = ""
    been_to_marac: bool = False
    consent_to_contact: bool = False
    person: PersonInput | None = None
    existing_person: Person | None = None
    partner: PartnerInput | None = None
    children: list[PersonInput] = field(default_factory=list)
    children_in_family: bool = False


def referral_event_build(
    *,
    referral: Referral,
    status: str,
    actor: Actor | None,
    note: str = "",
    at: datetime.datetime | None = None,
) -> ReferralEvent:
    """An unsaved step in a referral's history, by the actor (and their agency) now or `at`."""
    return ReferralEvent(
        referral_id=referral.pk,
        status=status,
        at=at or timezone.now(),
        by_id=actor.user.pk if actor and actor.user.is_authenticated else None,
        agency_id=actor.agency.pk if actor and actor.agency else None,
        note=note[:2000],
    )


def _event(referral: Referral, status: str, actor: Actor | None, note: str = "") -> None:
    referral_event_build(referral=referral, status=status, actor=actor, note=note).save(force_insert=True)


def referral_create(*, actor: Actor | None, data: ReferralInput) -> Referral:
    """Record a referral as received, with the person, the partner and the children.

    Refused, with nothing written, when the reason or what is known of the risk holds the partner's or a
    child's sealed details: the services working with him read both."""
    if data.route not in ReferralRoute.values:
        raise ReferralError(_("Choose how the referral came."), "route")
    referral_input_check_sealed(actor=actor, data=data)
    return _create_referral(actor=actor, data=data)


def referral_input_check_sealed(*, actor: Actor | None, data: ReferralInput) -> None:
    """ReferralError, naming the field, when the reason or what is known of the risk holds the sealed
    details given for the partner or a child (or held for an existing person's family)."""
    sealed_details_refuse(
        fields={"reason": data.reason, "risk_notes": data.risk_notes},
        markers=_markers_for_input(data),
        actor=actor,
        record_type="referral",
        error=ReferralError,
    )


def referral_build(
    *, actor: Actor | None, data: ReferralInput, person: Person, partner: Person | None, reference: str
) -> Referral:
    """An unsaved referral as received, of `person` (and `partner`) whose records are built already: the
    form, the API and the self-referral save one through `create_referral`, the CSV import many at once.

    Keys are set by id, which costs much less than the related-object descriptors when an import builds
    tens of thousands."""
    user_id = actor.user.pk if actor and actor.user.is_authenticated else None
    return Referral(
        reference=reference,
        kind=ReferralKind.PERPETRATOR,
        person_id=person.pk,
        partner_id=partner.pk if partner is not None else None,
        route=data.route,
        referring_agency_id=actor.agency.pk if actor and actor.agency else None,
        reason=data.reason,
        risk_level=data.risk_level,
        risk_notes=data.risk_notes,
        # A referral from MARAC has been to MARAC, whatever the referrer ticked.
        been_to_marac=data.been_to_marac or data.route == ReferralRoute.MARAC,
        consent_to_contact=data.consent_to_contact,
        children_in_family=data.children_in_family or bool(data.children),
        status=Status.RECEIVED,
        referred_by_id=user_id,
        created_by_id=user_id,
        modified_by_id=user_id,
    )


@transaction.atomic
def _create_referral(*, actor: Actor | None, data: ReferralInput) -> Referral:
    reason = _("referral")
    if data.existing_person is not None:
        person = data.existing_person
        if person.side != Side.PERPETRATOR:
            raise ReferralError(
                _("%(name)s is recorded as a partner, victim or child: refer them to a support service.")
                % {"name": person.display_name}
            )
    elif data.person is not None:
        person = person_create(actor=actor, data=data.person, side=Side.PERPETRATOR, reason=reason)
    else:
        raise ReferralError(_("Say who the referral is about."))
    partner = None
    # The partner and the children are on the victim side: the referrer owns their records only where its
    # agency may see that side (a perpetrator service or probation never does).
    if data.partner is not None:
        partner = person_create(actor=actor, data=data.partner.person, side=Side.VICTIM, reason=reason)
        relationship_create(person=person, other=partner, kind=data.partner.relationship)
    for child in data.children:
        relationship_create(
            person=person,
            other=person_create(actor=actor, data=child, side=Side.VICTIM, reason=reason),
            kind=RelationshipKind.PARENT_OF,
        )
    referral = referral_build(
        actor=actor, data=data, person=person, partner=partner, reference=referral_reference_new()
    )
    referral.save(force_insert=True)
    _event(referral, Status.RECEIVED, actor)
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        details={"route": data.route},
    )
    return referral


# --- triage decisions ----------------------------------------------------------------------------------


def _locked(referral: Referral) -> Referral:
    # Lock only the referral's row: PostgreSQL cannot lock the nullable side of the outer joins.
    return (
        Referral.objects.select_for_update(of=("self",))
        .select_related("person__area", "partner", "service")
        .get(pk=referral.pk)
    )


@transaction.atomic
def referral_service_choose(*, actor: Actor | None, referral: Referral, service_slug: str) -> Referral:
    """Send the referral to one of the services triage says could take it, keeping what was shown.

    If the service has a linked partner-support service and the partner is known, the partner's referral
    to it is created in the same transaction.
    """
    referral = _locked(referral)
    if referral.status != Status.RECEIVED:
        raise ReferralError(_("This referral has already been triaged."))
    result, ruleset = referral_triage(referral=referral)
    option = next((o for o in result.fits if o.service == service_slug), None)
    if option is None:
        ruled = next((r for r in result.ruled_out if r.service == service_slug), None)

        why = Describer()({"code": ruled.reason.code, "params": ruled.reason.params}) if ruled else ""
        raise ReferralError(_("That service cannot take this referral. %(why)s") % {"why": why})
    service = Service.objects.select_related("partner_support_service").get(slug=service_slug)
    referral.service = service
    referral.status = Status.TRIAGED
    referral.triage = {
        **result.snapshot(),
        "chosen": service_slug,
        "rules_version": ruleset.version,
        "at": timezone.now().isoformat(),
    }
    referral.modified_by = actor.user if actor and actor.user.is_authenticated else None
    referral.save()
    _event(referral, Status.TRIAGED, actor, note=service.name_en)
    for agency in Agency.objects.filter(services=service):
        person_access_grant(person=referral.person, agency=agency, reason=f"referral {referral.reference}")
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        details={"status": Status.TRIAGED, "service": service_slug},
    )
    support = service.partner_support_service
    if support is not None and referral.partner is not None:
        _refer_partner(actor=actor, referral=referral, support=support)
    return referral


def _refer_partner(*, actor: Actor | None, referral: Referral, support: Service) -> Referral:
    """The partner's referral to the linked support service. The perpetrator service is not given access to
    the partner's record: it can see that a partner referral exists, never the partner's details."""
    partner = referral.partner
    assert partner is not None
    partner_referral = Referral.objects.create(
        reference=referral_reference_new(),
        kind=ReferralKind.PARTNER_SUPPORT,
        person=partner,
        route=ReferralRoute.OTHER_SERVICE,
        referring_agency=referral.referring_agency,
        reason=_("Partner or ex-partner of someone referred to %(service)s") % {"service": referral.service},
        risk_level=referral.risk_level,
        consent_to_contact=False,
        status=Status.TRIAGED,
        service=support,
        linked_referral=referral,
        referred_by=referral.referred_by,
    )
    _event(partner_referral, Status.RECEIVED, actor, note=f"linked to {referral.reference}")
    _event(partner_referral, Status.TRIAGED, actor, note=support.name_en)
    for agency in Agency.objects.filter(services=support):
        person_access_grant(
            person=partner, agency=agency, reason=f"partner referral {partner_referral.reference}"
        )
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="referral",
        record_id=partner_referral.pk,
        details={"kind": ReferralKind.PARTNER_SUPPORT, "linked_to": str(referral.pk)},
    )
    return partner_referral


@transaction.atomic
def referral_unmet_need_record(*, actor: Actor | None, referral: Referral) -> Referral:
    """When no service fits: keep the referral, with the tier it needed and why each service said no."""
    referral = _locked(referral)
    if referral.status != Status.RECEIVED:
        raise ReferralError(_("This referral has already been triaged."))
    result, ruleset = referral_triage(referral=referral)
    if result.fits:
        raise ReferralError(_("A service could take this referral: choose one, or record why not."))
    referral.status = Status.UNMET_NEED
    referral.tier_needed = result.tier_needed
    referral.unmet_reasons = result.snapshot()["ruled_out"]
    referral.triage = {
        **result.snapshot(),
        "chosen": None,
        "rules_version": ruleset.version,
        "at": timezone.now().isoformat(),
    }
    referral.save()
    _event(referral, Status.UNMET_NEED, actor)
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        details={
            "status": Status.UNMET_NEED,
            "tier_needed": result.tier_needed,
        },
    )
    return referral


# --- lifecycle -----------------------------------------------------------------------------------------

NEXT = {
    Status.RECEIVED: {Status.WITHDRAWN},
    Status.TRIAGED: {Status.OFFERED, Status.DECLINED, Status.WITHDRAWN},
    Status.OFFERED: {Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN},
    Status.ACCEPTED: {Status.WAITING, Status.STARTED, Status.WITHDRAWN},
    Status.WAITING: {Status.STARTED, Status.WITHDRAWN},
    Status.STARTED: {Status.WITHDRAWN},
}


def referral_next_steps(*, actor: Actor, referral: Referral) -> list[str]:
    allowed = NEXT.get(Status(referral.status), set())
    return [
        s for s in Status.values if s in allowed and may_take_step(actor, service=referral.service, step=s)
    ]


def referral_advance(*, actor: Actor, referral: Referral, to: str, note: str = "") -> Referral:
    """Move the referral to its next status, with a note (required to decline or withdraw)."""
    sealed_details_refuse(
        fields={"note": note},
        markers=referral_sealed_markers(referral=referral),
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        error=ReferralError,
    )
    return _advance(actor=actor, referral=referral, to=to, note=note)


@transaction.atomic
def _advance(*, actor: Actor, referral: Referral, to: str, note: str) -> Referral:
    referral = _locked(referral)
    if to not in referral_next_steps(actor=actor, referral=referral):
        raise ReferralError(
            _("A referral that is “%(now)s” cannot be marked “%(to)s” by you.")
            % {"now": referral.get_status_display(), "to": dict(Status.choices).get(to, to)}
        )
    if to in (Status.DECLINED, Status.WITHDRAWN) and not note.strip():
        raise ReferralError(_("Give the reason."))
    referral.status = to
    referral.save(update_fields=["status", "modified_at"])
    _event(referral, to, actor, note)
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        details={"status": to},
    )
    previous = referral.previous_referral
    if to == Status.STARTED and previous is not None and previous.status in HOLDING_A_PLACE:
        # The person stays with the current service until the next one starts.
        previous.status = Status.MOVED_ON
        previous.save(update_fields=["status", "modified_at"])
        _event(previous, Status.MOVED_ON, actor, note=referral.reference)
    return referral


def referral_step(
    *, actor: Actor, referral: Referral, transition: str, risk_level: str, handover_note: str
) -> Referral:
    """Step up or down: a new referral for the same person that carries the history and a handover note.

    The current service keeps the person (its referral stays as it is) until the new one starts.
    """
    sealed_details_refuse(
        fields={"handover_note": handover_note},
        markers=referral_sealed_markers(referral=referral),
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        error=ReferralError,
    )
    return _step(
        actor=actor,
        referral=referral,
        transition=transition,
        risk_level=risk_level,
        handover_note=handover_note,
    )


@transaction.atomic
def _step(
    *, actor: Actor, referral: Referral, transition: str, risk_level: str, handover_note: str
) -> Referral:
    referral = _locked(referral)
    if transition not in Transition.values:
        raise ReferralError(_("Choose step up or step down."))
    if referral.status not in (Status.ACCEPTED, Status.WAITING, Status.STARTED) or not runs_service(
        actor, referral.service
    ):
        raise ReferralError(_("Only the service working with the person can step them up or down."))
    if not handover_note.strip():
        raise ReferralError(_("Write a handover note for the next service."))
    if referral.next_referrals.exclude(
        status__in=(Status.WITHDRAWN, Status.DECLINED, Status.UNMET_NEED)
    ).exists():
        raise ReferralError(_("A step up or down is already under way for this referral."))
    new = Referral.objects.create(
        reference=referral_reference_new(),
        person=referral.person,
        partner=referral.partner,
        route=ReferralRoute.OTHER_SERVICE,
        referring_agency=actor.agency,
        reason=handover_note,
        risk_level=risk_level,
        been_to_marac=referral.been_to_marac,
        consent_to_contact=referral.consent_to_contact,
        children_in_family=referral.children_in_family,
        previous_referral=referral,
        transition=transition,
        handover_note=handover_note,
        referred_by=actor.user,
        created_by=actor.user,
    )
    _event(new, Status.RECEIVED, actor, note=f"{transition} from {referral.reference}")
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="referral",
        record_id=new.pk,
        details={"transition": transition, "from": str(referral.pk)},
    )
    return new
