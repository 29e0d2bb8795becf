"""The API reference page's content: the OpenAPI document, generated in-process, walked into plain records
that a template shows without knowing OpenAPI.

Every `$ref` is followed into the components, so that a request or response body is listed field by field
(nested objects and lists of objects as `person.given_name`, `children[].school`), with each field's
type, whether it is required, its description, its limits and its allowed values. Who may call each
operation comes from the access policy itself (URL_RULES), so the page cannot drift from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from drf_spectacular.generators import SchemaGenerator

from pathways.core.access import Role
from pathways.core.policy import ROLE_PERMISSIONS, Perm, rule_for

# Nesting deeper than this is listed as an object, not field by field: no body here goes near it, and a
# schema that refers to itself must end somewhere.
MAX_DEPTH = 5
READING_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
METHODS = ("get", "post", "put", "patch", "delete")
# Formats that say no more than the type does to someone writing a client.
PLAIN_FORMATS = frozenset({"int32", "int64", "float", "double"})
# Bounds at the limits of the database's integers say nothing a reader needs.
LARGEST_WORTH_SHOWING = 2**31 - 1
ENUM_LINE = re.compile(r"^\* `(?P<value>[^`]*)` - (?P<label>.*)$")

STATUS_NAMES = {
    200: gettext_lazy("OK"),
    201: gettext_lazy("Created"),
    204: gettext_lazy("No content"),
    400: gettext_lazy("Bad request"),
    401: gettext_lazy("Not signed in"),
    403: gettext_lazy("Forbidden"),
    404: gettext_lazy("Not found"),
    405: gettext_lazy("Method not allowed"),
    409: gettext_lazy("Conflict"),
    429: gettext_lazy("Too many requests"),
}
LOCATIONS = {
    "path": gettext_lazy("In the path"),
    "query": gettext_lazy("In the query string"),
    "header": gettext_lazy("In a header"),
    "cookie": gettext_lazy("In a cookie"),
}


@dataclass(frozen=True)
class Span:
    """A run of text, shown as code when the schema quoted it in backticks."""

    text: str
    code: bool = False


Paragraph = tuple[Span, ...]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: Paragraph
    notes: tuple[Paragraph, ...]
    choices: tuple[Choice, ...]


@dataclass(frozen=True)
class Parameter(Field):
    """A field sent in the path, the query string or a header."""

    location: str


@dataclass(frozen=True)
class Body:
    shape: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class Answer:
    """One of an operation's responses."""

    status: str
    title: str
    description: Paragraph
    body: Body | None


@dataclass(frozen=True)
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: tuple[Paragraph, ...]
    sign_in: tuple[str, ...]
    roles: tuple[str, ...]
    parameters: tuple[Parameter, ...]
    request: Body | None
    answers: tuple[Answer, ...]


@dataclass(frozen=True)
class ApiReference:
    title: str
    version: str
    operations: tuple[Operation, ...]


def api_schema() -> dict[str, Any]:
    """The OpenAPI document that `api:schema` serves, generated in this process rather than fetched."""
    schema: dict[str, Any] = SchemaGenerator().get_schema(request=None, public=True)
    return schema


def api_reference(*, schema: Mapping[str, Any]) -> ApiReference:
    walker = _Walker(schema)
    info = schema.get("info", {})
    routes = _api_routes()
    operations = []
    for path, item in schema.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                operations.append(walker.operation(path, method, item[method], shared, routes.get(path)))
    return ApiReference(
        title=_text(info.get("title")), version=_text(info.get("version")), operations=tuple(operations)
    )


# --- text -------------------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    # Descriptions may be lazy translations, made into text in the language being shown.
    return "" if value is None else str(value)


def _spans(text: str) -> Paragraph:
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unmatched backtick: keep the text as written
        return (Span(text),) if text else ()
    return tuple(Span(part, code=bool(i % 2)) for i, part in enumerate(parts) if part)


def _paragraphs(text: str) -> tuple[Paragraph, ...]:
    blocks = re.split(r"\n\s*\n", text.strip())
    return tuple(_spans(" ".join(line.strip() for line in block.splitlines())) for block in blocks if block)


def _code(text: str) -> str:
    """Text to be shown as code: quoted in backticks, unless it holds one (then it stays plain)."""
    return text if "`" in text else f"`{text}`"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# --- the policy's side ---------------------------------------------------------------------------------


def _routes(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str = ""
) -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(part for part in (namespace, pattern.namespace or "") if part)
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif pattern.name:
            yield prefix + str(pattern.pattern), f"{namespace}:{pattern.name}" if namespace else pattern.name


def _api_routes() -> dict[str, str]:
    """Each API path as the OpenAPI document writes it (`/api/v1/referrals/{referral_id}/`), to its view
    name, by which the access policy keys its rules."""
    return {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route): name
        for route, name in _routes(get_resolver().url_patterns)
    }


def _roles(view_name: str | None, method: str) -> tuple[str, ...]:
    rule = rule_for(view_name) if view_name else None
    if rule is None:
        return ()
    needed: set[Perm] = {rule.perm} if rule.perm is not None else set()
    if rule.write_perm is not None and method.upper() not in READING_METHODS:
        needed.add(rule.write_perm)
    return tuple(str(Role(role).label) for role, perms in ROLE_PERMISSIONS.items() if needed <= perms)


# --- the schema's side -----------------------------------------------------------------------------------


class _Walker:
    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.schemes: Mapping[str, Any] = schema.get("components", {}).get("securitySchemes", {})

    # Operations

    def operation(
        self,
        path: str,
        method: str,
        op: Mapping[str, Any],
        shared: list[Mapping[str, Any]],
        view_name: str | None,
    ) -> Operation:
        summary = _text(op.get("summary")) or f"{method.upper()} {path}"
        body = op.get("requestBody") or {}
        return Operation(
            anchor=_text(op.get("operationId")) or re.sub(r"[^a-z0-9]+", "-", f"{method}{path}".lower()),
            method=method.upper(),
            path=path,
            summary=summary,
            description=_paragraphs(_text(op.get("description"))),
            sign_in=self.sign_in(op.get("security", self.schema.get("security", []))),
            roles=_roles(view_name, method),
            parameters=tuple(self.parameter(p) for p in [*shared, *op.get("parameters", [])]),
            request=self.body(body.get("content"), reading=False) if body else None,
            answers=tuple(
                self.answer(code, answer) for code, answer in sorted(op.get("responses", {}).items())
            ),
        )

    def sign_in(self, requirements: list[Mapping[str, Any]]) -> tuple[str, ...]:
        """Each way of signing in that the operation accepts (any one will do)."""
        if not requirements:
            return ()
        ways = []
        for requirement in requirements:
            if not requirement:
                ways.append(_("None: open to anyone"))
            else:
                # Every scheme of one requirement is needed together.
                ways.append(" + ".join(self.scheme(name) for name in requirement))
        return tuple(ways)

    def scheme(self, name: str) -> str:
        scheme = self.schemes.get(name, {})
        if scheme.get("description"):
            return _text(scheme["description"])
        kind, where, key = scheme.get("type"), scheme.get("in"), _text(scheme.get("name"))
        if kind == "http" and str(scheme.get("scheme", "")).lower() == "bearer":
            return _("A bearer token, in the header Authorization: Bearer <token>")
        if kind == "apiKey" and where == "cookie":
            return _("The session of a browser signed in to Pathways (the %(cookie)s cookie)") % {
                "cookie": key
            }
        if kind == "apiKey" and where == "header":
            return _("A key in the %(header)s header") % {"header": key}
        return name

    def parameter(self, parameter: Mapping[str, Any]) -> Parameter:
        node, _name = self.resolve(parameter)
        schema = parameter.get("schema", {})
        resolved, _ref = self.resolve(schema)
        location = _text(node.get("in"))
        return Parameter(
            name=_text(node.get("name")),
            location=str(LOCATIONS.get(location, location)),
            type=self.type(schema),
            required=bool(node.get("required")) or location == "path",
            description=_spans(_text(node.get("description")) or self.description(resolved)),
            notes=self.notes(resolved),
            choices=self.choices(schema),
        )

    def answer(self, code: str, answer: Mapping[str, Any]) -> Answer:
        node, _name = self.resolve(answer)
        return Answer(
            status=code,
            title=f"{code} {_status_name(code)}".strip(),
            description=_spans(_text(node.get("description"))),
            body=self.body(node.get("content"), reading=True),
        )

    def body(self, content: Mapping[str, Any] | None, *, reading: bool) -> Body | None:
        if not content:
            return None
        media = content.get("application/json") or next(iter(content.values()))
        schema = media.get("schema")
        if not schema:
            return None
        node, _name = self.resolve(schema)
        if node.get("type") == "array":
            items, _item = self.resolve(node.get("items", {}))
            if items.get("properties"):
                fields = self.fields(node.get("items", {}), reading=reading)
                return Body(_("A JSON list; each item has these fields."), fields)
        if node.get("properties"):
            return Body(_("A JSON object with these fields."), self.fields(schema, reading=reading))
        return Body(_("A JSON value: %(type)s.") % {"type": self.type(schema)}, ())

    # Schemas

    def resolve(self, node: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
        """The node with its `$ref` (or single-entry `allOf`) followed, its own keys kept over the target's,
        and the component's name. An enum's labels (in its component's description) are kept apart, so
        that a field's own description does not hide them."""
        merged = dict(node)
        name: str | None = None
        if "$ref" in merged:
            ref = str(merged.pop("$ref"))
            name = ref.rsplit("/", 1)[-1]
            target = self._lookup(ref)
            merged = {**self._enum_labels_kept(target), **merged}
        elif "allOf" in merged:
            parts = [self.resolve(part) for part in merged.pop("allOf")]
            combined: dict[str, Any] = {}
            for part, part_name in parts:
                name = name or part_name
                part = self._enum_labels_kept(part)
                properties = {**combined.get("properties", {}), **part.get("properties", {})}
                required = [*combined.get("required", []), *part.get("required", [])]
                combined = {**combined, **part}
                if properties:
                    combined["properties"] = properties
                if required:
                    combined["required"] = required
            merged = {**combined, **merged}
        return merged, name

    def _lookup(self, ref: str) -> dict[str, Any]:
        if not ref.startswith("#/"):
            return {}
        node: Any = self.schema
        for part in ref[2:].split("/"):
            node = node.get(part, {}) if isinstance(node, Mapping) else {}
        if not isinstance(node, Mapping):
            return {}
        if "$ref" in node or "allOf" in node:
            resolved, _name = self.resolve(node)
            return resolved
        return dict(node)

    @staticmethod
    def _enum_labels_kept(node: Mapping[str, Any]) -> dict[str, Any]:
        kept = dict(node)
        if "enum" in kept and "description" in kept and "x-enum-labels" not in kept:
            kept["x-enum-labels"] = kept.pop("description")
        return kept

    def alternatives(self, node: Mapping[str, Any]) -> list[dict[str, Any]]:
        options = node.get("oneOf") or node.get("anyOf") or []
        return [self.resolve(option)[0] for option in options]

    def type(self, schema: Mapping[str, Any], depth: int = 0) -> str:
        node, _name = self.resolve(schema)
        options = [o for o in self.alternatives(node) if not _is_null(o)]
        if options and depth < MAX_DEPTH:
            return " | ".join(dict.fromkeys(self.type(o, depth + 1) for o in options))
        kind = node.get("type") or _enum_type(node)
        if kind == "array":
            return _("list of %(type)s") % {"type": self.type(node.get("items", {}), depth + 1)}
        if kind == "object" or "properties" in node:
            values = node.get("additionalProperties")
            if isinstance(values, Mapping) and values and depth < MAX_DEPTH:
                return _("object with %(type)s values") % {"type": self.type(values, depth + 1)}
            return "object"
        if kind is None:
            return _("any JSON value")
        form = node.get("format")
        return f"{kind} ({form})" if form and form not in PLAIN_FORMATS else str(kind)

    def description(self, node: Mapping[str, Any]) -> str:
        return _text(node.get("description")) or _text(node.get("title"))

    def choices(self, schema: Mapping[str, Any]) -> tuple[Choice, ...]:
        node, _name = self.resolve(schema)
        if node.get("type") == "array" and "enum" not in node:
            return self.choices(node.get("items", {}))
        options = self.alternatives(node)
        if options:
            return tuple(dict.fromkeys(c for option in options for c in self.choices(option)))
        values = [v for v in node.get("enum", []) if v is not None and v != ""]
        labels: dict[str, str] = {}
        for line in _text(node.get("x-enum-labels")).splitlines():
            found = ENUM_LINE.match(line.strip())
            if found:
                labels[found["value"]] = found["label"]
        # A label that only repeats its value says nothing more.
        return tuple(
            Choice(str(v), "" if labels.get(str(v)) == str(v) else labels.get(str(v), "")) for v in values
        )

    def notes(self, node: Mapping[str, Any]) -> tuple[Paragraph, ...]:
        """What else a value must be: null allowed, its default, its limits. Values in backticks, so
        that they show as code."""
        notes = []
        nullable = node.get("nullable") or any(_is_null(o) for o in self.alternatives(node))
        if nullable:
            notes.append(_("Can be `null`."))
        if "default" in node:
            notes.append(_("Default: %(value)s.") % {"value": _code(_json(node["default"]))})
        if "minLength" in node and node["minLength"] > 0:
            count = node["minLength"]
            notes.append(
                ngettext("At least %(count)s character.", "At least %(count)s characters.", count)
                % {"count": count}
            )
        if "maxLength" in node:
            count = node["maxLength"]
            notes.append(
                ngettext("At most %(count)s character.", "At most %(count)s characters.", count)
                % {"count": count}
            )
        if "maxItems" in node:
            count = node["maxItems"]
            notes.append(
                ngettext("At most %(count)s item.", "At most %(count)s items.", count) % {"count": count}
            )
        for key, text in (("minimum", _("Smallest: %(value)s.")), ("maximum", _("Largest: %(value)s."))):
            value = node.get(key)
            if isinstance(value, int | float) and abs(value) < LARGEST_WORTH_SHOWING:
                notes.append(text % {"value": value})
        if node.get("pattern"):
            notes.append(_("Must match the pattern %(pattern)s") % {"pattern": _code(str(node["pattern"]))})
        return tuple(_spans(note) for note in notes)

    def fields(
        self,
        schema: Mapping[str, Any],
        *,
        reading: bool,
        prefix: str = "",
        seen: frozenset[str] = frozenset(),
    ) -> tuple[Field, ...]:
        node, name = self.resolve(schema)
        if name in seen or len(seen) >= MAX_DEPTH:
            return ()
        inside = seen | {name} if name else seen | {prefix}
        required = set(node.get("required", []))
        rows: list[Field] = []
        for prop, sub in node.get("properties", {}).items():
            resolved, _sub_name = self.resolve(sub)
            # What the server writes is not sent, and what only the client sends does not come back.
            if resolved.get("readOnly" if not reading else "writeOnly"):
                continue
            full = prefix + prop
            rows.append(
                Field(
                    name=full,
                    type=self.type(sub),
                    required=prop in required,
                    description=_spans(self.description(resolved)),
                    notes=self.notes(resolved),
                    choices=self.choices(sub),
                )
            )
            if resolved.get("properties"):
                rows += self.fields(sub, reading=reading, prefix=f"{full}.", seen=inside)
            elif resolved.get("type") == "array":
                items = resolved.get("items", {})
                if self.resolve(items)[0].get("properties"):
                    rows += self.fields(items, reading=reading, prefix=f"{full}[].", seen=inside)
        return tuple(rows)


def _status_name(code: str) -> str:
    if not code.isdigit():
        return ""  # "default", or a range such as "4XX"
    known = STATUS_NAMES.get(int(code))
    if known is not None:
        return str(known)
    try:
        return HTTPStatus(int(code)).phrase
    except ValueError:
        return ""


def _enum_type(node: Mapping[str, Any]) -> str | None:
    """The type of an enum that names none (drf-spectacular's blank choice), from its values."""
    values = [v for v in node.get("enum", []) if v is not None]
    return "string" if values and all(isinstance(v, str) for v in values) else None


def _is_null(node: Mapping[str, Any]) -> bool:
    return node.get("type") == "null" or node.get("enum") == [None]
