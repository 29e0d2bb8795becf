"""The tests' people and the one set of builders every app's tests use.

The cast is the README's demo people (`pathways.demo.cast`: their agencies, roles and panel seats), each
with a foreign counterpart, `<login>-elsewhere`: the same role at another agency of the same type, which
has nothing to do with the cast's families, and an `outsider` at an agency with no part in them at all.
A test that shows what a login may do can show, with the counterpart, that the same role elsewhere may
not. Builders for records that need the rules go through the services (`referrals.tests.factories`,
`panels.tests.factories`); these make the accounts and people they start from.
"""

from __future__ import annotations

import itertools
import time
from functools import lru_cache
from typing import Any

from django.contrib.auth.hashers import make_password
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.middleware import SESSION_LAST_SEEN, SESSION_STARTED
from pathways.accounts.models import Agency, Membership, User
from pathways.core.access import AgencyType, Role, Side
from pathways.core.policy import Actor
from pathways.demo.cast import DEMO_PASSWORD, USERS, load_demo_accounts
from pathways.directory.models import Area, Service
from pathways.people.models import Person

# Every test login signs in with the demo's password, the cast and the users a test builds alike.
PASSWORD = DEMO_PASSWORD

# Each counterpart's agency: another of the same type, in the Vale, which runs no service and sits on no
# panel, so that whatever the cast's agencies own, it owns nothing of.
ELSEWHERE = {
    "south-wales-police": ("gwent-police", AgencyType.POLICE),
    "probation-cardiff-vale": ("probation-gwent", AgencyType.PROBATION),
    "cardiff-childrens-services": ("vale-childrens-services", AgencyType.CHILDRENS_SERVICES),
    "rise-cardiff": ("vale-victim-service", AgencyType.VICTIM_SERVICE),
    "drive-cardiff": ("vale-perpetrator-service", AgencyType.PERPETRATOR_SERVICE),
    "clear-cardiff": ("vale-perpetrator-service", AgencyType.PERPETRATOR_SERVICE),
    "cardiff-vale-intake": ("vale-perpetrator-service", AgencyType.PERPETRATOR_SERVICE),
    "marac-cardiff": ("marac-vale", AgencyType.OTHER),
    "cardiff-council-housing": ("vale-housing", AgencyType.HOUSING),
    "vawdasv-regional-team": ("gwent-regional-team", AgencyType.COMMISSIONER),
    "pathways-governance": ("gwent-governance", AgencyType.OTHER),
}
OUTSIDER_AGENCY = ("housing-association", AgencyType.HOUSING)
# Every username the cast holds: the demo's logins, their counterparts and the outsider.
CAST_LOGINS = (
    *(p.username for p in USERS),
    *(f"{p.username}-elsewhere" for p in USERS),
    "outsider",
)
_numbers = itertools.count(1)


@lru_cache(maxsize=1)
def _password_hash() -> str:
    # Argon2 is slow on purpose; hash the shared test password once rather than for every persona.
    return make_password(PASSWORD)


def make_agency(slug: str, kind: str, areas: list[str] | None = None) -> Agency:
    agency = Agency.objects.create(slug=slug, name_en=slug.title(), name_cy=slug.title() + " (cy)", type=kind)
    if areas:
        agency.areas.set(Area.objects.filter(slug__in=areas))
    return agency


def agency_get_or_make(slug: str, kind: str, areas: list[str] | None = None) -> Agency:
    return Agency.objects.filter(slug=slug).first() or make_agency(slug, kind, areas)


def agency_running(slug: str, kind: str, *services: str) -> Agency:
    """An agency across the region running the region's `services` (slugs): for a type of agency the cast
    has none of. Use a slug the cast's agencies (`pathways.demo.cast.AGENCIES`, `ELSEWHERE`) do not."""
    agency = make_agency(slug, kind, ["cardiff", "vale-of-glamorgan"])
    agency.services.set(Service.objects.filter(slug__in=services))
    return agency


def make_user(username: str, agency: Agency, role: str = Role.PRACTITIONER, *, totp: bool = True) -> User:
    user = User.objects.create(username=username, password=_password_hash(), full_name=username.title())
    Membership.objects.create(user=user, agency=agency, role=role)
    if totp:
        TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    return user


def make_staff(agency: Agency, role: str = Role.PRACTITIONER) -> User:
    """Another user at the agency, numbered: for a test that needs someone beside the cast's login there
    (a deputy, a colleague without a seat)."""
    return make_user(f"{agency.slug}-{role}-{next(_numbers)}".replace("_", "-"), agency, role)


def actor_of(user: User) -> Actor:
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


def agency_of(user: User) -> Agency:
    return user.memberships.select_related("agency").get().agency


def sign_in(client: Client, user: User) -> Client:
    """A fully signed-in session: password and second factor."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    session = client.session
    # As the sign-in page does: the session's clock starts at sign-in.
    session[SESSION_STARTED] = session[SESSION_LAST_SEEN] = time.time()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


def make_person(*, side: str = Side.PERPETRATOR, area: str | None = "cardiff", **fields: Any) -> Person:
    return Person.objects.create(
        given_name=fields.pop("given_name", "Test"),
        family_name=fields.pop("family_name", "Person"),
        side=side,
        area=Area.objects.get(slug=area) if area else None,
        **fields,
    )


def cast_load() -> dict[str, User]:
    """The demo's cast by username, with each login's counterpart elsewhere and the outsider."""
    logins = {d.username for d in load_demo_accounts()}
    cast = {u.username: u for u in User.objects.filter(username__in=logins)}
    for person in USERS:
        slug, kind = ELSEWHERE[person.agency]
        at = agency_get_or_make(slug, kind, ["vale-of-glamorgan"])
        username = f"{person.username}-elsewhere"
        cast[username] = make_user(username, at, person.role, totp=person.role != Role.COMMISSIONER)
    slug, kind = OUTSIDER_AGENCY
    cast["outsider"] = make_user("outsider", make_agency(slug, kind, ["cardiff"]), Role.PRACTITIONER)
    return cast


def date_fields(name: str, iso: str) -> dict[str, str]:
    """A date as a form posts it from GOV.UK's three boxes: `<name>_day`, `_month` and `_year`."""
    year, month, day = iso.split("-")
    return {f"{name}_day": day, f"{name}_month": month, f"{name}_year": year}


# The questions about behaviour and history as a referrer answers them when nothing is of concern.
NO_CONCERNS = {
    "been_to_marac": "no",
    "entrenched_behaviour": "no",
    "convictions_or_orders": "no",
    "serial_behaviour": "no",
    "mutual_violence": "no",
    "sexual_harm_concern": "no",
}


def cast_get() -> dict[str, User]:
    """The cast `cast_load` wrote, by username, read back (for tests whose module loaded it once)."""
    return {u.username: u for u in User.objects.filter(username__in=CAST_LOGINS)}
