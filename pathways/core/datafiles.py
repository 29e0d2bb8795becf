"""Loading the data files a region edits, with errors that name the file, the line, the entry and the fix.

Every data file (regions, later triage rules and instruments) is YAML validated by a pydantic model.
A file with any error is rejected whole; the caller gets every problem at once, not just the first.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from pathways.core.models import VersionedDataFile

T = TypeVar("T", bound=BaseModel)
M = TypeVar("M", bound=VersionedDataFile)

Location = tuple[str | int, ...]


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    where: str
    message: str

    def __str__(self) -> str:
        place = f"{self.file}:{self.line}" if self.line else self.file
        return f"{place}: {self.where}: {self.message}" if self.where else f"{place}: {self.message}"


class DataFileError(Exception):
    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _line_index(node: yaml.Node, path: Location, index: dict[Location, int]) -> None:
    index[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            index[(*path, key)] = key_node.start_mark.line + 1
            _line_index(value_node, (*path, key), index)
            index[(*path, key)] = key_node.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            _line_index(item, (*path, position), index)


def read_yaml(path: Path) -> tuple[Any, dict[Location, int]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataFileError([Problem(name, None, "", "file not found; check the path")]) from None
    except UnicodeDecodeError:
        raise DataFileError(
            [Problem(name, None, "", "the file is not UTF-8 text; save it as UTF-8")]
        ) from None
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise DataFileError([Problem(name, line, "", f"not valid YAML: {exc.problem}")]) from None
    index: dict[Location, int] = {}
    if node is not None:
        _line_index(node, (), index)
    return data, index


def describe(location: Location, data: Any) -> str:
    """`services[3] (clear).tier`: the list position and, where there is one, the entry's slug."""
    parts: list[str] = []
    current = data
    for step in location:
        if isinstance(step, int):
            label = f"[{step + 1}]"
            try:
                current = current[step]
                if isinstance(current, dict) and "slug" in current:
                    label += f" ({current['slug']})"
            except (IndexError, KeyError, TypeError):
                current = None
            parts.append(label)
        else:
            parts.append(("." if parts else "") + str(step))
            try:
                current = current[step]
            except (KeyError, TypeError, IndexError):
                current = None
    return "".join(parts)


def line_for(location: Location, index: dict[Location, int]) -> int | None:
    for end in range(len(location), -1, -1):
        if location[:end] in index:
            return index[location[:end]]
    return None


def _friendly(error: Any) -> str:
    kind = error["type"]
    if kind == "missing":
        return "this field is required"
    if kind == "extra_forbidden":
        return "unknown field: remove it or check its spelling"
    if kind == "enum" or kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not allowed; expected one of {expected}"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message[len("Value error, ") :]
    return (
        f"{message} (found {error['input']!r})"
        if not isinstance(error.get("input"), dict | list)
        else message
    )


def _field_description(model: type[BaseModel], location: Location) -> str | None:
    """The schema's description of the field at `location`, which says what to write when it is missing."""
    current: Any = model
    described = None
    for step in location:
        if not (isinstance(step, str) and isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        info = current.model_fields.get(step)
        if info is None:
            return None
        described, current = info.description, info.annotation
    return described


def validate(path: Path, model: type[T]) -> tuple[T, Any, dict[Location, int]]:
    """The validated model, plus the raw data and line index for the caller's own cross-checks."""
    data, index = read_yaml(path)
    try:
        return model.model_validate(data), data, index
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            location = tuple(error["loc"])
            message = _friendly(error)
            described = _field_description(model, location) if error["type"] == "missing" else None
            if described:
                # A region's number has no default in the code: say what to add, not only that it is absent.
                message += f"; add {location[-1]}: {described}"
            problems.append(Problem(str(path), line_for(location, index), describe(location, data), message))
        raise DataFileError(problems) from None


def problems_from(
    path: Path, data: Any, index: dict[Location, int], items: list[tuple[Location, str]]
) -> list[Problem]:
    return [Problem(str(path), line_for(loc, index), describe(loc, data), msg) for loc, msg in items]


def load_versioned(
    path: Path,
    schema: type[T],
    model: type[M],
    *,
    scope: Callable[[T, dict[Location, int]], dict[str, Any]],
    field: str,
) -> tuple[M, bool]:
    """Load a data file kept as numbered versions of `model` (an instrument, a region's settings or rules).

    The file is validated against `schema`; `scope(parsed, index)` gives the fields that say whose
    versions these are (e.g. `{"region": region}`), and may raise DataFileError. If the latest version in
    that scope came from a file with the same SHA-256, it is returned unchanged, with False; otherwise
    version n+1 is created with the validated file, as JSON, in `field`, and returned with True.
    """
    parsed, _data, index = validate(path, schema)
    where = scope(parsed, index)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    # The model's Meta.ordering puts the newest version first (e.g. ["region", "-version"]).
    latest = model._default_manager.filter(**where).first()
    if latest is not None and latest.file_sha256 == digest:
        return latest, False
    created = model._default_manager.create(
        **where,
        version=latest.version + 1 if latest is not None else 1,
        file_sha256=digest,
        **{field: parsed.model_dump(mode="json")},
    )
    return created, True
