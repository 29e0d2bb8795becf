"""The Django admin offers no way round the second administrator: every registered model is checked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axes.models import AccessAttempt
from django.test import Client, RequestFactory
from django.utils import timezone

from pathways.accounts.admin import admin_site
from pathways.accounts.models import AccountChange, Agency, AuthenticatorApp, BackupCodeSet, Membership, User
from pathways.accounts.tests.helpers import ADMIN_URL, give_password, page_text
from pathways.core.access import Role
from pathways.factories import sign_in

pytestmark = pytest.mark.django_db

MEMBERSHIP_ADD = ADMIN_URL + "accounts/membership/add/"


@pytest.fixture
def admin(persona: Callable[[str], User]) -> User:
    return persona(Role.ADMINISTRATOR)


@pytest.fixture
def governance(admin: User) -> Agency:
    return admin.memberships.get().agency


@pytest.fixture
def idva(cast_preloaded: None, region: None) -> User:
    """The cast's IDVA, with an authenticator app and backup codes."""
    return User.objects.get(username="idva")


@pytest.fixture
def rise(idva: User) -> Agency:
    return idva.memberships.get().agency


@pytest.fixture
def browser(admin: User) -> Client:
    return sign_in(Client(), admin)


def _membership_form(user: User, agency: Agency, role: str, *, active: bool = True) -> dict[str, object]:
    data: dict[str, object] = {"user": user.pk, "agency": agency.pk, "role": role}
    if active:
        data["is_active"] = "on"
    return data


def test_administrator_cannot_add_themself_a_victim_service_role(
    browser: Client, admin: User, rise: Agency
) -> None:
    response = browser.post(MEMBERSHIP_ADD, _membership_form(admin, rise, Role.PRACTITIONER))

    assert response.status_code == 200
    assert "You cannot change your own roles." in page_text(response)
    assert not Membership.objects.filter(user=admin, agency=rise).exists()


def test_administrator_cannot_give_anyone_a_role_with_personal_data_directly(
    browser: Client, rise: Agency
) -> None:
    newcomer = User.objects.create(username="newcomer")

    response = browser.post(MEMBERSHIP_ADD, _membership_form(newcomer, rise, Role.PRACTITIONER))

    assert response.status_code == 200
    assert "needs a second administrator&#x27;s approval" in response.content.decode()
    assert "/en/account-changes/new/" in page_text(response)
    assert not Membership.objects.filter(user=newcomer).exists()


def test_administrator_cannot_make_anyone_an_administrator_directly(
    browser: Client, governance: Agency
) -> None:
    newcomer = User.objects.create(username="newcomer")

    browser.post(MEMBERSHIP_ADD, _membership_form(newcomer, governance, Role.ADMINISTRATOR))

    assert not Membership.objects.filter(user=newcomer).exists()


def test_a_role_without_personal_data_can_be_given_directly(browser: Client, governance: Agency) -> None:
    newcomer = User.objects.create(username="newcomer")

    response = browser.post(MEMBERSHIP_ADD, _membership_form(newcomer, governance, Role.COMMISSIONER))

    assert response.status_code == 302
    assert Membership.objects.get(user=newcomer).role == Role.COMMISSIONER
    # An auditor produces pseudonymised extracts: that role waits for a second administrator.
    waiting = browser.post(
        MEMBERSHIP_ADD, _membership_form(User.objects.create(username="second"), governance, Role.AUDITOR)
    )
    assert waiting.status_code == 200 and not Membership.objects.filter(user__username="second").exists()


def test_raising_a_role_needs_approval_but_lowering_it_does_not(
    browser: Client, persona: Callable[[str], User], governance: Agency
) -> None:
    auditor = persona(Role.AUDITOR)
    membership = Membership.objects.get(user=auditor)
    url = f"{ADMIN_URL}accounts/membership/{membership.pk}/change/"

    raised = browser.post(url, _membership_form(auditor, governance, Role.PANEL_COORDINATOR))
    membership.refresh_from_db()
    assert raised.status_code == 200
    assert membership.role == Role.AUDITOR

    lowered = browser.post(url, _membership_form(auditor, governance, Role.COMMISSIONER))
    membership.refresh_from_db()
    assert lowered.status_code == 302
    assert membership.role == Role.COMMISSIONER


def test_reactivating_a_membership_with_personal_data_needs_approval(browser: Client, idva: User) -> None:
    membership = Membership.objects.get(user=idva)
    Membership.objects.filter(pk=membership.pk).update(is_active=False)
    url = f"{ADMIN_URL}accounts/membership/{membership.pk}/change/"

    response = browser.post(url, _membership_form(idva, membership.agency, Role.PRACTITIONER))

    assert response.status_code == 200
    assert "needs a second administrator&#x27;s approval" in response.content.decode()
    membership.refresh_from_db()
    assert not membership.is_active


def test_taking_a_role_away_is_direct(browser: Client, idva: User) -> None:
    membership = Membership.objects.get(user=idva)

    response = browser.post(f"{ADMIN_URL}accounts/membership/{membership.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_own_memberships_and_account_are_read_only(browser: Client, admin: User) -> None:
    own = Membership.objects.get(user=admin)

    assert (
        browser.post(f"{ADMIN_URL}accounts/membership/{own.pk}/change/", {"role": Role.AUDITOR}).status_code
        == 403
    )
    assert (
        browser.post(f"{ADMIN_URL}accounts/membership/{own.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    response = browser.post(
        f"{ADMIN_URL}accounts/user/{admin.pk}/change/",
        {"username": "admin", "full_name": "x", "email": "", "is_active": "on"},
    )
    assert response.status_code == 403
    own.refresh_from_db()
    assert own.role == Role.ADMINISTRATOR


def test_the_user_page_adds_no_membership(browser: Client, idva: User, governance: Agency) -> None:
    newcomer = User.objects.create(username="newcomer", full_name="New Comer")
    prefix = "memberships"

    response = browser.post(
        f"{ADMIN_URL}accounts/user/{newcomer.pk}/change/",
        {
            "username": "newcomer",
            "full_name": "New Comer",
            "email": "",
            "is_active": "on",
            f"{prefix}-TOTAL_FORMS": "1",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-0-agency": str(Agency.objects.get(slug="rise-cardiff").pk),
            f"{prefix}-0-role": Role.PRACTITIONER,
            f"{prefix}-0-is_active": "on",
        },
    )

    assert response.status_code == 302
    assert not Membership.objects.filter(user=newcomer).exists()


def test_the_admin_has_no_page_to_set_a_password(browser: Client, idva: User) -> None:
    before = User.objects.get(pk=idva.pk).password

    response = browser.post(
        f"{ADMIN_URL}accounts/user/{idva.pk}/password/",
        {"password1": "a-brand-new-password-1", "password2": "a-brand-new-password-1"},
    )

    assert response.status_code in (302, 404)
    assert User.objects.get(pk=idva.pk).password == before
    page = browser.get(f"{ADMIN_URL}accounts/user/{idva.pk}/change/").content.decode()
    assert "/password/" not in page
    assert "kind=reset_password" in page


def test_reactivating_an_account_with_personal_data_needs_approval(browser: Client, idva: User) -> None:
    User.objects.filter(pk=idva.pk).update(is_active=False)

    response = browser.post(
        f"{ADMIN_URL}accounts/user/{idva.pk}/change/",
        {"username": "idva", "full_name": "Nia Evans (IDVA)", "email": "", "is_active": "on"},
    )

    assert response.status_code == 200
    assert "reactivating it needs one too" in page_text(response)
    assert not User.objects.get(pk=idva.pk).is_active


@pytest.mark.parametrize("model", [AuthenticatorApp, BackupCodeSet])
def test_second_factor_devices_cannot_be_deleted_in_the_admin(
    browser: Client, idva: User, model: type[AuthenticatorApp] | type[BackupCodeSet]
) -> None:
    device = model.objects.get(user=idva)
    base = f"{ADMIN_URL}{model._meta.app_label}/{model._meta.model_name}/"

    one = browser.post(f"{base}{device.pk}/delete/", {"post": "yes"})
    bulk = browser.post(base, {"action": "delete_selected", "_selected_action": [device.pk], "post": "yes"})
    browser.post(f"{base}{device.pk}/change/", {"user": "", "name": "mine now", "confirmed": ""})

    assert one.status_code in (302, 404)
    assert bulk.status_code in (200, 302)
    assert model.objects.filter(pk=device.pk, user=idva, name=device.name, confirmed=True).exists()


def test_own_lockout_cannot_be_lifted_but_anothers_can(browser: Client, admin: User, idva: User) -> None:
    own = AccessAttempt.objects.create(
        username=admin.username, failures_since_start=5, attempt_time=timezone.now()
    )
    theirs = AccessAttempt.objects.create(
        username=idva.username, failures_since_start=5, attempt_time=timezone.now()
    )
    base = f"{ADMIN_URL}axes/accessattempt/"

    assert browser.post(f"{base}{own.pk}/delete/", {"post": "yes"}).status_code == 403
    assert browser.post(f"{base}{theirs.pk}/delete/", {"post": "yes"}).status_code == 302
    assert AccessAttempt.objects.filter(pk=own.pk).exists()
    assert not AccessAttempt.objects.filter(pk=theirs.pk).exists()


def test_every_registered_admin_guards_access_and_second_factors(admin: User, idva: User) -> None:
    """A model added to the admin later must be thought about here: the test names every one."""
    request = RequestFactory().get(ADMIN_URL)
    request.user = admin
    request.user.is_verified = lambda: True  # type: ignore[attr-defined]
    request.membership = Membership.objects.get(user=admin)  # type: ignore[attr-defined]
    registered = {model._meta.label for model in admin_site._registry}

    assert registered == {
        "accounts.User",
        "accounts.Agency",
        "accounts.Membership",
        "accounts.AuthenticatorApp",
        "accounts.BackupCodeSet",
        "axes.AccessAttempt",
    }
    for model in (AuthenticatorApp, BackupCodeSet):
        model_admin = admin_site._registry[model]
        device = model.objects.get(user=idva)
        assert not model_admin.has_add_permission(request)
        assert set(model_admin.get_readonly_fields(request, device)) >= set(
            model_admin.get_fields(request, device)
        )
        assert not model_admin.has_delete_permission(request, device)
        assert not any((u.name or "").endswith(("_add", "_delete")) for u in model_admin.get_urls())
    users = admin_site._registry[User]
    assert not users.has_delete_permission(request, idva)
    assert not users.has_change_permission(request, admin)
    assert not {"auth_user_password_change", "accounts_user_delete"} & {u.name for u in users.get_urls()}
    for inline in users.get_inline_instances(request, idva):
        assert not inline.has_add_permission(request, idva)
        assert not inline.has_change_permission(request, idva)
    assert not AccountChange.objects.exists()


def test_the_admin_index_points_to_the_changes_waiting(browser: Client) -> None:
    page = page_text(browser.get(ADMIN_URL))

    assert "0 changes are waiting for approval" in page


def test_an_administrator_without_a_second_factor_reaches_nothing(admin: User) -> None:
    client = Client()
    give_password(client, admin.username)

    assert client.get("/en/account-changes/")["Location"] == "/en/sign-in/code/"
