"""Account actions shared by the sign-in pages, the admin and the demo loader."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.models import User
from pathways.audit import services as audit
from pathways.audit.choices import AuditAction
from pathways.core.policy import Actor

BACKUP_CODE_COUNT = 10


def confirmed_totp(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_totp(user: User) -> TOTPDevice:
    """The unconfirmed device shown during enrolment; the same one until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def confirm_enrolment(
    *, actor: Actor, device: TOTPDevice, code: str, request: HttpRequest
) -> list[str] | None:
    """Confirm the device with a first code; returns the new backup codes, or None if the code is wrong."""
    if not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    codes = replace_backup_codes(device.user)
    otp_login(request, device)
    audit.record(
        action=AuditAction.SECOND_FACTOR_ENROLLED,
        actor=actor,
        request=request,
        record_type="user",
        record_id=device.user.pk,
    )
    return codes


def replace_backup_codes(user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name="backup", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def verify_second_factor(*, actor: Actor, code: str, request: HttpRequest) -> bool:
    """Accept a TOTP code (each one once only) or an unused backup code (then spent)."""
    user = actor.user
    totp = confirmed_totp(user)
    if totp is not None and code.isdigit() and len(code) == 6 and totp.verify_token(code):
        otp_login(request, totp)
        audit.record(
            action=AuditAction.SECOND_FACTOR_VERIFIED,
            actor=actor,
            request=request,
            record_type="user",
            record_id=user.pk,
        )
        return True
    for backup in StaticDevice.objects.filter(user=user, confirmed=True):
        if backup.verify_token(code):
            otp_login(request, backup)
            audit.record(
                action=AuditAction.BACKUP_CODE_USED,
                actor=actor,
                request=request,
                record_type="user",
                record_id=user.pk,
                details={"remaining": backup.token_set.count()},
            )
            return True
    return False


def demo_totp_key(username: str) -> str:
    """A fixed key per demo user, so that `manage.py demo_code` can show the current code."""
    if not settings.DEMO_MODE:
        raise RuntimeError("Demo keys exist only in demo mode.")
    return hashlib.sha1(f"pathways-demo:{username}".encode(), usedforsecurity=False).hexdigest()
