"""The access policy: the one place that decides who may see and do what.

Every URL pattern must have an entry in URL_RULES (keyed by its view name); a view without one answers
404 to everybody, so forgetting to decide is a deny, never an allow. Pages, the API and management
commands ask the same questions through `allows`, `visible_to` and `get_for_actor`.

Four layers:
1. Role permissions: what a role may do at all (ROLE_PERMISSIONS).
2. Two sides of a family: every record about a person is on the side of the person who uses abuse or on
   the side of the people he harms (SIDES_BY_AGENCY_TYPE). Perpetrator services never see the victim
   side, whoever created the record; what crosses to them is the short list CROSSING_TO_PERPETRATOR_SIDE.
3. Record ownership: a record belongs to the agencies working with it, or, for panel records, to the
   people holding a seat; each model declares which once (`ACCESS`, see pathways/core/access.py). Anyone
   else is told it does not exist (404), exactly as for a record that really does not exist.
4. Sealed fields: a partner's or victim's contact details and location, and a child's school, are shown
   only to roles with a stated need (SEALED_NEED), and every view of them is audited. The contact
   details of the person who uses abuse are sealed too, and shown to the agencies working with him, less
   any that is also his partner's or child's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist, ValidationError
from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework.permissions import BasePermission

from pathways.core.access import AgencyType, Ownership, Role, Side

if TYPE_CHECKING:
    from pathways.accounts.models import Agency, Membership, User


M = TypeVar("M", bound=Model)


class Perm(StrEnum):
    DIRECTORY_VIEW = "directory.view"
    GAP_MAP_VIEW = "gap_map.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    ACCOUNTS_MANAGE = "accounts.manage"
    PERSON_VIEW = "person.view"
    PERSON_CHANGE = "person.change"
    REFERRAL_VIEW = "referral.view"
    REFERRAL_CHANGE = "referral.change"
    ASSESSMENT_VIEW = "assessment.view"
    ASSESSMENT_CHANGE = "assessment.change"
    CASE_VIEW = "case.view"
    CASE_CHANGE = "case.change"
    # What other services' cases ask of one's agency (a plan's activities it does, the tasks sent to it),
    # read and done by its staff whatever their role: a police panel chair may own a plan's disrupt work.
    TASK_VIEW = "task.view"
    TASK_CHANGE = "task.change"
    PANEL_CASE_VIEW = "panel_case.view"
    PANEL_CASE_CHANGE = "panel_case.change"
    # Sharing what one's agency knows at the table, and owning actions: every member agency's staff.
    PANEL_CONTRIBUTE = "panel.contribute"
    # Police data: importing extracts and running RFG scoring.
    POLICE_DATA_IMPORT = "police_data.import"
    # Quarterly returns computed from the panel record (aggregate; suppressed when exported).
    PANEL_RETURN_VIEW = "panel_return.view"
    SEALED_VIEW = "sealed.view"
    # Service standards: reading a service's reviews (its own staff), reviewing one (its managers, as a
    # self-assessment; commissioners), and reading and reviewing every service (commissioners).
    STANDARDS_VIEW = "standards.view"
    STANDARDS_REVIEW = "standards.review"
    STANDARDS_ALL = "standards.all"
    # Staff records, their training and skills ratings (an agency's managers), and the team skills profile,
    # counts without names (managers for their agency, commissioners for the region).
    STAFF_VIEW = "staff.view"
    STAFF_CHANGE = "staff.change"
    SKILLS_PROFILE_VIEW = "skills_profile.view"
    # Outcomes: a service's own, exactly (its managers), and every service's in the region, under the
    # small-number rule (commissioners).
    OUTCOMES_VIEW = "outcomes.view"
    OUTCOMES_ALL = "outcomes.all"
    # Data-sharing agreements with evaluation partners and the pseudonymised extracts made under them
    # (information governance).
    EVALUATION_MANAGE = "evaluation.manage"


_EVERYONE = {Perm.DIRECTORY_VIEW, Perm.GAP_MAP_VIEW}
_CASEWORK = {
    Perm.PERSON_VIEW,
    Perm.PERSON_CHANGE,
    Perm.REFERRAL_VIEW,
    Perm.REFERRAL_CHANGE,
    Perm.ASSESSMENT_VIEW,
    Perm.ASSESSMENT_CHANGE,
    Perm.CASE_VIEW,
    Perm.CASE_CHANGE,
}
_TASKS = {Perm.TASK_VIEW, Perm.TASK_CHANGE}
_PANEL = {
    Perm.PERSON_VIEW,
    Perm.REFERRAL_VIEW,
    Perm.ASSESSMENT_VIEW,
    Perm.PANEL_CASE_VIEW,
    Perm.PANEL_CASE_CHANGE,
    Perm.PANEL_CONTRIBUTE,
    Perm.PANEL_RETURN_VIEW,
}

ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.PRACTITIONER: frozenset(
        _EVERYONE
        | _CASEWORK
        | _TASKS
        | {Perm.PANEL_CASE_VIEW, Perm.PANEL_CONTRIBUTE, Perm.SEALED_VIEW, Perm.STANDARDS_VIEW}
    ),
    Role.MANAGER: frozenset(
        _EVERYONE
        | _CASEWORK
        | _TASKS
        | {
            Perm.PANEL_CASE_VIEW,
            Perm.PANEL_CONTRIBUTE,
            Perm.SEALED_VIEW,
            Perm.STANDARDS_VIEW,
            Perm.STANDARDS_REVIEW,
            Perm.STAFF_VIEW,
            Perm.STAFF_CHANGE,
            Perm.SKILLS_PROFILE_VIEW,
            Perm.OUTCOMES_VIEW,
        }
    ),
    Role.PANEL_COORDINATOR: frozenset(
        _EVERYONE | _PANEL | _TASKS | {Perm.SEALED_VIEW, Perm.POLICE_DATA_IMPORT}
    ),
    Role.PANEL_CHAIR: frozenset(_EVERYONE | _PANEL | _TASKS),
    # Commissioners see the service map and aggregate figures, never a person.
    Role.COMMISSIONER: frozenset(
        _EVERYONE
        | {
            Perm.STANDARDS_VIEW,
            Perm.STANDARDS_REVIEW,
            Perm.STANDARDS_ALL,
            Perm.SKILLS_PROFILE_VIEW,
            Perm.OUTCOMES_VIEW,
            Perm.OUTCOMES_ALL,
        }
    ),
    Role.AUDITOR: frozenset(_EVERYONE | {Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT, Perm.EVALUATION_MANAGE}),
    Role.ADMINISTRATOR: frozenset(_EVERYONE | {Perm.ACCOUNTS_MANAGE}),
}

# --- The two sides of a family --------------------------------------------------------------------

_BOTH_SIDES = frozenset({Side.PERPETRATOR, Side.VICTIM})
_PERPETRATOR_SIDE = frozenset({Side.PERPETRATOR})

# Which side of a family each agency type may see, whoever created the record. Stated positively:
# perpetrator services never see the victim side. Probation works with the person who uses abuse too (a
# victim's contact with probation goes through its victim liaison work, not the offender manager), so it
# is on his side only. Police, children's, adult, health and housing services and victim services work
# with the whole family. Commissioners see no one.
SIDES_BY_AGENCY_TYPE: dict[str, frozenset[Side]] = {
    AgencyType.PERPETRATOR_SERVICE: _PERPETRATOR_SIDE,
    AgencyType.PROBATION: _PERPETRATOR_SIDE,
    AgencyType.POLICE: _BOTH_SIDES,
    AgencyType.CHILDRENS_SERVICES: _BOTH_SIDES,
    AgencyType.ADULT_SERVICES: _BOTH_SIDES,
    AgencyType.HEALTH: _BOTH_SIDES,
    AgencyType.HOUSING: _BOTH_SIDES,
    AgencyType.VICTIM_SERVICE: _BOTH_SIDES,
    AgencyType.OTHER: _BOTH_SIDES,
    AgencyType.COMMISSIONER: frozenset(),
}

# At a panel's table (agenda items, decisions, what was shared): probation is a member of every MARAC and
# hears victims' cases there, as the multi-agency protocol intends; it still never reads her records, and
# no one on this side of the table reads her contact details. Perpetrator services hear no victim's case.
SIDES_AT_THE_TABLE_BY_AGENCY_TYPE: dict[str, frozenset[Side]] = {
    **SIDES_BY_AGENCY_TYPE,
    AgencyType.PROBATION: _BOTH_SIDES,
}

# Everything that crosses from the victim side to someone who works only on the perpetrator side, by
# what it is about and the facts that cross. Nothing else does; tests hold each page and the API to it.
CROSSING_TO_PERPETRATOR_SIDE: dict[str, tuple[str, ...]] = {
    # That the partner has been referred for support, that referral's status and the service's name.
    "partner_referral": ("status", "service"),
    # That the person has a partner, an ex-partner or a child on record, and which of these.
    "relationship": ("kind",),
    # An action a panel set for the agency on a victim's case (a MARAC asking a perpetrator service to
    # act, say): what to do, by when, its status, and the panel and meeting that set it; never whose case
    # it is. The text is checked for the sealed details of the people it concerns, typed and shown.
    "panel_action": ("description", "due_on", "status", "panel", "held_on"),
    # That a partner has a support worker (an open case at her support service), and that service's name,
    # on his case's contact page: the first-contact gate waits for her support worker's view. Nothing else
    # of her case crosses (see pathways.cases.selectors.contact.PartnerSupport).
    "partner_case": ("service", "supported"),
    # What her support worker sends from her case to his (pathways.cases.models.partner): a change in risk
    # she reports and since when, that a new incident was reported, that contact with him would increase
    # risk now (which closes his case's first-contact gate), the sending service (never her support
    # worker's name), when, and a message only where it holds none of her family's sealed details and the
    # sender confirmed it.
    "partner_signal": (
        "risk_change",
        "changed_on",
        "new_incident",
        "contact_increases_risk",
        "message",
        "service",
        "at",
    ),
    # Of each person he has harmed that a support service is tracing (pathways.cases.selectors.trace
    # .TraceOnHisCase): where Pathways found her (relationships or police records), how many police
    # records and the latest, the service tracing her, how far it has got and the service supporting her.
    # Never her name, her record, her references or anything typed about her.
    "victim_trace": (
        "source",
        "police_records",
        "last_record_on",
        "traced_by",
        "status",
        "supported_by",
    ),
}


# Facts from her side kept on the outcome of his case only to be counted across both sides, for those
# who read the region's figures whole (pathways.insights.outcomes, Perm.OUTCOMES_ALL): whether the family
# had children when his case ended, and whether anyone in it was at a MARAC before the end and after it.
# They are never shown on a record: no page, API answer or extract reads them (tests hold each to it).
COUNTED_ONLY: dict[str, tuple[str, ...]] = {
    "cases.caseoutcome": ("family_children", "marac_before", "marac_after", "marac_window_months"),
}

# What crosses the other way, to the side of the people he harms, so that they can be warned: of each case
# of the man who harms her, the service's name, whether it is open, his attendance (sessions attended and
# missed, the last he came to), the disrupt work on it (each activity's name, the agency doing it and its
# status) and how and when it ended (pathways.cases.selectors.partner.HisCase). Never his typed text.
CROSSING_TO_VICTIM_SIDE: dict[str, tuple[str, ...]] = {
    "his_case": ("service", "open", "attended", "missed", "last_attended", "disrupt", "ended_on", "ending"),
    # The service tracing someone he has harmed reads whose victim she is (his name), to reach her safely
    # (pathways.cases.selectors.trace.TraceRow).
    "victim_trace": ("perpetrator",),
    # A joint case meeting's agenda, to the support service at it: his name and whether his case is open
    # (pathways.cases.selectors.joint.AgendaRow); the minute both services read and the actions agreed are
    # the meeting's, typed for both.
    "joint_item": ("his_name", "his_open"),
}


def sides_for(actor: Actor, *, at_the_table: bool = False) -> frozenset[Side]:
    """The sides of a family the actor's agency may see: in its records, or at a panel's table."""
    agency = actor.agency
    if agency is None or not actor.permissions:
        return frozenset()
    table = SIDES_AT_THE_TABLE_BY_AGENCY_TYPE if at_the_table else SIDES_BY_AGENCY_TYPE
    return table.get(agency.type, frozenset())


def perpetrator_side_only(actor: Actor) -> bool:
    """True for someone who must never see what the victim side holds."""
    return Side.VICTIM not in sides_for(actor)


def may_see_side(actor: Actor, side: str | None, *, at_the_table: bool = False) -> bool:
    return side is not None and side in sides_for(actor, at_the_table=at_the_table)


def agency_may_see_side(agency: Agency, side: str | None) -> bool:
    """Whether an agency of this type may own records on this side of a family."""
    return side is not None and side in SIDES_BY_AGENCY_TYPE.get(agency.type, frozenset())


# Who has a stated need to see sealed fields: the role must hold SEALED_VIEW *and* act for an agency of
# one of these types. A perpetrator service's staff never do, because what they know can reach the
# person they work with.
# Children's services hold the family's address and the children's schools for safeguarding visits.
SEALED_NEED: dict[str, frozenset[str]] = {
    Role.PRACTITIONER: frozenset(
        {AgencyType.VICTIM_SERVICE, AgencyType.POLICE, AgencyType.CHILDRENS_SERVICES}
    ),
    Role.MANAGER: frozenset({AgencyType.VICTIM_SERVICE, AgencyType.CHILDRENS_SERVICES}),
    Role.PANEL_COORDINATOR: frozenset({AgencyType.VICTIM_SERVICE, AgencyType.POLICE}),
}

# Roles whose holders can reach personal data must use a second factor.
ROLES_WITHOUT_PERSONAL_DATA = frozenset({Role.COMMISSIONER})

# Permissions that reach no person's record: the service map, aggregate figures, the audit log, the
# administration of accounts and the service standards. Every other permission, including any added
# later, reaches personal data.
NON_PERSONAL_PERMISSIONS = frozenset(
    {
        Perm.DIRECTORY_VIEW,
        Perm.GAP_MAP_VIEW,
        Perm.AUDIT_VIEW,
        Perm.AUDIT_EXPORT,
        Perm.ACCOUNTS_MANAGE,
        # Reviews of services against the standards: about services, never a person.
        Perm.STANDARDS_VIEW,
        Perm.STANDARDS_REVIEW,
        Perm.STANDARDS_ALL,
        # The team skills profile: counts and means, never a name.
        Perm.SKILLS_PROFILE_VIEW,
        # Outcomes: counts, medians and rates, never a name.
        Perm.OUTCOMES_VIEW,
        Perm.OUTCOMES_ALL,
    }
)


# --- API clients -----------------------------------------------------------------------------------

# What an API token may be given: the permissions the API's endpoints ask for. A token's permissions are
# these, as chosen when it is issued, within its client's role; pages never take a token.
API_SCOPES: dict[Perm, Any] = {
    Perm.DIRECTORY_VIEW: gettext_lazy("Read the service directory"),
    Perm.GAP_MAP_VIEW: gettext_lazy("Read the gap map"),
    Perm.OUTCOMES_VIEW: gettext_lazy("Read the outcomes of its services, or its region's"),
    Perm.OUTCOMES_ALL: gettext_lazy(
        "Read every service's outcomes in its region, and draft and run scenarios"
    ),
    Perm.PERSON_VIEW: gettext_lazy("Read the people in its referrals"),
    Perm.PERSON_CHANGE: gettext_lazy("Record people in new referrals"),
    Perm.REFERRAL_VIEW: gettext_lazy("Read its agency's referrals"),
    Perm.REFERRAL_CHANGE: gettext_lazy("Make referrals and choose services"),
    Perm.ASSESSMENT_VIEW: gettext_lazy("Read assessments"),
    Perm.ASSESSMENT_CHANGE: gettext_lazy("Start and complete assessments"),
    Perm.CASE_VIEW: gettext_lazy("Read its agency's cases"),
    Perm.SEALED_VIEW: gettext_lazy("See the contact details its role may see"),
}
# The roles another agency's system may act under: casework and commissioning, never the panels' seats,
# the audit log or administration.
API_CLIENT_ROLES = (Role.PRACTITIONER, Role.MANAGER, Role.COMMISSIONER)


def role_reaches_personal_data(role: str) -> bool:
    """Whether a role's permissions reach anyone's personal record; a role the policy does not know does.

    Administrators reach none, and a user who holds an administrator role cannot act under one that
    does (see pathways.accounts.services.usable_memberships).
    """
    permissions = ROLE_PERMISSIONS.get(role)
    return permissions is None or bool(permissions - NON_PERSONAL_PERMISSIONS)


@dataclass(frozen=True)
class Actor:
    """The user and the membership they are acting under for this request or command."""

    user: User
    membership: Membership | None
    # A request made with an API token: what the token may do (a subset of the role's permissions) and the
    # token's public prefix, which every audit entry of the request names. None and "" for everyone else.
    scopes: frozenset[Perm] | None = None
    api_token: str = ""
    # What the actor's agency runs, looked up once for the request (see `agency_service_ids`).
    _services: dict[str, frozenset[Any]] = field(default_factory=dict, compare=False, repr=False)

    @property
    def role(self) -> str | None:
        return self.membership.role if self.membership else None

    @property
    def agency(self) -> Agency | None:
        return self.membership.agency if self.membership else None

    @property
    def permissions(self) -> frozenset[Perm]:
        membership = self.membership
        if (
            membership is None
            or not self.user.is_active
            or not membership.is_active
            or not membership.agency.is_active
        ):
            return frozenset()
        permissions = ROLE_PERMISSIONS.get(membership.role, frozenset())
        return permissions if self.scopes is None else permissions & self.scopes


def requires_second_factor(user: User) -> bool:
    # Asked by the policy and again by the navigation on every page: the roles are read once a request
    # (a request has its own user object).
    roles = getattr(user, "_active_roles", None)
    if roles is None:
        roles = set(user.memberships.filter(is_active=True).values_list("role", flat=True))
        user._active_roles = roles  # type: ignore[attr-defined]
    # A user with no membership yet still needs one before they can be given access to anything.
    return not roles or bool(roles - ROLES_WITHOUT_PERSONAL_DATA)


def second_factor_done(user: Any) -> bool:
    """True once this session has passed the second factor (django-otp marks the user)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def allows(actor: Actor, perm: Perm) -> bool:
    return perm in actor.permissions


# --- Ownership ------------------------------------------------------------------------------------

_NOTHING = Q(pk__in=[])


def ownership_of(model: type[Model]) -> Ownership | None:
    access = getattr(model, "ACCESS", None)
    return access if isinstance(access, Ownership) else None


def _seated(actor: Actor, path: str, roles: Iterable[str] | None = None) -> Q:
    """The seat at `path` is held, or deputised, by this person for the agency they act for."""
    agency, user = actor.agency, actor.user
    if agency is None or not user.is_authenticated:
        return _NOTHING
    extra = {f"{path}__role__in": list(roles)} if roles is not None else {}
    return Q(**{f"{path}__agency": agency.pk, f"{path}__user": user.pk}, **extra) | Q(
        **{f"{path}__agency": agency.pk, f"{path}__deputy": user.pk}, **extra
    )


def _side_q(actor: Actor, access: Ownership) -> Q:
    if access.side is None:
        return Q()
    sides = sides_for(actor, at_the_table=access.at_the_table)
    allowed = Q(**{f"{access.side}__in": sorted(sides)}) if sides else _NOTHING
    if access.side_when_none is not None and access.side_when_none in sides:
        relation = access.side.rsplit("__", 1)[0]
        allowed |= Q(**{f"{relation}__isnull": True})
    return allowed


def agency_service_ids(actor: Actor) -> frozenset[Any]:
    """The services the actor's agency runs, by id: one query per actor."""
    agency = actor.agency
    if agency is None:
        return frozenset()
    if "ids" not in actor._services:
        actor._services["ids"] = frozenset(agency.services.values_list("pk", flat=True))
    return actor._services["ids"]


def owned_by(actor: Actor, model: type[Model]) -> Q:
    """The records of `model` the actor's agency (or, for panel records, the actor's seat) owns, on the
    sides of a family the agency may see. Nothing, for a model that declares no ownership."""
    access = ownership_of(model)
    agency = actor.agency
    if access is None or agency is None:
        return _NOTHING
    by_agency = Q()
    for path in access.agencies:
        if path == "service__agencies" or path.endswith("__service__agencies"):
            # The services the agency runs, named, rather than a join through every service's agencies:
            # the database then knows how many records each service holds and plans a caseload's
            # few rows as few, where through the join it guessed.
            by_agency |= Q(**{f"{path.removesuffix('__agencies')}__in": agency_service_ids(actor)})
        else:
            by_agency |= Q(**{path: agency.pk})
    by_seat = _seated(actor, access.seats) if access.seats is not None else Q()
    if not by_agency and not by_seat:
        return _NOTHING
    side = _side_q(actor, access)
    if access.agencies_on_any_side:
        return (by_agency | (by_seat & side)) if by_seat else by_agency
    return (by_agency | by_seat) & side


def _one_row_each(model: type[Model], condition: Q) -> bool:
    """Whether every lookup in the condition follows foreign keys only, to one row each: then a record
    meets it or not by itself, and filtering on it can neither repeat nor drop a record."""
    for child in condition.children:
        if isinstance(child, Q):
            if not _one_row_each(model, child):
                return False
            continue
        lookup, _value = child  # type: ignore[misc]
        options = model._meta
        for part in str(lookup).split("__"):
            try:
                found = options.get_field(part)
            except FieldDoesNotExist:
                break  # a lookup ("in", "isnull") or "pk"
            if found.many_to_many or found.one_to_many:
                return False
            if not found.is_relation or found.related_model is None:
                break
            options = found.related_model._meta
    return True


def visible_to(actor: Actor, queryset: QuerySet[M], perm: Perm, *, per_row: bool = False) -> QuerySet[M]:
    """The records of the queryset the actor may see with `perm`, by the model's ownership declaration.

    `per_row` is for a search whose own conditions pick a few rows out of many: the database then checks
    each row it finds, rather than first listing every record the actor may see."""
    if not allows(actor, perm) or actor.agency is None:
        return queryset.none()
    owned = owned_by(actor, queryset.model)
    if per_row and _one_row_each(queryset.model, owned):
        # A case's service and side are on its own row and its person's: checked as plain conditions,
        # which the database plans with the search's own rather than as a second search beside it.
        return queryset.filter(owned)
    mine = queryset.model._default_manager.filter(owned)
    if per_row:
        return queryset.filter(Exists(mine.filter(pk=OuterRef("pk"))))
    # A subquery on primary keys, not .distinct(), so that callers can still order and annotate freely.
    return queryset.filter(pk__in=mine.values("pk"))


def get_for_actor(actor: Actor, queryset: QuerySet[M], perm: Perm, **lookup: Any) -> M:
    """The record, or Http404 when it is missing *or* belongs to others (indistinguishable)."""
    try:
        return visible_to(actor, queryset, perm).get(**lookup)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


def can_see_record(actor: Actor, record: Model, perm: Perm) -> bool:
    if record.pk is None:
        return False
    return visible_to(actor, type(record)._default_manager.filter(pk=record.pk), perm).exists()


def holds_seat(actor: Actor, record: Model, *, roles: Iterable[str] | None = None) -> bool:
    """True when the actor holds (or deputises in) a seat, of one of `roles` if given, at the record's
    panel for the agency they act for."""
    access = ownership_of(type(record))
    if access is None or access.seats is None or record.pk is None:
        return False
    seated = _seated(actor, access.seats, roles)
    return type(record)._default_manager.filter(seated, pk=record.pk).exists()


def attends(actor: Actor, record: Model) -> bool:
    """True when the actor attended the record's meeting in their seat: in person as its holder, or as
    the deputy who filled it."""
    access = ownership_of(type(record))
    agency, user = actor.agency, actor.user
    if access is None or access.attendance is None or agency is None or not user.is_authenticated:
        return False
    path = access.attendance
    attended = Q(
        **{
            f"{path}__present": True,
            f"{path}__by_deputy": False,
            f"{path}__member__user": user.pk,
            f"{path}__member__agency": agency.pk,
        }
    ) | Q(
        **{
            f"{path}__present": True,
            f"{path}__by_deputy": True,
            f"{path}__member__deputy": user.pk,
            f"{path}__member__agency": agency.pk,
        }
    )
    return type(record)._default_manager.filter(attended, pk=record.pk).exists()


# --- Sealed fields --------------------------------------------------------------------------------


def has_sealed_need(actor: Actor) -> bool:
    """The role holds SEALED_VIEW and the agency is of a type with a stated need."""
    if not allows(actor, Perm.SEALED_VIEW) or actor.agency is None or actor.role is None:
        return False
    return actor.agency.type in SEALED_NEED.get(actor.role, frozenset())


def can_see_sealed(actor: Actor, record: Model) -> bool:
    """Sealed fields need the record to be visible and the permission, and either an agency type with a
    stated need or a record on the side of the person who uses abuse: the agencies working with him may
    contact him (his own details that match a partner's or child's are withheld when shown, see
    people.sealed.sealed_reveal)."""
    if not can_see_record(actor, record, Perm.SEALED_VIEW):
        return False
    return has_sealed_need(actor) or (allows(actor, Perm.SEALED_VIEW) and side_of(record) == Side.PERPETRATOR)


def side_of(record: Model) -> Side | None:
    """The side of a family a record is on, by its model's declaration; None for records about no one."""
    access = ownership_of(type(record))
    if access is None or access.side is None:
        return None
    value: Any = record
    for name in access.side.split("__"):
        value = getattr(value, name, None)
        if value is None:
            return access.side_when_none
    return Side(value)


# --- Referrals ------------------------------------------------------------------------------------

# Steps in a referral's life that only the service it was sent to takes (by status value); anyone who
# can see the referral may withdraw it.
RECEIVING_SERVICE_STEPS = frozenset({"offered", "accepted", "declined", "waiting", "started"})


def runs_service(actor: Actor, service: Model | None) -> bool:
    """True when the actor's agency runs the service."""
    agency = actor.agency
    if service is None or agency is None or not actor.permissions:
        return False
    return agency.services.filter(pk=service.pk).exists()


def may_take_step(actor: Actor, *, service: Model | None, step: str) -> bool:
    return step not in RECEIVING_SERVICE_STEPS or runs_service(actor, service)


# --- Panels ---------------------------------------------------------------------------------------


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
SEATS_RUNNING_THE_MEETING = frozenset({"chair", "coordinator"})
# At a MARAC a victim's contact details are read, besides by agencies already working with her, by the
# victim service, whose advocate presents every victim's case.
CONTACT_AT_THE_TABLE_FOR_EVERY_CASE = frozenset({AgencyType.VICTIM_SERVICE})


def runs_the_meeting(actor: Actor, record: Model) -> bool:
    return holds_seat(actor, record, roles=SEATS_RUNNING_THE_MEETING)


def papers_parts(actor: Actor, item: Model) -> frozenset[Part]:
    """The parts of an agenda item's papers the actor reads: none without a seat at its panel."""
    agency = actor.agency
    if agency is None or not can_see_record(actor, item, Perm.PANEL_CASE_VIEW):
        return frozenset()
    if not may_see_side(actor, side_of(item), at_the_table=True):
        return frozenset()
    if runs_the_meeting(actor, item):
        return RUNNING_THE_MEETING
    return PAPERS_BY_AGENCY_TYPE.get(agency.type, frozenset())


def may_reveal_at_meeting(actor: Actor, *, meeting: Model, person: Model | None, victim_panel: bool) -> bool:
    """Whether the actor may ask for a victim's contact details on a victim-focused panel's papers: a role
    and agency with a stated need, a seat they attended this meeting in, and either an agency that works
    with her or one that presents every victim's case. Never on a perpetrator panel, and never about the
    person who uses abuse."""
    if not victim_panel or person is None or side_of(person) != Side.VICTIM or not has_sealed_need(actor):
        return False
    if not attends(actor, meeting):
        return False
    assert actor.agency is not None  # has_sealed_need holds only for an actor with an agency
    if actor.agency.type in CONTACT_AT_THE_TABLE_FOR_EVERY_CASE:
        return True
    return can_see_record(actor, person, Perm.SEALED_VIEW)


def may_see_exact_return_figures(actor: Actor) -> bool:
    """The exact figures of a quarterly return are for the coordinator who makes it; everyone else sees
    what leaves the system, with small numbers withheld."""
    return actor.role == Role.PANEL_COORDINATOR


# --- URL rules --------------------------------------------------------------------------------------


# The HTTP methods a URL answers: anything else is 405, so that TRACE, OPTIONS or PUT never render (and
# audit) a page that was built for GET.
READ = frozenset({"GET", "HEAD"})
FORM = READ | {"POST"}
POST = frozenset({"POST"})
API_READ = READ | {"OPTIONS"}
API_FORM = API_READ | {"POST"}
API_POST = frozenset({"POST", "OPTIONS"})


@dataclass(frozen=True)
class Rule:
    """What a URL needs. `perm=None` with `login=False` is a public page."""

    perm: Perm | None = None
    login: bool = True
    second_factor: bool = True
    # For POST, PUT, PATCH and DELETE, when writing needs more than reading.
    write_perm: Perm | None = None
    methods: frozenset[str] = READ


PUBLIC = Rule(login=False, second_factor=False)
PUBLIC_FORM = Rule(login=False, second_factor=False, methods=FORM)
# Pages for someone who has given their password but not yet their second factor.
SIGNING_IN = Rule(login=True, second_factor=False)
SIGNING_IN_FORM = Rule(login=True, second_factor=False, methods=FORM)
SIGNED_IN = Rule(login=True, second_factor=True)

URL_RULES: dict[str, Rule] = {
    "home": PUBLIC,
    "accounts:login": PUBLIC_FORM,
    "accounts:logout": Rule(login=True, second_factor=False, methods=POST),
    "accounts:verify": SIGNING_IN_FORM,
    "accounts:enrol": SIGNING_IN_FORM,
    "accounts:backup_codes": SIGNING_IN,
    "accounts:password_change": Rule(methods=FORM),
    "accounts:choose_membership": SIGNING_IN_FORM,
    "accounts:profile": SIGNED_IN,
    # Changes that give access wait here for a second administrator.
    "accounts:change_list": Rule(Perm.ACCOUNTS_MANAGE),
    "accounts:change_new": Rule(Perm.ACCOUNTS_MANAGE, methods=FORM),
    "accounts:change_detail": Rule(Perm.ACCOUNTS_MANAGE, methods=FORM),
    "accounts:api_client_list": Rule(Perm.ACCOUNTS_MANAGE),
    "accounts:api_client_new": Rule(Perm.ACCOUNTS_MANAGE, methods=FORM),
    "accounts:api_client_detail": Rule(Perm.ACCOUNTS_MANAGE, methods=FORM),
    "directory:service_list": Rule(Perm.DIRECTORY_VIEW),
    "directory:service_detail": Rule(Perm.DIRECTORY_VIEW),
    "insights:gap_map": Rule(Perm.GAP_MAP_VIEW),
    "insights:gap_map_export": Rule(Perm.GAP_MAP_VIEW),
    "insights:outcomes": Rule(Perm.OUTCOMES_VIEW),
    "insights:scenarios": Rule(Perm.OUTCOMES_ALL, methods=FORM),
    "insights:scenario": Rule(Perm.OUTCOMES_ALL),
    "insights:scenario_export": Rule(Perm.OUTCOMES_ALL),
    "insights:evaluation": Rule(Perm.EVALUATION_MANAGE, methods=FORM),
    "insights:evaluation_extract": Rule(Perm.EVALUATION_MANAGE, methods=POST),
    "insights:outcomes_export": Rule(Perm.OUTCOMES_VIEW),
    "audit:search": Rule(Perm.AUDIT_VIEW),
    "audit:export": Rule(Perm.AUDIT_EXPORT),
    "api:service-list": Rule(Perm.DIRECTORY_VIEW, methods=API_READ),
    "api:service-detail": Rule(Perm.DIRECTORY_VIEW, methods=API_READ),
    "api:area-list": Rule(Perm.DIRECTORY_VIEW, methods=API_READ),
    "api:gap-map": Rule(Perm.GAP_MAP_VIEW, methods=API_READ),
    "api:outcomes": Rule(Perm.OUTCOMES_VIEW, methods=API_READ),
    "api:scenario-list": Rule(Perm.OUTCOMES_ALL, methods=API_FORM),
    "api:scenario-detail": Rule(Perm.OUTCOMES_ALL, methods=API_READ),
    "api:schema": Rule(Perm.DIRECTORY_VIEW, methods=API_READ),
    # The schema as a page: whoever may read the schema may read it.
    "api:docs": Rule(Perm.DIRECTORY_VIEW),
    "people:search": Rule(Perm.PERSON_VIEW),
    "people:detail": Rule(Perm.PERSON_VIEW, methods=FORM),
    "people:reveal": Rule(Perm.PERSON_VIEW, write_perm=Perm.SEALED_VIEW, methods=FORM),
    "assessments:history": Rule(Perm.ASSESSMENT_VIEW),
    "referrals:due": Rule(Perm.ASSESSMENT_CHANGE),
    "assessments:start": Rule(Perm.ASSESSMENT_CHANGE, methods=FORM),
    "assessments:compare": Rule(Perm.ASSESSMENT_VIEW),
    "assessments:detail": Rule(Perm.ASSESSMENT_VIEW, write_perm=Perm.ASSESSMENT_CHANGE, methods=FORM),
    "assessments:correct": Rule(Perm.ASSESSMENT_CHANGE, methods=POST),
    "referrals:screening_new": Rule(Perm.ASSESSMENT_CHANGE, methods=FORM),
    "referrals:screening_detail": Rule(Perm.ASSESSMENT_VIEW),
    "referrals:list": Rule(Perm.REFERRAL_VIEW),
    "work:home": Rule(Perm.REFERRAL_VIEW),
    "cases:caseload": Rule(Perm.CASE_VIEW),
    "cases:export": Rule(Perm.CASE_VIEW),
    "cases:detail": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:transfer": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:contact": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:safety": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:assessments": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:assessment_link": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=POST),
    "cases:notes": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:note": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:reviews": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:plan": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    # The agency's Tasks: what cases ask of it, and the re-assessments due where its role makes them.
    "work:tasks": Rule(Perm.TASK_VIEW, write_perm=Perm.TASK_CHANGE, methods=FORM),
    "cases:ending": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:sessions": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    # A group belongs to the agencies running its service; its roster rows are each case's.
    "cases:tracing": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:joint_meetings": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:joint_meeting": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:groups": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "cases:group_detail": Rule(Perm.CASE_VIEW, write_perm=Perm.CASE_CHANGE, methods=FORM),
    "referrals:intake": Rule(Perm.REFERRAL_VIEW),
    "referrals:intake_record": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE, methods=POST),
    "referrals:new": Rule(Perm.REFERRAL_CHANGE, methods=FORM),
    "referrals:detail": Rule(Perm.REFERRAL_VIEW),
    "referrals:choose": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE, methods=POST),
    "referrals:advance": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE, methods=POST),
    "referrals:step": Rule(Perm.REFERRAL_CHANGE, methods=FORM),
    "referrals:correct": Rule(Perm.REFERRAL_CHANGE, methods=FORM),
    "referrals:self_referral": PUBLIC_FORM,
    "referrals:self_referral_done": PUBLIC,
    "api:referral-list": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE, methods=API_FORM),
    "api:referral-detail": Rule(Perm.REFERRAL_VIEW, methods=API_READ),
    "api:referral-choose": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE, methods=API_POST),
    "api:assessment-list": Rule(Perm.ASSESSMENT_VIEW, write_perm=Perm.ASSESSMENT_CHANGE, methods=API_FORM),
    "api:assessment-detail": Rule(Perm.ASSESSMENT_VIEW, methods=API_READ),
    "api:assessment-answers": Rule(Perm.ASSESSMENT_VIEW, write_perm=Perm.ASSESSMENT_CHANGE, methods=API_POST),
    "api:person-assessments": Rule(Perm.ASSESSMENT_VIEW, methods=API_READ),
    "api:instrument-list": Rule(Perm.ASSESSMENT_VIEW, methods=API_READ),
    "api:case-list": Rule(Perm.CASE_VIEW, methods=API_READ),
    "api:case-detail": Rule(Perm.CASE_VIEW, methods=API_READ),
    "api:case-partner-safety": Rule(Perm.CASE_VIEW, methods=API_READ),
    "api:case-plan": Rule(Perm.CASE_VIEW, methods=API_READ),
    "api:case-notes": Rule(Perm.CASE_VIEW, methods=API_READ),
    "api:case-sessions": Rule(Perm.CASE_VIEW, methods=API_READ),
    "api:case-ending": Rule(Perm.CASE_VIEW, methods=API_READ),
    # Panels: a meeting, its agenda items and actions belong to the agencies with a seat on the panel.
    "panels:list": Rule(Perm.PANEL_CASE_VIEW),
    "panels:panel_detail": Rule(Perm.PANEL_CASE_VIEW),
    "panels:meeting_new": Rule(Perm.PANEL_CASE_CHANGE, methods=FORM),
    "panels:meeting_detail": Rule(Perm.PANEL_CASE_VIEW),
    "panels:agenda_build": Rule(Perm.PANEL_CASE_CHANGE, methods=POST),
    "panels:attendance": Rule(Perm.PANEL_CASE_CHANGE, methods=FORM),
    "panels:item_detail": Rule(Perm.PANEL_CASE_VIEW),
    "panels:decide": Rule(Perm.PANEL_CASE_CHANGE, methods=FORM),
    "panels:action_new": Rule(Perm.PANEL_CASE_CHANGE, methods=FORM),
    "panels:action_update": Rule(Perm.PANEL_CONTRIBUTE, methods=FORM),
    "panels:actions": Rule(Perm.PANEL_CASE_VIEW),
    "panels:minutes": Rule(Perm.PANEL_CASE_VIEW),
    "panels:close": Rule(Perm.PANEL_CASE_CHANGE, methods=FORM),
    "panels:nominate": Rule(Perm.PANEL_CONTRIBUTE, methods=FORM),
    "panels:disclose": Rule(Perm.PANEL_CONTRIBUTE, methods=FORM),
    "panels:rfg": Rule(Perm.PANEL_CASE_VIEW),
    "panels:marac_return": Rule(Perm.PANEL_RETURN_VIEW),
    # Service standards: about services, on neither side of a family.
    "standards:board": Rule(Perm.STANDARDS_VIEW),
    "standards:board_export": Rule(Perm.STANDARDS_VIEW),
    "standards:service": Rule(Perm.STANDARDS_VIEW, write_perm=Perm.STANDARDS_REVIEW, methods=FORM),
    "standards:review": Rule(Perm.STANDARDS_VIEW, write_perm=Perm.STANDARDS_REVIEW, methods=FORM),
    "standards:review_item": Rule(Perm.STANDARDS_VIEW, write_perm=Perm.STANDARDS_REVIEW, methods=FORM),
    "standards:compare": Rule(Perm.STANDARDS_VIEW),
    "workforce:staff_list": Rule(Perm.STAFF_VIEW, write_perm=Perm.STAFF_CHANGE, methods=FORM),
    "workforce:staff": Rule(Perm.STAFF_VIEW, write_perm=Perm.STAFF_CHANGE, methods=FORM),
    "workforce:skills": Rule(Perm.SKILLS_PROFILE_VIEW),
    "workforce:skills_export": Rule(Perm.SKILLS_PROFILE_VIEW),
}
# Django's admin is for administrators only, behind the second factor.
NAMESPACE_RULES: dict[str, Rule] = {"admin": Rule(Perm.ACCOUNTS_MANAGE, methods=FORM)}


def rule_for(view_name: str) -> Rule | None:
    if view_name in URL_RULES:
        return URL_RULES[view_name]
    namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
    return NAMESPACE_RULES.get(namespace)


def actor_for(request: HttpRequest) -> Actor:
    """The request's actor, `request.actor`, which the session middleware sets once it knows the user's
    membership; made again only when signing in or choosing a role has changed who is acting."""
    actor: Actor | None = getattr(request, "actor", None)
    membership = getattr(request, "membership", None)
    token = getattr(request, "api_token", None)
    if actor is None or actor.user is not request.user or actor.membership is not membership:
        actor = Actor(
            user=request.user,  # type: ignore[arg-type]
            membership=membership,
            scopes=frozenset(Perm(s) for s in token.scopes) if token is not None else None,
            api_token=token.prefix if token is not None else "",
        )
        request.actor = actor  # type: ignore[attr-defined]
    return actor


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _deny(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    if status == 404:
        raise Http404
    response = render(request, "errors/403.html", {"message": message}, status=status)
    return response if isinstance(response, HttpResponse) else HttpResponseForbidden(message)


def _not_allowed(request: HttpRequest, rule: Rule) -> HttpResponse:
    allowed = sorted(rule.methods)
    if _is_api(request):
        response: HttpResponse = JsonResponse({"detail": _("This method is not allowed here.")}, status=405)
    else:
        response = HttpResponseNotAllowed(allowed)
    response["Allow"] = ", ".join(allowed)
    return response


def check_request(request: HttpRequest) -> HttpResponse | None:
    """None when the request may go on; otherwise the response that refuses it."""
    match = request.resolver_match
    rule = rule_for(match.view_name) if match else None
    if rule is None:
        return _deny(request, 404, _("Not found."))
    if not rule.login:
        return None if request.method in rule.methods else _not_allowed(request, rule)
    user = request.user
    if not user.is_authenticated:
        if _is_api(request):
            return JsonResponse({"detail": _("Sign in to use the API.")}, status=401)
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    # A token is the API client's whole credential: its account has no password and no second factor.
    by_token = getattr(request, "api_token", None) is not None
    if rule.second_factor and not by_token and requires_second_factor(user) and not second_factor_done(user):
        if _is_api(request):
            return JsonResponse({"detail": _("Complete the second sign-in step first.")}, status=403)
        return redirect("accounts:verify")
    if rule.second_factor and getattr(request, "membership", None) is None:
        if _is_api(request):
            return JsonResponse({"detail": _("Your account has no active role in any agency.")}, status=403)
        return redirect("accounts:choose_membership")
    needed = [rule.perm] if rule.perm is not None else []
    if rule.write_perm is not None and request.method not in ("GET", "HEAD", "OPTIONS"):
        needed.append(rule.write_perm)
    actor = actor_for(request)
    if not all(allows(actor, perm) for perm in needed):
        return _deny(request, 403, _("Your role does not give you access to this page."))
    if request.method not in rule.methods:
        return _not_allowed(request, rule)
    return None


class PolicyMiddleware:
    """Checks every request against URL_RULES before its view runs."""

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any) -> Any:
        return check_request(request)


class ApiPolicyPermission(BasePermission):
    """DRF's view of the same rules, so that an API view reached some other way is still checked."""

    message = "Not allowed."

    def has_permission(self, request: Any, view: Any) -> bool:
        return check_request(request._request) is None
