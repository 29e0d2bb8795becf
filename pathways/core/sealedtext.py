"""Keeping sealed details out of free text.

A victim's or partner's address, postcode, phone number and email address, and a child's school, are
sealed. Free text that the other side of a family reads is compared here with the sealed details of the
people it concerns, and a match is refused (and withheld when shown). Plain strings come in: the caller
unseals, and nothing here logs, returns or keeps them beyond the comparison.

Both sides are normalised the way people and attackers alter text: Unicode compatibility forms (full-width,
ligatures, mathematical letters), case, accents and other combining marks, invisible characters
(zero-width spaces and joiners, soft hyphens, byte-order marks, bidirectional controls), letters borrowed
from Cyrillic or Greek that look Latin, letters for digits (O for 0, l for 1) and digits for letters, digits
written as English or Welsh words ("oh seven seven double oh", "dim saith saith"), street abbreviations,
and separators inside phone numbers, postcodes and words.

What keeps ordinary text from matching:
- a phone number matches only when its last nine digits appear in one run of digits, digit words and
  separators; digits spread across words ("07 visits, 700 miles") never join;
- a postcode matches whole (a district alone, or another postcode in the same district, does not), never
  straight after a letter (SE1 6AN is not E1 6AN), and holds at least one real digit;
- an address matches by its street (name and type, "Kingfisher Crescent"), never by a house or flat
  number alone or by its last line, which is usually the town;
- words match whole: "heron way" is not found in "the ron way".
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.utils.translation import gettext_lazy

KINDS = ("address", "postcode", "phone", "email", "school")
KIND_LABELS = {
    "address": gettext_lazy("address"),
    "postcode": gettext_lazy("postcode"),
    "phone": gettext_lazy("phone"),
    "email": gettext_lazy("email"),
    "school": gettext_lazy("school"),
}


@dataclass(frozen=True)
class Marker:
    """Something that would locate or contact a protected person, in normalised form: a postcode without
    spaces ("cf34qz"), the last nine digits of a phone number, or words joined by single spaces."""

    kind: str  # one of KINDS
    value: str


# --- Normalising --------------------------------------------------------------------------------------

# Look-alikes of Latin letters and digits from other scripts, by name (on screen they cannot be told
# apart). Capital and small letters are listed apart where they look different: capital eta is H, small
# eta is n.
_LOOKALIKES = {
    "3": ("CYRILLIC CAPITAL LETTER ZE", "CYRILLIC SMALL LETTER ZE"),
    "6": ("CYRILLIC SMALL LETTER BE",),
    "a": (
        "CYRILLIC CAPITAL LETTER A", "GREEK CAPITAL LETTER ALPHA", "CYRILLIC SMALL LETTER A",
        "GREEK SMALL LETTER ALPHA", "LATIN SMALL LETTER ALPHA", "LATIN LETTER SMALL CAPITAL A",
    ),
    "b": (
        "CYRILLIC CAPITAL LETTER VE", "GREEK CAPITAL LETTER BETA", "CYRILLIC CAPITAL LETTER SOFT SIGN",
        "CYRILLIC SMALL LETTER VE", "CYRILLIC SMALL LETTER SOFT SIGN", "LATIN SMALL LETTER B WITH STROKE",
        "LATIN LETTER SMALL CAPITAL B",
    ),
    "c": (
        "CYRILLIC CAPITAL LETTER ES", "GREEK CAPITAL LUNATE SIGMA SYMBOL", "CYRILLIC SMALL LETTER ES",
        "GREEK LUNATE SIGMA SYMBOL", "LATIN LETTER SMALL CAPITAL C",
    ),
    "d": (
        "LATIN CAPITAL LETTER D WITH STROKE", "CYRILLIC SMALL LETTER KOMI DE",
        "LATIN SMALL LETTER D WITH STROKE", "LATIN LETTER SMALL CAPITAL D",
    ),
    "e": (
        "CYRILLIC CAPITAL LETTER IE", "GREEK CAPITAL LETTER EPSILON", "CYRILLIC SMALL LETTER IE",
        "GREEK SMALL LETTER EPSILON", "LATIN LETTER SMALL CAPITAL E",
    ),
    "f": ("LATIN LETTER SMALL CAPITAL F",),
    "g": ("LATIN SMALL LETTER SCRIPT G", "LATIN LETTER SMALL CAPITAL G"),
    "h": (
        "CYRILLIC CAPITAL LETTER EN", "CYRILLIC CAPITAL LETTER SHHA", "GREEK CAPITAL LETTER ETA",
        "CYRILLIC SMALL LETTER EN", "CYRILLIC SMALL LETTER SHHA", "ARMENIAN SMALL LETTER HO",
        "LATIN SMALL LETTER H WITH STROKE", "LATIN LETTER SMALL CAPITAL H",
    ),
    "i": (
        "CYRILLIC CAPITAL LETTER BYELORUSSIAN-UKRAINIAN I", "GREEK CAPITAL LETTER IOTA",
        "CYRILLIC SMALL LETTER BYELORUSSIAN-UKRAINIAN I", "GREEK SMALL LETTER IOTA",
        "LATIN SMALL LETTER DOTLESS I", "LATIN SMALL LETTER IOTA", "LATIN SMALL LETTER I WITH STROKE",
        "LATIN LETTER SMALL CAPITAL I",
    ),
    "j": (
        "CYRILLIC CAPITAL LETTER JE", "GREEK CAPITAL LETTER YOT", "CYRILLIC SMALL LETTER JE",
        "GREEK LETTER YOT", "LATIN SMALL LETTER DOTLESS J", "LATIN LETTER SMALL CAPITAL J",
    ),
    "k": (
        "CYRILLIC CAPITAL LETTER KA", "GREEK CAPITAL LETTER KAPPA", "CYRILLIC SMALL LETTER KA",
        "GREEK SMALL LETTER KAPPA", "LATIN LETTER SMALL CAPITAL K",
    ),
    "l": (
        "LATIN CAPITAL LETTER L WITH STROKE", "CYRILLIC LETTER PALOCHKA", "CYRILLIC SMALL LETTER PALOCHKA",
        "LATIN SMALL LETTER L WITH STROKE", "LATIN LETTER DENTAL CLICK", "LATIN LETTER SMALL CAPITAL L",
    ),
    "m": (
        "CYRILLIC CAPITAL LETTER EM", "GREEK CAPITAL LETTER MU", "CYRILLIC SMALL LETTER EM",
        "LATIN LETTER SMALL CAPITAL M",
    ),
    "n": (
        "GREEK CAPITAL LETTER NU", "CYRILLIC SMALL LETTER PE", "GREEK SMALL LETTER ETA",
        "LATIN LETTER SMALL CAPITAL N",
    ),
    "o": (
        "CYRILLIC CAPITAL LETTER O", "GREEK CAPITAL LETTER OMICRON", "LATIN CAPITAL LETTER O WITH STROKE",
        "CYRILLIC SMALL LETTER O", "GREEK SMALL LETTER OMICRON", "ARMENIAN SMALL LETTER OH",
        "LATIN SMALL LETTER O WITH STROKE", "LATIN LETTER SMALL CAPITAL O",
    ),
    "p": (
        "CYRILLIC CAPITAL LETTER ER", "GREEK CAPITAL LETTER RHO", "CYRILLIC SMALL LETTER ER",
        "GREEK SMALL LETTER RHO", "LATIN LETTER SMALL CAPITAL P",
    ),
    "q": ("CYRILLIC CAPITAL LETTER QA", "CYRILLIC SMALL LETTER QA"),
    "r": ("CYRILLIC SMALL LETTER GHE", "LATIN LETTER SMALL CAPITAL R"),
    "s": ("CYRILLIC CAPITAL LETTER DZE", "CYRILLIC SMALL LETTER DZE", "LATIN LETTER SMALL CAPITAL S"),
    "t": (
        "CYRILLIC CAPITAL LETTER TE", "GREEK CAPITAL LETTER TAU", "CYRILLIC SMALL LETTER TE",
        "GREEK SMALL LETTER TAU", "LATIN SMALL LETTER T WITH STROKE", "LATIN LETTER SMALL CAPITAL T",
    ),
    "u": (
        "GREEK SMALL LETTER UPSILON", "GREEK SMALL LETTER MU", "ARMENIAN SMALL LETTER SEH",
        "LATIN LETTER SMALL CAPITAL U",
    ),
    "v": (
        "CYRILLIC CAPITAL LETTER IZHITSA", "CYRILLIC SMALL LETTER IZHITSA", "GREEK SMALL LETTER NU",
        "LATIN LETTER SMALL CAPITAL V",
    ),
    "w": (
        "CYRILLIC CAPITAL LETTER WE", "CYRILLIC SMALL LETTER WE", "GREEK SMALL LETTER OMEGA",
        "LATIN LETTER SMALL CAPITAL W",
    ),
    "x": (
        "CYRILLIC CAPITAL LETTER HA", "GREEK CAPITAL LETTER CHI", "CYRILLIC SMALL LETTER HA",
        "GREEK SMALL LETTER CHI",
    ),
    "y": (
        "CYRILLIC CAPITAL LETTER U", "CYRILLIC CAPITAL LETTER STRAIGHT U", "GREEK CAPITAL LETTER UPSILON",
        "CYRILLIC SMALL LETTER U", "CYRILLIC SMALL LETTER STRAIGHT U", "GREEK SMALL LETTER GAMMA",
        "LATIN LETTER SMALL CAPITAL Y",
    ),
    "z": ("GREEK CAPITAL LETTER ZETA", "LATIN LETTER SMALL CAPITAL Z"),
}  # fmt: skip
# Invisible letters that render as blank space (Hangul fillers, the braille blank).
_INVISIBLE = ("\u115f", "\u1160", "\u3164", "\uffa0", "\u2800")
# Outside the first two planes: tag characters and the variation selectors supplement.
_ASTRAL_INVISIBLE = itertools.chain(range(0xE0000, 0xE0080), range(0xE0100, 0xE01F0))
_KEPT_CONTROLS = frozenset("\t\n\r")


@functools.cache
def _table() -> dict[int, str | None]:
    """One translation for every character that matters: invisible ones go, digits of other scripts
    become ASCII, look-alikes become the letter they imitate. Built on first use (a few milliseconds)."""
    table: dict[int, str | None] = {}
    category, digit = unicodedata.category, unicodedata.digit
    for cp in range(0x20000):
        ch = chr(cp)
        kind = category(ch)
        if kind in ("Cf", "Mn", "Me") or (kind == "Cc" and ch not in _KEPT_CONTROLS):
            table[cp] = None
        elif kind == "Nd" and not ch.isascii():
            table[cp] = str(digit(ch))
    for cp in _ASTRAL_INVISIBLE:
        table[cp] = None
    for ch in _INVISIBLE:
        table[ord(ch)] = None
    for latin, names in _LOOKALIKES.items():
        for name in names:
            table[ord(unicodedata.lookup(name))] = latin
    return table


_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def normalise(text: str) -> str:
    """The text as it is compared: compatibility forms unfolded, marks and invisible characters removed,
    look-alikes replaced, case folded. Spacing and punctuation are kept (they separate words)."""
    if text.isascii():
        return _ASCII_CONTROLS.sub("", text).lower()
    return unicodedata.normalize("NFKD", text).translate(_table()).casefold()


# --- Words ----------------------------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")
_STREET_ABBREVIATIONS = {
    "st": "street",
    "str": "street",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "ln": "lane",
    "dr": "drive",
    "cl": "close",
    "cres": "crescent",
    "cresc": "crescent",
    "ct": "court",
    "pl": "place",
    "sq": "square",
    "tce": "terrace",
    "ter": "terrace",
    "gdns": "gardens",
    "gr": "grove",
    "pk": "park",
}
# Street types that end an English street name ("Kingfisher Crescent"); also Welsh ones, which usually
# begin it ("Heol y Frân") but now and then end one.
_STREET_WORDS = frozenset(
    {
        "street", "road", "avenue", "lane", "drive", "close", "crescent", "court", "place", "square",
        "terrace", "gardens", "grove", "park", "way", "walk", "row", "hill", "mews", "rise", "view",
        "parade", "boulevard", "wharf", "quay",
        "heol", "ffordd", "stryd", "lon", "rhodfa", "maes", "cilgant", "clos", "teras", "llwyn", "parc",
        "cwrt", "plas",
    }
)  # fmt: skip
_WELSH_STREET_WORDS = frozenset(
    {
        "heol",
        "ffordd",
        "stryd",
        "lon",
        "rhodfa",
        "maes",
        "cilgant",
        "clos",
        "teras",
        "llwyn",
        "parc",
        "cwrt",
        "plas",
    }
)
_ARTICLES = frozenset({"y", "yr", "r", "the"})
_PREMISES_WORDS = frozenset({"flat", "apartment", "apt", "unit", "room", "house", "no", "fflat", "rhif"})
_SCHOOL_WORDS = frozenset(
    {
        "ysgol", "gynradd", "uwchradd", "gymraeg", "gymunedol", "babanod", "iau", "feithrin", "meithrin",
        "primary", "secondary", "school", "high", "comprehensive", "infant", "infants", "junior", "nursery",
        "academy", "college", "community", "county", "church", "in", "wales", "rc", "cw", "ciw", "saint",
        "street", "catholic", "welsh", "medium", "middle", "and", "of", "the", "y", "yr", "a",
    }
)  # fmt: skip
# Comparing words, a digit inside a word stands for the letter it resembles, and l, i and 1 are one.
_SKELETON = str.maketrans("0123456789l", "oizeasgtbgi")
_ASCII_SKELETON = bytes.maketrans(b"0123456789l", b"oizeasgtbgi")
_NOT_EMAIL_WORDS = frozenset({"at", "dot"})
_BARS = str.maketrans("|!", "11")


def _skeleton(text: str) -> str:
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_SKELETON).decode("ascii")
    return text.translate(_SKELETON)


def _words(folded: str) -> list[str]:
    return [_STREET_ABBREVIATIONS.get(w, w) for w in _WORD.findall(folded)]


@dataclass(frozen=True)
class _Joined:
    """Words joined without spaces, with where each word starts and ends, so that a sealed phrase is found
    however its words are split or spaced, but only from the start of a word to the end of one."""

    compact: str
    starts: frozenset[int]
    ends: frozenset[int]

    @classmethod
    def of(cls, words: Sequence[str]) -> _Joined:
        ends = list(itertools.accumulate(map(len, words)))
        return cls(_skeleton("".join(words)), frozenset([0, *ends[:-1]]), frozenset(ends))

    def holds(self, needle: str) -> bool:
        at = self.compact.find(needle)
        while at != -1:
            if at in self.starts and at + len(needle) in self.ends:
                return True
            at = self.compact.find(needle, at + 1)
        return False


# --- Digits, written any way ----------------------------------------------------------------------------

_UNITS = {
    "zero": "0", "oh": "0", "o": "0", "nought": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    # Welsh, with the mutated forms that follow words such as "a" and "ei"
    "dim": "0", "sero": "0", "un": "1", "dau": "2", "ddau": "2", "dwy": "2", "ddwy": "2", "tri": "3",
    "dri": "3", "thri": "3", "tair": "3", "dair": "3", "thair": "3", "pedwar": "4", "bedwar": "4",
    "phedwar": "4", "pedair": "4", "bedair": "4", "phedair": "4", "pump": "5", "pum": "5", "bump": "5",
    "phump": "5", "chwech": "6", "chwe": "6", "saith": "7", "wyth": "8", "naw": "9",
    # Letters that pass for 1
    "i": "1", "l": "1",
}  # fmt: skip
_TEENS = {
    "ten": "10", "eleven": "11", "twelve": "12", "thirteen": "13", "fourteen": "14", "fifteen": "15",
    "sixteen": "16", "seventeen": "17", "eighteen": "18", "nineteen": "19",
}  # fmt: skip
_TENS = {
    "twenty": "2", "thirty": "3", "forty": "4", "fourty": "4", "fifty": "5", "sixty": "6", "seventy": "7",
    "eighty": "8", "ninety": "9",
}  # fmt: skip
_REPEATS = {"double": 2, "treble": 3, "triple": 3, "dwbl": 2}
_SCALES = {"hundred": "00", "thousand": "000"}
# Inside a word that also holds a digit ("9OO3S3"), these letters pass for digits too.
_DIGIT_LETTERS = {"s": "5", "z": "2", "b": "8"}
_NUMBER_WORDS = frozenset(itertools.chain(_UNITS, _TEENS, _TENS, _REPEATS, _SCALES))
_LONGEST_NUMBER_WORD = max(map(len, _NUMBER_WORDS))

# A word that may be part of a number: it holds a digit, or it is made of number words only ("seven",
# "doubleoh", "oil"). Words longer than 120 letters are not numbers, which bounds the matching.
_NUMBERISH = re.compile(
    r"(?<![^\W_])(?:[^\W\d_]*+\d[^\W_]*+|(?=[^\W\d_]{1,120}(?![^\W_]))(?:"
    + "|".join(sorted(_NUMBER_WORDS | {"and"}, key=len, reverse=True))
    + r")+(?![^\W_]))"
)
_PIECES = re.compile(r"[0-9]+|[^\W\d_]+")
_DIGIT = re.compile(r"[0-9]")
# What may come between the parts of one number: spacing and punctuation, a few characters of it.
_SEPARATORS = r"\s.,/\\\-_()\[\]{}:;'\"*+~|#\u2010-\u2015\u2212\u00b7\u2022"
_GAP = re.compile("[" + _SEPARATORS + "]{0,5}")


@functools.lru_cache(maxsize=8192)
def _segment(letters: str, beside_digits: bool) -> tuple[str, ...] | None:
    """The number words a run of letters is made of, or None."""
    if letters == "and":
        return ("and",)
    n = len(letters)
    if n > 120:
        return None
    ways: list[tuple[str, ...] | None] = [None] * (n + 1)
    ways[0] = ()
    for i in range(n):
        before = ways[i]
        if before is None:
            continue
        for length in range(min(_LONGEST_NUMBER_WORD, n - i), 0, -1):
            piece = letters[i : i + length]
            if ways[i + length] is None and (
                piece in _NUMBER_WORDS or (beside_digits and piece in _DIGIT_LETTERS)
            ):
                ways[i + length] = (*before, piece)
    return ways[n]


class _Part(NamedTuple):
    """One piece of a number within one word, placed relative to the start of the word."""

    kind: str  # "digits", "repeat", "tens", "scale", "and"
    value: str
    start: int
    end: int
    written: bool  # spelt with letters rather than digits


class _Number(NamedTuple):
    digits: str
    start: int
    end: int
    written: bool


_Placed = tuple[int, _Part]  # a part and where its word starts


def _part(piece: str, start: int, end: int) -> _Part:
    if piece in _REPEATS:
        return _Part("repeat", str(_REPEATS[piece]), start, end, True)
    if piece in _TENS:
        return _Part("tens", _TENS[piece], start, end, True)
    if piece in _SCALES:
        return _Part("scale", _SCALES[piece], start, end, True)
    if piece == "and":
        return _Part("and", "", start, end, True)
    return _Part("digits", _UNITS.get(piece) or _TEENS.get(piece) or _DIGIT_LETTERS[piece], start, end, True)


@functools.lru_cache(maxsize=8192)
def _word_parts(word: str) -> tuple[_Part | None, ...]:
    """The parts of a number one word holds, with None where something else interrupts them ("tel07700")."""
    parts: list[_Part | None] = []
    beside_digits = _DIGIT.search(word) is not None
    for piece in _PIECES.finditer(word):
        start, end, value = piece.start(), piece.end(), piece.group()
        if _DIGIT.match(value):
            parts.append(_Part("digits", value, start, end, False))
            continue
        words = _segment(value, beside_digits)
        if words is None:
            parts.append(None)
        else:
            parts += (_part(w, start, end) for w in words)
    return tuple(parts)


def _small_number(run: Sequence[_Placed], i: int) -> tuple[str, int]:
    """A number under a hundred starting at run[i] ("sixty one", "fifteen", "five"), and its length."""
    if i >= len(run):
        return "", 0
    part = run[i][1]
    if part.kind == "tens":
        following = run[i + 1][1] if i + 1 < len(run) else None
        if following and following.kind == "digits" and len(following.value) == 1 and following.value != "0":
            return part.value + following.value, 2
        return part.value + "0", 1
    if part.kind == "digits" and len(part.value) <= 2:
        return part.value, 1
    return "", 0


def _read(run: Sequence[_Placed], numbers: list[_Number]) -> None:
    """Adds the digit strings a run of parts reads as. "Nine hundred" is 900 and "double oh" 00, as
    numbers are read out; "nine hundred and sixty one" is 961; an "and" anywhere else ends the number."""
    digits, start, end, written = "", -1, -1, False
    i = 0
    while i < len(run):
        base, part = run[i]
        if part.kind == "and":
            if digits:
                numbers.append(_Number(digits, start, end, written))
            digits, start, written = "", -1, False
            i += 1
            continue
        if start < 0:
            start = base + part.start
        written = written or part.written
        used = 1
        if part.kind == "repeat":
            following = run[i + 1][1] if i + 1 < len(run) else None
            if following and following.kind == "digits":
                digits += following.value[0] * int(part.value) + following.value[1:]
                used = 2
        elif part.kind == "tens":
            small, used = _small_number(run, i)
            digits += small
        elif part.kind == "scale":
            small, size = (
                _small_number(run, i + 2) if i + 1 < len(run) and run[i + 1][1].kind == "and" else ("", 0)
            )
            if size:
                digits += small.rjust(len(part.value), "0")
                used = 2 + size
            else:
                digits += part.value
        else:
            digits += part.value
        last_base, last = run[i + used - 1]
        end = last_base + last.end
        i += used
    if digits:
        numbers.append(_Number(digits, start, end, written))


def _numbers(folded: str) -> list[_Number]:
    """Every run of digits, digit words and separators in the text, read as digits."""
    numbers: list[_Number] = []
    run: list[_Placed] = []
    last_end = -1
    gap = _GAP.fullmatch
    for word in _NUMBERISH.finditer(folded):
        base = word.start()
        if run and not gap(folded, last_end, base):
            _read(run, numbers)
            run = []
        text = word.group()
        last_end = word.end()
        if text.isdigit():
            run.append((base, _Part("digits", text, 0, len(text), False)))
            continue
        for part in _word_parts(text):
            if part is None:
                if run:
                    _read(run, numbers)
                    run = []
            else:
                run.append((base, part))
    if run:
        _read(run, numbers)
    return numbers


# --- Postcodes ------------------------------------------------------------------------------------------

_POSTCODE = re.compile(r"(?<![^\W\d_])([a-z]{1,2}[0-9][a-z0-9]?)\s*([0-9][a-z]{2})(?![^\W_])")
# Letters and digits that stand for each other in a postcode: CF l4 2WV is CF14 2WV, and O is 0.
_POSTCODE_LOOKALIKES = {
    "0": "o", "1": "il", "2": "z", "5": "s", "8": "b",
    "o": "0", "i": "1", "l": "1", "z": "2", "s": "5", "b": "8",
}  # fmt: skip


@functools.lru_cache(maxsize=4096)
def _postcode_pattern(value: str) -> re.Pattern[str]:
    between = "[" + _SEPARATORS + "]{0,3}+"
    classes = ["[" + re.escape(ch + _POSTCODE_LOOKALIKES.get(ch, "")) + "]" for ch in value]
    # Not straight after a letter; the first character is matched before that is looked at, as that is
    # the faster way round for the regular expression engine.
    return re.compile(classes[0] + r"(?<![^\W\d_].)" + between + between.join(classes[1:]))


def _holds_postcode(pattern: re.Pattern[str], text: str) -> bool:
    found = pattern.search(text)
    while found:
        # Letters alone are words, not a postcode: "bil aa" is not B1 1AA.
        if _DIGIT.search(found.group()):
            return True
        found = pattern.search(text, found.start() + 1)
    return False


# --- The text being checked -----------------------------------------------------------------------------


class _Text:
    """One text, normalised once and read in each way a marker needs, each only when first asked."""

    def __init__(self, text: str) -> None:
        self.folded = normalise(text)

    @functools.cached_property
    def words(self) -> list[str]:
        return _words(self.folded)

    @functools.cached_property
    def joined(self) -> _Joined:
        return _Joined.of(self.words)

    @functools.cached_property
    def joined_without_at(self) -> _Joined:
        # "seren dot morgan at example dot org"
        return _Joined.of([w for w in self.words if w not in _NOT_EMAIL_WORDS])

    @functools.cached_property
    def readings(self) -> tuple[str, ...]:
        """The text, and where it holds a bar or an exclamation mark, the text with those read as 1: a
        separator in "07700|900333" and a digit in "CF|4 2WV"."""
        if "|" in self.folded or "!" in self.folded:
            return (self.folded, self.folded.translate(_BARS))
        return (self.folded,)

    @functools.cached_property
    def numbers(self) -> list[tuple[str, list[_Number]]]:
        return [(reading, _numbers(reading)) for reading in self.readings]

    @functools.cached_property
    def phone_digits(self) -> str:
        return "|".join(number.digits for _reading, numbers in self.numbers for number in numbers)

    @functools.cached_property
    def postcode_texts(self) -> list[str]:
        """Each reading, and each with numbers spelt in words put in digits ("CF fourteen 2WV")."""
        texts = []
        for reading, numbers in self.numbers:
            texts.append(reading)
            spelt = [n for n in numbers if n.written]
            if spelt:
                pieces, at = [], 0
                for number in spelt:
                    pieces += [reading[at : number.start], number.digits]
                    at = number.end
                pieces.append(reading[at:])
                texts.append("".join(pieces))
        return texts


@functools.lru_cache(maxsize=4096)
def _needle(marker: Marker) -> str:
    return _skeleton(marker.value.replace(" ", ""))


def _found(text: _Text, marker: Marker) -> bool:
    if marker.kind == "phone":
        return marker.value in text.phone_digits
    if marker.kind == "postcode":
        pattern = _postcode_pattern(marker.value)
        return any(_holds_postcode(pattern, version) for version in text.postcode_texts)
    needle = _needle(marker)
    if marker.kind == "email":
        return text.joined.holds(needle) or text.joined_without_at.holds(needle)
    return text.joined.holds(needle)


def mentions(text: str, markers: Iterable[Marker]) -> set[str]:
    """The kinds of sealed detail ("address", "postcode", "phone", "email", "school") the text holds."""
    found: set[str] = set()
    if not text:
        return found
    view: _Text | None = None
    for marker in markers:
        if marker.kind in found:
            continue
        view = view or _Text(text)
        if _found(view, marker):
            found.add(marker.kind)
    return found


def describe_kinds(kinds: Iterable[str]) -> str:
    """The kinds, in the reader's language, in a fixed order: "address, phone"."""
    wanted = set(kinds)
    return ", ".join(str(KIND_LABELS[kind]) for kind in KINDS if kind in wanted)


# --- Markers from sealed values -------------------------------------------------------------------------


def _street(words: list[str]) -> list[str]:
    """The street of one address line: its name and type, without the house or flat number."""
    if words[0] in _WELSH_STREET_WORDS and len(words) >= 2:
        # Heol y Frân: the type comes first, then the name, up to its first word that is not an article.
        name_at = next((n for n in range(1, len(words)) if words[n] not in _ARTICLES), len(words) - 1)
        return words[: name_at + 1]
    for n, word in enumerate(words):
        if n >= 1 and word in _STREET_WORDS:
            return words[: n + 1]
    return words


def _address_markers(folded: str) -> list[Marker]:
    markers = [Marker("postcode", outward + inward) for outward, inward in _POSTCODE.findall(folded)]
    lines = [_words(_POSTCODE.sub(" ", line)) for line in re.split(r"[\n,;]+", folded)]
    lines = [line for line in lines if line]
    # The last line is usually the town: naming a town does not locate anyone. A one-line address is kept.
    for words in lines[:-1] if len(lines) > 1 else lines:
        number = ""
        while words and (any(ch.isdigit() for ch in words[0]) or words[0] in _PREMISES_WORDS):
            number = words[0] if any(ch.isdigit() for ch in words[0]) else number
            words = words[1:]
        if not words:
            continue  # "Flat 2": a number alone locates no one
        street = _street(words)
        if len(street) >= 2:
            markers.append(Marker("address", " ".join(street)))
            name = [w for w in street[:-1] if w not in _ARTICLES and w not in _STREET_WORDS]
            if street[-1] in _STREET_WORDS and len(name) >= 2:
                # "Glan Morfa Road" is found as "Glan Morfa" too; a one-word name alone is too common.
                markers.append(Marker("address", " ".join(street[:-1])))
        elif number and len(street[0]) >= 3 and street[0] not in _STREET_WORDS:
            # "17 Heron": a house number with a one-word name.
            markers.append(Marker("address", f"{number} {street[0]}"))
    return markers


def _phone_markers(folded: str) -> list[Marker]:
    # One field may hold more than one number ("07700 900461 / 029 2049 6000").
    parts = re.split(r"[;,/\n]|\bor\b|\bneu\b", folded)
    digit_parts = [re.sub(r"[^0-9]", "", part) for part in parts]
    digit_parts = [d for d in digit_parts if d]
    if not digit_parts or any(len(d) < 9 for d in digit_parts):
        digit_parts = [re.sub(r"[^0-9]", "", folded)]
    # The last nine digits: with or without the leading 0, +44 or (0) it is the same number.
    return [Marker("phone", d[-9:]) for d in digit_parts if len(d) >= 6]


def _email_markers(folded: str) -> list[Marker]:
    markers = []
    for address in re.split(r"[\s,;]+", folded):
        local, at, domain = address.partition("@")
        words = _words(local)
        if at:
            # The name before the first dot of the domain is enough: "seren.morgan at example".
            words += _words(domain)[:1]
        if len("".join(words)) >= 6:
            markers.append(Marker("email", " ".join(words)))
    return markers


def _school_markers(folded: str) -> list[Marker]:
    words = _words(folded)
    if len(words) < 2:
        return []
    markers = [Marker("school", " ".join(words))]
    # "Ysgol Gynradd Glan Morfa" is also "Glan Morfa"; a one-word name alone is too common.
    name = [w for w in words if w not in _SCHOOL_WORDS]
    if len(name) >= 2 and len("".join(name)) >= 6 and name != words:
        markers.append(Marker("school", " ".join(name)))
    return markers


def markers_from(
    *,
    address: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    school: str | None = None,
) -> list[Marker]:
    """The markers for one person's sealed details, given in plain text (None or "" for a field not held).

    Never show, return or log the markers: they are the sealed details in another form."""
    markers: list[Marker] = []
    if address:
        markers += _address_markers(normalise(address))
    if phone:
        markers += _phone_markers(normalise(phone))
    if email:
        markers += _email_markers(normalise(email))
    if school:
        markers += _school_markers(normalise(school))
    return list(dict.fromkeys(markers))
