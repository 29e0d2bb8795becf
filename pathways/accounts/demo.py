"""The demo region's agencies and one account per role. Demo mode only: never in production."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.choices import AgencyType, Role
from pathways.accounts.models import Agency, Membership, User
from pathways.accounts.services import demo_totp_key, replace_backup_codes
from pathways.directory.models import Area, Service

DEMO_PASSWORD = "walk-the-pathway-2020"  # noqa: S105 - printed for the demo, refused in production


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
    DemoUser("commissioner", "Rhian Thomas", "vawdasv-regional-team", Role.COMMISSIONER),
    DemoUser("auditor", "Huw Davies", "pathways-governance", Role.AUDITOR),
    DemoUser("admin", "Elin Price", "pathways-governance", Role.ADMINISTRATOR),
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
                replace_backup_codes(user)
    return USERS
