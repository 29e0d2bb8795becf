"""The sign-in form refuses posts that did not come from a Pathways page."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client

from pathways.accounts.models import User
from pathways.accounts.tests.helpers import LOGIN_URL, VERIFY_URL, page_text
from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.factories import PASSWORD

pytestmark = pytest.mark.django_db

OUT_OF_DATE = "This form could not be sent because it was out of date or did not come from Pathways."


def _form_token(client: Client) -> str:
    page = client.get(LOGIN_URL).content.decode()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert match is not None
    return match.group(1)


def _assert_refused(client: Client, response: object) -> None:
    assert getattr(response, "status_code", None) == 403
    assert OUT_OF_DATE in page_text(response)  # type: ignore[arg-type]
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action__startswith="auth.").exists()


def test_sign_in_without_a_token_is_refused(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client(enforce_csrf_checks=True)

    response = client.post(LOGIN_URL, {"username": user.username, "password": PASSWORD})

    _assert_refused(client, response)


def test_sign_in_with_a_forged_token_is_refused(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client(enforce_csrf_checks=True)
    _form_token(client)  # the browser has a real CSRF cookie...

    response = client.post(  # ...but the form carries a token the attacker made up
        LOGIN_URL,
        {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": "A" * 64},
    )

    _assert_refused(client, response)


def test_sign_in_with_another_browsers_token_is_refused(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    attacker_token = _form_token(Client(enforce_csrf_checks=True))
    victim = Client(enforce_csrf_checks=True)
    _form_token(victim)

    response = victim.post(
        LOGIN_URL, {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": attacker_token}
    )

    _assert_refused(victim, response)


def test_sign_in_with_the_pages_own_token_works(persona: Callable[[str], User]) -> None:
    user = persona(Role.PRACTITIONER)
    client = Client(enforce_csrf_checks=True)
    token = _form_token(client)

    response = client.post(
        LOGIN_URL, {"username": user.username, "password": PASSWORD, "csrfmiddlewaretoken": token}
    )

    assert response.status_code == 302
    assert response["Location"] == VERIFY_URL
    assert settings.CSRF_COOKIE_NAME in client.cookies
