"""Response headers on every kind of page, and the production settings' own checks."""

from __future__ import annotations

import os
import re
import secrets
import string
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from pathways.accounts.models import User
from pathways.core.access import Role
from pathways.factories import PASSWORD

pytestmark = pytest.mark.django_db

HTML_PAGES = {
    "home": "/en/",
    "sign-in": "/en/sign-in/",
    "welsh-sign-in": "/cy/sign-in/",
    "not-found": "/en/no-such-page/",
}
API_401 = "/api/v1/services/"


def _directives(response: object) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]  # type: ignore[index]
    parsed: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def _assert_common_headers(response: object) -> dict[str, list[str]]:
    csp = _directives(response)
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["default-src"] == ["'self'"]
    assert not {"'unsafe-inline'", "'unsafe-eval'", "*"} & set(csp["script-src"])
    assert response["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    assert response["Referrer-Policy"] == "same-origin"  # type: ignore[index]
    assert response["X-Frame-Options"] == "DENY"  # type: ignore[index]
    return csp


@pytest.mark.parametrize("url", HTML_PAGES.values(), ids=HTML_PAGES.keys())
def test_html_pages_carry_the_security_headers_and_a_script_nonce(url: str) -> None:
    response = Client().get(url)

    csp = _assert_common_headers(response)
    nonces = [source for source in csp["script-src"] if source.startswith("'nonce-")]
    assert len(nonces) == 1
    nonce = nonces[0][len("'nonce-") : -1]
    assert len(nonce) >= 16
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts
    assert all(f'nonce="{nonce}"' in tag for tag in scripts)


def test_nonce_differs_between_responses() -> None:
    first = _directives(Client().get("/en/sign-in/"))["script-src"]
    second = _directives(Client().get("/en/sign-in/"))["script-src"]

    assert first != second


def test_api_refusal_carries_the_security_headers() -> None:
    response = Client().get(API_401)

    assert response.status_code == 401
    csp = _assert_common_headers(response)
    # A JSON answer runs no scripts, so it is given no nonce: only same-origin scripts, and none inline.
    assert csp["script-src"] == ["'self'"]
    assert "no-store" in response["Cache-Control"]


def _sign_in(user: User) -> Client:
    client = Client()
    client.post("/en/sign-in/", {"username": user.username, "password": PASSWORD})
    return client


def test_pages_seen_after_the_password_are_not_stored(persona: Callable[[str], User]) -> None:
    client = _sign_in(persona(Role.PRACTITIONER))

    response = client.get("/en/sign-in/code/")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    _assert_common_headers(response)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/en/insights/gap-map/", 200),
        ("/en/account/", 200),
        ("/en/services/", 200),
        ("/api/v1/areas/", 200),
        ("/en/no-such-page/", 404),
    ],
)
def test_signed_in_pages_are_not_stored(persona: Callable[[str], User], url: str, status: int) -> None:
    user = persona(Role.PRACTITIONER)
    client = _sign_in(user)
    device = TOTPDevice.objects.get(user=user)
    client.post("/en/sign-in/code/", {"code": f"{totp(device.bin_key):06d}"})

    response = client.get(url)

    assert response.status_code == status
    assert "no-store" in response["Cache-Control"]
    _assert_common_headers(response)


@pytest.mark.parametrize("url", ["/fr/insights/gap-map/", "/xx/", "/fr/sign-in/"])
def test_unknown_language_prefix_gives_the_not_found_page(url: str) -> None:
    response = Client().get(url)

    assert response.status_code == 404
    assert '<h1 class="govuk-heading-l">Page not found</h1>' in response.content.decode()


def test_unknown_language_prefix_when_signed_in_gives_the_not_found_page(
    client_as: Callable[[str], Client],
) -> None:
    response = client_as(Role.PRACTITIONER).get("/fr/insights/gap-map/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


# --- Production settings, run in a separate process --------------------------------------------------

_OUR_VARIABLES = {
    "PATHWAYS_ENV",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "AUDIT_CHAIN_KEYS",
    "ALLOWED_HOSTS",
    "PATHWAYS_DEMO",
    "DEBUG",
    "DATABASE_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "STATIC_ROOT",
    "DJANGO_SETTINGS_MODULE",
}


def _production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _OUR_VARIABLES}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "pathways.settings",
            "PATHWAYS_ENV": "production",
            "SECRET_KEY": "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(60)),
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "AUDIT_CHAIN_KEYS": "2026a:" + secrets.token_urlsafe(32),
            "ALLOWED_HOSTS": "pathways.example.org",
            "PATHWAYS_DEMO": "false",
            "STATIC_ROOT": str(tmp_path / "static"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        }
    )
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(False)
def test_production_settings_pass_the_deploy_check_with_no_warnings(tmp_path: Path) -> None:
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production_env(tmp_path))

    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output
    assert "?: (security." not in output


_PROBE = """
import django
django.setup()
from django.test import Client
client = Client(HTTP_HOST="pathways.example.org")
secure = client.get("/api/v1/services/", secure=True)
plain = client.get("/api/v1/services/")
print("SECURE", secure.status_code, secure.get("Strict-Transport-Security", "-"))
print("PLAIN", plain.status_code, plain.get("Location", "-"), plain.get("Strict-Transport-Security", "-"))
"""


@pytest.mark.django_db(False)
def test_production_sends_hsts_on_secure_requests_and_redirects_plain_ones(tmp_path: Path) -> None:
    result = _run(["-c", _PROBE], _production_env(tmp_path))

    assert result.returncode == 0, result.stderr
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines() if " " in line)
    assert lines["SECURE"] == "401 max-age=63072000; includeSubDomains; preload"
    assert lines["PLAIN"] == "301 https://pathways.example.org/api/v1/services/ -"


@pytest.mark.django_db(False)
@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "too-short"}, "SECRET_KEY"),
        ({"DEBUG": "true"}, "DEBUG"),
        ({"PATHWAYS_DEMO": "true"}, "PATHWAYS_DEMO"),
        ({"FIELD_ENCRYPTION_KEYS": None}, "FIELD_ENCRYPTION_KEYS"),
        ({"DEBUG": "maybe"}, "DEBUG"),
    ],
    ids=["no-secret-key", "short-secret-key", "debug", "demo", "no-field-keys", "bad-boolean"],
)
def test_production_refuses_to_start_with_unsafe_settings(
    tmp_path: Path, changes: dict[str, str | None], named: str
) -> None:
    result = _run(["manage.py", "check"], _production_env(tmp_path, **changes))

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr.strip().splitlines()[-1]
