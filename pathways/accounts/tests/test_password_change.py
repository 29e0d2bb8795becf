"""Changing your own password."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.accounts.tests.helpers import (
    ERROR_SUMMARY,
    GAP_MAP_URL,
    PASSWORD_URL,
    PROFILE_URL,
    VERIFY_URL,
    give_password,
    page_text,
)
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.services import chain_first_break
from pathways.core.access import Role
from pathways.factories import PASSWORD, sign_in

pytestmark = pytest.mark.django_db

GOOD = "quiet-lantern-orchard-41"


@pytest.fixture
def user(persona: Callable[[str], User]) -> User:
    return persona(Role.PRACTITIONER)


@pytest.fixture
def signed_in(user: User) -> Client:
    return sign_in(Client(), user)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("not-my-old-password", GOOD, "Your old password was entered incorrectly."),
        (PASSWORD, "short-pass1", "This password is too short. It must contain at least 12 characters."),
        (PASSWORD, "x7-" * 22, "This password is too long. It must contain at most 64 characters."),
        (PASSWORD, "password1234", "This password is too common."),
    ],
    ids=["wrong-old-password", "too-short", "too-long", "common"],
)
def test_unacceptable_change_is_refused_and_the_old_password_still_works(
    user: User, signed_in: Client, old: str, new: str, message: str
) -> None:
    response = signed_in.post(PASSWORD_URL, {"old_password": old, "new_password1": new, "new_password2": new})

    assert response.status_code == 200
    assert ERROR_SUMMARY in page_text(response)
    assert message in page_text(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    assert not user.check_password(new)


def test_sixty_four_characters_is_accepted(user: User, signed_in: Client) -> None:
    new = ("x7-" * 22)[:64]

    response = signed_in.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )

    assert response["Location"] == PROFILE_URL
    user.refresh_from_db()
    assert user.check_password(new)


def test_good_change_keeps_the_user_signed_in_and_is_stored_with_argon2(
    user: User, signed_in: Client
) -> None:
    response = signed_in.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD}, follow=True
    )

    assert response.redirect_chain[-1][0] == PROFILE_URL
    assert "Your password has been changed." in page_text(response)
    assert signed_in.get(GAP_MAP_URL).status_code == 200
    user.refresh_from_db()
    assert user.password.startswith("argon2")
    assert GOOD not in user.password
    assert AuditEntry.objects.filter(action=AuditAction.PASSWORD_CHANGED, actor_id=user.pk).count() == 1
    assert chain_first_break() is None
    # The new password signs in; the old one no longer does.
    assert give_password(Client(), user.username, GOOD)["Location"] == VERIFY_URL
    assert give_password(Client(), user.username, PASSWORD).status_code == 200


def test_password_change_needs_the_second_factor(user: User) -> None:
    client = Client()
    give_password(client, user.username)

    response = client.post(
        PASSWORD_URL, {"old_password": PASSWORD, "new_password1": GOOD, "new_password2": GOOD}
    )

    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
