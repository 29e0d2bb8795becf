"""Service and region names on the referral pages come from the region's file, not from a template."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.directory.models import Region, Service
from pathways.factories import actor_of, sign_in
from pathways.referrals import services
from pathways.referrals.choices import Status
from pathways.referrals.models import Referral
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")


def _referral_page(client: Client) -> str:
    return client.get("/en/referrals/new/").content.decode()


def test_the_services_that_need_a_partners_details_are_named_from_the_region_file(
    cast: dict[str, User],
) -> None:
    needing = sorted(Service.objects.filter(partner_details_required=True).values_list("name_en", flat=True))
    assert needing  # the shipped file marks CLEAR
    client = sign_in(Client(), cast["socialworker"])
    page = _referral_page(client)
    for name in needing:
        assert name in page.split('id="partner-details-services"')[1].split("</div>")[0]
    Service.objects.filter(partner_details_required=True).update(partner_details_required=False)
    page = _referral_page(client)
    assert "contact details, so that the partner can be offered support at the same time. The" in page
    inset = page.split('id="partner-details-services"')[1].split("</div>")[0]
    assert not any(name in inset for name in needing)


def test_the_self_referral_page_names_the_region_from_its_file() -> None:
    Region.objects.filter(slug="cardiff-and-vale").update(name_en="Gwent")
    page = Client().get("/en/referrals/self-referral/").content.decode()
    assert "services in Gwent can help you change" in page


def test_a_referrals_history_reads_in_the_readers_language(cast: dict[str, User]) -> None:
    """What Pathways writes in a referral's history (the service chosen, its decline, the partner's
    referral) is shown in Welsh to a Welsh reader, with the services' Welsh names; a typed reason stays
    as typed."""
    referrer, clear = actor_of(cast["socialworker"]), actor_of(cast["practitioner"])
    referral = refer(referrer)
    services.referral_triage(referral=referral)
    services.referral_service_choose(actor=referrer, referral=referral, service_slug="clear")
    services.referral_advance(actor=clear, referral=referral, to=Status.DECLINED, note="Too high risk for us")
    clear_service = Service.objects.get(slug="clear")
    client = sign_in(Client(), cast["socialworker"])
    welsh = unescape(client.get(f"/cy/referrals/{referral.pk}/").content.decode())
    assert f"wedi'i wrthod gan {clear_service.name_cy}" in welsh
    assert "declined by" not in welsh and "linked to" not in welsh
    assert "Too high risk for us" in welsh
    english = client.get(f"/en/referrals/{referral.pk}/").content.decode()
    assert f"declined by {clear_service.name_en}" in english
    partner = Referral.objects.get(linked_referral=referral)
    page = unescape(sign_in(Client(), cast["idva"]).get(f"/cy/referrals/{partner.pk}/").content.decode())
    assert f"wedi'i gysylltu â {referral.reference}" in page and "linked to" not in page
