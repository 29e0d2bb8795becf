"""Referral writes: intake, triage choices, unmet need, the lifecycle and step-up or step-down.

Each is one transaction that checks the current state, changes it, records an event (who, when, why)
and writes the audit entry; pages, the API, the CSV import and the self-referral form all call these.
"""

from __future__ import annotations

import datetime
import functools
import secrets
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Model, QuerySet
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from pathways.accounts.models import Agency
from pathways.assessments.selectors import risk_current, risk_levels_current
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Side
from pathways.core.datafiles import load_versioned
from pathways.core.policy import Actor, Perm, get_for_actor, may_take_step, runs_service
from pathways.core.sealedtext import Marker, markers_from
from pathways.directory.choices import ReferralRoute
from pathways.directory.models import Area, Region, Service
from pathways.directory.services import region_loaded
from pathways.people.choices import GenderIdentity, PreferredLanguage, RelationshipKind, WorkPattern
from pathways.people.models import Person, Relationship, age_on
from pathways.people.sealed import markers_by_person, sealed_details_refuse
from pathways.people.services import PersonInput, person_access_grant, person_create, relationship_create
from pathways.referrals.choices import (
    CLOSED,
    HOLDING_A_PLACE,
    EventKind,
    IntakeOutcome,
    ReferralKind,
    RiskLevel,
    Status,
    Transition,
)
from pathways.referrals.journeys import journey_step
from pathways.referrals.models import Correction, LinkedStep, Referral, ReferralEvent, TriageRuleSet
from pathways.referrals.reasons import Describer
from pathways.referrals.selectors import referral_step_linked_ids
from pathways.referrals.triage import (
    PERSON_TO_SERVICE_GENDER,
    Case,
    ServiceFacts,
    TriageResult,
    facts_from,
    triage,
)
from pathways.referrals.triagefile import CASE_FACTS, TriageRules

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


def _relationship_type(gender: str, partner_gender: str | None) -> str | None:
    binary = {GenderIdentity.MAN, GenderIdentity.WOMAN}
    if gender not in binary or partner_gender not in binary:
        return None
    return "same_sex" if gender == partner_gender else "opposite_sex"


# Facts about people that apps above this one know (the police data's serial flag), named in the setting
# TRIAGE_FACT_SOURCES so that triage can use them without this layer importing that one. Each source is
# given the people (one, or a period's referrals' worth) and gives, by person id, the names of the case
# facts (triagefile.CASE_FACTS) it knows to be true of each, in a number of queries that does not grow
# with the people.
TriageFactSource = Callable[[QuerySet[Person]], Mapping[Any, Collection[str]]]


@functools.cache
def _fact_sources() -> tuple[TriageFactSource, ...]:
    return tuple(import_string(path) for path in settings.TRIAGE_FACT_SOURCES)


# What happens when a referral starts with a service, in the layers above this one (the service's case is
# opened: pathways.cases), named in settings.REFERRAL_STARTED so that this layer need not import them.
# Each is called with the referral and the actor, inside the transaction that starts it.
class ReferralStarted(Protocol):
    def __call__(self, *, referral: Referral, actor: Actor | None) -> object: ...


@functools.cache
def _started_hooks() -> tuple[ReferralStarted, ...]:
    return tuple(import_string(path) for path in settings.REFERRAL_STARTED)


def triage_case_facts(*, referral: Referral) -> frozenset[str]:
    """The questions about behaviour and history answered "yes", by the referrer or by what another
    service's data knows of the person."""
    known = _known_facts(Person.objects.filter(pk=referral.person_id)).get(referral.person_id, set())
    return frozenset({name for name in CASE_FACTS if getattr(referral, name)} | known)


def _known_facts(people: QuerySet[Person]) -> dict[Any, set[str]]:
    known: dict[Any, set[str]] = {}
    for source in _fact_sources():
        for person, names in source(people).items():
            known.setdefault(person, set()).update(set(names) & set(CASE_FACTS))
    return known


def triage_case(*, referral: Referral) -> Case:
    person, partner = referral.person, referral.partner
    return triage_case_build(
        area=person.area.slug if person.area else None,
        gender_identity=person.gender_identity,
        born=person.date_of_birth,
        interpreter_needed=person.interpreter_needed,
        preferred_language=person.preferred_language,
        work_pattern=person.work_pattern,
        partner_gender_identity=partner.gender_identity if partner is not None else None,
        partner_contact_held=partner is not None
        and any(value is not None for value in (partner.phone, partner.address, partner.email)),
        route=referral.route,
        been_to_marac=referral.been_to_marac,
        risk_level=triage_risk(referral=referral),
        has_children=referral.children_in_family
        or Relationship.objects.filter(person=person, kind=RelationshipKind.PARENT_OF).exists(),
        facts=triage_case_facts(referral=referral),
        declined=referral.declined_by or (),
        today=timezone.localdate(),
    )


def triage_case_build(
    *,
    area: str | None,
    gender_identity: str,
    born: datetime.date | None,
    interpreter_needed: bool,
    preferred_language: str,
    work_pattern: str,
    partner_gender_identity: str | None,
    partner_contact_held: bool,
    route: str,
    been_to_marac: bool,
    risk_level: str,
    has_children: bool,
    facts: frozenset[str],
    declined: Iterable[str],
    today: datetime.date,
) -> Case:
    """What triage weighs of a referral, from the values of the referral, the person and the partner (None
    when no partner is named) and what is known beyond them (the risk, children, facts): one rule whether
    a referral is triaged alone or with a whole period's."""
    return Case(
        area=area,
        gender=PERSON_TO_SERVICE_GENDER.get(gender_identity),
        relationship_type=_relationship_type(gender_identity, partner_gender_identity),
        age=age_on(born=born, day=today),
        route=route,
        been_to_marac=been_to_marac,
        risk_level=risk_level,
        has_partner_details=partner_contact_held,
        has_children=has_children,
        interpreter_needed=interpreter_needed,
        welsh=preferred_language == PreferredLanguage.WELSH,
        shift_worker=work_pattern == WorkPattern.SHIFT_WORK,
        facts=facts,
        declined=frozenset(declined),
    )


# What triage_cases reads of each referral, the person and the partner, in this order.
_CASE_ROW = (
    "person_id",
    "person__area__slug",
    "person__gender_identity",
    "person__date_of_birth",
    "person__interpreter_needed",
    "person__preferred_language",
    "person__work_pattern",
    "partner_id",
    "partner__gender_identity",
    "partner__phone",
    "partner__address",
    "partner__email",
    "route",
    "been_to_marac",
    "risk_level",
    "children_in_family",
    "declined_by",
    *CASE_FACTS,
)


def triage_cases(
    *, referrals: QuerySet[Referral], also: Sequence[str] = ()
) -> Iterator[tuple[Case, tuple[Any, ...]]]:
    """The Case of each of these referrals, as triage_case gives it, with the values of the fields named
    in `also` (as values_list names them), in the queryset's order.

    For a period's referrals at once (a scenario re-triages a year of them): what triage_case asks of the
    database referral by referral (children on record, the assessed risk when the referrer did not know
    it, other apps' facts) is asked once for all of them, and the referrals are read as values, not
    models, so that the queries are the same few however many referrals there are."""
    people = referrals.values("person_id")
    parents = set(
        Relationship.objects.filter(
            kind=RelationshipKind.PARENT_OF,
            person_id__in=referrals.filter(children_in_family=False).values("person_id"),
        )
        .values_list("person_id", flat=True)
        .distinct()
    )
    assessed = risk_levels_current(
        people=Person.objects.filter(
            pk__in=referrals.filter(risk_level=RiskLevel.NOT_KNOWN).values("person_id")
        )
    )
    known = _known_facts(Person.objects.filter(pk__in=people))
    today = timezone.localdate()
    for row in referrals.values_list(*_CASE_ROW, *also).iterator(chunk_size=2000):
        v = dict(zip(_CASE_ROW, row, strict=False))
        person_id, risk_level = v["person_id"], v["risk_level"]
        if risk_level == RiskLevel.NOT_KNOWN:
            risk_level = assessed.get(person_id, RiskLevel.NOT_KNOWN)
        partner_contact = (v["partner__phone"], v["partner__address"], v["partner__email"])
        case = triage_case_build(
            area=v["person__area__slug"],
            gender_identity=v["person__gender_identity"],
            born=v["person__date_of_birth"],
            interpreter_needed=v["person__interpreter_needed"],
            preferred_language=v["person__preferred_language"],
            work_pattern=v["person__work_pattern"],
            partner_gender_identity=v["partner__gender_identity"],
            partner_contact_held=v["partner_id"] is not None and any(c is not None for c in partner_contact),
            route=v["route"],
            been_to_marac=v["been_to_marac"],
            risk_level=risk_level,
            has_children=v["children_in_family"] or person_id in parents,
            facts=frozenset({name for name in CASE_FACTS if v[name]} | known.get(person_id, set())),
            declined=v["declined_by"] or (),
            today=today,
        )
        yield case, row[len(_CASE_ROW) :]


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
    # The answers to the questions about behaviour and history, by name (triagefile.CASE_FACTS): True,
    # False, or None when not known; a question left out is not known.
    facts: Mapping[str, bool | None] = field(default_factory=dict)
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
    kind: str = "",
    detail: dict[str, Any] | None = None,
) -> ReferralEvent:
    """An unsaved step in a referral's history, by the actor (and their agency) now or `at`: `note` as a
    person typed it, `kind` and `detail` what Pathways records of it (ReferralEvent.note_shown)."""
    return ReferralEvent(
        referral_id=referral.pk,
        status=status,
        at=at or timezone.now(),
        by_id=actor.user.pk if actor and actor.user.is_authenticated else None,
        agency_id=actor.agency.pk if actor and actor.agency else None,
        service_id=referral.service_id,
        note=note[:2000],
        kind=kind,
        detail=detail or {},
    )


def _event(
    referral: Referral,
    status: str,
    actor: Actor | None,
    note: str = "",
    *,
    kind: str = "",
    detail: dict[str, Any] | None = None,
) -> None:
    event = referral_event_build(
        referral=referral, status=status, actor=actor, note=note, kind=kind, detail=detail
    )
    event.save(force_insert=True)
    journey_step(event=event)


def _named(service: Service) -> dict[str, str]:
    """A service's names as a step's history keeps them."""
    return {"service_en": service.name_en, "service_cy": service.name_cy}


def _about(other: Referral) -> dict[str, str]:
    return {"reference": other.reference}


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
        fields={
            "reason": data.reason,
            "risk_notes": data.risk_notes,
            "contact_arrangements": data.person.contact_arrangements if data.person else "",
        },
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
    referral = Referral(
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
    for name in CASE_FACTS:
        setattr(referral, name, data.facts.get(name))
    return referral


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
        describe = Describer()
        why = " ".join(f"{describe(asdict(r))}." for r in ruled.reasons) if ruled else ""
        raise ReferralError(_("That service cannot take this referral. %(why)s") % {"why": why})
    service = Service.objects.select_related("partner_support_service").get(slug=service_slug)
    referral.service = service
    referral.status = Status.TRIAGED
    # A service of a lower tier than the one needed is still unmet need at the tier needed.
    referral.placed_below_need = option.tier != result.tier_needed
    referral.tier_needed = result.tier_needed
    referral.unmet_reasons = result.snapshot()["ruled_out"] if referral.placed_below_need else []
    referral.triage = {
        **result.snapshot(),
        "chosen": service_slug,
        "rules_version": ruleset.version,
        "at": timezone.now().isoformat(),
    }
    referral.modified_by = actor.user if actor and actor.user.is_authenticated else None
    referral.save()
    _event(referral, Status.TRIAGED, actor, kind=EventKind.SERVICE_CHOSEN, detail=_named(service))
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
    _event(partner_referral, Status.RECEIVED, actor, kind=EventKind.PARTNER_LINKED, detail=_about(referral))
    _event(partner_referral, Status.TRIAGED, actor, kind=EventKind.SERVICE_CHOSEN, detail=_named(support))
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
    referral_intake_send(referral=referral)
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


# --- the region's intake team --------------------------------------------------------------------------


def _refuse_sealed(*, referral: Referral, actor: Actor | None, fields: Mapping[str, str]) -> None:
    """ReferralError naming the field when text typed about this referral holds a sealed detail of the
    person's family (nothing is saved; the attempt is audited)."""
    sealed_details_refuse(
        fields=fields,
        markers=referral_sealed_markers(referral=referral),
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        error=ReferralError,
    )


def referral_intake_send(*, referral: Referral) -> Agency | None:
    """Put a self-referral, or a referral no service can take, in the queue of the region's intake team
    (region file, `intake.team`), which may then see it and the person's record. None, and nothing sent,
    when the region names no team or its agency has not been made yet."""
    region = referral_region(referral=referral)
    team = Agency.objects.filter(slug=region.intake_team).first() if region and region.intake_team else None
    if team is None or referral.intake_agency_id == team.pk:
        return team
    referral.intake_agency = team
    referral.save(update_fields=["intake_agency", "modified_at"])
    person_access_grant(person=referral.person, agency=team, reason=f"intake {referral.reference}")
    return team


@transaction.atomic
def referral_intake_record(*, actor: Actor, referral: Referral, outcome: str, note: str) -> Referral:
    """The intake team records what it did. Its note is typed on his side, so it is checked for his
    family's sealed details; the history keeps every record made."""
    referral = _locked(referral)
    if actor.agency is None or referral.intake_agency_id != actor.agency.pk:
        raise ReferralError(_("Only the region's intake team records what was done with this referral."))
    if outcome not in IntakeOutcome.values:
        raise ReferralError(_("Select what was done."), "outcome")
    _refuse_sealed(referral=referral, actor=actor, fields={"note": note})
    referral.intake_outcome, referral.intake_note = outcome, note.strip()
    referral.intake_done_at = timezone.now()
    referral.modified_by = actor.user
    referral.save()
    _event(referral, referral.status, actor, kind=EventKind.INTAKE, detail={"outcome": outcome})
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        details={"intake_outcome": outcome},
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
    _refuse_sealed(referral=referral, actor=actor, fields={"note": note})
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
    if to == Status.DECLINED:
        _return_after_decline(referral=referral, actor=actor)
    if to == Status.STARTED:
        for started in _started_hooks():
            started(referral=referral, actor=actor)
        # The person stays with the current service until the next one starts: the one a step made, or
        # the one he already had that a step was linked to.
        linked = [s.from_referral for s in referral.linked_steps_in.select_related("from_referral")]
        for previous in (referral.previous_referral, *linked):
            if previous is not None:
                _move_on(previous, to=referral, actor=actor)
    return referral


def _move_on(previous: Referral, *, to: Referral, actor: Actor) -> None:
    if previous.status in HOLDING_A_PLACE:
        previous.status = Status.MOVED_ON
        previous.save(update_fields=["status", "modified_at"])
        _event(previous, Status.MOVED_ON, actor, kind=EventKind.MOVED_ON, detail=_about(to))


def _return_after_decline(*, referral: Referral, actor: Actor) -> None:
    """A service's decline sends the referral back to whoever made it (and, for a self-referral or unmet
    need, the intake team) to choose another option or record unmet need; triage rules the declining
    service out from then on."""
    declined = referral.service
    assert declined is not None
    referral.declined_by = [*referral.declined_by, declined.slug]
    referral.status = Status.RECEIVED
    referral.service = None
    referral.triage, referral.tier_needed, referral.unmet_reasons = {}, "", []
    referral.placed_below_need = False
    referral.save()
    _event(referral, Status.RECEIVED, actor, kind=EventKind.DECLINED, detail=_named(declined))
    if referral.route == ReferralRoute.SELF or referral.referring_agency_id is None:
        referral_intake_send(referral=referral)


def referral_step(
    *,
    actor: Actor,
    referral: Referral,
    transition: str,
    risk_level: str,
    handover_note: str,
    been_to_marac: bool = False,
    awaiting_court: bool = False,
    existing: Referral | None = None,
) -> Referral:
    """Step up or down: a new referral for the same person that carries the history and a handover note,
    or, with `existing`, the same step linked to a referral the person already has open with another
    service (one the actor may see), so that he is not referred twice. Returns the referral stepped to.

    The current service keeps the person (its referral stays as it is) until the next one starts; a
    referral linked to that has already started takes him at once. Http404 for an `existing` the actor
    may not see, as for any record not theirs.
    """
    _refuse_sealed(referral=referral, actor=actor, fields={"handover_note": handover_note})
    if existing is not None:
        # Read again through the policy: what the actor may not see, they cannot link to either.
        existing = get_for_actor(actor, Referral.objects.all(), Perm.REFERRAL_VIEW, pk=existing.pk)
    return _step(
        actor=actor,
        referral=referral,
        transition=transition,
        risk_level=risk_level,
        handover_note=handover_note,
        been_to_marac=been_to_marac,
        awaiting_court=awaiting_court,
        existing=existing,
    )


@transaction.atomic
def _step(
    *,
    actor: Actor,
    referral: Referral,
    transition: str,
    risk_level: str,
    handover_note: str,
    been_to_marac: bool,
    awaiting_court: bool,
    existing: Referral | None,
) -> Referral:
    if existing is not None:
        # Both rows locked, always in the same order, so that two steps between the same referrals
        # wait for each other rather than deadlock.
        locked = {r.pk: _locked(r) for r in sorted((referral, existing), key=lambda r: str(r.pk))}
        referral, existing = locked[referral.pk], locked[existing.pk]
    else:
        referral = _locked(referral)
    if transition not in Transition.values:
        raise ReferralError(_("Choose step up or step down."))
    if risk_level not in RiskLevel.values:
        raise ReferralError(_("Choose the risk now, or Not known."), "risk_level")
    if referral.status not in (Status.ACCEPTED, Status.WAITING, Status.STARTED) or not runs_service(
        actor, referral.service
    ):
        raise ReferralError(_("Only the service working with the person can step them up or down."))
    if not handover_note.strip():
        raise ReferralError(_("Write a handover note for the next service."))
    if _step_under_way(referral):
        raise ReferralError(_("A step up or down is already under way for this referral."))
    if existing is not None:
        return _link(
            actor=actor,
            referral=referral,
            existing=existing,
            transition=transition,
            risk_level=risk_level,
            handover_note=handover_note,
            been_to_marac=been_to_marac,
            awaiting_court=awaiting_court,
        )
    new = Referral.objects.create(
        reference=referral_reference_new(),
        person=referral.person,
        partner=referral.partner,
        route=ReferralRoute.OTHER_SERVICE,
        referring_agency=actor.agency,
        reason=handover_note,
        risk_level=risk_level,
        # Heard at MARAC before or since: either way a MARAC-only service may take it.
        been_to_marac=referral.been_to_marac or been_to_marac,
        awaiting_court=awaiting_court,
        consent_to_contact=referral.consent_to_contact,
        children_in_family=referral.children_in_family,
        **{name: getattr(referral, name) for name in CASE_FACTS},
        previous_referral=referral,
        transition=transition,
        handover_note=handover_note,
        referred_by=actor.user,
        created_by=actor.user,
    )
    # Each history names the other: the step shows on the referral it was made from, too.
    _event(new, Status.RECEIVED, actor, kind=EventKind.STEPPED_FROM, detail=_about(referral))
    _event(referral, referral.status, actor, kind=EventKind.STEPPED_TO, detail=_about(new))
    audit.entry_record(
        action=AuditAction.RECORD_CREATED,
        actor=actor,
        record_type="referral",
        record_id=new.pk,
        details={"transition": transition, "from": str(referral.pk)},
    )
    return new


def _step_under_way(referral: Referral) -> bool:
    """Whether a step from the referral is still going somewhere: a step referral, or a referral it was
    linked to, that has not closed."""
    gone_nowhere = (Status.WITHDRAWN, Status.DECLINED, Status.UNMET_NEED)
    return (
        referral.next_referrals.exclude(status__in=gone_nowhere).exists()
        or referral.linked_steps_out.exclude(to_referral__status__in=gone_nowhere).exists()
    )


def _link(
    *,
    actor: Actor,
    referral: Referral,
    existing: Referral,
    transition: str,
    risk_level: str,
    handover_note: str,
    been_to_marac: bool,
    awaiting_court: bool,
) -> Referral:
    if existing.person_id != referral.person_id or existing.pk == referral.pk:
        raise ReferralError(
            _("A step can be linked only to another referral of the same person."), "existing"
        )
    if existing.status in CLOSED:
        # A closed referral stays closed: its service has finished with him or never took him.
        raise ReferralError(
            _("Referral %(reference)s is closed (“%(status)s”): make a new referral instead.")
            % {"reference": existing.reference, "status": existing.get_status_display()},
            "existing",
        )
    if existing.service_id is not None and existing.service_id == referral.service_id:
        raise ReferralError(_("That referral is with this service: a step goes to another one."), "existing")
    if existing.pk in referral_step_linked_ids(referral=referral):
        raise ReferralError(_("That referral is already linked with this one by a step."), "existing")
    step = LinkedStep.objects.create(
        from_referral=referral,
        to_referral=existing,
        transition=transition,
        risk_level=risk_level,
        been_to_marac=been_to_marac,
        awaiting_court=awaiting_court,
        handover_note=handover_note,
        at=timezone.now(),
        by=actor.user if actor.user.is_authenticated else None,
        agency=actor.agency,
    )
    changed: dict[str, object] = {}
    if been_to_marac and not existing.been_to_marac:
        # Heard at MARAC since it was made: a MARAC-only service may take it now.
        existing.been_to_marac = True
        existing.save(update_fields=["been_to_marac", "modified_at"])
        changed["been_to_marac"] = True
    # Each history names the other, as for a step that makes a new referral.
    _event(existing, existing.status, actor, kind=EventKind.LINKED_FROM, detail=_about(referral))
    _event(referral, referral.status, actor, kind=EventKind.LINKED_TO, detail=_about(existing))
    if existing.status == Status.STARTED:
        _move_on(referral, to=existing, actor=actor)
        changed["moved_on"] = str(referral.pk)
    audit.entry_record(
        action=AuditAction.RECORD_CHANGED,
        actor=actor,
        record_type="referral",
        record_id=existing.pk,
        details={"transition": transition, "from": str(referral.pk), "linked_step": step.pk, **changed},
    )
    return existing


# --- corrections ---------------------------------------------------------------------------------------

# What a correction may change: on the person and on the partner's record, and on the referral.
PERSON_FIELDS = (
    "given_name",
    "family_name",
    "known_as",
    "pronouns",
    "date_of_birth",
    "gender_identity",
    "gender_self_described",
    "area",
    "preferred_language",
    "other_language",
    "interpreter_needed",
    "work_pattern",
    "access_needs",
    "contact_arrangements",
)
SEALED_CONTACT = ("phone", "email", "address")
REFERRAL_FIELDS = ("route", "reason", "risk_level", "risk_notes", "been_to_marac", *CASE_FACTS)


@dataclass(frozen=True)
class TriageChange:
    """What re-running triage after a correction changed for one referral."""

    reference: str
    fits_before: tuple[str, ...]
    fits_after: tuple[str, ...]
    tier_before: str
    tier_after: str
    returned: bool  # it was unmet need, a service now fits, and it is back for a choice
    chosen_ruled_out: str  # the service it was sent to, when the correction rules that service out

    @property
    def changed(self) -> bool:
        return (
            self.fits_before != self.fits_after
            or self.tier_before != self.tier_after
            or self.returned
            or bool(self.chosen_ruled_out)
        )


def _shown(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Area):
        return value.slug
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@transaction.atomic
def referral_correct(
    *,
    actor: Actor,
    referral: Referral,
    person: Mapping[str, object],
    partner: Mapping[str, object] | None,
    details: Mapping[str, object],
) -> list[TriageChange]:
    """Correct the referral's details, the person's and (where the actor may see it) the partner's. Each
    changed field is kept with who changed it and what it was, the audit entry names the fields, and
    triage is run again for the referrals the change could alter; what it changed is returned. A sealed
    contact detail left empty is kept as it is. Nothing is saved if typed text holds a sealed detail."""
    referral = _locked(referral)
    if referral.status in (Status.WITHDRAWN, Status.MOVED_ON):
        raise ReferralError(_("A referral that is closed cannot be corrected: make a new one."))
    typed_partner = {k: str(v) for k, v in (partner or {}).items() if k in SEALED_CONTACT and v}
    sealed_details_refuse(
        fields={
            "reason": str(details.get("reason", referral.reason)),
            "risk_notes": str(details.get("risk_notes", referral.risk_notes)),
            "contact_arrangements": str(person.get("contact_arrangements", "")),
        },
        markers=list(
            dict.fromkeys([*referral_sealed_markers(referral=referral), *markers_from(**typed_partner)])
        ),
        actor=actor,
        record_type="referral",
        record_id=referral.pk,
        error=ReferralError,
    )
    before = {r.pk: (r.status, r.triage or {}, _fits_now(r)) for r in _affected(referral)}
    now = timezone.now()
    corrections: list[Correction] = []
    targets: list[tuple[str, Model, Mapping[str, object], tuple[str, ...]]] = [
        ("person", referral.person, person, PERSON_FIELDS + SEALED_CONTACT),
        ("referral", referral, details, REFERRAL_FIELDS),
    ]
    if partner is not None and referral.partner is not None:
        targets.append(("partner", referral.partner, partner, PERSON_FIELDS + SEALED_CONTACT))
    for record, target, changes, allowed in targets:
        changed = []
        for name in allowed:
            if name not in changes:
                continue
            value = changes[name]
            if name in SEALED_CONTACT:
                if not value:
                    continue  # left empty: kept as it is
                setattr(target, name, value)
                corrections.append(_correction(referral, record, target, name, "", "", actor, now))
            elif getattr(target, name) != value:
                old = getattr(target, name)
                setattr(target, name, value)
                corrections.append(
                    _correction(referral, record, target, name, _shown(old), _shown(value), actor, now)
                )
            else:
                continue
            changed.append(name)
        if changed:
            target.save()
            audit.entry_record(
                action=AuditAction.RECORD_CHANGED,
                actor=actor,
                record_type=record if record == "referral" else "person",
                record_id=target.pk,
                details={"corrected": changed, "referral": str(referral.pk)},
            )
    Correction.objects.bulk_create(corrections)
    return [_retriage(r, *before[r.pk], actor=actor) for r in _affected(referral)]


def _correction(
    referral: Referral,
    record: str,
    target: Model,
    name: str,
    old: str,
    new: str,
    actor: Actor,
    at: datetime.datetime,
) -> Correction:
    side = getattr(target, "side", None) or referral.person.side
    return Correction(
        referral=referral,
        record=record,
        side=side,
        field=name,
        before=old,
        after=new,
        at=at,
        by=actor.user if actor.user.is_authenticated else None,
        agency=actor.agency,
    )


def _affected(referral: Referral) -> list[Referral]:
    """The person's referrals whose triage a correction could change: not yet started anywhere."""
    return list(
        Referral.objects.filter(
            person_id=referral.person_id,
            kind=ReferralKind.PERPETRATOR,
            status__in=(Status.RECEIVED, Status.UNMET_NEED, Status.TRIAGED),
        )
        .select_related("person__area", "partner", "service")
        .order_by("created_at")
    )


def _fits_now(referral: Referral) -> tuple[tuple[str, ...], str]:
    """What triage says of the referral as it stands: the services that fit, and the tier needed."""
    try:
        result, _ruleset = referral_triage(referral=referral)
    except ReferralError:
        return (), ""
    return tuple(o.service for o in result.fits), result.tier_needed


def _retriage(
    referral: Referral,
    status: str,
    snapshot: dict[str, Any],
    was: tuple[tuple[str, ...], str],
    *,
    actor: Actor,
) -> TriageChange:
    try:
        result, ruleset = referral_triage(referral=referral)
    except ReferralError:
        return TriageChange(referral.reference, (), (), "", "", False, "")
    (fits_before, tier_before), fits_after = was, tuple(o.service for o in result.fits)
    returned, chosen_ruled_out = False, ""
    if status == Status.UNMET_NEED and result.fits:
        referral.status, referral.triage, referral.tier_needed, referral.unmet_reasons = (
            Status.RECEIVED,
            {},
            "",
            [],
        )
        referral.save()
        _event(referral, Status.RECEIVED, actor, kind=EventKind.CORRECTED)
        returned = True
    elif status in (Status.UNMET_NEED, Status.TRIAGED):
        chosen = snapshot.get("chosen")
        referral.triage = {
            **result.snapshot(),
            "chosen": chosen,
            "rules_version": ruleset.version,
            "at": timezone.now().isoformat(),
        }
        referral.tier_needed = result.tier_needed
        if status == Status.UNMET_NEED:
            referral.unmet_reasons = result.snapshot()["ruled_out"]
        elif chosen and chosen not in fits_after:
            chosen_ruled_out = referral.service.name if referral.service else chosen
        referral.save()
    return TriageChange(
        referral.reference,
        fits_before,
        fits_after,
        tier_before,
        result.tier_needed,
        returned,
        chosen_ruled_out,
    )
