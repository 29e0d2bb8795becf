"""Every URL answers only the methods its view is for: anything else is 405, before the view runs, so
that TRACE, OPTIONS, PUT or DELETE never render (and audit) a page built for GET."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.core.policy import NAMESPACE_RULES, URL_RULES

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PUT", "PATCH", "DELETE"])
def test_the_audit_pages_answer_only_get(client_as: Callable[[str], Client], method: str) -> None:
    client = client_as(Role.AUDITOR)
    before = AuditEntry.objects.count()
    for name in ("audit:search", "audit:export"):
        response = client.generic(method, reverse(name))
        assert response.status_code == 405, (name, method)
        assert set(response["Allow"].split(", ")) == {"GET", "HEAD"}
        assert b"<html" not in response.content
    assert AuditEntry.objects.count() == before


@pytest.mark.parametrize("method", ["TRACE", "OPTIONS", "PUT", "DELETE"])
def test_a_page_with_personal_data_is_not_rendered_for_other_methods(
    client_as: Callable[[str], Client], method: str
) -> None:
    client = client_as(Role.PRACTITIONER)
    for path in (reverse("referrals:list"), reverse("panels:actions"), "/en/"):
        assert client.generic(method, path).status_code == 405, (path, method)


def test_a_form_takes_post_and_a_post_only_url_refuses_get(client_as: Callable[[str], Client]) -> None:
    client = client_as(Role.PRACTITIONER)
    assert client.get(reverse("referrals:new")).status_code == 200
    assert client.put(reverse("referrals:new")).status_code == 405
    assert client.get(reverse("accounts:logout")).status_code == 405
    # Someone not signed in is sent to sign in, whatever the method: nothing is rendered for them.
    assert Client().generic("TRACE", reverse("referrals:list")).status_code == 302
    assert Client().generic("TRACE", reverse("accounts:login")).status_code == 405


def test_the_api_answers_405_in_json_for_a_method_it_does_not_take(
    client_as: Callable[[str], Client],
) -> None:
    client = client_as(Role.PRACTITIONER)
    response = client.generic("TRACE", "/api/v1/referrals/")
    assert response.status_code == 405 and response.json()["detail"]
    assert client.options("/api/v1/referrals/").status_code == 200  # the API describes itself


def test_every_rule_names_its_methods() -> None:
    for name, rule in {**URL_RULES, **NAMESPACE_RULES}.items():
        assert rule.methods and rule.methods <= {"GET", "HEAD", "POST", "OPTIONS"}, name
        assert "TRACE" not in rule.methods, name
