"""The demo's cast: the region's agencies, one login per role, their seats on the demo panels and each
panel's next meeting. Demo mode only: never in production."""

from __future__ import annotations

import datetime
import hashlib
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts import services as accounts
from pathways.accounts.choices import ChangeStatus
from pathways.accounts.models import AccountChange, Agency, ApiClient, Membership, User
from pathways.accounts.services import backup_codes_replace
from pathways.core.access import AgencyType, Role
from pathways.core.policy import Actor, Perm
from pathways.directory.models import Area, Service
from pathways.panels import services as panels
from pathways.panels.choices import MemberRole
from pathways.panels.models import PanelMember

DEMO_PASSWORD = "walk-the-pathway-2020"  # noqa: S105 - printed for the demo, refused in production


def demo_totp_key(username: str) -> str:
    """A fixed key per demo user, so that `manage.py demo_code` can show the current code."""
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo keys exist only in demo mode.")
    return hashlib.sha1(f"pathways-demo:{username}".encode(), usedforsecurity=False).hexdigest()


@dataclass(frozen=True)
class DemoAgency:
    slug: str
    name_en: str
    name_cy: str
    type: str
    areas: tuple[str, ...]
    services: tuple[str, ...] = ()


AGENCIES = [
    DemoAgency(
        "south-wales-police",
        "South Wales Police",
        "Heddlu De Cymru",
        AgencyType.POLICE,
        ("cardiff", "vale-of-glamorgan"),
    ),
    DemoAgency(
        "probation-cardiff-vale",
        "Probation Service, Cardiff and Vale",
        "Y Gwasanaeth Prawf, Caerdydd a'r Fro",
        AgencyType.PROBATION,
        ("cardiff", "vale-of-glamorgan"),
    ),
    DemoAgency(
        "cardiff-childrens-services",
        "Cardiff Children's Services",
        "Gwasanaethau Plant Caerdydd",
        AgencyType.CHILDRENS_SERVICES,
        ("cardiff",),
    ),
    DemoAgency(
        "rise-cardiff",
        "RISE Cardiff",
        "RISE Caerdydd",
        AgencyType.VICTIM_SERVICE,
        ("cardiff",),
        ("rise-cardiff", "rise-drive-idva"),
    ),
    DemoAgency(
        "drive-cardiff",
        "Drive Cardiff",
        "Drive Caerdydd",
        AgencyType.PERPETRATOR_SERVICE,
        ("cardiff",),
        ("drive-cardiff",),
    ),
    DemoAgency(
        "clear-cardiff",
        "CLEAR Cardiff",
        "CLEAR Caerdydd",
        AgencyType.PERPETRATOR_SERVICE,
        ("cardiff",),
        ("clear",),
    ),
    DemoAgency("marac-cardiff", "Cardiff MARAC", "MARAC Caerdydd", AgencyType.OTHER, ("cardiff",)),
    DemoAgency(
        "cardiff-council-housing",
        "Cardiff Council Housing",
        "Tai Cyngor Caerdydd",
        AgencyType.HOUSING,
        ("cardiff",),
    ),
    # The region's intake team (region.yaml `intake.team`): every self-referral and all unmet need.
    DemoAgency(
        "cardiff-vale-intake",
        "Cardiff and Vale Intake Team",
        "Tîm Derbyn Caerdydd a'r Fro",
        AgencyType.PERPETRATOR_SERVICE,
        ("cardiff", "vale-of-glamorgan"),
    ),
    DemoAgency(
        "vawdasv-regional-team",
        "Cardiff and Vale VAWDASV Regional Team",
        "Tîm Rhanbarthol VAWDASV Caerdydd a'r Fro",
        AgencyType.COMMISSIONER,
        ("cardiff", "vale-of-glamorgan"),
    ),
    DemoAgency(
        "pathways-governance",
        "Pathways Information Governance",
        "Llywodraethu Gwybodaeth Pathways",
        AgencyType.OTHER,
        ("cardiff", "vale-of-glamorgan"),
    ),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    agency: str
    role: str


USERS = [
    DemoUser("socialworker", "Owain Hughes (social worker)", "cardiff-childrens-services", Role.PRACTITIONER),
    DemoUser("idva", "Nia Evans (IDVA)", "rise-cardiff", Role.PRACTITIONER),
    DemoUser("practitioner", "Dafydd Morgan (CLEAR facilitator)", "clear-cardiff", Role.PRACTITIONER),
    DemoUser("manager", "Sian Roberts", "clear-cardiff", Role.MANAGER),
    DemoUser("coordinator", "Gareth Lewis", "marac-cardiff", Role.PANEL_COORDINATOR),
    DemoUser("chair", "Detective Inspector Ceri Jones", "south-wales-police", Role.PANEL_CHAIR),
    DemoUser(
        "matac", "Sergeant Lowri Bevan (MATAC coordinator)", "south-wales-police", Role.PANEL_COORDINATOR
    ),
    DemoUser("probation", "Rhodri Powell (probation officer)", "probation-cardiff-vale", Role.PRACTITIONER),
    DemoUser("drive", "Catrin Owen (Drive case manager)", "drive-cardiff", Role.PRACTITIONER),
    DemoUser("drivemanager", "Alun Vaughan (Drive service manager)", "drive-cardiff", Role.MANAGER),
    DemoUser("intake", "Mared Jenkins (intake worker)", "cardiff-vale-intake", Role.PRACTITIONER),
    DemoUser("housing", "Aled Griffiths (housing officer)", "cardiff-council-housing", Role.PRACTITIONER),
    DemoUser("commissioner", "Rhian Thomas", "vawdasv-regional-team", Role.COMMISSIONER),
    DemoUser("auditor", "Huw Davies", "pathways-governance", Role.AUDITOR),
    DemoUser("admin", "Elin Price", "pathways-governance", Role.ADMINISTRATOR),
    # A second administrator, because changes that give access wait for one who did not ask for them.
    DemoUser("admin2", "Gwen Rees", "pathways-governance", Role.ADMINISTRATOR),
]


@transaction.atomic
def load_demo_accounts() -> list[DemoUser]:
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo accounts can only be created with PATHWAYS_DEMO on.")
    areas = {a.slug: a for a in Area.objects.all()}
    agencies = {}
    for spec in AGENCIES:
        agency, _ = Agency.objects.update_or_create(
            slug=spec.slug, defaults={"name_en": spec.name_en, "name_cy": spec.name_cy, "type": spec.type}
        )
        agency.areas.set([areas[s] for s in spec.areas if s in areas])
        agency.services.set(Service.objects.filter(slug__in=spec.services))
        agencies[spec.slug] = agency
    for person in USERS:
        user, created = User.objects.get_or_create(
            username=person.username, defaults={"full_name": person.full_name}
        )
        user.full_name = person.full_name
        user.is_active = True
        user.set_password(DEMO_PASSWORD)
        user.save()
        Membership.objects.update_or_create(
            user=user, agency=agencies[person.agency], defaults={"role": person.role}
        )
        if person.role != Role.COMMISSIONER:
            TOTPDevice.objects.filter(user=user).delete()
            TOTPDevice.objects.create(
                user=user, name="demo", key=demo_totp_key(person.username), confirmed=True
            )
            if created:
                backup_codes_replace(user=user)
    load_demo_panels()
    return USERS


DEMO_PANELS = Path(settings.BASE_DIR) / "regions" / "cardiff-and-vale" / "panels.yaml"

# Who sits on the demo panels: (panel slug, username, role on the panel). The chair and coordinators commit
# their agencies' resources; the members are the practitioners who know the people on the agenda.
SEATS = [
    ("marac-cardiff", "coordinator", MemberRole.COORDINATOR),
    ("marac-cardiff", "chair", MemberRole.CHAIR),
    ("marac-cardiff", "idva", MemberRole.MEMBER),
    ("marac-cardiff", "socialworker", MemberRole.MEMBER),
    ("marac-cardiff", "probation", MemberRole.MEMBER),
    ("marac-cardiff", "drive", MemberRole.MEMBER),
    ("matac-cardiff-and-vale", "matac", MemberRole.COORDINATOR),
    ("matac-cardiff-and-vale", "chair", MemberRole.CHAIR),
    ("matac-cardiff-and-vale", "probation", MemberRole.MEMBER),
    ("matac-cardiff-and-vale", "drive", MemberRole.MEMBER),
    ("matac-cardiff-and-vale", "idva", MemberRole.MEMBER),
    ("matac-cardiff-and-vale", "socialworker", MemberRole.MEMBER),
]


def load_demo_panels() -> None:
    """The region's panels, the demo accounts' seats on the MARAC and the MATAC, and each one's next meeting.

    Safe to run again: seats already held are kept, and a panel with a meeting to come gets no other.
    """
    loaded = {panel.slug: panel for panel in panels.panels_load(path=DEMO_PANELS)}
    users = {u.username: u for u in User.objects.filter(username__in={s[1] for s in SEATS})}
    for slug, username, role in SEATS:
        panel, user = loaded[slug], users[username]
        if not PanelMember.objects.filter(panel=panel, user=user).exists():
            membership = user.memberships.select_related("agency").get()
            panels.panel_member_add(panel=panel, agency=membership.agency, user=user, role=role)
    today = datetime.date.today()
    for slug in dict.fromkeys(s[0] for s in SEATS):
        panel = loaded[slug]
        if panel.meetings.filter(held_on__gte=today).exists():
            continue
        coordinator = panel.members.select_related("user").get(role=MemberRole.COORDINATOR).user
        actor = Actor(user=coordinator, membership=coordinator.memberships.select_related("agency").get())
        panels.meeting_schedule(panel=panel, held_on=today + datetime.timedelta(days=7), actor=actor)


# The demo's API clients: the police case system, approved and with a token the demo prints, and the
# probation case system, registered by one administrator and waiting for the other to approve its role.
DEMO_API_TOKEN_PREFIX = "demo0police0"  # noqa: S105 - the public part, printed for the demo


def demo_api_token() -> str:
    if not settings.DEMO_MODE:
        raise RuntimeError("The demo's token exists only in demo mode.")
    secret = hashlib.sha256(b"pathways-demo:api-token").hexdigest()
    return f"pw_{DEMO_API_TOKEN_PREFIX}.{secret}"


@transaction.atomic
def load_demo_api_clients() -> str:
    """The demo's API clients, once; answers the police system's token."""
    token = demo_api_token()
    if ApiClient.objects.exists():
        return token
    admin, admin2 = (
        Actor(user=u, membership=u.memberships.select_related("agency").get())
        for u in (User.objects.get(username="admin"), User.objects.get(username="admin2"))
    )
    police = accounts.api_client_register(
        actor=admin,
        name="South Wales Police case system",
        agency=Agency.objects.get(slug="south-wales-police"),
        role=Role.PRACTITIONER,
        contact="Force digital services, digital.services@south-wales.police.example",
        reason="Officers refer men from domestic abuse incidents from the force's own case system.",
    )
    change = AccountChange.objects.get(user=police.user, status=ChangeStatus.PENDING)
    accounts.account_change_approve(actor=admin2, change=change)
    prefix, _dot, secret = token[3:].partition(".")
    accounts.api_token_issue(
        actor=admin,
        client=police,
        scopes=[
            Perm.DIRECTORY_VIEW,
            Perm.PERSON_VIEW,
            Perm.PERSON_CHANGE,
            Perm.REFERRAL_VIEW,
            Perm.REFERRAL_CHANGE,
        ],
        days=90,
        known=(prefix, secret),
    )
    accounts.api_client_register(
        actor=admin,
        name="Probation case system",
        agency=Agency.objects.get(slug="probation-cardiff-vale"),
        role=Role.PRACTITIONER,
        contact="Probation digital team, digital@probation.example",
        reason="Probation officers refer from supervision without typing the case in twice.",
    )
    return token
