"""Reading the CSV files people import (referrals, past DASH results): the bytes, the records, the header.

An import is all or nothing, so every problem is collected and reported at once as an `ImportProblem`
("line 3, column route: ..."), with lines numbered as a spreadsheet numbers its rows, the header being
line 1. What is shared here is the reading and the checking of values (`RowChecker`); each importer keeps
its own rules for its rows.

The file is read twice and never held whole in memory: `open_rows` first checks the bytes (the file is
there, is UTF-8 with or without a byte order mark, and its SHA-256), then yields the records one at a
time, hashing what it reads again so that the importer can check that the rows it checked are those of
the checksum it records.

Problems name the line and column but never repeat the values in the file, so that they can be shown on
a terminal or logged safely.

A null character is refused as the records are read, naming its line and column: PostgreSQL cannot store
one in text, and a person or area looked up by a value holding one fails inside the database. (Strict
UTF-8 decoding already refuses the other unstorable characters, the lone surrogates.)
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Generic, TypeVar

from django.utils import timezone

from pathways.core.datafiles import DataFileError, Problem

# The error message lists this many problems, then says how many more there are.
MAX_PROBLEMS_SHOWN = 200

Record = tuple[int, list[str]]
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EARLIEST = datetime.date(1900, 1, 1)
Row = TypeVar("Row")


@dataclass(frozen=True)
class ImportProblem(Problem):
    """One problem in an import file. `where` is the column name, empty for a problem with a whole line."""

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        if self.where:
            return f"line {self.line}, column {self.where}: {self.message}"
        return f"line {self.line}: {self.message}"


class ImportFailed(DataFileError):
    """The file was rejected and nothing was written. `problems` holds every problem found; the message
    lists the first MAX_PROBLEMS_SHOWN of them, then how many more there are."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problem(s) not shown.")
        Exception.__init__(self, "\n".join(shown))


def column_letter(position: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the column as a spreadsheet labels it."""
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


# --- reading the file ----------------------------------------------------------------------------------


class CsvRows:
    """A CSV file whose bytes have been checked; `records` reads it, `check_unchanged` confirms the read.

    Made by `open_rows`. Problems are raised as `error_class`, the importer's own ImportFailed.
    """

    def __init__(self, path: Path, error_class: type[ImportFailed], sha256: str) -> None:
        self.path = path
        self.name = path.name
        self.error_class = error_class
        self.sha256 = sha256
        self._read = hashlib.sha256()
        self._header: list[str] = []

    def records(self) -> Iterator[Record]:
        """(line as a spreadsheet numbers it, cells) for each record, header included; a BOM is dropped.

        What is read is hashed again, for `check_unchanged`.
        """
        with self.path.open("rb") as raw:
            text = io.TextIOWrapper(
                io.BufferedReader(_HashingReader(raw, self._read)), encoding="utf-8-sig", newline=""
            )
            reader = csv.reader(text)
            # Lines are numbered as a spreadsheet numbers its rows: one per record, even when a quoted
            # value runs over several lines of text.
            line = 0
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    return
                except csv.Error as exc:
                    raise self.error_class(
                        [
                            ImportProblem(
                                self.name,
                                line + 1,
                                "",
                                f"the file cannot be read as CSV here ({exc}); check for a stray quote mark",
                            )
                        ]
                    ) from None
                except UnicodeDecodeError:  # the file changed since it was checked
                    raise _not_utf8(self.error_class, self.name, line + 1) from None
                line += 1
                if line == 1:
                    self._header = [c.strip() for c in cells]
                self._check_storable(line, cells)
                yield line, cells

    def _check_storable(self, line: int, cells: list[str]) -> None:
        for position, cell in enumerate(cells):
            if "\x00" not in cell:
                continue
            header = self._header
            column = header[position] if position < len(header) and header[position] else ""
            if line == 1 or not column:
                column = column_letter(position)
            if line == 1:
                message = (
                    "the header contains null characters (U+0000), which cannot be stored. A file saved as "
                    "UTF-16 ('Unicode Text') has one after every letter: in a spreadsheet, save it as "
                    "'CSV UTF-8 (comma delimited)' and import that file"
                )
            else:
                message = (
                    "the value contains a null character (U+0000), which cannot be stored; remove it and "
                    "import the file again"
                )
            raise self.error_class([ImportProblem(self.name, line, column, message)])

    def check_unchanged(self) -> None:
        """After reading every record: raise if they are not the bytes whose SHA-256 is `sha256`."""
        if self._read.hexdigest() != self.sha256:
            raise self.error_class(
                [
                    ImportProblem(
                        self.name, None, "", "the file changed while it was being read; import it again"
                    )
                ]
            )


def open_rows(path: Path, error_class: type[ImportFailed], *, max_bytes: int | None = None) -> CsvRows:
    """Check that the file exists, is no larger than `max_bytes` (if given) and is UTF-8 text, with or
    without a byte order mark, and take its SHA-256; raise `error_class` with the one problem if not."""
    name = path.name
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    try:
        if max_bytes is not None and path.stat().st_size > max_bytes:
            raise error_class(
                [
                    ImportProblem(
                        name,
                        None,
                        "",
                        f"the file is over {max_bytes // (1024 * 1024)} MB; split it into smaller files",
                    )
                ]
            )
        with path.open("rb") as raw:
            while chunk := raw.read(1 << 20):
                digest.update(chunk)
                try:
                    line += decoder.decode(chunk).count("\n")
                except UnicodeDecodeError as exc:
                    line += bytes(exc.object[: exc.start]).count(b"\n")
                    raise _not_utf8(error_class, name, line) from None
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                raise _not_utf8(error_class, name, line) from None
    except FileNotFoundError:
        raise error_class(
            [ImportProblem(name, None, "", f"{path}: file not found; check the path")]
        ) from None
    except IsADirectoryError:
        raise error_class([ImportProblem(name, None, "", f"{path} is a folder, not a CSV file")]) from None
    return CsvRows(path, error_class, digest.hexdigest())


def _not_utf8(error_class: type[ImportFailed], name: str, line: int) -> ImportFailed:
    return error_class(
        [
            ImportProblem(
                name,
                line,
                "",
                "the file is not UTF-8 text. In a spreadsheet, save it as 'CSV UTF-8 (comma delimited)' "
                "and import that file.",
            )
        ]
    )


class _HashingReader(io.RawIOBase):
    """Passes a binary file through, adding what is read to a digest."""

    def __init__(self, raw: BinaryIO, digest: hashlib._Hash) -> None:
        self._raw = raw
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        self._digest.update(data)
        return len(data)


# --- the header and the rows ---------------------------------------------------------------------------


def read_header(
    name: str,
    row: list[str] | None,
    columns: Sequence[str],
    required: Sequence[str],
    error_class: type[ImportFailed],
    *,
    one_row_per: str,
) -> dict[str, int]:
    """Column name -> position, from the file's first record (`row`, None for an empty file); or raise
    `error_class` listing every problem with the header. `one_row_per` names what a row is, e.g.
    "referral", for the problem with an empty file."""
    if row is None:
        raise error_class(
            [
                ImportProblem(
                    name,
                    None,
                    "",
                    "the file is empty; it needs a header row naming the columns, then one row per "
                    f"{one_row_per}",
                )
            ]
        )
    names = [c.strip() for c in row]
    if not any(names):
        raise error_class(
            [ImportProblem(name, 1, "", "is empty; the first line must be the header row naming the columns")]
        )
    problems: list[Problem] = []
    positions: dict[str, list[int]] = {}
    for position, column in enumerate(names):
        positions.setdefault(column, []).append(position)
    duplicated = {c: p for c, p in positions.items() if len(p) > 1 and c}
    if duplicated:
        described = "; ".join(
            f"{c!r} in columns {', '.join(column_letter(p) for p in ps)}" for c, ps in duplicated.items()
        )
        problems.append(
            ImportProblem(
                name, 1, "", f"a column name appears more than once ({described}); keep one of each"
            )
        )
    for position in positions.get("", []):
        problems.append(
            ImportProblem(
                name,
                1,
                column_letter(position),
                "the column has no name; give it one of the column names or delete the column",
            )
        )
    known = set(columns)
    unknown = [c for c in positions if c and c not in known]
    if unknown:
        problems.append(
            ImportProblem(
                name,
                1,
                "",
                f"unknown column(s) {', '.join(repr(c) for c in unknown)}; the columns are "
                f"{', '.join(columns)} (names are exact: lower case, with underscores)",
            )
        )
    missing = [c for c in required if c not in positions]
    if missing:
        problems.append(ImportProblem(name, 1, "", f"required column(s) missing: {', '.join(missing)}"))
    if problems:
        raise error_class(problems)
    return {c: ps[0] for c, ps in positions.items()}


def width_problem(name: str, line: int, cells: list[str], width: int) -> ImportProblem | None:
    """The problem with a record that has not one value per column of the header, if it has not."""
    if len(cells) == width:
        return None
    return ImportProblem(
        name,
        line,
        "",
        f"has {len(cells)} values but the header names {width} columns; check for a comma "
        "inside a value that is not in quotes, or a missing or extra value",
    )


class RowChecker(Generic[Row]):
    """Checks a file's rows one at a time, collecting every problem of every row.

    A subclass reads the current row in `read_row` with `value`, `text`, `choice`, `yes_no` and `date`,
    which report what is wrong with `problem`, and returns the row it makes of the values. A row's problems
    are listed in the file's column order, one about a column the file lacks last; a row with any problem
    gives None, and so does one that has not a value for every column of the header.
    """

    def __init__(self, name: str, header: dict[str, int]) -> None:
        self.name = name
        self.header = header
        self.width = len(header)
        self.today = timezone.localdate()
        self.problems: list[Problem] = []
        self.line = 0
        self._cells: list[str] = []
        self._found: list[tuple[int, int, Problem]] = []

    def read_row(self) -> Row | None:
        """The row made of the current record's values, or None when they cannot make one."""
        raise NotImplementedError

    def check_all(
        self, records: Iterable[Record], *, file: CsvRows, error: type[ImportFailed], what: str
    ) -> list[Row]:
        """Every record below the header checked, blank ones skipped: the rows, or `error` listing every
        problem (and then any found reading the rest of the file). Nothing is kept once a row has failed,
        since the file is then refused whole; a file with no rows below its header is refused too."""
        rows: list[Row] = []
        try:
            for line, cells in records:
                if not any(c.strip() for c in cells):
                    continue  # a blank line, or a spreadsheet's row of empty cells
                row = self.check(line, cells)
                if self.problems:
                    rows = []
                elif row is not None:
                    rows.append(row)
        except error as exc:  # unreadable CSV: reported after the rows checked so far
            raise error(self.problems + exc.problems) from None
        if self.problems:
            raise error(self.problems)
        file.check_unchanged()
        if not rows:
            raise error(
                [ImportProblem(self.name, None, "", f"the file has a header row but no {what} below it")]
            )
        return rows

    def check(self, line: int, cells: list[str]) -> Row | None:
        wrong_width = width_problem(self.name, line, cells, self.width)
        if wrong_width is not None:
            self.problems.append(wrong_width)
            return None
        self.line, self._cells, self._found = line, cells, []
        row = self.read_row()
        found, self._cells = self._found, []
        if found:
            found.sort(key=lambda item: item[:2])
            self.problems.extend(problem for _position, _order, problem in found)
            return None
        return row

    def value(self, column: str) -> str:
        position = self.header.get(column)
        return self._cells[position].strip() if position is not None else ""

    def problem(self, column: str, message: str) -> None:
        position = self.header.get(column, self.width)
        self._found.append((position, len(self._found), ImportProblem(self.name, self.line, column, message)))

    def has_problem(self, column: str) -> bool:
        return any(problem.where == column for _position, _order, problem in self._found)

    def text(self, column: str, limit: int, *, required: str = "") -> str:
        """The value, at most `limit` characters; `required` says what to enter when it is empty."""
        got = self.value(column)
        if required and not got:
            self.problem(column, f"is empty; enter {required}")
        elif len(got) > limit:
            self.problem(column, f"is {len(got)} characters long; at most {limit} are allowed")
        return got

    def choice(self, column: str, allowed: Mapping[str, str], default: str | None) -> str:
        """The canonical value for what the cell holds, any case; `default` when empty, if there is one."""
        got = self.value(column)
        if not got and default is not None:
            return default
        canonical = allowed.get(got.lower())
        if canonical is None:
            expected = ", ".join(dict.fromkeys(allowed.values()))
            expected += ", or empty" if default is not None else ""
            shown = f"{got!r} is not allowed" if got else "is empty"
            self.problem(column, f"{shown}; expected one of {expected}")
            return ""
        return canonical

    def yes_no(self, column: str, *, yes: frozenset[str], no: frozenset[str], expected: str) -> bool:
        """True for a `yes` word, False for a `no` word (an empty cell is no when "" is one of them)."""
        got = self.value(column).lower()
        if got not in yes and got not in no:
            self.problem(column, expected)
        return got in yes

    def date(
        self,
        column: str,
        *,
        required: str = "",
        example: str = "2024-03-27",
        future: str = "",
        early: str = "",
    ) -> datetime.date | None:
        """The YYYY-MM-DD date in the cell, or None when it is empty or wrong.

        `required` says what to enter when it is empty (empty is allowed without it); a date after today is
        refused with the `future` message and one before 1900 with the `early` message, when they are given.
        """
        got = self.value(column)
        if not got:
            if required:
                self.problem(column, f"is empty; enter {required}")
            return None
        try:
            if not ISO_DATE.match(got):
                raise ValueError(got)
            day = datetime.date.fromisoformat(got)
        except ValueError:
            optional = "" if required else ", or empty"
            self.problem(column, f"is not a date; expected YYYY-MM-DD, for example {example}{optional}")
            return None
        if future and day > self.today:
            self.problem(column, f"is in the future; {future}")
            return None
        if early and day < EARLIEST:
            self.problem(column, f"is before 1900; {early}")
            return None
        return day
