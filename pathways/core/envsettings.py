"""Reading the environment variables that configure Pathways, each checked as it is read.

A value that is missing, malformed or unsafe stops the server at start-up with an ImproperlyConfigured
that names the variable and says how to put it right, rather than starting with a half-working setting or
failing later with a traceback from deep inside Django. Secrets (keys, database passwords) are never
repeated in a message.

Imported by pathways/settings.py before Django is set up, so it uses nothing that needs settings.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

FIELD_KEY_HELP = (
    'generate one with: python -c "from cryptography.fernet import Fernet; '
    'print(Fernet.generate_key().decode())"'
)
_HOST = re.compile(
    r"^(?:\.?[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?"
    r"|\[[0-9a-f:.]+\]|\*)$",
    re.IGNORECASE,
)
_ORIGIN = re.compile(
    r"^(https?)://(\*\.)?[a-z0-9.-]+(?::[0-9]{1,5})?$|^(https?)://\[[0-9a-f:.]+\](?::[0-9]{1,5})?$",
    re.IGNORECASE,
)
_META_HEADER = re.compile(r"^HTTP_[A-Z0-9_]+$")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
DATABASE_EXAMPLE = (
    "postgres://pathways:PASSWORD@db.internal:5432/pathways or sqlite:////srv/pathways/db.sqlite3"
)


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        raise ImproperlyConfigured(f"Set the environment variable {name}.")
    return value


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    if raw.strip().lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.strip().lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_path(name: str, *, production: bool) -> Path | None:
    """A folder, absolute in production (a relative one would depend on where the server was started)."""
    raw = os.environ.get(name)
    if raw is None:
        return None
    if not raw.strip():
        raise ImproperlyConfigured(f"{name} is empty; give a folder, e.g. {name}=/srv/pathways/static.")
    path = Path(raw.strip())
    if production and not path.is_absolute():
        raise ImproperlyConfigured(
            f"{name} must be an absolute path in production, not {raw!r}; e.g. {name}=/srv/pathways/static."
        )
    return path


def env_int(name: str, default: int, *, minimum: int) -> int:
    """A whole number of at least `minimum`."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(
            f"{name} must be a whole number of at least {minimum}, not {raw!r}; for example {name}={default}."
        ) from None
    if value < minimum:
        raise ImproperlyConfigured(
            f"{name} must be at least {minimum}, not {value}; for example {name}={default}."
        )
    return value


def env_choice(name: str, default: str, choices: tuple[str, ...], *, upper: bool = False) -> str:
    raw = os.environ.get(name, default).strip()
    value = raw.upper() if upper else raw
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {raw!r}.")
    return value


def check_secret_key(name: str, value: str, *, production: bool, development_value: str) -> str:
    if not value.strip():
        raise ImproperlyConfigured(f"{name} is empty; set it to 50 or more random characters.")
    if production and (
        len(value) < 50
        or len(set(value)) < 5
        or value == development_value
        or value.startswith("django-insecure")
    ):
        raise ImproperlyConfigured(
            f"{name} must be at least 50 random characters in production (not the development key); "
            'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
        )
    return value


def check_fernet_keys(name: str, keys: list[str]) -> list[str]:
    """Each key must be a Fernet key: 32 bytes in URL-safe base64 (44 characters). The key is never
    repeated in the message; its position is."""
    for position, key in enumerate(keys, start=1):
        try:
            raw = base64.b64decode(key.encode("ascii"), altchars=b"-_", validate=True)
        except (binascii.Error, UnicodeEncodeError):
            raw = b""
        if len(raw) != 32 or base64.urlsafe_b64encode(raw).decode() != key:
            which = f"key {position} of {len(keys)}" if len(keys) > 1 else "the key"
            raise ImproperlyConfigured(
                f"{name}: {which} is not a Fernet key (32 bytes in URL-safe base64, 44 characters ending "
                f"in '='); keys are separated by commas, newest first; {FIELD_KEY_HELP}"
            )
    return keys


def check_hosts(name: str, hosts: list[str], *, production: bool) -> list[str]:
    if not hosts:
        raise ImproperlyConfigured(
            f"Set {name} to the host names the site answers to, separated by commas, "
            f"e.g. {name}=pathways.example.org (with none, every request is refused)."
        )
    for host in hosts:
        if not _HOST.match(host):
            raise ImproperlyConfigured(
                f"{name}: {host!r} is not a host name; list names only, without scheme, port or path, "
                "separated by commas, e.g. pathways.example.org."
            )
        if production and (host == "*" or host.startswith(".")):
            raise ImproperlyConfigured(
                f"{name}: {host!r} is a wildcard, which lets requests for any host name through; in "
                "production list each host name, e.g. pathways.example.org."
            )
    return hosts


def check_origins(name: str, origins: list[str], *, production: bool) -> list[str]:
    for origin in origins:
        match = _ORIGIN.match(origin)
        if not match:
            raise ImproperlyConfigured(
                f"{name}: {origin!r} is not an origin; give the scheme and host name (and a port only if "
                "it is not the usual one), without a path, e.g. https://pathways.example.org."
            )
        if production and (not origin.lower().startswith("https://") or "*" in origin):
            raise ImproperlyConfigured(
                f"{name}: {origin!r} is not allowed in production; give each origin with https://, "
                "without wildcards, e.g. https://pathways.example.org."
            )
    return origins


def check_meta_header(name: str, value: str) -> str:
    """A request header as Django names it in request.META (HTTP_ and the name in capitals)."""
    if value and not _META_HEADER.match(value):
        suggestion = "HTTP_" + re.sub(r"[^A-Z0-9]+", "_", value.upper()).strip("_").removeprefix("HTTP_")
        raise ImproperlyConfigured(
            f"{name} must name the header as Django sees it, e.g. {suggestion} for the header "
            f"{value!r}, or be empty when the server faces clients directly."
        )
    return value


def database_from_url(name: str, url: str, *, conn_max_age: int) -> dj_database_url.DBConfig:
    """The database settings from a URL; only PostgreSQL and SQLite are supported. The URL is never
    repeated in a message, since it holds the password."""
    try:
        database = dj_database_url.parse(url, conn_max_age=conn_max_age)
    except (ValueError, dj_database_url.ParseError, dj_database_url.UnknownSchemeError):
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme in {"postgres", "postgresql", "pgsql", "sqlite"}:
            problem = (
                "it cannot be read (check the port, and that special characters in the password are "
                "%-encoded)"
            )
        elif re.fullmatch(r"[a-z][a-z0-9+.-]{0,19}", scheme):
            problem = f"the scheme {scheme!r} is not supported"
        else:
            problem = "it is not a database URL"
        raise ImproperlyConfigured(
            f"{name} cannot be used: {problem}; for example {name}={DATABASE_EXAMPLE}."
        ) from None
    engine = database["ENGINE"]
    if engine not in {"django.db.backends.postgresql", "django.db.backends.sqlite3"}:
        raise ImproperlyConfigured(
            f"{name} names a {engine.rsplit('.', 1)[-1]} database; Pathways runs on PostgreSQL or SQLite, "
            f"for example {name}={DATABASE_EXAMPLE}."
        )
    if not database.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database; for example {name}={DATABASE_EXAMPLE}.")
    if database["NAME"] == ":memory:":
        raise ImproperlyConfigured(
            f"{name} names an in-memory SQLite database, whose data would be lost when the server stops; "
            f"give a file, for example {name}=sqlite:////srv/pathways/db.sqlite3."
        )
    return database


def log_level(name: str, default: str) -> str:
    return env_choice(name, default, LOG_LEVELS, upper=True)
