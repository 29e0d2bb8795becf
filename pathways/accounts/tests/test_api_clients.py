"""Another agency's system uses the API through a client of its own: a role a second administrator
approves, tokens that are scoped, expire and can be revoked, and every use and refusal in the audit log."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts import services
from pathways.accounts.choices import ChangeKind, ChangeStatus
from pathways.accounts.models import AccountChange, Agency, ApiClient, ApiToken, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.core.policy import Actor, Perm
from pathways.factories import sign_in
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import api_answered

pytestmark = pytest.mark.django_db

CASEWORK = [Perm.REFERRAL_VIEW, Perm.REFERRAL_CHANGE, Perm.PERSON_VIEW, Perm.PERSON_CHANGE]


def _actor(user: User) -> Actor:
    return Actor(user=user, membership=user.memberships.select_related("agency").get())


def _referral_body(given_name: str = "Gethin") -> dict[str, Any]:
    return api_answered(
        {
            "person": {
                "given_name": given_name,
                "family_name": "Parry",
                "gender_identity": "man",
                "area": "cardiff",
                "phone": "029 2000 1111",
            },
            "route": "probation",
            "reason": "Posted by the probation case system after a supervision meeting.",
            "risk_level": "standard",
        }
    )


def _register(cast: dict[str, User], *, approve: bool = True) -> ApiClient:
    client = services.api_client_register(
        actor=_actor(cast["admin"]),
        name="Probation case system",
        agency=Agency.objects.get(slug="probation-cardiff-vale"),
        role=Role.PRACTITIONER,
        contact="Probation digital team, digital@probation.example",
        reason="Probation officers refer from their own case system.",
    )
    if approve:
        change = AccountChange.objects.get(user=client.user, status=ChangeStatus.PENDING)
        services.account_change_approve(actor=_actor(cast["admin2"]), change=change)
    return client


def _token(cast: dict[str, User], client: ApiClient, scopes: list[str] | None = None, days: int = 90) -> str:
    _token_row, secret = services.api_token_issue(
        actor=_actor(cast["admin"]), client=client, scopes=[str(s) for s in scopes or CASEWORK], days=days
    )
    return secret


def _bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


def _post(secret: str, body: dict[str, Any]) -> Any:
    # Server-to-server calls carry no CSRF token: the check must not apply to them.
    return Client(enforce_csrf_checks=True).post(
        "/api/v1/referrals/", body, content_type="application/json", headers=_bearer(secret)
    )


def test_a_registered_system_can_do_nothing_until_a_second_administrator_approves_its_role(
    cast: dict[str, User],
) -> None:
    client = _register(cast, approve=False)
    secret = _token(cast, client)
    refused = _post(secret, _referral_body())
    assert refused.status_code == 403 and "no active role" in refused.json()["detail"]
    assert not client.user.has_usable_password()

    change = AccountChange.objects.get(user=client.user, status=ChangeStatus.PENDING)
    with pytest.raises(services.AccountChangeRefused):
        services.account_change_approve(actor=_actor(cast["admin"]), change=change)
    services.account_change_approve(actor=_actor(cast["admin2"]), change=change)

    made = _post(secret, _referral_body())
    assert made.status_code == 201, made.content
    referral = Referral.objects.get(pk=made.json()["id"])
    assert referral.referring_agency is not None
    assert referral.referring_agency.slug == "probation-cardiff-vale"
    assert referral.referred_by == client.user
    # Every entry the call wrote names the token, never its secret.
    entries = AuditEntry.objects.filter(actor_username=client.user.username)
    assert entries.exists()
    prefix = ApiToken.objects.get(client=client).prefix
    assert all(e.details.get("api_token") == prefix for e in entries)
    assert not AuditEntry.objects.filter(details__icontains=secret.partition(".")[2]).exists()


def test_a_token_does_only_what_its_scopes_allow(cast: dict[str, User]) -> None:
    client = _register(cast)
    read_only = _token(cast, client, scopes=[Perm.REFERRAL_VIEW, Perm.PERSON_VIEW])
    assert _post(read_only, _referral_body()).status_code == 403
    listed = Client().get("/api/v1/referrals/", headers=_bearer(read_only))
    assert listed.status_code == 200
    directory_only = _token(cast, client, scopes=[Perm.DIRECTORY_VIEW])
    assert Client().get("/api/v1/referrals/", headers=_bearer(directory_only)).status_code == 403
    assert Client().get("/api/v1/services/", headers=_bearer(directory_only)).status_code == 200
    # A scope the role lacks gives nothing: a practitioner's system cannot read the audit log's pages.
    assert not Referral.objects.exists()


@pytest.mark.parametrize("how", ["expired", "revoked", "client revoked", "mistyped", "unknown"])
def test_a_token_that_is_not_usable_is_refused_and_audited_by_its_prefix_alone(
    cast: dict[str, User], how: str
) -> None:
    client = _register(cast)
    secret = _token(cast, client)
    token = ApiToken.objects.get(client=client)
    if how == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    elif how == "revoked":
        services.api_token_revoke(actor=_actor(cast["admin2"]), token=token)
    elif how == "client revoked":
        services.api_client_revoke(actor=_actor(cast["admin2"]), client=client)
    elif how == "mistyped":
        secret = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    else:
        secret = "pw_000000000000.nothing-like-it"
    response = Client().get("/api/v1/referrals/", headers=_bearer(secret))
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    refusal = AuditEntry.objects.filter(action=AuditAction.API_TOKEN_REFUSED).latest("sequence")
    assert refusal.details["token"] == secret[3:].partition(".")[0]
    assert secret.partition(".")[2] not in str(refusal.details)


def test_revoking_the_system_stops_every_token_and_its_account(cast: dict[str, User]) -> None:
    client = _register(cast)
    first, second = _token(cast, client), _token(cast, client)
    services.api_client_revoke(actor=_actor(cast["admin"]), client=client)
    assert all(
        Client().get("/api/v1/referrals/", headers=_bearer(s)).status_code == 401 for s in (first, second)
    )
    client.user.refresh_from_db()
    assert not client.user.is_active
    with pytest.raises(services.AccountChangeRefused):
        _token(cast, client)
    with pytest.raises(services.AccountChangeRefused):
        services.account_change_request(
            actor=_actor(cast["admin"]), user=client.user, kind=ChangeKind.REACTIVATE, reason="Back"
        )


def test_a_system_account_cannot_be_given_a_password_or_another_agency(cast: dict[str, User]) -> None:
    client = _register(cast)
    with pytest.raises(services.AccountChangeRefused):
        services.account_change_request(
            actor=_actor(cast["admin"]), user=client.user, kind=ChangeKind.RESET_PASSWORD, reason="Sign in"
        )
    with pytest.raises(services.AccountChangeRefused):
        services.account_change_request(
            actor=_actor(cast["admin"]),
            user=client.user,
            kind=ChangeKind.GRANT_ROLE,
            reason="Wider",
            agency=Agency.objects.get(slug="south-wales-police"),
            role=Role.PRACTITIONER,
        )
    login = Client().post("/en/sign-in/", {"username": client.user.username, "password": ""})
    assert login.status_code != 302


def test_a_token_opens_no_page(cast: dict[str, User]) -> None:
    secret = _token(cast, _register(cast))
    response = Client().get("/en/referrals/", headers=_bearer(secret))
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


@pytest.mark.parametrize("days", [0, 366])
def test_a_token_always_expires_within_a_year(cast: dict[str, User], days: int) -> None:
    with pytest.raises(services.AccountChangeRefused):
        _token(cast, _register(cast), days=days)


def test_an_administrator_registers_a_system_and_issues_a_token_shown_once(cast: dict[str, User]) -> None:
    admin = sign_in(Client(), cast["admin"])
    new = admin.post("/en/api-clients/new/", {})
    page = new.content.decode()
    assert new.status_code == 400
    for message in ("Enter the system&#x27;s name", "Choose the agency", "Select the role"):
        assert message in page, message
    assert 'href="#id_role_0"' in page
    agency = Agency.objects.get(slug="probation-cardiff-vale")
    made = admin.post(
        "/en/api-clients/new/",
        {
            "name": "Probation case system",
            "agency": str(agency.pk),
            "role": Role.PRACTITIONER,
            "contact": "Probation digital team",
            "reason": "Referrals from the case system.",
        },
    )
    assert made.status_code == 302
    detail_url = made["Location"]
    detail = admin.get(detail_url).content.decode()
    assert "Role waiting for approval" in detail and "No token has been issued" in detail

    refused = admin.post(detail_url, {"action": "issue", "days": "0"})
    assert refused.status_code == 400
    assert "Select what the token may do" in refused.content.decode()
    assert "A token lasts at least 1 day" in refused.content.decode()

    issued = admin.post(
        detail_url, {"action": "issue", "scopes": [Perm.REFERRAL_VIEW, Perm.REFERRAL_CHANGE], "days": "30"}
    )
    assert issued.status_code == 200
    secret = issued.content.decode().split('id="api-token" type="text" readonly')[1].split('value="')[1]
    secret = secret.split('"')[0]
    assert secret.startswith("pw_")
    token = ApiToken.objects.get()
    assert (
        token.digest != secret
        and secret not in token.digest
        and token.scopes == sorted([Perm.REFERRAL_CHANGE, Perm.REFERRAL_VIEW])
    )
    again = admin.get(detail_url).content.decode()
    assert token.prefix in again and secret not in again
    listed = admin.get("/en/api-clients/").content.decode()
    assert "Probation case system" in listed and token.prefix in listed

    admin.post(detail_url, {"action": "revoke_token", "token": str(token.pk)})
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == cast["admin"]


@pytest.mark.parametrize("login", ["practitioner", "auditor", "commissioner"])
def test_only_administrators_reach_the_api_clients(cast: dict[str, User], login: str) -> None:
    client = _register(cast)
    session = sign_in(Client(), cast[login])
    assert session.get("/en/api-clients/").status_code == 403
    assert session.get(client.get_absolute_url()).status_code == 403
