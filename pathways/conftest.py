"""The tests' fixtures: the region loaded once per database and the demo's cast, by login (`cast`) or by
role (`persona`, `client_as`). The builders every app's tests use are in pathways.factories."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import transaction
from django.test import Client
from django.utils import translation

from pathways.accounts.models import User
from pathways.assessments.services import instruments_load
from pathways.cases.services import casework_rules_load
from pathways.core.access import Role
from pathways.directory.models import Region
from pathways.directory.services import region_load
from pathways.factories import cast_get, cast_load, sign_in
from pathways.police.rfg import load_rfg_model
from pathways.referrals.services import triage_rules_load

REGION_FILE = Path(settings.BASE_DIR) / "regions" / "cardiff-and-vale" / "region.yaml"
TRIAGE_FILE = REGION_FILE.with_name("triage.yaml")
RFG_FILE = REGION_FILE.with_name("rfg.yaml")
CASEWORK_FILE = REGION_FILE.with_name("casework.yaml")
INSTRUMENT_PATHS = [Path(settings.BASE_DIR) / "instruments", REGION_FILE.parent]


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id still, with the smallest cost: the suite signs in thousands of times and the demo cast
    sets a dozen passwords per test. Production keeps the library's costs."""

    time_cost = 1
    memory_cost = 8
    parallelism = 1


def pytest_configure(config: pytest.Config) -> None:
    settings.PASSWORD_HASHERS = ["pathways.conftest.FastArgon2PasswordHasher"]
    # Each demo login gets ten backup codes; at the production cost the cast alone takes seconds to load.
    settings.BACKUP_CODE_ITERATIONS = 10
    # Every test client builds the middleware afresh, and WhiteNoise would list every static file (the
    # admin's hundreds) each time: about 30 ms a client. Looked up when asked for, they are served alike.
    settings.WHITENOISE_AUTOREFRESH = True


def _region_load() -> None:
    region_load(path=REGION_FILE)
    triage_rules_load(path=TRIAGE_FILE)
    instruments_load(paths=INSTRUMENT_PATHS)
    load_rfg_model(path=RFG_FILE)
    casework_rules_load(path=CASEWORK_FILE)


@pytest.fixture(autouse=True)
def _language_reset() -> Iterator[None]:
    """A test that requested a Welsh page leaves Welsh active in the thread (LocaleMiddleware activates
    it and nothing deactivates it); the next test's messages must not depend on the one before."""
    yield
    translation.deactivate()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: None, django_db_blocker: Any) -> None:
    """Load the shipped region once per test database; tests roll back their own changes."""
    with django_db_blocker.unblock():
        _region_load()


@pytest.fixture
def region(db: None) -> None:
    """The shipped Cardiff and Vale region. Reloaded only if a transactional test emptied the database."""
    if not Region.objects.exists():
        _region_load()


@pytest.fixture(scope="module")
def cast_preloaded(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The cast loaded once for a whole module of tests rather than for each: the authorisation matrix
    signs in thousands of times. It is loaded in a transaction around the module's tests (each of which
    rolls back to a savepoint), and rolled back when the module ends, audit entries and all, so the tests
    that build their own agencies and people with the cast's names find the region alone."""
    with django_db_blocker.unblock():
        around = transaction.atomic()
        around.__enter__()
        if not Region.objects.exists():
            _region_load()
        cast_load()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        around.__exit__(None, None, None)


@pytest.fixture
def persona(cast_persona: Callable[[str], User]) -> Callable[[str], User]:
    """`persona(Role.AUDITOR)`: the cast's login with that role (`ROLE_LOGIN`)."""
    return cast_persona


@pytest.fixture
def client_as(persona: Callable[[str], User]) -> Callable[[str], Client]:
    """`client_as(Role.AUDITOR)`: a signed-in session as the cast's login with that role."""

    def build(role: str) -> Client:
        return sign_in(Client(), persona(role))

    return build


@pytest.fixture
def cast(cast_preloaded: None, region: None) -> dict[str, User]:
    """The demo's cast (README): the region's agencies and one login per role, seated on the demo MARAC
    and MATAC, each with a counterpart elsewhere (`<login>-elsewhere`) and an `outsider`, by username
    (pathways.factories). Written once for the module (`cast_preloaded`), as `persona`'s are."""
    return cast_get()


@pytest.fixture
def cast_committed(transactional_db: None, region: None) -> dict[str, User]:
    """The cast written for one test and committed, for a browser test: its live server reads only what is
    committed, and the transactional database is emptied after it."""
    return cast_load()


# The cast's login for each role.
ROLE_LOGIN = {
    Role.PRACTITIONER: "practitioner",
    Role.MANAGER: "manager",
    Role.PANEL_COORDINATOR: "coordinator",
    Role.PANEL_CHAIR: "chair",
    Role.COMMISSIONER: "commissioner",
    Role.AUDITOR: "auditor",
    Role.ADMINISTRATOR: "admin",
}


@pytest.fixture
def cast_persona(cast_preloaded: None, region: None) -> Callable[[str], User]:
    """`cast_persona(Role.AUDITOR)`: the preloaded cast's login with that role (`ROLE_LOGIN`)."""
    found: dict[str, User] = {}

    def get(role: str) -> User:
        if role not in found:
            found[role] = User.objects.get(username=ROLE_LOGIN[Role(role)])
        return found[role]

    return get
