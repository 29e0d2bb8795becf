"""The administration pages in Welsh: every list's column headings, every form's labels and the names of
what is administered, not only Django's own words."""

from __future__ import annotations

import re
from html import unescape

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone

from pathways.accounts.admin import admin_site
from pathways.accounts.models import User
from pathways.factories import sign_in

pytestmark = pytest.mark.django_db

# Words that are the same in both languages.
SAME_IN_BOTH = {"", "ID"}


def _column_headings(page: str) -> list[str]:
    cells = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', page, flags=re.S)
    texts = [unescape(re.sub(r"<[^>]+>", " ", c)).split() for c in cells]
    return [" ".join(t) for t in texts if t]


def _labels(page: str) -> list[str]:
    found = re.findall(r"<label[^>]*>(.*?)</label>", page, flags=re.S)
    return [" ".join(unescape(re.sub(r"<[^>]+>", " ", f)).split()).rstrip(":") for f in found]


@pytest.fixture
def admin(cast: dict[str, User]) -> Client:
    return sign_in(Client(), cast["admin"])


@pytest.mark.parametrize("model", sorted(m._meta.label for m in admin_site._registry))
def test_every_list_in_the_admin_has_welsh_headings(admin: Client, model: str) -> None:
    # A list with no rows has no headings: a lockout to show.
    AccessAttempt.objects.create(username="idva", failures_since_start=3, attempt_time=timezone.now())
    app_label, model_name = model.lower().split(".")
    english = admin.get(f"/en/admin/{app_label}/{model_name}/")
    welsh = admin.get(f"/cy/admin/{app_label}/{model_name}/")
    assert english.status_code == welsh.status_code == 200
    en, cy = _column_headings(english.content.decode()), _column_headings(welsh.content.decode())
    assert en and len(en) == len(cy)
    untranslated = [e for e, c in zip(en, cy, strict=True) if e == c and e not in SAME_IN_BOTH]
    assert not untranslated, f"{model}: {untranslated}"


def test_the_admins_forms_and_its_index_are_in_welsh(admin: Client, cast: dict[str, User]) -> None:
    idva = cast["idva"]
    membership = idva.memberships.get()
    paths = (f"admin/accounts/user/{idva.pk}/change/", f"admin/accounts/membership/{membership.pk}/change/")
    for path in paths:
        en = _labels(admin.get(f"/en/{path}").content.decode())
        cy = _labels(admin.get(f"/cy/{path}").content.decode())
        assert en and len(en) == len(cy)
        assert not [e for e, c in zip(en, cy, strict=True) if e == c and e not in SAME_IN_BOTH], path
    index = admin.get("/cy/admin/").content.decode()
    for english in ("Axes", "TOTP device", "Static device", "Access attempt"):
        assert english not in index, english
    assert "Apiau dilysu" in index and "Cloi allan o fewngofnodi" in index


def test_the_password_rules_are_in_welsh(admin: Client) -> None:
    page = admin.post(
        "/cy/account/password/",
        {"old_password": "wrong", "new_password1": "12345678", "new_password2": "12345678"},
    ).content.decode()
    for english in ("too short", "entirely numeric", "password fields", "entered incorrectly"):
        assert english not in page, english
    assert "Roedd eich hen gyfrinair yn anghywir" in page
    assert "yn rhy fyr" in page and "Rhifau yn unig" in page
