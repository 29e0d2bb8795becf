"""Every role x every URL pattern x own / foreign / missing object, with the expected answer taken from the
policy. Each role is the demo cast's login for it; a foreign object is its counterpart's elsewhere.

URLs are enumerated from the resolver, so a new URL without a rule in pathways/core/policy.py fails
`test_every_url_pattern_has_a_rule` and is refused (404) to everyone until it has one.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from pathways.accounts.models import Agency, Membership, User
from pathways.assessments.models import Assessment, InstrumentVersion
from pathways.cases.models import Case, Group, JointMeeting, Note, NoteVersion
from pathways.conftest import ROLE_LOGIN
from pathways.core.access import Role, Side
from pathways.core.policy import ROLE_PERMISSIONS, SIGNING_IN, rule_for
from pathways.core.tests.conftest_helpers import login_password_only
from pathways.directory.models import Region, Service
from pathways.panels.choices import AgendaReason, PanelKind
from pathways.panels.models import Action, AgendaItem, Meeting, Panel, PanelMember
from pathways.people.models import Person, PersonAccess
from pathways.people.services import PersonInput, person_access_grant
from pathways.referrals.models import Referral
from pathways.referrals.services import ReferralInput, referral_create
from pathways.standards.models import StandardsReview, StandardsVersion
from pathways.workforce.models import StaffMember

pytestmark = pytest.mark.django_db


@pytest.fixture
def persona(cast_persona: Callable[[str], User]) -> Callable[[str], User]:
    # The cast is loaded once for the module: built for each of the thousands of cases it would cost more
    # than the requests.
    return cast_persona


@dataclass(frozen=True)
class World:
    """One role's records: its own, its counterpart's elsewhere, and its own about someone on the victim
    side."""

    own: dict[str, str]
    foreign: dict[str, str]
    other_side: dict[str, str]


@pytest.fixture(scope="module")
def worlds(cast_preloaded: None, django_db_blocker: Any) -> dict[str, World]:
    """Each role's records, written once for the module inside the cast's transaction (each test rolls
    back what its request changed): written for each of the thousands of cases they cost more than the
    requests."""
    with django_db_blocker.unblock():
        built = {}
        for role in Role.values:
            user = User.objects.get(username=ROLE_LOGIN[Role(role)])
            own = _own_objects(user)
            built[role] = World(own, _foreign_objects(user), _other_side_objects(user, own))
        return built


@dataclass(frozen=True)
class Pattern:
    route: str
    name: str


def _walk(patterns: list[URLPattern | URLResolver], prefix: str = "", ns: str = "") -> Iterator[Pattern]:
    for p in patterns:
        if isinstance(p, URLResolver):
            namespace = f"{ns}:{p.namespace}" if ns and p.namespace else (p.namespace or ns)
            yield from _walk(p.url_patterns, prefix + str(p.pattern), namespace)
        else:
            yield Pattern(prefix + str(p.pattern), f"{ns}:{p.name or ''}" if ns else (p.name or ""))


PATTERNS = list(_walk(get_resolver().url_patterns))
MISSING = "missing"
OWN = "own"
FOREIGN = "foreign"
# A record the user's agency owns, about someone on the victim side of a family.
OTHER_SIDE = "other-side"
# Records on a side of a family (a panel's meeting is about no one; an action is its agency's, whichever
# side the case is on).
SIDED_KWARGS = ("referral_id", "person_id", "assessment_id", "item_id", "case_id", "note_id")


def _sample(route: str, variant: str, own: dict[str, str], foreign: dict[str, str] | None = None) -> str:
    """A concrete path for a route: converters filled with an own, a foreign or a missing object."""

    def fill(match: re.Match[str]) -> str:
        name = match.group("name")
        if variant == OWN and name in own:
            return own[name]
        if variant in (FOREIGN, OTHER_SIDE) and foreign and name in foreign:
            return foreign[name]
        return {"slug": "no-such-thing", "content_type_id": "1"}.get(name, str(uuid.uuid4()))

    path = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)
    path = path.replace("^(?P<app_label>accounts|axes)/$", "accounts/")
    path = path.replace("(?P<url>.*)$", "no-such-page/")
    path = "/" + path.lstrip("^").rstrip("$")
    if route.endswith("admin/autocomplete/"):
        path += "?app_label=accounts&model_name=membership&field_name=agency"
    return path


RECORD_KWARGS = (
    "referral_id",
    "person_id",
    "assessment_id",
    "panel_id",
    "meeting_id",
    "item_id",
    "action_id",
    "case_id",
    "note_id",
    "group_id",
    "joint_meeting_id",
)


# The case pages only a case on the victim side has (her safety updates).
VICTIM_CASES_ONLY = {"cases:safety"}


def _case_side(own: dict[str, str]) -> str:
    from pathways.cases.models import Case

    return str(Case.objects.select_related("person").get(pk=own["case_id"]).person.side)


def _variants(route: str) -> list[str]:
    if any(f":{kwarg}>" in route for kwarg in RECORD_KWARGS):
        return [OWN, FOREIGN, MISSING, OTHER_SIDE]
    return [OWN, MISSING] if "<" in route else [OWN]


CASES = [(p, v) for p in PATTERNS for v in _variants(p.route)]
IDS = [f"{p.route}[{v}]" for p, v in CASES]


def test_every_url_pattern_has_a_rule() -> None:
    missing = [
        p.route
        for p in PATTERNS
        if rule_for(resolve(_sample(p.route, OWN, {}).split("?")[0]).view_name) is None
    ]
    assert missing == [], f"URL patterns with no entry in the access policy: {missing}"


def test_a_url_without_a_rule_is_refused_to_everyone(client_as: Callable[[str], Client]) -> None:
    from pathways.core import policy

    saved = policy.URL_RULES.pop("insights:gap_map")
    try:
        assert client_as(Role.COMMISSIONER).get("/en/insights/gap-map/").status_code == 404
    finally:
        policy.URL_RULES["insights:gap_map"] = saved


def _referral_from(agency: Agency) -> Referral:
    return referral_create(
        actor=None,
        data=ReferralInput(
            route="childrens_services",
            reason="matrix",
            person=PersonInput(given_name="Own", family_name="Record"),
        ),
    )


def _own_objects(user: User) -> dict[str, str]:
    """Objects the user's agency owns: its agency, a referral it made and the person in it."""
    membership = Membership.objects.filter(user=user).first()
    agency = membership.agency if membership else Agency.objects.first()
    assert agency is not None
    referral = _referral_from(agency)
    Referral.objects.filter(pk=referral.pk).update(referring_agency=agency)
    person_access_grant(person=referral.person, agency=agency, reason="matrix")
    return {
        "slug": "clear",
        "object_id": str(agency.pk),
        "id": str(user.pk),
        "referral_id": str(referral.pk),
        "person_id": str(referral.person.pk),
        "assessment_id": str(_assessment_of(referral.person, user, agency).pk),
        **_case_objects(_case_of(referral.person, agency), user),
        "group_id": str(_group_of(agency).pk),
        "joint_meeting_id": str(_joint_meeting_of(agency, user).pk),
        **_panel_objects(agency, user, referral.person),
        **_review_objects(agency),
    }


MATRIX_STANDARDS = {
    "slug": "matrix",
    "version": "1",
    "title": {"en": "Matrix", "cy": "Matrics"},
    "source": {"en": "Matrix", "cy": "Matrics"},
    "licence": {"en": "Matrix", "cy": "Matrics"},
    "evidence_sources": [{"slug": "interviews", "name": {"en": "Interviews", "cy": "Cyfweliadau"}}],
    "standards": [{"number": 1, "name": {"en": "Referrals", "cy": "Atgyfeiriadau"}}],
    "checklists": [
        {
            "slug": "full",
            "name": {"en": "Full", "cy": "Llawn"},
            "summary": {"en": "Full", "cy": "Llawn"},
            "items": [
                {"id": "need", "standard": 1, "refs": ["1.i"], "question": {"en": "Why?", "cy": "Pam?"}}
            ],
        }
    ],
}


def _review_objects(agency: Agency) -> dict[str, str]:
    """A review, in progress, of a service the agency runs (or of any service), and a member of the
    agency's staff: about services and staff, on neither side of a family."""
    version, _ = StandardsVersion.objects.get_or_create(
        slug="matrix", version=1, defaults={"file_sha256": "0", "rules": MATRIX_STANDARDS}
    )
    service = agency.services.first() or Service.objects.first()
    assert service is not None
    review = StandardsReview.objects.create(
        service=service,
        standards=version,
        checklist="full",
        kind="commissioner",
        reviewer="Matrix",
        reviewed_on=datetime.date(2026, 1, 8),
    )
    staff = StaffMember.objects.create(agency=agency, service=service, full_name="Matrix Staff")
    return {"review_id": str(review.pk), "item": "need", "staff_id": str(staff.pk)}


def _case_objects(case: Case, user: User) -> dict[str, str]:
    """The case and a signed note on it by the user."""
    note = Note.objects.create(case=case, kind="contact", created_by=user)
    NoteVersion.objects.create(
        note=note, number=1, text="matrix", written_by=user, signed_by=user, signed_at=note.created_at
    )
    return {"case_id": str(case.pk), "note_id": str(note.pk)}


def _case_of(person: Person, agency: Agency, *, not_run_by: Agency | None = None) -> Case:
    """A case about `person` at a service `agency` runs (for an agency that runs none, at one that
    `not_run_by` does not run: no one at such an agency may read cases)."""
    others = Service.objects.exclude(agencies=not_run_by) if not_run_by is not None else Service.objects.all()
    service = agency.services.first() or others.first()
    assert service is not None
    return Case.objects.create(person=person, service=service)


def _group_of(agency: Agency, *, not_run_by: Agency | None = None) -> Group:
    """A group at a service `agency` runs (as `_case_of` chooses the service). A group names no one: it is
    on no side of a family."""
    others = Service.objects.exclude(agencies=not_run_by) if not_run_by is not None else Service.objects.all()
    service = agency.services.first() or others.first()
    assert service is not None
    return Group.objects.create(service=service, name="Matrix group", starts_on=datetime.date(2026, 1, 6))


def _joint_meeting_of(agency: Agency, user: User, *, not_run_by: Agency | None = None) -> JointMeeting:
    """A joint case meeting of a service `agency` runs (as `_case_of` chooses it) with another service.
    A meeting names no one: it is on no side of a family."""
    others = Service.objects.exclude(agencies=not_run_by) if not_run_by is not None else Service.objects.all()
    service = agency.services.first() or others.first()
    assert service is not None
    partner = others.exclude(pk=service.pk).first()
    assert partner is not None
    return JointMeeting.objects.create(
        slug=f"matrix-{user.username}"[:60],
        perpetrator_service=service,
        support_service=partner,
        held_on=datetime.date(2026, 1, 7),
    )


def _other_side_objects(user: User, owned: dict[str, str]) -> dict[str, str]:
    """Records the user's agency owns, as its own are, about a victim: her person record, her support
    referral, her assessment, her case on the user's own panel."""
    agency = Agency.objects.get(pk=owned["object_id"])
    victim = Person.objects.create(side=Side.VICTIM, given_name="Other", family_name="Side")
    PersonAccess.objects.create(person=victim, agency=agency, reason="matrix")
    referral = Referral.objects.create(
        reference=f"PW-SIDE-{Referral.objects.count():04d}",
        kind="partner_support",
        person=victim,
        route="other_service",
        referring_agency=agency,
        reason="matrix",
        risk_level="standard",
    )
    panel_item = AgendaItem.objects.get(pk=owned["item_id"])
    item = AgendaItem.objects.create(
        meeting=panel_item.meeting, person=victim, reason=AgendaReason.NOMINATED, position=2
    )
    return {
        **owned,
        "referral_id": str(referral.pk),
        "person_id": str(victim.pk),
        "assessment_id": str(_assessment_of(victim, user, agency).pk),
        "item_id": str(item.pk),
        **_case_objects(_case_of(victim, agency), user),
    }


def _foreign_objects(user: User) -> dict[str, str]:
    """A referral, its person, an assessment and a panel of the user's counterpart elsewhere: the same role
    at another agency of the same type (pathways.factories)."""
    counterpart = User.objects.get(username=f"{user.username}-elsewhere")
    other = counterpart.memberships.select_related("agency").get().agency
    referral = _referral_from(other)
    Referral.objects.filter(pk=referral.pk).update(referring_agency=other)
    person_access_grant(person=referral.person, agency=other, reason="matrix")
    return {
        "referral_id": str(referral.pk),
        "person_id": str(referral.person.pk),
        "assessment_id": str(_assessment_of(referral.person, counterpart, other).pk),
        **_case_objects(
            _case_of(referral.person, other, not_run_by=user.memberships.get().agency), counterpart
        ),
        "group_id": str(_group_of(other, not_run_by=user.memberships.get().agency).pk),
        "joint_meeting_id": str(
            _joint_meeting_of(other, counterpart, not_run_by=user.memberships.get().agency).pk
        ),
        **_panel_objects(other, counterpart, referral.person),
    }


def _panel_objects(agency: Agency, user: User, person: Person) -> dict[str, str]:
    """A panel with a seat for `agency` alone, a meeting with `person` on the agenda, and an action."""
    panel = Panel.objects.create(
        region=Region.objects.get(slug="cardiff-and-vale"),
        slug=f"matrix-{user.username}"[:50],
        kind=PanelKind.MARAC,
        name_en="Matrix panel",
        name_cy="Panel matrics",
        every_days=28,
    )
    PanelMember.objects.create(panel=panel, agency=agency, user=user)
    meeting = Meeting.objects.create(panel=panel, held_on=datetime.date(2026, 1, 10))
    item = AgendaItem.objects.create(
        meeting=meeting, person=person, reason=AgendaReason.NOMINATED, position=1
    )
    action = Action.objects.create(
        item=item, description="matrix", agency=agency, due_on=datetime.date(2026, 2, 10)
    )
    return {
        "panel_id": str(panel.pk),
        "meeting_id": str(meeting.pk),
        "item_id": str(item.pk),
        "action_id": str(action.pk),
    }


def _assessment_of(person: Person, user: User, agency: Agency) -> Assessment:
    return Assessment.objects.create(
        person=person,
        agency=agency,
        assessor=user,
        assessed_on=datetime.date(2026, 1, 5),
        context="intake",
        instrument_version=InstrumentVersion.objects.get(instrument="dash-partner-agency"),
    )


def _is_login_redirect(response: HttpResponseBase) -> bool:
    return response.status_code == 302 and urlparse(response.headers["Location"]).path == "/en/sign-in/"


@pytest.mark.parametrize(("pattern", "variant"), CASES, ids=IDS)
def test_anonymous(pattern: Pattern, variant: str, region: None) -> None:
    path = _sample(pattern.route, variant, {"slug": "clear"})
    rule = rule_for(resolve(path.split("?")[0]).view_name)
    assert rule is not None
    response = Client().get(path)
    assert response.status_code < 500
    if rule.login:
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert _is_login_redirect(response), (path, response.status_code)
    else:
        assert response.status_code not in (401, 403), path


@pytest.mark.parametrize(("pattern", "variant"), CASES, ids=IDS)
def test_password_without_second_factor(
    pattern: Pattern,
    variant: str,
    region: None,
    persona: Callable[[str], User],
    worlds: dict[str, World],
) -> None:
    user = persona(Role.PRACTITIONER)
    client = login_password_only(Client(), user)
    path = _sample(pattern.route, variant, worlds[Role.PRACTITIONER].own)
    rule = rule_for(resolve(path.split("?")[0]).view_name)
    assert rule is not None
    response = client.get(path)
    assert response.status_code < 500, path
    if rule.login and rule.second_factor:
        if path.startswith("/api/"):
            assert response.status_code == 403, path
        else:
            assert response.status_code == 302 and response.headers["Location"].endswith("/sign-in/code/"), (
                path
            )
    elif rule is SIGNING_IN:
        assert response.status_code not in (401, 403), path


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("role", Role.values)
@pytest.mark.parametrize(("pattern", "variant"), CASES, ids=IDS)
def test_signed_in_role(
    pattern: Pattern,
    variant: str,
    role: str,
    method: str,
    region: None,
    client_as: Callable[[str], Client],
    worlds: dict[str, World],
) -> None:
    client = client_as(role)
    own = worlds[role].own
    other = worlds[role].other_side if variant == OTHER_SIDE else worlds[role].foreign
    path = _sample(pattern.route, variant, own, other)
    rule = rule_for(resolve(path.split("?")[0]).view_name)
    assert rule is not None
    response = getattr(client, method)(path)
    assert response.status_code < 500, path
    needed = [rule.perm] if rule.perm else []
    if method == "post" and rule.write_perm:
        needed.append(rule.write_perm)
    allowed = all(perm in ROLE_PERMISSIONS[role] for perm in needed)
    if not allowed:
        assert response.status_code == 403, (path, role, response.status_code)
        return
    assert response.status_code != 403, (path, role)
    if response.status_code == 405:
        return  # a POST-only page answers GET the same way for every object, own, foreign or missing
    # Signing out ends at the sign-in page, and the admin's own sign-in page hands over to Pathways'.
    if pattern.name not in ("admin:login", "accounts:logout", "admin:logout"):
        assert not _is_login_redirect(response), (path, role)
    if variant in (MISSING, FOREIGN) and (
        pattern.route.startswith(("en/services/", "api/v1/services/"))
        or any(f":{kwarg}>" in pattern.route for kwarg in RECORD_KWARGS)
    ):
        # A record of another agency answers exactly like one that does not exist.
        assert response.status_code == 404, (path, role, response.status_code)
    sided = any(f":{kwarg}>" in pattern.route for kwarg in SIDED_KWARGS)
    if variant == OTHER_SIDE and sided and role in (Role.PRACTITIONER, Role.MANAGER):
        # These personas work at a perpetrator service: her records, whoever owns them, do not exist for
        # them, nor does her case at their own panel's table.
        assert response.status_code == 404, (path, role, response.status_code)
        return
    if variant == OWN and pattern.name in VICTIM_CASES_ONLY and _case_side(own) != Side.VICTIM:
        # A part only the case of someone being harmed has: his case has no such page.
        assert response.status_code == 404, (path, role, response.status_code)
        return
    if (
        variant in (OWN, OTHER_SIDE)
        and method == "get"
        and any(f":{kwarg}>" in pattern.route for kwarg in RECORD_KWARGS)
    ):
        assert response.status_code == 200, (path, role, response.status_code)
