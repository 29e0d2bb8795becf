from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from pathways.accounts.models import Agency, User
from pathways.audit.models import AuditEntry
from pathways.core import crypto
from pathways.core.access import Role, Side
from pathways.core.fields import PLACEHOLDER, Sealed, SealedTextField
from pathways.core.policy import Actor
from pathways.factories import make_user
from pathways.people.models import Person, PersonAccess
from pathways.people.sealed import sealed_reveal

ADDRESS = "14 Canary Street, Barry"


def test_sealed_values_are_encrypted_and_never_print() -> None:
    stored = SealedTextField().get_prep_value(ADDRESS)
    assert stored is not None and ADDRESS not in stored
    value = SealedTextField().from_db_value(stored, None, None)
    assert isinstance(value, Sealed)
    assert ADDRESS not in f"{value} {value!r} {[value]}"
    assert str(value) == PLACEHOLDER


def test_key_rotation_reads_old_values_and_reseals_with_the_new_key() -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with override_settings(FIELD_ENCRYPTION_KEYS=[old]):
        token = crypto.seal(ADDRESS)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new, old]):
        assert crypto.unseal(token) == ADDRESS
        rotated = crypto.reseal(token)
    with override_settings(FIELD_ENCRYPTION_KEYS=[new]):
        assert crypto.unseal(rotated) == ADDRESS
        with pytest.raises(crypto.SealedValueUnreadable):
            crypto.unseal(token)


def test_a_missing_or_malformed_key_fails_closed() -> None:
    with override_settings(FIELD_ENCRYPTION_KEYS=[]), pytest.raises(ImproperlyConfigured):
        crypto.seal(ADDRESS)
    with override_settings(FIELD_ENCRYPTION_KEYS=["not-a-key"]), pytest.raises(ImproperlyConfigured):
        crypto.seal(ADDRESS)


# Two viewers no cast login is, built at the cast's agencies: a police officer who works cases (the cast's
# officers chair and coordinate panels) and a panel chair at a victim service.
BUILT = {
    "police-officer": ("south-wales-police", Role.PRACTITIONER),
    "refuge-chair": ("rise-cardiff", Role.PANEL_CHAIR),
}


@pytest.fixture
def viewer(cast_preloaded: None, region: None) -> Callable[[str], User]:
    """The cast's login by username, or one of the `BUILT` viewers."""

    def get(username: str) -> User:
        if username in BUILT:
            slug, role = BUILT[username]
            return make_user(username, Agency.objects.get(slug=slug), role)
        return User.objects.get(username=username)

    return get


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("username", "same_agency", "sees"),
    [
        ("idva", True, True),  # a victim service's practitioner
        ("police-officer", True, True),
        ("idva", False, False),  # her record is another victim service's
        ("practitioner", True, False),  # a perpetrator service's
        ("manager", True, False),
        ("refuge-chair", True, False),
        ("commissioner", True, False),
        ("auditor", True, False),
    ],
)
def test_only_a_stated_need_reveals_and_every_reveal_is_audited(
    viewer: Callable[[str], User], username: str, same_agency: bool, sees: bool
) -> None:
    user = viewer(username)
    membership = user.memberships.select_related("agency").get()
    actor = Actor(user=user, membership=membership)
    # Another victim service, the IDVA's counterpart's in the Vale.
    other = User.objects.get(username="idva-elsewhere").memberships.get().agency
    record = Person.objects.create(side=Side.VICTIM, given_name="Seren", family_name="Canary")
    PersonAccess.objects.create(
        person=record, agency=membership.agency if same_agency else other, reason="test"
    )
    value = Sealed(crypto.seal(ADDRESS))
    before = AuditEntry.objects.filter(action="record.sealed_viewed").count()
    shown = sealed_reveal(actor=actor, record=record, value=value, field="address", purpose="safety planning")
    after = AuditEntry.objects.filter(action="record.sealed_viewed")
    if sees:
        assert shown == ADDRESS
        entry = after.latest("sequence")
        assert entry.purpose == "safety planning" and entry.details == {"field": "address"}
        assert entry.actor_username == username and entry.record_id == str(record.pk)
    else:
        assert shown is None
        assert after.count() == before
