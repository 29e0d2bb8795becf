"""An operator's licensed wording replaces the neutral labels on the form, and changes no result."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client

from pathways.accounts.models import User
from pathways.assessments.wording import load_wording
from pathways.core.datafiles import DataFileError
from pathways.factories import actor_of, sign_in
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


def _file(tmp_path: Path, items: dict[str, Any], instrument: str = "dash-partner-agency") -> Path:
    path = tmp_path / "wording.yaml"
    path.write_text(
        yaml.safe_dump(
            {"instrument": instrument, "licence": "Licensed to Test Agency until 2027", "items": items}
        )
    )
    return path


def test_the_form_shows_the_operators_wording(cast: dict[str, User], tmp_path: Path) -> None:
    load_wording(path=_file(tmp_path, {"q02": {"en": "LICENSED WORDING OF QUESTION TWO"}}))
    user = cast["idva"]
    person = refer(actor_of(user)).person
    client = sign_in(Client(), user)
    location = client.post(
        f"/en/assessments/people/{person.pk}/new/",
        {"instrument": "dash-partner-agency", "context": "intake", "assessed_on": "2026-06-01"},
    )["Location"]
    page = client.get(location).content.decode()
    assert "LICENSED WORDING OF QUESTION TWO" in page
    assert "Injury from the current incident" in page  # items without licensed wording keep their labels


def test_wording_for_an_unknown_item_or_instrument_is_refused(region: None, tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no item 'q99'"):
        load_wording(path=_file(tmp_path, {"q99": {"en": "x"}}))
    with pytest.raises(DataFileError, match="no instrument 'nope'"):
        load_wording(path=_file(tmp_path, {"q01": {"en": "x"}}, instrument="nope"))
