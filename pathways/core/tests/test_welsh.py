"""Everything a user reads is in English and Welsh."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from pathways.core.access import Role
from pathways.directory.choices import Tier

CATALOGUE = Path(settings.BASE_DIR) / "pathways" / "locale" / "cy" / "LC_MESSAGES" / "django.po"


def _entries(text: str) -> list[str]:
    return [
        block
        for block in text.split("\n\n")
        if "msgid" in block and 'msgid ""\nmsgstr ""\n"Project' not in block
    ]


def test_catalogue_has_no_untranslated_or_fuzzy_entries() -> None:
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "#, fuzzy" not in text
    untranslated = [b for b in _entries(text) if re.search(r'msgstr(\[\d\])? ""\s*$', b)]
    assert untranslated == []


def test_welsh_plural_forms_are_declared() -> None:
    assert "nplurals=4" in CATALOGUE.read_text(encoding="utf-8")


def test_choices_are_translated() -> None:
    with translation.override("cy"):
        labels = [str(label) for _value, label in Tier.choices]
    with translation.override("en"):
        english = [str(label) for _value, label in Tier.choices]
    assert all(cy != en for cy, en in zip(labels, english, strict=True))


def test_pages_switch_language_by_prefix(client: Client) -> None:
    english = client.get("/en/sign-in/").content.decode()
    welsh = client.get("/cy/sign-in/").content.decode()
    assert 'lang="en"' in english and "Sign in to Pathways" in english
    assert 'lang="cy"' in welsh and "Sign in to Pathways" not in welsh
    assert 'href="/en/sign-in/"' in welsh and 'href="/cy/sign-in/"' in english


@pytest.mark.django_db
def test_gap_map_in_welsh(region: None, client_as: Callable[[str], Client]) -> None:
    page = client_as(Role.COMMISSIONER).get("/cy/insights/gap-map/").content.decode()
    with translation.override("cy"):
        heading = translation.gettext("Gap map")
        medium = str(Tier.MEDIUM_RISK.label)
    assert heading != "Gap map" and f">{heading}</h1>" in page
    assert medium in page and "Bro Morgannwg" in page and "Caerdydd" in page


def test_unknown_language_prefix_is_a_plain_404(client: Client) -> None:
    response = client.get("/fr/sign-in/")
    assert response.status_code == 404
    assert 'href="/cy/"' in response.content.decode()
