"""Small helpers for driving the sign-in pages the way a browser does."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.models import User
from pathways.factories import PASSWORD, make_user

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

LOGIN_URL = "/en/sign-in/"
VERIFY_URL = "/en/sign-in/code/"
ENROL_URL = "/en/sign-in/set-up-code/"
BACKUP_CODES_URL = "/en/sign-in/backup-codes/"
CHOOSE_URL = "/en/sign-in/role/"
LOGOUT_URL = "/en/sign-out/"
PROFILE_URL = "/en/account/"
PASSWORD_URL = "/en/account/password/"
GAP_MAP_URL = "/en/insights/gap-map/"
REFERRALS_URL = "/en/referrals/"
# Where a practitioner starts: their work (new referrals, tasks, panel meetings).
WORK_URL = "/en/work/"
ADMIN_URL = "/en/admin/"

WRONG_CREDENTIALS = "Enter a correct username and password. Both are case-sensitive."
WRONG_CODE = "That code is not right, or it has already been used."
ERROR_SUMMARY = "There is a problem"


def newly_joined(colleague: User) -> User:
    """Someone just given the same role at a cast login's agency, who has not yet set up an authenticator
    app: no one in the cast is without one."""
    membership = colleague.memberships.select_related("agency").get()
    return make_user("new-starter", membership.agency, membership.role, totp=False)


def current_code(device: TOTPDevice) -> str:
    """The code an authenticator app shows right now for this device."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """A well-formed code that no authenticator app would show for this device around now."""
    near = {
        f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=d):06d}"
        for d in range(-3, 4)
    }
    return next(f"{n:06d}" for n in range(123456, 999999) if f"{n:06d}" not in near)


def give_password(
    client: Client, username: str, password: str = PASSWORD, *, url: str = LOGIN_URL, **extra: Any
) -> TestResponse:
    return client.post(url, {"username": username, "password": password}, **extra)


def give_code(client: Client, code: str) -> TestResponse:
    return client.post(VERIFY_URL, {"code": code})


def is_signed_in(client: Client) -> bool:
    """Whether this browser can reach a page that needs a full sign-in."""
    return client.get(GAP_MAP_URL).status_code == 200


def session_cookie(client: Client) -> str:
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def page_text(response: TestResponse) -> str:
    """The page with tags removed and white space collapsed, as a reader would see it."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())
