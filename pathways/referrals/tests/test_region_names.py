"""Service and region names on the referral pages come from the region's file, not from a template."""

from __future__ import annotations

import pytest
from django.test import Client

from pathways.accounts.models import User
from pathways.directory.models import Region, Service
from pathways.factories import sign_in

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
