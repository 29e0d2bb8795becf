from __future__ import annotations

import re

from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from pathways.accounts.models import User


def login_password_only(client: Client, user: User) -> Client:
    """A session that has passed the password step but not the second factor."""
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def _routes(patterns: list[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    found: list[str] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            found += _routes(p.url_patterns, prefix + str(p.pattern))
        else:
            found.append(prefix + str(p.pattern))
    return found


def crawl_paths(ids: dict[str, list[str]], *, skip: tuple[str, ...] = ("admin/",)) -> list[str]:
    """A concrete path for every URL pattern and every id given for its first parameter (patterns with a
    parameter no id is given for are left out, as are the regex ones and those containing `skip`)."""
    paths = []
    for route in _routes(get_resolver().url_patterns):
        if "(?P<" in route or any(s in route for s in skip):
            continue
        names = re.findall(r"<(?:\w+:)?(\w+)>", route)
        if not names:
            paths.append("/" + route)
            continue
        for value in ids.get(names[0], []):
            paths.append("/" + re.sub(r"<(?:\w+:)?\w+>", value, route))
    return paths


def response_text(response: object) -> str:
    """What a response sent, streamed (a CSV download) or not."""
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode(errors="replace")  # type: ignore[attr-defined]
    return response.content.decode(errors="replace")  # type: ignore[attr-defined]
