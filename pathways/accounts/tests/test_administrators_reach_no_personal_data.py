"""Administrators reach no personal data: not through their own role, nor through another membership."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.management.base import CommandError
from django.test import Client

from pathways.accounts import services
from pathways.accounts.commands import actor_from_options
from pathways.accounts.models import Agency, Membership, User
from pathways.accounts.tests.helpers import CHOOSE_URL, GAP_MAP_URL, PROFILE_URL, page_text
from pathways.core.access import Role
from pathways.core.policy import NON_PERSONAL_PERMISSIONS, ROLE_PERMISSIONS, role_reaches_personal_data
from pathways.factories import sign_in

pytestmark = pytest.mark.django_db

REFERRALS_URL = "/en/referrals/"


def test_the_policy_gives_administrators_nothing_personal() -> None:
    assert ROLE_PERMISSIONS[Role.ADMINISTRATOR] <= NON_PERSONAL_PERMISSIONS
    assert not role_reaches_personal_data(Role.ADMINISTRATOR)


def test_only_commissioners_can_be_given_without_a_second_administrator() -> None:
    direct = {role for role in Role.values if not services.role_needs_approval(role=role)}

    # Auditors produce the pseudonymised evaluation extract, which is personal data: a second
    # administrator approves giving the role.
    assert direct == {Role.COMMISSIONER}
    assert role_reaches_personal_data("a-role-nobody-has-defined-yet")


@pytest.fixture
def two_hats(persona: Callable[[str], User]) -> User:
    """The cast's administrator, who also holds a membership at RISE Cardiff, as if written to the database
    directly."""
    user = persona(Role.ADMINISTRATOR)
    rise = Agency.objects.get(slug="rise-cardiff")
    Membership.objects.create(user=user, agency=rise, role=Role.PRACTITIONER)
    return user


def test_an_administrator_cannot_act_under_a_membership_with_personal_data(two_hats: User) -> None:
    client = sign_in(Client(), two_hats)
    stray = Membership.objects.get(user=two_hats, role=Role.PRACTITIONER)

    chosen = client.post(CHOOSE_URL, {"membership": str(stray.pk)})

    assert chosen.status_code == 200
    assert "Select a valid choice." in page_text(chosen)
    session = client.session
    session["pathways_membership"] = str(stray.pk)
    session.save()
    assert client.get(REFERRALS_URL).status_code == 403
    page = page_text(client.get(GAP_MAP_URL))
    assert "Signed in as Elin Price, Administrator at Pathways Information Governance" in page


def test_the_withheld_role_is_shown_clearly(two_hats: User) -> None:
    client = sign_in(Client(), two_hats)

    page = page_text(client.get(PROFILE_URL))

    assert (
        "while you are an administrator you cannot work in these roles: Practitioner, RISE Cardiff." in page
    )


def test_without_the_administrator_role_the_membership_works_again(two_hats: User) -> None:
    Membership.objects.filter(user=two_hats, role=Role.ADMINISTRATOR).update(is_active=False)
    client = sign_in(Client(), two_hats)

    assert client.get(REFERRALS_URL).status_code == 200


def test_a_command_cannot_act_under_it_either(two_hats: User) -> None:
    with pytest.raises(CommandError, match="admin has no active membership at 'rise-cardiff'"):
        actor_from_options("admin", "rise-cardiff")

    assert actor_from_options("admin", "").role == Role.ADMINISTRATOR
