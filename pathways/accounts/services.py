"""Account actions shared by the sign-in pages, the admin and the demo loader."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.backup_codes import backup_code_candidates, backup_code_digest
from pathways.accounts.choices import ChangeKind, ChangeStatus
from pathways.accounts.models import AccountChange, Agency, ApiClient, ApiToken, Membership, User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.access import Role
from pathways.core.policy import API_CLIENT_ROLES, API_SCOPES, Actor, Perm, allows, role_reaches_personal_data

BACKUP_CODE_COUNT = 10
# Unambiguous letters and digits, so that a temporary password can be read out over the phone.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def totp_confirmed(*, user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_pending(*, user: User) -> TOTPDevice:
    """The unconfirmed device shown during enrolment; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def totp_enrolment_confirm(*, actor: Actor, device: TOTPDevice, code: str) -> list[str] | None:
    """Confirm the device with a first code; returns the new backup codes, or None if the code is wrong.
    The caller then marks the session as past the second factor with `device`."""
    if not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    codes = backup_codes_replace(user=device.user)
    audit.entry_record(
        action=AuditAction.SECOND_FACTOR_ENROLLED, actor=actor, record_type="user", record_id=device.user.pk
    )
    return codes


def backup_codes_replace(*, user: User) -> list[str]:
    """New backup codes, replacing any the user had. Only their digests are stored: the codes returned
    here are shown once and cannot be recovered."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(
        [StaticToken(device=device, token=backup_code_digest(user_id=user.pk, code=code)) for code in codes]
    )
    return codes


def _spend_backup_code(device: StaticDevice, code: str) -> bool:
    """Check and spend one backup code, through django-otp so that its pause after failures applies.

    The pause is checked before hashing, so that guesses during it cost no hashing time.
    """
    allowed, _details = device.verify_is_allowed()
    if not allowed:
        return False
    candidates = backup_code_candidates(user_id=device.user_id, code=code)
    stored = set(device.token_set.filter(token__in=candidates).values_list("token", flat=True))
    return bool(device.verify_token(next((c for c in candidates if c in stored), candidates[0])))


@transaction.atomic
def second_factor_verify(*, actor: Actor, code: str) -> Device | None:
    """The device that accepts the code, a TOTP code (each one once only) or an unused backup code (then
    spent); None when none does. The caller then marks the session as past the second factor with it."""
    user = actor.user
    totp = totp_confirmed(user=user)
    if totp is not None and code.isdigit() and len(code) == 6 and totp.verify_token(code):
        audit.entry_record(
            action=AuditAction.SECOND_FACTOR_VERIFIED, actor=actor, record_type="user", record_id=user.pk
        )
        return totp
    for backup in StaticDevice.objects.filter(user=user, confirmed=True):
        if _spend_backup_code(backup, code):
            audit.entry_record(
                action=AuditAction.BACKUP_CODE_USED,
                actor=actor,
                record_type="user",
                record_id=user.pk,
                details={"remaining": backup.token_set.count()},
            )
            return backup
    return None


# --- Changes that give access: two administrators ---------------------------------------------------


class AccountChangeRefused(Exception):
    """A change that may not be made, with the message to show and the HTTP status to answer with."""

    def __init__(self, message: str, *, status: int = 400, code: str = "invalid") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def role_needs_approval(*, role: str) -> bool:
    """Giving this role needs a second administrator: it reaches personal data, or it administers accounts
    (a second administrator made alone could approve anything)."""
    return role == Role.ADMINISTRATOR or role_reaches_personal_data(role)


def _grant_conflict(*, user: User, agency: Agency, role: str) -> str | None:
    """Why `user` may not hold `role` at `agency` alongside their other active memberships, if they may not.

    The membership at `agency` itself is left out: one user has one role per agency, so it would be
    replaced.
    """
    others = Membership.objects.filter(user=user, is_active=True).exclude(agency=agency)
    if role_reaches_personal_data(role) and others.filter(role=Role.ADMINISTRATOR).exists():
        return _(
            "%(user)s is an administrator. An administrator cannot also hold a role that reaches "
            "personal data: remove their administrator role first."
        ) % {"user": user}
    if role == Role.ADMINISTRATOR and any(
        role_reaches_personal_data(r) for r in others.values_list("role", flat=True)
    ):
        return _(
            "%(user)s holds a role that reaches personal data. An administrator cannot also hold one: "
            "remove that role first."
        ) % {"user": user}
    return None


def _refuse_own_account(actor: Actor, user: User) -> None:
    if actor.user.pk == user.pk:
        raise AccountChangeRefused(
            _(
                "You cannot change your own account's roles, password or second sign-in step here. "
                "Another administrator must ask for the change, and a third approve it."
            ),
            status=403,
            code="own_account",
        )


def _require_administrator(actor: Actor) -> None:
    if not allows(actor, Perm.ACCOUNTS_MANAGE):
        raise PermissionDenied


def membership_direct_change_problem(
    *,
    actor: Actor,
    user: User,
    agency: Agency,
    role: str,
    is_active: bool,
    before: Membership | None,
) -> str | None:
    """Why an administrator may not make this membership change directly (in the admin), if they may not.

    Taking access away is direct. Giving a role that needs approval, or reactivating one, goes through
    an account change that another administrator approves; one's own memberships cannot be changed.
    """
    if actor.user.pk == user.pk:
        return _(
            "You cannot change your own roles. Another administrator must ask for it, and a third approve it."
        )
    gives = is_active and (
        before is None or not before.is_active or before.role != role or before.agency_id != agency.pk
    )
    if not gives:
        return None
    if role_needs_approval(role=role):
        return _(
            "Giving the role %(role)s needs a second administrator's approval. Ask for it on the account "
            "changes page: %(url)s"
        ) % {"role": Role(role).label, "url": reverse("accounts:change_new")}
    return _grant_conflict(user=user, agency=agency, role=role)


def reactivation_needs_approval(*, user: User) -> bool:
    """Whether turning this inactive account back on would give access that needs a second administrator."""
    return any(
        role_needs_approval(role=r)
        for r in Membership.objects.filter(user=user, is_active=True).values_list("role", flat=True)
    )


def _change_details(change: AccountChange, step: str) -> dict[str, str]:
    details = {"change": step, "kind": change.kind, "user": str(change.user_id)}
    if change.kind == ChangeKind.GRANT_ROLE:
        details |= {"role": change.role, "agency": change.agency.slug if change.agency else ""}
    return details


def _audit_change(actor: Actor, change: AccountChange, step: str) -> None:
    audit.entry_record(
        action=AuditAction.ADMIN_CHANGE,
        actor=actor,
        record_type="accounts.accountchange",
        record_id=change.pk,
        details=_change_details(change, step),
    )


def _validate_change(*, user: User, kind: str, agency: Agency | None, role: str) -> None:
    """What makes a change impossible whoever asks for it; checked when asked for and again when approved."""
    client = ApiClient.objects.filter(user=user).first()
    if client is not None:
        _validate_client_change(client=client, kind=kind, agency=agency, role=role)
    if kind == ChangeKind.GRANT_ROLE:
        if agency is None or not role:
            raise AccountChangeRefused(_("Choose the agency and the role to give."))
        conflict = _grant_conflict(user=user, agency=agency, role=role)
        if conflict:
            raise AccountChangeRefused(conflict, status=403, code="administrator_personal_data")
        if Membership.objects.filter(user=user, agency=agency, role=role, is_active=True).exists():
            raise AccountChangeRefused(
                _("%(user)s already has that role at %(agency)s.") % {"user": user, "agency": agency.name},
                status=409,
                code="no_change",
            )
    elif kind == ChangeKind.REACTIVATE and user.is_active:
        raise AccountChangeRefused(
            _("%(user)s's account is already active.") % {"user": user}, status=409, code="no_change"
        )


@transaction.atomic
def account_change_request(
    *, actor: Actor, user: User, kind: str, reason: str, agency: Agency | None = None, role: str = ""
) -> AccountChange:
    """Ask for a change that another administrator must approve. Nothing about `user` changes yet.

    Raises AccountChangeRefused for one's own account, for a role an administrator may not combine
    with personal data, and when the same change is already waiting.
    """
    _require_administrator(actor)
    _refuse_own_account(actor, user)
    if kind != ChangeKind.GRANT_ROLE:
        agency, role = None, ""
    _validate_change(user=user, kind=kind, agency=agency, role=role)
    # One request at a time per account and kind, so that a reviewer never approves a stale duplicate.
    User.objects.select_for_update().filter(pk=user.pk).first()
    waiting = AccountChange.objects.filter(user=user, kind=kind, status=ChangeStatus.PENDING)
    if kind == ChangeKind.GRANT_ROLE:
        waiting = waiting.filter(agency=agency)
    if waiting.exists():
        raise AccountChangeRefused(
            _("The same change to %(user)s's account is already waiting for approval.") % {"user": user},
            status=409,
            code="duplicate",
        )
    change = AccountChange.objects.create(
        kind=kind, user=user, agency=agency, role=role, reason=reason, requested_by=actor.user
    )
    _audit_change(actor, change, "requested")
    return change


def _lock_pending(change: AccountChange) -> AccountChange:
    locked = (
        AccountChange.objects.select_for_update(of=("self",))
        .select_related("user", "agency")
        .get(pk=change.pk)
    )
    if not locked.is_pending:
        already = {
            ChangeStatus.APPROVED: _("This change has already been approved."),
            ChangeStatus.REJECTED: _("This change has already been rejected."),
            ChangeStatus.WITHDRAWN: _("This change has already been withdrawn."),
        }
        raise AccountChangeRefused(already[ChangeStatus(locked.status)], status=409, code="decided")
    return locked


def account_change_may_decide(*, actor: Actor, change: AccountChange) -> bool:
    """A change is decided by an administrator who neither asked for it nor is its subject."""
    return allows(actor, Perm.ACCOUNTS_MANAGE) and actor.user.pk not in (
        change.requested_by_id,
        change.user_id,
    )


def _refuse_deciding(actor: Actor, change: AccountChange) -> None:
    _require_administrator(actor)
    if actor.user.pk == change.requested_by_id:
        raise AccountChangeRefused(
            _("You asked for this change, so another administrator must approve or reject it."),
            status=403,
            code="own_request",
        )
    if actor.user.pk == change.user_id:
        raise AccountChangeRefused(
            _("This change is to your own account, so another administrator must approve or reject it."),
            status=403,
            code="own_account",
        )


def _temporary_password() -> str:
    chars = "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(16))
    return "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def _apply(actor: Actor, change: AccountChange) -> str | None:
    user = change.user
    temporary = None
    if change.kind == ChangeKind.GRANT_ROLE:
        membership, created = Membership.objects.update_or_create(
            user=user, agency=change.agency, defaults={"role": change.role, "is_active": True}
        )
        record_type, record_id = "accounts.membership", membership.pk
        step = "added" if created else "changed"
    elif change.kind == ChangeKind.RESET_PASSWORD:
        temporary = _temporary_password()
        user.set_password(temporary)
        user.save(update_fields=["password"])
        record_type, record_id, step = "accounts.user", user.pk, "password_reset"
    elif change.kind == ChangeKind.RESET_SECOND_FACTOR:
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()
        record_type, record_id, step = "accounts.user", user.pk, "second_factor_reset"
    else:
        user.is_active = True
        user.save(update_fields=["is_active"])
        record_type, record_id, step = "accounts.user", user.pk, "reactivated"
    audit.entry_record(
        action=AuditAction.ADMIN_CHANGE,
        actor=actor,
        record_type=record_type,
        record_id=record_id,
        details={"change": step, "account_change": str(change.pk)},
    )
    return temporary


@transaction.atomic
def account_change_approve(*, actor: Actor, change: AccountChange, note: str = "") -> str | None:
    """Approve and apply a waiting change. Returns the temporary password of a password reset (shown
    once to the approver, never stored), otherwise None.

    Raises AccountChangeRefused for the one who asked, the account's own holder, a change already
    decided, and a change that is no longer possible (say, the account has since become an
    administrator's).
    """
    _refuse_deciding(actor, change)
    change = _lock_pending(change)
    _validate_change(user=change.user, kind=change.kind, agency=change.agency, role=change.role)
    change.status = ChangeStatus.APPROVED
    change.decided_by = actor.user
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _audit_change(actor, change, "approved")
    return _apply(actor, change)


@transaction.atomic
def account_change_reject(*, actor: Actor, change: AccountChange, note: str = "") -> AccountChange:
    """Reject a waiting change; nothing about the account changes."""
    _refuse_deciding(actor, change)
    change = _lock_pending(change)
    change.status = ChangeStatus.REJECTED
    change.decided_by = actor.user
    change.decided_at = timezone.now()
    change.decision_note = note
    change.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _audit_change(actor, change, "rejected")
    return change


@transaction.atomic
def account_change_withdraw(*, actor: Actor, change: AccountChange) -> AccountChange:
    """The administrator who asked for a change takes it back before it is decided."""
    _require_administrator(actor)
    if actor.user.pk != change.requested_by_id:
        raise AccountChangeRefused(
            _("Only the administrator who asked for a change can withdraw it."), status=403, code="not_yours"
        )
    change = _lock_pending(change)
    change.status = ChangeStatus.WITHDRAWN
    change.decided_by = actor.user
    change.decided_at = timezone.now()
    change.save(update_fields=["status", "decided_by", "decided_at"])
    _audit_change(actor, change, "withdrawn")
    return change


def account_change_refusal_record(
    *,
    actor: Actor,
    kind: str,
    refusal: AccountChangeRefused,
    user: User | None = None,
    change: AccountChange | None = None,
) -> None:
    """Audit a refused request or decision, so that an attempt to give oneself access, or to approve
    one's own request, leaves a trace."""
    record_type, record_id = (
        ("accounts.accountchange", change.pk)
        if change is not None
        else ("accounts.user", user.pk if user else "")
    )
    with transaction.atomic():
        audit.entry_record(
            action=AuditAction.ADMIN_CHANGE,
            actor=actor,
            record_type=record_type,
            record_id=record_id,
            details={"change": "refused", "kind": kind, "why": refusal.code},
        )


# --- API clients ---------------------------------------------------------------------------------------

TOKEN_DAYS_MAX = 365
_TOKEN_START = "pw_"  # noqa: S105 (the start every token has, not a secret)


def _validate_client_change(*, client: ApiClient, kind: str, agency: Agency | None, role: str) -> None:
    """An API client's account signs in with tokens alone and acts only for its own agency."""
    if client.revoked_at is not None:
        raise AccountChangeRefused(
            _("%(client)s has been revoked: register the system again.") % {"client": client.name},
            status=409,
            code="revoked",
        )
    if kind in (ChangeKind.RESET_PASSWORD, ChangeKind.RESET_SECOND_FACTOR):
        raise AccountChangeRefused(
            _("%(client)s is an API client: it has no password or second sign-in step. Issue it a new token.")
            % {"client": client.name},
            code="api_client",
        )
    if kind == ChangeKind.GRANT_ROLE and (agency != client.agency or role not in API_CLIENT_ROLES):
        raise AccountChangeRefused(
            _("An API client can only be a practitioner, manager or commissioner at its own agency."),
            code="api_client",
        )


def _client_username(name: str) -> str:
    base = "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-")[:40] or "system"
    return f"api-{base}-{secrets.token_hex(3)}"


@transaction.atomic
def api_client_register(
    *, actor: Actor, name: str, agency: Agency, role: str, contact: str, reason: str
) -> ApiClient:
    """Register another agency's system. It can do nothing until a second administrator approves its role
    (the account change this asks for) and an administrator issues it a token."""
    _require_administrator(actor)
    user = User(username=_client_username(name), full_name=name, is_active=True)
    user.set_unusable_password()
    user.save()
    client = ApiClient.objects.create(
        user=user, agency=agency, name=name, contact=contact, created_by=actor.user
    )
    audit.entry_record(
        action=AuditAction.ADMIN_CHANGE,
        actor=actor,
        record_type="accounts.apiclient",
        record_id=client.pk,
        details={"change": "registered", "agency": agency.slug, "role": role},
    )
    account_change_request(
        actor=actor, user=user, kind=ChangeKind.GRANT_ROLE, reason=reason, agency=agency, role=role
    )
    return client


def _digest(secret: str) -> str:
    # The secret is 256 random bits, so a plain digest cannot be reversed by guessing.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(
    *, actor: Actor, client: ApiClient, scopes: list[str], days: int, known: tuple[str, str] | None = None
) -> tuple[ApiToken, str]:
    """A new token for `client`, with the whole token returned once: only its digest is kept.

    `known` (a prefix and a secret) is for the demo alone, which prints its token beside its logins."""
    _require_administrator(actor)
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise AccountChangeRefused(
            _("%(client)s has been revoked: it cannot be given a token.") % {"client": client.name},
            status=409,
            code="revoked",
        )
    if not scopes or any(s not in API_SCOPES for s in scopes):
        raise AccountChangeRefused(_("Choose what the token may do."), code="scopes")
    if not 1 <= days <= TOKEN_DAYS_MAX:
        raise AccountChangeRefused(
            _("A token lasts from 1 to %(days)d days.") % {"days": TOKEN_DAYS_MAX}, code="days"
        )
    if known is not None and not settings.DEMO_MODE:
        raise RuntimeError("Only the demo issues a token it already knows.")
    prefix, secret = known or (secrets.token_hex(6), secrets.token_urlsafe(32))
    token = ApiToken.objects.create(
        client=client,
        prefix=prefix,
        digest=_digest(secret),
        scopes=sorted(set(scopes)),
        expires_at=timezone.now() + datetime.timedelta(days=days),
        created_by=actor.user,
    )
    audit.entry_record(
        action=AuditAction.ADMIN_CHANGE,
        actor=actor,
        record_type="accounts.apitoken",
        record_id=token.pk,
        details={
            "change": "token_issued",
            "client": str(client.pk),
            "token": prefix,
            "scopes": token.scopes,
            "expires": token.expires_at.date().isoformat(),
        },
    )
    return token, f"{_TOKEN_START}{prefix}.{secret}"


@transaction.atomic
def api_token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Stops the token at once. Taking access away never waits for a second administrator."""
    _require_administrator(actor)
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.revoked_by = actor.user
        token.save(update_fields=["revoked_at", "revoked_by"])
        audit.entry_record(
            action=AuditAction.ADMIN_CHANGE,
            actor=actor,
            record_type="accounts.apitoken",
            record_id=token.pk,
            details={"change": "token_revoked", "client": str(token.client_id), "token": token.prefix},
        )
    return token


@transaction.atomic
def api_client_revoke(*, actor: Actor, client: ApiClient) -> ApiClient:
    """Stops the system for good: every token revoked, its account turned off, anything waiting withdrawn."""
    _require_administrator(actor)
    client = ApiClient.objects.select_for_update().select_related("user").get(pk=client.pk)
    if client.revoked_at is not None:
        return client
    now = timezone.now()
    for token in client.tokens.filter(revoked_at__isnull=True):
        api_token_revoke(actor=actor, token=token)
    client.revoked_at, client.revoked_by = now, actor.user
    client.save(update_fields=["revoked_at", "revoked_by"])
    client.user.is_active = False
    client.user.save(update_fields=["is_active"])
    AccountChange.objects.filter(user=client.user, status=ChangeStatus.PENDING).update(
        status=ChangeStatus.WITHDRAWN, decided_by=F("requested_by"), decided_at=now
    )
    audit.entry_record(
        action=AuditAction.ADMIN_CHANGE,
        actor=actor,
        record_type="accounts.apiclient",
        record_id=client.pk,
        details={"change": "revoked"},
    )
    return client


def api_token_authenticate(*, presented: str) -> ApiToken | None:
    """The usable token `presented` is, or None: unknown, mistyped, expired, revoked, or its client's."""
    if not presented.startswith(_TOKEN_START) or "." not in presented:
        return None
    prefix, _dot, secret = presented[len(_TOKEN_START) :].partition(".")
    token = ApiToken.objects.select_related("client__user", "client__agency").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(secret)):
        return None
    now = timezone.now()
    if not token.is_usable(now) or token.client.revoked_at is not None or not token.client.user.is_active:
        return None
    # One write a minute at most: enough to show when a token was last used.
    if token.last_used_at is None or now - token.last_used_at > datetime.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


def api_token_refusal_record(*, presented: str) -> None:
    """A refused token is audited by its prefix alone: the secret is never written anywhere."""
    prefix = (
        presented[len(_TOKEN_START) :].partition(".")[0][:16] if presented.startswith(_TOKEN_START) else ""
    )
    audit.entry_record(
        action=AuditAction.API_TOKEN_REFUSED,
        record_type="accounts.apitoken",
        details={"token": prefix},
    )
