"""Each practitioner starts from their work: new referrals to their services, their own waiting for a
choice, the intake queue, tasks and panel meetings; nothing of anyone else's."""

from __future__ import annotations

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.factories import actor_of, sign_in
from pathways.referrals.services import referral_service_choose
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


def _work(user: User) -> str:
    response = sign_in(Client(), user).get("/en/", follow=True)
    assert response.redirect_chain[-1][0] == "/en/work/"
    return response.content.decode()


def test_a_new_referral_waits_on_the_services_first_page_and_the_referrers_until_sent(
    cast: dict[str, User],
) -> None:
    sw = actor_of(cast["socialworker"])
    referral = refer(sw)
    assert referral.reference in _work(cast["socialworker"]).split('id="work-to-choose"')[1]
    assert referral.reference not in _work(cast["practitioner"])
    referral_service_choose(actor=sw, referral=referral, service_slug="clear")
    clear = _work(cast["practitioner"])
    assert referral.reference in clear.split('id="work-new"')[1] and "Rhys Jenkins" in clear
    assert 'id="work-to-choose"' not in _work(cast["socialworker"])
    elsewhere = _work(cast["practitioner-elsewhere"])
    assert referral.reference not in elsewhere and "Nothing is waiting for you." in elsewhere


def test_panel_members_see_their_next_meetings(cast: dict[str, User]) -> None:
    page = _work(cast["drive"])
    meetings = page.split('id="work-meetings"')[1].split("</ul>")[0]
    assert "Cardiff MARAC" in meetings
    assert 'id="work-meetings"' not in _work(cast["practitioner"])  # CLEAR has no seat
