"""The cast's counterparts: what a demo login may reach, the same role at another agency may not."""

from __future__ import annotations

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.factories import actor_of, sign_in
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


def _status(user: User, url: str) -> int:
    return sign_in(Client(), user).get(url).status_code


def test_a_referral_and_its_people_are_the_referrers_not_the_same_role_elsewhere(
    cast: dict[str, User],
) -> None:
    referral = refer(actor_of(cast["socialworker"]))
    assert referral.partner is not None
    pages = [
        f"/en/referrals/{referral.pk}/",
        f"/en/people/{referral.person_id}/",
        f"/en/people/{referral.partner.pk}/",
    ]
    for url in pages:
        assert _status(cast["socialworker"], url) == 200, url
        for stranger in ("socialworker-elsewhere", "idva-elsewhere", "practitioner-elsewhere", "outsider"):
            assert _status(cast[stranger], url) == 404, (stranger, url)


def test_every_login_has_a_counterpart_with_its_role_at_another_agency_of_its_type(
    cast: dict[str, User],
) -> None:
    logins = [name for name in cast if not name.endswith("-elsewhere") and name != "outsider"]
    assert "socialworker" in logins and "drive" in logins
    for name in logins:
        mine = cast[name].memberships.select_related("agency").get()
        theirs = cast[f"{name}-elsewhere"].memberships.select_related("agency").get()
        assert (theirs.role, theirs.agency.type) == (mine.role, mine.agency.type), name
        assert theirs.agency != mine.agency, name
