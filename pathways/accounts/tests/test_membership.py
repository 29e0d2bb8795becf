"""Choosing which role to act in when a user has more than one."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.models import Agency, Membership, User
from pathways.accounts.tests.helpers import (
    CHOOSE_URL,
    GAP_MAP_URL,
    WORK_URL,
    current_code,
    give_code,
    give_password,
    page_text,
)
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.access import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_roles(persona: Callable[[str], User]) -> User:
    """The cast's CLEAR practitioner, who also manages at RISE Cardiff."""
    user = persona(Role.PRACTITIONER)
    Membership.objects.create(user=user, agency=Agency.objects.get(slug="rise-cardiff"), role=Role.MANAGER)
    return user


def _fully_signed_in(user: User) -> tuple[Client, str]:
    client = Client()
    give_password(client, user.username)
    response = give_code(client, current_code(TOTPDevice.objects.get(user=user)))
    return client, response["Location"]


def test_user_with_two_roles_must_choose_before_reaching_pages(two_roles: User) -> None:
    client, after_code = _fully_signed_in(two_roles)

    assert after_code == CHOOSE_URL
    assert client.get(GAP_MAP_URL)["Location"] == CHOOSE_URL
    page = page_text(client.get(CHOOSE_URL))
    assert "Practitioner, CLEAR Cardiff" in page
    assert "Manager, RISE Cardiff" in page


def test_choosing_one_of_your_roles_signs_you_in_as_it(two_roles: User) -> None:
    client, _ = _fully_signed_in(two_roles)
    chosen = Membership.objects.get(user=two_roles, agency__slug="rise-cardiff")

    response = client.post(CHOOSE_URL, {"membership": str(chosen.pk)})

    assert response["Location"] == WORK_URL
    page = client.get(WORK_URL)
    assert page.status_code == 200
    assert "Signed in as Dafydd Morgan (CLEAR facilitator), Manager at RISE Cardiff" in page_text(page)
    assert AuditEntry.objects.filter(
        action=AuditAction.MEMBERSHIP_CHOSEN, record_id=str(chosen.pk), actor_id=two_roles.pk
    ).exists()


def test_another_users_membership_is_refused(two_roles: User, persona: Callable[[str], User]) -> None:
    forged = Membership.objects.get(user=persona(Role.PANEL_CHAIR))
    client, _ = _fully_signed_in(two_roles)

    response = client.post(CHOOSE_URL, {"membership": str(forged.pk)})

    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)
    assert client.get(GAP_MAP_URL)["Location"] == CHOOSE_URL
    assert not AuditEntry.objects.filter(action=AuditAction.MEMBERSHIP_CHOSEN).exists()


def test_an_inactive_membership_cannot_be_chosen(two_roles: User) -> None:
    stopped = Membership.objects.get(user=two_roles, agency__slug="rise-cardiff")
    client, _ = _fully_signed_in(two_roles)
    Membership.objects.filter(pk=stopped.pk).update(is_active=False)

    response = client.post(CHOOSE_URL, {"membership": str(stopped.pk)})

    assert response.status_code == 200
    assert "Select a valid choice." in page_text(response)


def test_role_cannot_be_chosen_before_the_second_factor(two_roles: User) -> None:
    client = Client()
    give_password(client, two_roles.username)
    mine = Membership.objects.filter(user=two_roles).first()
    assert mine is not None

    response = client.post(CHOOSE_URL, {"membership": str(mine.pk)})

    assert response.status_code == 302
    assert response["Location"] == "/en/sign-in/code/"
    assert client.get(GAP_MAP_URL).status_code == 302
