"""The access policy: the one place that decides who may see and do what.

Every URL pattern must have an entry in URL_RULES (keyed by its view name); a view without one answers
404 to everybody, so forgetting to decide is a deny, never an allow. Pages, the API and management
commands ask the same questions through `allows`, `visible_to` and `get_for_actor`.

Three layers:
1. Role permissions: what a role may do at all (ROLE_PERMISSIONS).
2. Record ownership: a record about a person belongs to the agencies working with it; anyone else is told
   it does not exist (404), exactly as for a record that really does not exist.
3. Sealed fields: a partner's or victim's contact details and location, and a child's school, are shown
   only to roles with a stated need (SEALED_NEED), and every view of them is audited by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from rest_framework.permissions import BasePermission

from pathways.accounts.choices import AgencyType, Role
from pathways.core.fields import Sealed

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
    PANEL_CASE_VIEW = "panel_case.view"
    PANEL_CASE_CHANGE = "panel_case.change"
    # Sharing what one's agency knows at the table, and owning actions: every member agency's staff.
    PANEL_CONTRIBUTE = "panel.contribute"
    # Police data: importing extracts and running RFG scoring.
    POLICE_DATA_IMPORT = "police_data.import"
    # Quarterly returns computed from the panel record (aggregate; suppressed when exported).
    PANEL_RETURN_VIEW = "panel_return.view"
    SEALED_VIEW = "sealed.view"


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
        _EVERYONE | _CASEWORK | {Perm.PANEL_CASE_VIEW, Perm.PANEL_CONTRIBUTE, Perm.SEALED_VIEW}
    ),
    Role.MANAGER: frozenset(
        _EVERYONE | _CASEWORK | {Perm.PANEL_CASE_VIEW, Perm.PANEL_CONTRIBUTE, Perm.SEALED_VIEW}
    ),
    Role.PANEL_COORDINATOR: frozenset(_EVERYONE | _PANEL | {Perm.SEALED_VIEW, Perm.POLICE_DATA_IMPORT}),
    Role.PANEL_CHAIR: frozenset(_EVERYONE | _PANEL),
    # Commissioners see the service map and aggregate figures, never a person.
    Role.COMMISSIONER: frozenset(_EVERYONE),
    Role.AUDITOR: frozenset(_EVERYONE | {Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT}),
    Role.ADMINISTRATOR: frozenset(_EVERYONE | {Perm.ACCOUNTS_MANAGE}),
}

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

# Permissions that reach no person's record: the service map, aggregate figures, the audit log and the
# administration of accounts. Every other permission, including any added later, reaches personal data.
NON_PERSONAL_PERMISSIONS = frozenset(
    {Perm.DIRECTORY_VIEW, Perm.GAP_MAP_VIEW, Perm.AUDIT_VIEW, Perm.AUDIT_EXPORT, Perm.ACCOUNTS_MANAGE}
)


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
        return ROLE_PERMISSIONS.get(membership.role, frozenset())


def requires_second_factor(user: User) -> bool:
    roles = {m.role for m in user.memberships.filter(is_active=True)}
    # A user with no membership yet still needs one before they can be given access to anything.
    return not roles or bool(roles - ROLES_WITHOUT_PERSONAL_DATA)


def second_factor_done(user: Any) -> bool:
    """True once this session has passed the second factor (django-otp marks the user)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def allows(actor: Actor, perm: Perm) -> bool:
    return perm in actor.permissions


class OwnedRecord(Protocol):
    """A record about a person. `owning_agency_ids` are the agencies working with it."""

    def owning_agency_ids(self) -> Iterable[Any]: ...


def can_see_record(actor: Actor, record: OwnedRecord, perm: Perm) -> bool:
    if not allows(actor, perm) or actor.agency is None:
        return False
    return actor.agency.pk in set(record.owning_agency_ids())


def can_see_sealed(actor: Actor, record: OwnedRecord) -> bool:
    """Sealed fields need the record to be visible, the permission and an agency type with a stated need."""
    if not can_see_record(actor, record, Perm.SEALED_VIEW) or actor.agency is None or actor.role is None:
        return False
    return actor.agency.type in SEALED_NEED.get(actor.role, frozenset())


def reveal_sealed(
    actor: Actor,
    record: OwnedRecord,
    value: Sealed | None,
    *,
    field: str,
    purpose: str,
    request: HttpRequest | None = None,
) -> str | None:
    """The plain text of a sealed field, for an actor with a stated need; every reveal is audited.

    Returns None when there is nothing to show or the actor may not see it, so that a page shows the same
    thing whether the value is hidden or absent.
    """
    if value is None or not can_see_sealed(actor, record):
        return None
    from pathways.audit import services as audit
    from pathways.audit.choices import AuditAction

    audit.record(
        action=AuditAction.SEALED_VIEWED,
        actor=actor,
        record_type=type(record).__name__.lower(),
        record_id=getattr(record, "pk", ""),
        purpose=purpose,
        request=request,
        details={"field": field},
    )
    return value._plain_text()


def visible_to(actor: Actor, queryset: QuerySet[M], perm: Perm, *agency_paths: str) -> QuerySet[M]:
    """Owned records the actor may see. Each of `agency_paths` leads from the record to an owning agency."""
    if not allows(actor, perm) or actor.agency is None or not agency_paths:
        return queryset.none()
    owned = Q()
    for path in agency_paths:
        owned |= Q(**{path: actor.agency.pk})
    # A subquery on primary keys, not .distinct(), so that callers can still order and annotate freely.
    return queryset.filter(pk__in=queryset.model._default_manager.filter(owned).values("pk"))


def get_for_actor(actor: Actor, queryset: QuerySet[M], perm: Perm, *agency_paths: str, **lookup: Any) -> M:
    """The record, or Http404 when it is missing *or* belongs to other agencies (indistinguishable)."""
    try:
        return visible_to(actor, queryset, perm, *agency_paths).get(**lookup)
    except (ObjectDoesNotExist, ValueError, ValidationError) as exc:
        raise Http404 from exc


# --- URL rules --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """What a URL needs. `perm=None` with `login=False` is a public page."""

    perm: Perm | None = None
    login: bool = True
    second_factor: bool = True
    # For POST, PUT, PATCH and DELETE, when writing needs more than reading.
    write_perm: Perm | None = None


PUBLIC = Rule(login=False, second_factor=False)
# Pages for someone who has given their password but not yet their second factor.
SIGNING_IN = Rule(login=True, second_factor=False)
SIGNED_IN = Rule(login=True, second_factor=True)

URL_RULES: dict[str, Rule] = {
    "home": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": SIGNING_IN,
    "accounts:verify": SIGNING_IN,
    "accounts:enrol": SIGNING_IN,
    "accounts:backup_codes": SIGNING_IN,
    "accounts:password_change": SIGNED_IN,
    "accounts:choose_membership": SIGNING_IN,
    "accounts:profile": SIGNED_IN,
    # Changes that give access wait here for a second administrator.
    "accounts:change_list": Rule(Perm.ACCOUNTS_MANAGE),
    "accounts:change_new": Rule(Perm.ACCOUNTS_MANAGE),
    "accounts:change_detail": Rule(Perm.ACCOUNTS_MANAGE),
    "directory:service_list": Rule(Perm.DIRECTORY_VIEW),
    "directory:service_detail": Rule(Perm.DIRECTORY_VIEW),
    "insights:gap_map": Rule(Perm.GAP_MAP_VIEW),
    "insights:referral_figures": Rule(Perm.GAP_MAP_VIEW),
    "audit:search": Rule(Perm.AUDIT_VIEW),
    "audit:export": Rule(Perm.AUDIT_EXPORT),
    "api:service-list": Rule(Perm.DIRECTORY_VIEW),
    "api:service-detail": Rule(Perm.DIRECTORY_VIEW),
    "api:area-list": Rule(Perm.DIRECTORY_VIEW),
    "api:gap-map": Rule(Perm.GAP_MAP_VIEW),
    "api:schema": Rule(Perm.DIRECTORY_VIEW),
    "people:detail": Rule(Perm.PERSON_VIEW),
    "people:reveal": Rule(Perm.PERSON_VIEW, write_perm=Perm.SEALED_VIEW),
    "assessments:history": Rule(Perm.ASSESSMENT_VIEW),
    "assessments:due": Rule(Perm.ASSESSMENT_CHANGE),
    "assessments:start": Rule(Perm.ASSESSMENT_CHANGE),
    "assessments:compare": Rule(Perm.ASSESSMENT_VIEW),
    "assessments:detail": Rule(Perm.ASSESSMENT_VIEW, write_perm=Perm.ASSESSMENT_CHANGE),
    "assessments:correct": Rule(Perm.ASSESSMENT_CHANGE),
    "assessments:screening_new": Rule(Perm.ASSESSMENT_CHANGE),
    "assessments:screening_detail": Rule(Perm.ASSESSMENT_VIEW),
    "referrals:list": Rule(Perm.REFERRAL_VIEW),
    "referrals:new": Rule(Perm.REFERRAL_CHANGE),
    "referrals:detail": Rule(Perm.REFERRAL_VIEW),
    "referrals:choose": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE),
    "referrals:advance": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE),
    "referrals:step": Rule(Perm.REFERRAL_CHANGE),
    "referrals:self_referral": PUBLIC,
    "referrals:self_referral_done": PUBLIC,
    "api:referral-list": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE),
    "api:referral-detail": Rule(Perm.REFERRAL_VIEW),
    "api:referral-choose": Rule(Perm.REFERRAL_VIEW, write_perm=Perm.REFERRAL_CHANGE),
    "api:assessment-list": Rule(Perm.ASSESSMENT_VIEW, write_perm=Perm.ASSESSMENT_CHANGE),
    "api:assessment-detail": Rule(Perm.ASSESSMENT_VIEW),
    "api:assessment-answers": Rule(Perm.ASSESSMENT_VIEW, write_perm=Perm.ASSESSMENT_CHANGE),
    "api:person-assessments": Rule(Perm.ASSESSMENT_VIEW),
    "api:instrument-list": Rule(Perm.ASSESSMENT_VIEW),
    # Panels: a meeting, its agenda items and actions belong to the agencies with a seat on the panel.
    "panels:list": Rule(Perm.PANEL_CASE_VIEW),
    "panels:panel_detail": Rule(Perm.PANEL_CASE_VIEW),
    "panels:meeting_new": Rule(Perm.PANEL_CASE_CHANGE),
    "panels:meeting_detail": Rule(Perm.PANEL_CASE_VIEW),
    "panels:agenda_build": Rule(Perm.PANEL_CASE_CHANGE),
    "panels:attendance": Rule(Perm.PANEL_CASE_CHANGE),
    "panels:item_detail": Rule(Perm.PANEL_CASE_VIEW),
    "panels:decide": Rule(Perm.PANEL_CASE_CHANGE),
    "panels:action_new": Rule(Perm.PANEL_CASE_CHANGE),
    "panels:action_update": Rule(Perm.PANEL_CONTRIBUTE),
    "panels:actions": Rule(Perm.PANEL_CASE_VIEW),
    "panels:minutes": Rule(Perm.PANEL_CASE_VIEW),
    "panels:close": Rule(Perm.PANEL_CASE_CHANGE),
    "panels:nominate": Rule(Perm.PANEL_CONTRIBUTE),
    "panels:disclose": Rule(Perm.PANEL_CONTRIBUTE),
    "panels:rfg": Rule(Perm.PANEL_CASE_VIEW),
    "panels:marac_return": Rule(Perm.PANEL_RETURN_VIEW),
}
# Django's admin is for administrators only, behind the second factor.
NAMESPACE_RULES: dict[str, Rule] = {"admin": Rule(Perm.ACCOUNTS_MANAGE)}


def rule_for(view_name: str) -> Rule | None:
    if view_name in URL_RULES:
        return URL_RULES[view_name]
    namespace = view_name.split(":", 1)[0] if ":" in view_name else ""
    return NAMESPACE_RULES.get(namespace)


def actor_for(request: HttpRequest) -> Actor:
    return Actor(user=request.user, membership=getattr(request, "membership", None))  # type: ignore[arg-type]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _deny(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if _is_api(request):
        return JsonResponse({"detail": message}, status=status)
    if status == 404:
        raise Http404
    response = render(request, "errors/403.html", {"message": message}, status=status)
    return response if isinstance(response, HttpResponse) else HttpResponseForbidden(message)


def check_request(request: HttpRequest) -> HttpResponse | None:
    """None when the request may go on; otherwise the response that refuses it."""
    match = request.resolver_match
    rule = rule_for(match.view_name) if match else None
    if rule is None:
        return _deny(request, 404, _("Not found."))
    if not rule.login:
        return None
    user = request.user
    if not user.is_authenticated:
        if _is_api(request):
            return JsonResponse({"detail": _("Sign in to use the API.")}, status=401)
        from django.contrib.auth.views import redirect_to_login

        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if rule.second_factor and requires_second_factor(user) and not second_factor_done(user):
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
    return None


class PolicyMiddleware:
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
