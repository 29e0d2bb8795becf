"""Sealed details in free text: found however they are disguised, and ordinary text left alone."""

from __future__ import annotations

import pytest
from django.utils import translation

from pathways.core.sealedtext import Marker, describe_kinds, markers_from, mentions, normalise

ADDRESS = "Flat 2, 17 Kingfisher Crescent\nLlanrumney\nCardiff\nCF14 2WV"
WELSH_ADDRESS = "4 Heol y Frân\nTreganna\nCaerdydd\nCF5 1QE"
PHONE = "07700 900333"
SECOND_PHONE = "07700 900461"
EMAIL = "seren.morgan@example.org"
SCHOOL = "Ysgol Gynradd Glan Morfa"

FAMILY = [
    *markers_from(address=ADDRESS, phone=PHONE, email=EMAIL),
    *markers_from(address=WELSH_ADDRESS, phone=SECOND_PHONE, school=SCHOOL),
]

ZWSP, ZWJ, WORD_JOINER, BOM, SOFT_HYPHEN = "\u200b", "\u200d", "\u2060", "\ufeff", "\u00ad"
CYRILLIC_E, CYRILLIC_O, CYRILLIC_I, GREEK_OMICRON = "\u0435", "\u043e", "\u0456", "\u03bf"


def _full_width(text: str) -> str:
    return "".join(
        chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text
    )


PLAIN = [
    ("Partner now at 17 Kingfisher Crescent", "address"),
    ("She moved to CF14 2WV", "postcode"),
    ("Her mobile is 07700 900333", "phone"),
    ("Email seren.morgan@example.org", "email"),
    ("The child goes to Ysgol Gynradd Glan Morfa", "school"),
    ("Staying at 4 Heol y Frân", "address"),
    ("Staying in CF5 1QE", "postcode"),
]

DISGUISED = [
    # Phone: separators, country codes and letters for digits
    ("07700/900333", "phone"),
    ("07700, 900333", "phone"),
    ("07700.900.333", "phone"),
    ("(07700) 900-333", "phone"),
    ("07700 - 900 - 333", "phone"),
    ("+44 7700 900333", "phone"),
    ("+44 (0)7700 900333", "phone"),
    ("0044 7700 900 333", "phone"),
    ("0 7 7 0 0 9 0 0 3 3 3", "phone"),
    ("07700\n900333", "phone"),
    ("O77OO 9OO333", "phone"),
    ("o77oo9oo333", "phone"),
    ("O77OO 9OO3\u04173", "phone"),  # Cyrillic capital ze for 3
    ("O77OO 9OO46|", "phone"),
    ("O77OO 9OO46!", "phone"),
    ("07700|900333", "phone"),
    ("tel07700900333", "phone"),
    ("ring her:07700900333.", "phone"),
    # Phone: invisible characters and other scripts' forms of the digits
    (f"0770{SOFT_HYPHEN}0 900{ZWSP}333", "phone"),
    (f"077{WORD_JOINER}00{BOM}900{ZWJ}333", "phone"),
    (_full_width("07700 900333"), "phone"),
    ("\u0660\u0667\u0667\u0660\u0660 \u0669\u0660\u0660\u0663\u0663\u0663", "phone"),  # Arabic-Indic
    ("\U0001d7ce\U0001d7d57700 900333", "phone"),  # mathematical bold 0 and 7
    # Phone: digits written as words, in English and Welsh
    ("zero seven seven zero zero nine zero zero three three three", "phone"),
    ("oh seven seven double oh nine double oh treble three", "phone"),
    ("oh seven seven double oh nine hundred three three three", "phone"),
    ("Oh-seven-seven-oh-oh, nine-oh-oh, three-three-three", "phone"),
    ("ohsevenseven ohoh nineohoh threethreethree", "phone"),
    ("seven seven oh oh nine oh oh three three three", "phone"),
    ("0 seven 7 double 0 nine 00 333", "phone"),
    ("dim saith saith dim dim naw dim dim tri tri tri", "phone"),
    ("Dim saith saith dwbl dim, naw dwbl dim, tri tri tri", "phone"),
    ("sero saith saith dim dim naw dim dim thri thri thri", "phone"),
    # Postcode: case, spacing, separators, look-alikes, full-width and words
    ("cf142wv", "postcode"),
    ("CF 14 2 WV", "postcode"),
    ("CF14-2WV", "postcode"),
    ("CF14/2WV", "postcode"),
    ("C.F.1.4 2.W.V", "postcode"),
    ("CF l4 2WV", "postcode"),
    ("CF I4 2WV", "postcode"),
    ("CF|4 2WV", "postcode"),
    (_full_width("CF14 2WV"), "postcode"),
    (f"CF1{ZWSP}4 2W{SOFT_HYPHEN}V", "postcode"),
    ("\u0421F14 2WV", "postcode"),  # Cyrillic capital es
    ("CF fourteen 2WV", "postcode"),
    ("CF one four two WV", "postcode"),
    ("CF5 IQE", "postcode"),
    ("CF5 lQE", "postcode"),
    ("cf5 1qe.", "postcode"),
    # Address: abbreviations, look-alike letters, invisible characters, marks, spacing
    ("Kingfisher Cres.", "address"),
    ("kingfisher cresc", "address"),
    (f"Kingfish{CYRILLIC_E}r Crescent", "address"),
    (f"K{CYRILLIC_I}ngf{CYRILLIC_I}sher Cr{CYRILLIC_E}sc{CYRILLIC_E}nt", "address"),
    (f"King{ZWSP}fisher Cres{SOFT_HYPHEN}cent", "address"),
    (f"Kingfisher{BOM}Crescent", "address"),
    ("K\u0332i\u0332n\u0332g\u0332fisher Crescent", "address"),  # combining underline
    (_full_width("Kingfisher Crescent"), "address"),
    ("KINGFISHER CRESCENT", "address"),
    ("King-fisher Crescent", "address"),
    ("K i n g f i s h e r  C r e s c e n t", "address"),
    ("K1ngf1sher Cresc3nt", "address"),
    ("Kingfisher_Crescent", "address"),
    ("heol y fran", "address"),
    ("Heol-y-Frân", "address"),
    (f"H{CYRILLIC_E}ol y Fra\u0302n", "address"),
    (f"He{GREEK_OMICRON}l y Fran", "address"),
    ("HE\u039fL Y FRAN", "address"),  # Greek capital omicron
    # Email: case, words for the punctuation, look-alikes, invisible characters
    ("SEREN.MORGAN@EXAMPLE.ORG", "email"),
    ("seren dot morgan at example dot org", "email"),
    ("seren[dot]morgan[at]example[dot]org", "email"),
    ("seren.morgan (at) example", "email"),
    ("seren.morgan\uff20example.org", "email"),  # full-width @
    (f"s{CYRILLIC_E}ren.m{CYRILLIC_O}rgan@example.org", "email"),
    (f"seren{ZWSP}.morgan@exa{SOFT_HYPHEN}mple.org", "email"),
    ("s e r e n . m o r g a n @ e x a m p l e . o r g", "email"),
    (_full_width("seren.morgan@example.org"), "email"),
    # School: its full name, or its own name without the words every school has
    ("She goes to Glan Morfa primary", "school"),
    ("ysgol glan morfa", "school"),
    (f"Ysgol Gynradd Glan M{CYRILLIC_O}rfa", "school"),
    (f"Glan{SOFT_HYPHEN}Morfa", "school"),
    (_full_width("Glan Morfa"), "school"),
    ("GLAN-MORFA", "school"),
]


@pytest.mark.parametrize(("text", "kind"), PLAIN + DISGUISED)
def test_a_sealed_detail_is_found_however_it_is_written(text: str, kind: str) -> None:
    assert kind in mentions(text, FAMILY)


@pytest.mark.parametrize(("text", "kind"), PLAIN + DISGUISED)
def test_a_sealed_detail_is_found_inside_ordinary_text(text: str, kind: str) -> None:
    padded = f"Seen at the office on 14 March with the worker. {text}. Next review in 6 weeks."
    assert kind in mentions(padded, FAMILY)


ORDINARY = [
    "Seen at the Cardiff office on 14 March",
    "07 visits since January",
    "3 call-outs since January; bail: no contact with the partner. Lives in Cardiff.",
    "Lives in Cardiff",
    "Moved to Caerdydd",
    "Lives in Llanrumney",  # a district alone does not locate anyone
    "Now in Treganna",
    "Flat 2",  # a flat or house number alone does not either
    "She lives at number 17",
    "CF14",  # the district of the postcode
    "CF14 2WX",  # another postcode in the same district
    "CF14 3WV",
    "CF1 4AB",
    "CF5 1QF",
    "07700 900334",  # another number in the same range
    "07700 900",
    "900333",  # the end of the number without the rest
    "Case 07700 was closed; 900333 is the crime reference",  # digits in different places
    "Visits: 07, 70 miles, 0 missed; reference 900 333",
    "Scores 7, 7, 0 and 0; 9 0 0 visits; 3 3 3 weeks",
    "07700 and then 900333",
    "Dates 14/03/2026, 15/03/2026 and 01/04/2026; reference 2026/0415/7789",
    "The kingfisher was seen on the river",
    "Kingfisher Road",  # another street of the same name
    "Crescent Road, Rumney",
    "He walked the ron way home",
    "Her way home was on foot",
    "Heol y Bont",
    "Heol Frân",
    "Seren Morgan attended with her worker",  # a name is not sealed
    "example.org is the provider's website",
    "Morgan and Seren were at the meeting",
    "Ysgol Gynradd Pencae",  # another school
    "The school is a Welsh-medium primary",
    "The glan of the morfa",
    "I have 1 concern and 0 objections, so 0 further actions",
    "one, two, three: three steps to safety; double-checked by nine",
    "Dim cyswllt ers tri mis; un ymweliad, dau alwad",  # Welsh: no contact for three months; ...
    "Gwelwyd yn swyddfa Caerdydd ar 14 Mawrth",
    "Bill Aaron will attend",
    "Risk 17/24 on the DASH; 9 of 12 on the RFG",
    "Ref CF142/XV-77",
    "Meeting at 10:30; room 14, floor 2",
    "",
]


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_panel_text_matches_nothing(text: str) -> None:
    assert mentions(text, FAMILY) == set()


# What the disclosure check on panel papers refused and allowed before this module, with the same family.
PANEL_FAMILY = markers_from(
    address="Flat 2, 17 Kingfisher Crescent\nLlanrumney\nCardiff\nCF3 4QZ",
    phone="07700 900461",
    email="seren.morgan@example.org",
    school="Ysgol Gynradd Glan Morfa",
) + markers_from(address="4 Heron Way\nRumney\nCardiff")


@pytest.mark.parametrize(
    "typed",
    [
        "She has moved to cf3 4qz with the children.",
        "Partner now at CF34QZ",
        "Flat 2, 17 Kingfisher Cres., Llanrumney",
        "She lives on kingfisher crescent now",
        "Her new mobile is +44 7700 900461",
        "Call her on 07700-900-461",
        "Email SEREN.MORGAN@example.org to arrange",
        "seren dot morgan at example dot org",
        "The child goes to Ysgol Gynradd Glan Morfa",
        "Seen at 4 Heron Way, Rumney",
    ],
)
def test_what_the_panel_check_refused_is_still_refused(typed: str) -> None:
    assert mentions(typed, PANEL_FAMILY)


def test_what_the_panel_check_allowed_is_still_allowed() -> None:
    typed = "Three call-outs since January; bail: no contact with the partner. Lives in Cardiff."
    assert mentions(typed, PANEL_FAMILY) == set()


def test_every_kind_found_is_named() -> None:
    text = "At 17 Kingfisher Crescent, CF14 2WV, on 07700 900333 or seren.morgan@example.org; Glan Morfa"
    assert mentions(text, FAMILY) == {"address", "postcode", "phone", "email", "school"}


def test_the_sealed_value_is_normalised_as_the_text_is() -> None:
    typed_oddly = markers_from(
        address=_full_width("17") + f" Kingfish{CYRILLIC_E}r Cres.\nCardiff",
        phone="+44 (0) 7700-900-333",
        email="SEREN.MORGAN@example.org",
    )
    assert mentions("17 Kingfisher Crescent", typed_oddly) == {"address"}
    assert mentions("07700 900333", typed_oddly) == {"phone"}
    assert mentions("seren.morgan@example.org", typed_oddly) == {"email"}


def test_a_postcode_straight_after_a_letter_is_another_postcode() -> None:
    whitechapel = markers_from(address="1 Brick Lane\nLondon\nE1 6AN")
    assert mentions("E1 6AN", whitechapel) == {"postcode"}
    assert mentions("SE1 6AN", whitechapel) == set()
    birmingham = markers_from(address="1 New Street\nBirmingham\nB1 1AA")
    assert mentions("B1 1AA and b l 1aa", birmingham) == {"postcode"}
    # Words that happen to be letters and look-alikes of digits are not a postcode.
    assert mentions("Bill Aaron; bil aa", birmingham) == set()


def test_a_field_with_two_numbers_protects_both() -> None:
    both = markers_from(phone="07700 900461 / 029 2049 6000")
    assert mentions("call 029 2049 6000", both) == {"phone"}
    assert mentions("call 07700 900461", both) == {"phone"}


def test_a_street_name_of_two_words_is_found_without_its_type() -> None:
    markers = markers_from(address="12 Glan Morfa Road, Rumney, Cardiff CF3 1AB")
    assert mentions("near Glan Morfa", markers) == {"address"}
    assert mentions("in Rumney, near the park", markers) == set()


def test_a_saints_name_is_not_taken_for_the_street_named_after_them() -> None:
    markers = markers_from(address="7 St Mary Street\nCardiff\nCF10 1AA")
    assert mentions("at 7 St Mary St", markers) == {"address"}
    assert mentions("after the service at St Mary's church", markers) == set()


def test_a_house_number_and_a_one_word_house_name_are_found_together_only() -> None:
    markers = markers_from(address="17 Heron\nBarry")
    assert mentions("she is at 17 Heron now", markers) == {"address"}
    assert mentions("a heron at number 17", markers) == set()


def test_details_too_short_to_locate_anyone_give_no_markers() -> None:
    assert markers_from() == []
    assert markers_from(address="", phone="", email="", school="") == []
    assert markers_from(phone="999") == []
    assert markers_from(email="jo@x.co") == []
    assert markers_from(school="Ysgol") == []
    assert markers_from(address="Flat 2\nCardiff") == []


def test_markers_are_kinds_and_normalised_values() -> None:
    markers = markers_from(address="17 Kingfisher Cres\nCardiff\nCF14 2WV", phone="07700 900333")
    assert Marker("postcode", "cf142wv") in markers
    assert Marker("address", "kingfisher crescent") in markers
    assert Marker("phone", "700900333") in markers


def test_nothing_is_found_without_markers() -> None:
    assert mentions("17 Kingfisher Crescent, CF14 2WV, 07700 900333", []) == set()


def test_a_detail_at_the_end_of_a_long_text_is_found() -> None:
    filler = ("Seen at the office on 14 March; 07 visits, 3 calls, 0 missed. Dim cyswllt. " * 110)[:7950]
    assert mentions(filler, FAMILY) == set()
    for tail, kind in [
        ("O77OO 9OO333", "phone"),
        ("CF l4 2WV", "postcode"),
        ("Kingfisher Cres", "address"),
        ("seren dot morgan at example", "email"),
        ("Glan Morfa", "school"),
    ]:
        assert mentions(f"{filler} {tail}", FAMILY) == {kind}, kind


@pytest.mark.parametrize(
    "text",
    [
        "a" * 8000,
        "o" * 7999 + "x",
        "oh" * 3999 + "x",
        "seven" * 1600,
        ("1 " * 4000),
        "." * 8000,
        "\u200b" * 8000,
        ("bil aa " * 1200)[:8000],
        ("cf14 2w " * 1000)[:8000],
        ("O77OO 9OO3 lol " * 550)[:8000],
        ("double " * 1200)[:8000],
        ("hundred and " * 800)[:8000],
        ("K i n g " * 1000)[:8000],
    ],
    ids=lambda text: f"{text[:12]!r}...",
)
def test_long_and_repetitive_input_is_read_through(text: str) -> None:
    assert mentions(text, FAMILY) == set()
    assert mentions(text + " 07700 900333", FAMILY) == {"phone"}


def test_normalising_unfolds_forms_and_drops_invisible_characters() -> None:
    assert normalise(_full_width("CF14") + "\u200b" + _full_width(" 2WV")) == "cf14 2wv"
    assert normalise(f"Kingfish{CYRILLIC_E}r{SOFT_HYPHEN}") == "kingfisher"
    assert normalise("Heol y Frân") == "heol y fran"
    assert normalise("ﬁeld ①") == "field 1"
    assert normalise("Tab\tand\nnew line") == "tab\tand\nnew line"


def test_kinds_are_named_in_the_readers_language() -> None:
    with translation.override("en"):
        assert describe_kinds({"phone", "address"}) == "address, phone"
        assert describe_kinds(set()) == ""
    with translation.override("cy"):
        assert describe_kinds({"postcode", "address"}) == "cyfeiriad, cod post"
