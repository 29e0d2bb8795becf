"""No one grants themself access: changes that give access or take an account over wait for a second
administrator, who is neither the one who asked nor the account's holder."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts import services
from pathways.accounts.choices import ChangeKind, ChangeStatus
from pathways.accounts.models import AccountChange, Agency, Membership, User
from pathways.accounts.tests.helpers import give_password, page_text
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.audit.services import chain_first_break
from pathways.core.access import Role
from pathways.factories import PASSWORD, sign_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

LIST_URL = "/en/account-changes/"
NEW_URL = "/en/account-changes/new/"


@dataclass
class Office:
    governance: Agency
    rise: Agency
    first: User
    second: User
    third: User
    idva: User

    def client(self, user: User) -> Client:
        return sign_in(Client(), user)


@pytest.fixture
def office(cast_preloaded: None, region: None) -> Office:
    """The cast's three administrators (the two at Pathways governance and the one elsewhere), RISE
    Cardiff and its IDVA."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=["admin", "admin2", "admin-elsewhere", "idva"])
    }
    return Office(
        governance=Agency.objects.get(slug="pathways-governance"),
        rise=Agency.objects.get(slug="rise-cardiff"),
        first=users["admin"],
        second=users["admin2"],
        third=users["admin-elsewhere"],
        idva=users["idva"],
    )


def _ask(client: Client, user: User, kind: str, **extra: object) -> TestResponse:
    return client.post(
        NEW_URL, {"username": user.username, "kind": kind, "reason": "Asked by the manager", **extra}
    )


def _change(user: User, kind: str) -> AccountChange:
    return AccountChange.objects.get(user=user, kind=kind)


def _decide(client: Client, change: AccountChange, decision: str) -> TestResponse:
    return client.post(change.get_absolute_url(), {"decision": decision, "note": ""})


def _password_works(username: str, password: str) -> bool:
    """Whether the sign-in page takes this password (and moves on to the second factor)."""
    return give_password(Client(), username, password).status_code == 302


def _admin_changes(step: str) -> list[AuditEntry]:
    return [
        e
        for e in AuditEntry.objects.filter(action=AuditAction.ADMIN_CHANGE)
        if e.details.get("change") == step
    ]


# --- The reproductions ------------------------------------------------------------------------------


def test_administrator_cannot_ask_for_a_victim_service_role_for_themself(office: Office) -> None:
    response = _ask(
        office.client(office.first),
        office.first,
        ChangeKind.GRANT_ROLE,
        agency=office.rise.pk,
        role=Role.PRACTITIONER,
    )

    assert response.status_code == 403
    assert "You cannot change your own account" in page_text(response)
    assert not AccountChange.objects.exists()
    assert not Membership.objects.filter(user=office.first, agency=office.rise).exists()
    refused = _admin_changes("refused")
    assert [(e.record_id, e.details["why"]) for e in refused] == [(str(office.first.pk), "own_account")]
    assert chain_first_break() is None


def test_an_administrator_cannot_be_given_a_role_with_personal_data_even_by_another(office: Office) -> None:
    response = _ask(
        office.client(office.second),
        office.first,
        ChangeKind.GRANT_ROLE,
        agency=office.rise.pk,
        role=Role.PRACTITIONER,
    )

    assert response.status_code == 403
    assert "An administrator cannot also hold a role that reaches personal data" in page_text(response)
    assert not AccountChange.objects.exists()


def test_someone_with_personal_data_cannot_be_made_an_administrator(office: Office) -> None:
    response = _ask(
        office.client(office.first),
        office.idva,
        ChangeKind.GRANT_ROLE,
        agency=office.governance.pk,
        role=Role.ADMINISTRATOR,
    )

    assert response.status_code == 403
    assert "holds a role that reaches personal data" in page_text(response)
    assert not Membership.objects.filter(user=office.idva, role=Role.ADMINISTRATOR).exists()


def test_a_role_with_personal_data_waits_for_a_second_administrator(office: Office) -> None:
    newcomer = User.objects.create(username="newcomer", full_name="New Comer")
    first = office.client(office.first)

    asked = _ask(first, newcomer, ChangeKind.GRANT_ROLE, agency=office.rise.pk, role=Role.PRACTITIONER)

    change = _change(newcomer, ChangeKind.GRANT_ROLE)
    assert asked.status_code == 302
    assert asked["Location"] == change.get_absolute_url()
    assert change.status == ChangeStatus.PENDING
    assert not newcomer.memberships.exists()
    page = page_text(first.get(change.get_absolute_url()))
    assert "Give the role Practitioner at RISE Cardiff" in page
    assert "You asked for this change, so another administrator must approve or reject it." in page
    assert "Approve and make the change" not in page

    approved = _decide(office.client(office.second), change, "approve")

    assert approved.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert change.decided_by == office.second
    membership = Membership.objects.get(user=newcomer)
    assert (membership.agency, membership.role, membership.is_active) == (
        office.rise,
        Role.PRACTITIONER,
        True,
    )
    assert [e.actor_username for e in _admin_changes("requested")] == ["admin"]
    assert [e.actor_username for e in _admin_changes("approved")] == ["admin2"]
    added = _admin_changes("added")
    assert [(e.record_type, e.record_id) for e in added] == [("accounts.membership", str(membership.pk))]
    assert chain_first_break() is None


def test_an_administrator_cannot_approve_their_own_request(office: Office) -> None:
    first = office.client(office.first)
    _ask(first, office.idva, ChangeKind.RESET_SECOND_FACTOR)
    change = _change(office.idva, ChangeKind.RESET_SECOND_FACTOR)

    response = _decide(first, change, "approve")

    assert response.status_code == 403
    assert "You asked for this change, so another administrator must approve or reject it." in page_text(
        response
    )
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert TOTPDevice.objects.filter(user=office.idva).exists()
    assert not _admin_changes("approved")
    refused = _admin_changes("refused")
    assert [(e.actor_username, e.record_id, e.details["why"]) for e in refused] == [
        ("admin", str(change.pk), "own_request")
    ]


def test_the_account_holder_cannot_approve_a_change_to_their_own_account(office: Office) -> None:
    _ask(office.client(office.first), office.second, ChangeKind.RESET_PASSWORD)
    change = _change(office.second, ChangeKind.RESET_PASSWORD)
    second = office.client(office.second)

    assert "This change is to your own account" in page_text(second.get(change.get_absolute_url()))
    response = _decide(second, change, "approve")

    assert response.status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert _password_works(office.second.username, PASSWORD)
    # A third administrator can.
    assert _decide(office.client(office.third), change, "approve").status_code == 200


def test_a_password_reset_waits_and_then_shows_a_temporary_password_once(office: Office) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_PASSWORD)
    change = _change(office.idva, ChangeKind.RESET_PASSWORD)

    assert _password_works("idva", PASSWORD)

    response = _decide(office.client(office.second), change, "approve")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = re.search(r'id="temporary-password".*?<code>([a-z0-9-]+)</code>', response.content.decode(), re.S)
    assert shown is not None
    temporary = shown.group(1)
    assert not _password_works("idva", PASSWORD)
    assert _password_works("idva", temporary)
    assert temporary not in str(list(AuditEntry.objects.values_list("details", flat=True)))
    assert temporary not in office.client(office.second).get(change.get_absolute_url()).content.decode()


def test_a_second_factor_reset_waits_for_a_second_administrator(office: Office) -> None:
    services.backup_codes_replace(user=office.idva)
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_SECOND_FACTOR)
    change = _change(office.idva, ChangeKind.RESET_SECOND_FACTOR)

    assert TOTPDevice.objects.filter(user=office.idva).exists()
    assert StaticDevice.objects.filter(user=office.idva).exists()

    _decide(office.client(office.second), change, "approve")

    assert not TOTPDevice.objects.filter(user=office.idva).exists()
    assert not StaticDevice.objects.filter(user=office.idva).exists()
    assert [e.record_id for e in _admin_changes("second_factor_reset")] == [str(office.idva.pk)]


def test_a_rejected_change_changes_nothing(office: Office) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_SECOND_FACTOR)
    change = _change(office.idva, ChangeKind.RESET_SECOND_FACTOR)

    response = office.client(office.second).post(
        change.get_absolute_url(), {"decision": "reject", "note": "Not asked for by her manager"}
    )

    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.decision_note) == (ChangeStatus.REJECTED, "Not asked for by her manager")
    assert TOTPDevice.objects.filter(user=office.idva).exists()
    assert [e.actor_username for e in _admin_changes("rejected")] == ["admin2"]
    again = _decide(office.client(office.third), change, "approve")
    assert again.status_code == 409
    assert "This change has already been rejected." in page_text(again)
    assert TOTPDevice.objects.filter(user=office.idva).exists()


def test_the_one_who_asked_can_withdraw_and_no_one_else(office: Office) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_PASSWORD)
    change = _change(office.idva, ChangeKind.RESET_PASSWORD)

    assert _decide(office.client(office.second), change, "withdraw").status_code == 403
    assert _decide(office.client(office.first), change, "withdraw").status_code == 302

    change.refresh_from_db()
    assert change.status == ChangeStatus.WITHDRAWN
    assert _decide(office.client(office.second), change, "approve").status_code == 409
    assert _password_works("idva", PASSWORD)


def test_the_same_change_cannot_wait_twice(office: Office) -> None:
    first = office.client(office.first)
    _ask(first, office.idva, ChangeKind.RESET_PASSWORD)

    response = _ask(office.client(office.second), office.idva, ChangeKind.RESET_PASSWORD)

    assert response.status_code == 409
    assert "already waiting for approval" in page_text(response)
    assert AccountChange.objects.count() == 1


def test_a_role_already_held_is_not_asked_for(office: Office) -> None:
    response = _ask(
        office.client(office.first),
        office.idva,
        ChangeKind.GRANT_ROLE,
        agency=office.rise.pk,
        role=Role.PRACTITIONER,
    )

    assert response.status_code == 409
    assert "Nia Evans (IDVA) already has that role at RISE Cardiff." in page_text(response)
    assert not AccountChange.objects.exists()


def test_a_grant_is_checked_again_when_approved(office: Office) -> None:
    newcomer = User.objects.create(username="newcomer")
    _ask(
        office.client(office.first), newcomer, ChangeKind.GRANT_ROLE, agency=office.rise.pk, role=Role.MANAGER
    )
    change = _change(newcomer, ChangeKind.GRANT_ROLE)
    # Meanwhile the newcomer was made an administrator.
    Membership.objects.create(user=newcomer, agency=office.governance, role=Role.ADMINISTRATOR)

    response = _decide(office.client(office.second), change, "approve")

    assert response.status_code == 403
    assert "An administrator cannot also hold a role that reaches personal data" in page_text(response)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    assert not Membership.objects.filter(user=newcomer, agency=office.rise).exists()


def test_reactivation_waits_for_a_second_administrator(office: Office) -> None:
    User.objects.filter(pk=office.idva.pk).update(is_active=False)
    _ask(office.client(office.first), office.idva, ChangeKind.REACTIVATE)
    office.idva.refresh_from_db()
    assert not office.idva.is_active

    _decide(office.client(office.second), _change(office.idva, ChangeKind.REACTIVATE), "approve")

    office.idva.refresh_from_db()
    assert office.idva.is_active


def test_the_list_shows_what_waits_for_whom(office: Office) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_PASSWORD)

    mine = page_text(office.client(office.first).get(LIST_URL))
    theirs = page_text(office.client(office.second).get(LIST_URL))

    assert "There is nothing waiting for your decision." in mine
    assert "Waiting for another administrator" in mine
    assert (
        "Waiting for your decision Account Change Asked for by Asked on "
        "Nia Evans (IDVA) idva Reset the password" in theirs
    )


def test_the_pages_are_in_welsh(office: Office) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_PASSWORD)
    change = _change(office.idva, ChangeKind.RESET_PASSWORD)
    client = office.client(office.second)

    assert "Newidiadau i gyfrifon" in page_text(client.get("/cy/account-changes/"))
    assert "Gofyn am newid i gyfrif" in page_text(client.get("/cy/account-changes/new/"))
    assert "Ailosod y cyfrinair" in page_text(client.get(f"/cy/account-changes/{change.pk}/"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"username": "nobody", "kind": ChangeKind.RESET_PASSWORD, "reason": "x"}, "There is no account"),
        ({"username": "idva", "kind": "make_me_root", "reason": "x"}, "Select a valid choice."),
        (
            {"username": "idva", "kind": ChangeKind.GRANT_ROLE, "reason": "x"},
            "Choose the agency the role is at.",
        ),
        ({"username": "idva", "kind": ChangeKind.RESET_PASSWORD, "reason": "a\x00b"}, ""),
        ({"username": "idva", "kind": ChangeKind.RESET_PASSWORD, "reason": ""}, "This field is required."),
        (
            {"username": "idva", "kind": ChangeKind.GRANT_ROLE, "reason": "x", "agency": "\x00", "role": "x"},
            "",
        ),
    ],
)
def test_bad_requests_are_refused_with_a_reason(office: Office, data: dict[str, str], message: str) -> None:
    response = office.client(office.first).post(NEW_URL, data)

    assert response.status_code == 400
    assert message in page_text(response)
    assert not AccountChange.objects.exists()


def test_a_bad_decision_is_refused(office: Office) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_PASSWORD)
    change = _change(office.idva, ChangeKind.RESET_PASSWORD)

    response = office.client(office.second).post(change.get_absolute_url(), {"decision": "approve\x00"})

    assert response.status_code == 400
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING


@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AUDITOR, Role.COMMISSIONER])
def test_other_roles_cannot_reach_the_pages(
    office: Office, client_as: Callable[[str], Client], role: str
) -> None:
    _ask(office.client(office.first), office.idva, ChangeKind.RESET_PASSWORD)
    change = _change(office.idva, ChangeKind.RESET_PASSWORD)
    client = client_as(role)

    for url in (LIST_URL, NEW_URL, change.get_absolute_url()):
        assert client.get(url).status_code == 403
    assert _decide(client, change, "approve").status_code == 403
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
