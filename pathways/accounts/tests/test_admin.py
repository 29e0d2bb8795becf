"""The administration pages: administrators only, behind the second factor, and audited."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pathways.accounts.models import Agency, User
from pathways.accounts.tests.helpers import ADMIN_URL, LOGIN_URL, VERIFY_URL, give_password, page_text
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.services import chain_first_break
from pathways.core.access import AgencyType, Role
from pathways.directory.models import Area, Service

pytestmark = pytest.mark.django_db

AGENCY_ADD_URL = ADMIN_URL + "accounts/agency/add/"


def test_administrator_with_second_factor_reaches_the_admin(client_as: Callable[[str], Client]) -> None:
    response = client_as(Role.ADMINISTRATOR).get(ADMIN_URL)

    assert response.status_code == 200
    assert "Agencies, users and roles" in page_text(response)


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR, Role.COMMISSIONER])
def test_other_roles_are_refused_the_admin(client_as: Callable[[str], Client], role: str) -> None:
    client = client_as(role)

    for url in (ADMIN_URL, ADMIN_URL + "accounts/user/", AGENCY_ADD_URL):
        response = client.get(url)
        assert response.status_code == 403, url
        assert "Your role does not give you access to this page." in page_text(response)


def test_anonymous_visitor_is_sent_to_sign_in(db: None) -> None:
    response = Client().get(ADMIN_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_administrator_with_only_a_password_is_sent_to_the_code_page(
    persona: Callable[[str], User],
) -> None:
    admin = persona(Role.ADMINISTRATOR)
    client = Client()
    give_password(client, admin.username)

    for url in (ADMIN_URL, AGENCY_ADD_URL):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"] == VERIFY_URL


def test_adding_an_agency_in_the_admin_is_audited(client_as: Callable[[str], Client], region: None) -> None:
    client = client_as(Role.ADMINISTRATOR)
    area = Area.objects.filter(in_region=True).first()
    assert area is not None

    response = client.post(
        AGENCY_ADD_URL,
        {
            "slug": "new-refuge",
            "name_en": "New Refuge",
            "name_cy": "Lloches Newydd",
            "type": AgencyType.VICTIM_SERVICE,
            "areas": [area.pk],
            "is_active": "on",
        },
    )

    assert response.status_code == 302
    agency = Agency.objects.get(slug="new-refuge")
    entry = AuditEntry.objects.get(action=AuditAction.ADMIN_CHANGE)
    assert entry.record_type == "accounts.agency"
    assert entry.record_id == str(agency.pk)
    assert entry.details == {"change": "added"}
    assert entry.actor_username == "admin"
    assert entry.role == Role.ADMINISTRATOR
    assert chain_first_break() is None


def test_the_agency_page_sets_and_shows_the_areas_it_covers_and_the_services_it_runs(
    client_as: Callable[[str], Client], region: None
) -> None:
    client = client_as(Role.ADMINISTRATOR)
    vale, cardiff = Area.objects.get(slug="vale-of-glamorgan"), Area.objects.get(slug="cardiff")
    clear = Service.objects.get(slug="clear")
    form = {"slug": "new-refuge", "name_en": "New Refuge", "name_cy": "Lloches Newydd"}
    form |= {"type": AgencyType.PERPETRATOR_SERVICE, "is_active": "on"}

    assert client.post(AGENCY_ADD_URL, form | {"areas": [vale.pk]}).status_code == 302
    agency = Agency.objects.get(slug="new-refuge")
    assert (list(agency.areas.all()), list(agency.services.all())) == ([vale], [])

    change_url = ADMIN_URL + f"accounts/agency/{agency.pk}/change/"
    response = client.post(change_url, form | {"areas": [cardiff.pk], "services": [clear.pk]})
    assert response.status_code == 302
    assert (list(agency.areas.all()), list(agency.services.all())) == ([cardiff], [clear])
    page = client.get(change_url).content.decode()
    assert f'<option value="{clear.pk}" selected>' in page

    refused = client.post(change_url, form | {"areas": []})  # an agency covers at least one area
    assert refused.status_code == 200
    assert list(agency.areas.all()) == [cardiff]


def test_practitioner_cannot_add_an_agency_by_posting_directly(
    client_as: Callable[[str], Client], region: None
) -> None:
    response = client_as(Role.PRACTITIONER).post(
        AGENCY_ADD_URL,
        {"slug": "sneaky", "name_en": "Sneaky", "name_cy": "Sneaky", "type": AgencyType.OTHER},
    )

    assert response.status_code == 403
    assert not Agency.objects.filter(slug="sneaky").exists()
    assert not AuditEntry.objects.filter(action=AuditAction.ADMIN_CHANGE).exists()
