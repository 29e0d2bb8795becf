"""Characters that no database can store, refused at the door with a 400 that says where they were.

PostgreSQL cannot hold a null character (U+0000) in text, and neither database driver can encode a lone
UTF-16 surrogate (U+D800 to U+DFFF, which JSON can carry as an escape such as "\\ud800"). Either one,
left to reach a query, fails inside the database driver as a server error, and only on PostgreSQL for
the null character, so it goes unnoticed on SQLite. Neither is ever part of real text, so they are
refused wherever a request can carry them, in one place rather than field by field:

- the address itself and the query string (names and values),
- cookies (a quoted cookie value can carry "\\000", which reached the session table),
- form bodies, urlencoded and multipart (names, values and the names of uploaded files),
- JSON bodies, whatever the method (keys and values, at any depth; the field is named as a path such as
  "person.area" or "children[0].given_name").

The CSV imports are checked by their shared reader, pathways.core.csvimport.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Only a body with one of these, escaped or not, can decode to an unstorable string, so other bodies are
# not decoded twice. (A raw null is not valid JSON, but a declared charset can produce a raw surrogate.)
_JSON_SUSPECT = re.compile("\\\\u(?:0000|[dD][89a-fA-F])|[\x00\ud800-\udfff]")
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
_NAME_SHOWN = 80


@dataclass(frozen=True)
class Unstorable:
    """Where an unstorable character was found: `kind` is field, parameter, cookie or address."""

    kind: str
    name: str
    character: str

    @property
    def message(self) -> str:
        problem = "null" if self.character == "\x00" else "surrogate"
        text = _MESSAGES.get((self.kind, problem), _MESSAGES[("field", problem)])
        return f"{text % {'name': self.name}} {_('Remove it and try again. Nothing was changed.')}"


_MESSAGES = {
    ("address", "null"): gettext_lazy(
        "The address contains a null character (U+0000), which cannot be stored."
    ),
    ("parameter", "null"): gettext_lazy(
        "The query parameter “%(name)s” contains a null character (U+0000), which cannot be stored."
    ),
    ("cookie", "null"): gettext_lazy(
        "The cookie “%(name)s” contains a null character (U+0000), which cannot be stored."
    ),
    ("field", "null"): gettext_lazy(
        "The field “%(name)s” contains a null character (U+0000), which cannot be stored."
    ),
    ("field", "surrogate"): gettext_lazy(
        "The field “%(name)s” contains a lone surrogate (half of a character, U+D800 to U+DFFF), which "
        "cannot be stored."
    ),
}


def first_unstorable(text: str) -> str | None:
    """The first character in `text` that cannot be stored, if any."""
    found = UNSTORABLE.search(text)
    return found.group() if found else None


def shown(name: str) -> str:
    """A name as it can be shown back: unstorable characters written as escapes, and not too long."""
    written = UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", name)
    return written if len(written) <= _NAME_SHOWN else written[: _NAME_SHOWN - 1] + "…"


def in_pairs(kind: str, pairs: Iterable[tuple[str, Iterable[str]]]) -> Unstorable | None:
    """The first name or value among (name, values) pairs holding an unstorable character."""
    for name, values in pairs:
        for text in (name, *values):
            character = first_unstorable(text)
            if character is not None:
                return Unstorable(kind, shown(name), character)
    return None


def in_json(value: Any, path: str = "") -> Unstorable | None:
    """The first key or string in a decoded JSON document holding an unstorable character, named by its
    path: "person.area", "children[0].given_name"; the body itself is ""."""
    for where, text in _json_strings(value, path):
        character = first_unstorable(text)
        if character is not None:
            return Unstorable("field", shown(where) or _("the request body"), character)
    return None


def _json_strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    # Iterative, so that a deeply nested document cannot exhaust the stack.
    stack: list[tuple[str, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            yield where, item
        elif isinstance(item, dict):
            entries = []
            for key, child in item.items():
                named = f"{where}.{key}" if where else str(key)
                yield named, str(key)
                entries.append((named, child))
            stack.extend(reversed(entries))
        elif isinstance(item, list):
            stack.extend(reversed([(f"{where}[{i}]", child) for i, child in enumerate(item)]))


def in_request(request: HttpRequest) -> Unstorable | None:
    """The first unstorable character anywhere a request can carry text to the database."""
    if first_unstorable(request.path_info) is not None:
        return Unstorable("address", "", "\x00")
    found = in_pairs("parameter", request.GET.lists()) or in_pairs("cookie", _cookies(request))
    if found is not None or request.method in ("GET", "HEAD", "OPTIONS"):
        return found
    content_type = request.content_type or ""
    if request.method == "POST" and content_type in _FORM_TYPES:
        files = ((name, [f.name or "" for f in uploads]) for name, uploads in request.FILES.lists())
        return in_pairs("field", request.POST.lists()) or in_pairs("field", files)
    if content_type == "application/json" or content_type.endswith("+json"):
        # Decoded as the API decodes it: with the charset the request declares.
        try:
            text = request.body.decode(request.encoding or settings.DEFAULT_CHARSET)
        except (LookupError, UnicodeDecodeError):
            return None  # the API cannot read it either, and refuses it with its own message
        if not _JSON_SUSPECT.search(text):
            return None
        try:
            document = json.loads(text)
        except ValueError:
            return None
        return in_json(document)
    return None


def _cookies(request: HttpRequest) -> Iterator[tuple[str, list[str]]]:
    for name, value in request.COOKIES.items():
        yield name, [value]


class UnstorableInputMiddleware:
    """Refuses a request carrying an unstorable character with a 400 naming where it was.

    It sits before the session middleware so that a bad session cookie never reaches the session table,
    and so it chooses the page's language itself, from the address, the language cookie or the browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        found = in_request(request)
        if found is None:
            return self.get_response(request)
        with translation.override(translation.get_language_from_request(request, check_path=True)):
            message = found.message
            if request.path_info.startswith("/api/"):
                body: dict[str, Any] = {"detail": message}
                if found.kind == "field":
                    body["errors"] = {found.name: [message]}
                return JsonResponse(body, status=400)
            return render(request, "errors/400.html", {"message": message}, status=400)
