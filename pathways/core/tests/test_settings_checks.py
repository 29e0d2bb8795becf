"""Every environment variable is checked at start-up: a bad value stops the server with a message that
names the variable and says what to set, and never repeats a secret.

Each case starts Django in a fresh process with the environment as an operator would have set it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SETUP = "import django; django.setup(); print('started')"
# Variables that settings.py reads; each run starts from none of them set, as on a fresh server.
READ = (
    "PATHWAYS_ENV",
    "DEBUG",
    "PATHWAYS_DEMO",
    "SECRET_KEY",
    "FIELD_ENCRYPTION_KEYS",
    "AUDIT_CHAIN_KEYS",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "PATHWAYS_CLIENT_IP_HEADER",
    "PATHWAYS_SELF_REFERRALS_PER_ADDRESS",
    "PATHWAYS_SELF_REFERRALS_PER_NETWORK",
    "PATHWAYS_SELF_REFERRALS_PER_HOUR",
    "DATABASE_URL",
    "DATABASE_CONN_MAX_AGE",
    "AXES_FAILURE_LIMIT",
    "AXES_COOLOFF_MINUTES",
    "SECURE_SSL_REDIRECT",
    "STATIC_ROOT",
    "LOG_LEVEL",
)
GOOD_KEY = Fernet.generate_key().decode()
PRODUCTION = {
    "PATHWAYS_ENV": "production",
    "SECRET_KEY": "k3Y-" + "x9Qz" * 13,
    "FIELD_ENCRYPTION_KEYS": GOOD_KEY,
    "AUDIT_CHAIN_KEYS": "2026a:" + secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": "pathways.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://pathways.example.org",
    "DATABASE_URL": "postgres://pathways:hunter2@127.0.0.1:5432/pathways",
    "STATIC_ROOT": "/srv/pathways/static",
}


def start(environment: dict[str, str], code: str = SETUP) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in READ}
    env.update({"DJANGO_SETTINGS_MODULE": "pathways.settings", **environment})
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def refused(environment: dict[str, str]) -> str:
    """The message the server stops with (the last line of its output)."""
    result = start(environment)
    assert result.returncode != 0, f"started with {environment}"
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), result.stderr
    return last.removeprefix("django.core.exceptions.ImproperlyConfigured: ")


def test_the_defaults_start() -> None:
    result = start({})
    assert result.returncode == 0 and "started" in result.stdout, result.stderr


def test_a_complete_production_configuration_starts_and_passes_the_deployment_checks() -> None:
    result = start(PRODUCTION)
    assert result.returncode == 0, result.stderr
    check = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env={**{k: v for k, v in os.environ.items() if k not in READ}, **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr


# The reproductions in the issue, then every other variable.
@pytest.mark.parametrize(
    ("environment", "expected"),
    [
        ({"FIELD_ENCRYPTION_KEYS": "not-a-key"}, "FIELD_ENCRYPTION_KEYS: the key is not a Fernet key"),
        ({"DATABASE_CONN_MAX_AGE": "abc"}, "DATABASE_CONN_MAX_AGE must be a whole number"),
        ({**PRODUCTION, "ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS: '*' is a wildcard"),
        ({"PATHWAYS_SELF_REFERRALS_PER_HOUR": "-1"}, "PATHWAYS_SELF_REFERRALS_PER_HOUR must be at least 1"),
        ({"FIELD_ENCRYPTION_KEYS": f"{GOOD_KEY},{GOOD_KEY[:-2]}!="}, "key 2 of 2 is not a Fernet key"),
        ({"FIELD_ENCRYPTION_KEYS": GOOD_KEY[:-4]}, "not a Fernet key"),
        ({"DATABASE_CONN_MAX_AGE": "-5"}, "DATABASE_CONN_MAX_AGE must be at least 0"),
        (
            {"PATHWAYS_SELF_REFERRALS_PER_ADDRESS": "0"},
            "PATHWAYS_SELF_REFERRALS_PER_ADDRESS must be at least 1",
        ),
        (
            {"PATHWAYS_SELF_REFERRALS_PER_NETWORK": "lots"},
            "PATHWAYS_SELF_REFERRALS_PER_NETWORK must be a whole",
        ),
        ({"AXES_FAILURE_LIMIT": "0"}, "AXES_FAILURE_LIMIT must be at least 1"),
        ({"AXES_COOLOFF_MINUTES": "15m"}, "AXES_COOLOFF_MINUTES must be a whole number"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ".example.org"}, "ALLOWED_HOSTS: '.example.org' is a wildcard"),
        (
            {"ALLOWED_HOSTS": "https://pathways.example.org"},
            "ALLOWED_HOSTS: 'https://pathways.example.org' is not",
        ),
        ({"ALLOWED_HOSTS": "pathways.example.org:443"}, "without scheme, port or path"),
        ({"ALLOWED_HOSTS": " , "}, "Set ALLOWED_HOSTS to the host names"),
        ({**PRODUCTION, "ALLOWED_HOSTS": ""}, "Set ALLOWED_HOSTS"),
        (
            {"CSRF_TRUSTED_ORIGINS": "pathways.example.org"},
            "CSRF_TRUSTED_ORIGINS: 'pathways.example.org' is not",
        ),
        ({**PRODUCTION, "CSRF_TRUSTED_ORIGINS": "http://pathways.example.org"}, "with https://"),
        ({"PATHWAYS_CLIENT_IP_HEADER": "X-Real-IP"}, "e.g. HTTP_X_REAL_IP for the header 'X-Real-IP'"),
        ({"DATABASE_URL": "mysql://db.internal/pathways"}, "DATABASE_URL names a mysql database"),
        ({"DATABASE_URL": "db.internal/pathways"}, "DATABASE_URL cannot be used: it is not a database URL"),
        ({"DATABASE_URL": "postgres://db.internal:5432/"}, "DATABASE_URL names no database"),
        ({"DATABASE_URL": "sqlite://"}, "DATABASE_URL names an in-memory SQLite database"),
        ({"LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL"),
        ({"PATHWAYS_ENV": "staging"}, "PATHWAYS_ENV must be one of development, production"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"PATHWAYS_DEMO": "2"}, "PATHWAYS_DEMO must be true or false"),
        ({**PRODUCTION, "SECURE_SSL_REDIRECT": "sometimes"}, "SECURE_SSL_REDIRECT must be true or false"),
        ({**PRODUCTION, "DEBUG": "true"}, "DEBUG cannot be on when PATHWAYS_ENV=production"),
        ({**PRODUCTION, "PATHWAYS_DEMO": "on"}, "PATHWAYS_DEMO cannot be on"),
        ({"SECRET_KEY": "  "}, "SECRET_KEY is empty"),
        ({**PRODUCTION, "SECRET_KEY": "short"}, "SECRET_KEY must be at least 50 random characters"),
        ({**PRODUCTION, "SECRET_KEY": "a" * 60}, "SECRET_KEY must be at least 50 random characters"),
        (
            {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"},
            "Set the environment variable SECRET_KEY",
        ),
        ({k: v for k, v in PRODUCTION.items() if k != "FIELD_ENCRYPTION_KEYS"}, "Set FIELD_ENCRYPTION_KEYS"),
        ({"STATIC_ROOT": ""}, "STATIC_ROOT is empty"),
        ({**PRODUCTION, "STATIC_ROOT": "static"}, "STATIC_ROOT must be an absolute path in production"),
    ],
    ids=lambda value: (
        ("production" if "PATHWAYS_ENV" in value else "development") if isinstance(value, dict) else value
    ),
)
def test_a_bad_value_stops_the_server_naming_it(environment: dict[str, str], expected: str) -> None:
    assert expected in refused(environment)


def test_secrets_are_never_repeated_in_the_message() -> None:
    bad_key = GOOD_KEY[:-2] + "!="
    message = refused({"FIELD_ENCRYPTION_KEYS": f"{GOOD_KEY},{bad_key}"})
    assert GOOD_KEY not in message and bad_key not in message
    message = refused({"DATABASE_URL": "postgres://pathways:hunter2@db.internal:abc/pathways"})
    assert "DATABASE_URL" in message and "hunter2" not in message


def test_manage_py_stops_with_the_same_message() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env={
            **{k: v for k, v in os.environ.items() if k not in READ},
            "DATABASE_CONN_MAX_AGE": "abc",
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: DATABASE_CONN_MAX_AGE must be a whole number" in result.stderr
