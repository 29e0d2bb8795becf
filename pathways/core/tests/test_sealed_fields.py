from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from pathways.audit.models import AuditEntry
from pathways.core import crypto
from pathways.core.access import AgencyType, Role, Side
from pathways.core.fields import PLACEHOLDER, Sealed, SealedTextField
from pathways.core.policy import Actor
from pathways.factories import make_agency, make_user
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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("agency_type", "role", "same_agency", "sees"),
    [
        (AgencyType.VICTIM_SERVICE, Role.PRACTITIONER, True, True),
        (AgencyType.POLICE, Role.PRACTITIONER, True, True),
        (AgencyType.VICTIM_SERVICE, Role.PRACTITIONER, False, False),
        (AgencyType.PERPETRATOR_SERVICE, Role.PRACTITIONER, True, False),
        (AgencyType.PERPETRATOR_SERVICE, Role.MANAGER, True, False),
        (AgencyType.VICTIM_SERVICE, Role.PANEL_CHAIR, True, False),
        (AgencyType.COMMISSIONER, Role.COMMISSIONER, True, False),
        (AgencyType.OTHER, Role.AUDITOR, True, False),
    ],
)
def test_only_a_stated_need_reveals_and_every_reveal_is_audited(
    agency_type: str, role: str, same_agency: bool, sees: bool
) -> None:
    agency = make_agency("own-agency", agency_type)
    other = make_agency("other-agency", AgencyType.VICTIM_SERVICE)
    user = make_user("viewer", agency, role)
    actor = Actor(user=user, membership=user.memberships.get())
    record = Person.objects.create(side=Side.VICTIM, given_name="Seren", family_name="Canary")
    PersonAccess.objects.create(person=record, agency=agency if same_agency else other, reason="test")
    value = Sealed(crypto.seal(ADDRESS))
    before = AuditEntry.objects.filter(action="record.sealed_viewed").count()
    shown = sealed_reveal(actor=actor, record=record, value=value, field="address", purpose="safety planning")
    after = AuditEntry.objects.filter(action="record.sealed_viewed")
    if sees:
        assert shown == ADDRESS
        entry = after.latest("sequence")
        assert entry.purpose == "safety planning" and entry.details == {"field": "address"}
        assert entry.actor_username == "viewer" and entry.record_id == str(record.pk)
    else:
        assert shown is None
        assert after.count() == before
