"""Separate workers: the same member of staff ought not to support both parties (Home Office standards,
2023). Whoever works a man's case may not work his partner's or his child's, and the reverse; the refusal
gives the reason without saying who in the family is supported, or where."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from pathways.accounts.models import Agency, Membership, User
from pathways.accounts.tests.helpers import CHOOSE_URL
from pathways.cases import services
from pathways.cases.models import Case
from pathways.cases.selectors import case_worker_clash
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.access import Role
from pathways.core.policy import Actor
from pathways.factories import make_user, sign_in

pytestmark = pytest.mark.usefixtures("region")


def _both_sides(name: str) -> User:
    """A manager who belongs to Drive and to RISE, as someone moving between the two might."""
    user = make_user(name, Agency.objects.get(slug="drive-cardiff"), Role.MANAGER)
    Membership.objects.create(user=user, agency=Agency.objects.get(slug="rise-cardiff"), role=Role.MANAGER)
    return user


def _acting_for(user: User, agency_slug: str) -> Actor:
    return Actor(user=user, membership=Membership.objects.get(user=user, agency__slug=agency_slug))


def test_whoever_supports_his_partner_may_not_work_his_case(cast: dict[str, User]) -> None:
    both = _both_sides("bethan-both")
    his = case_open("drive-cardiff", cast["drive"])
    hers = Case.objects.get(person=partner_of(his, supported_by=both))
    with pytest.raises(services.CaseError) as refused:
        services.case_assign(actor=_acting_for(both, "drive-cardiff"), case=his, worker=both, manager=None)
    message = str(refused.value)
    assert "other side of this family" in message and refused.value.field == "worker"
    # Nothing of her case is in the reason: not her name, nor her service.
    assert "Seren" not in message and "RISE" not in message
    his.refresh_from_db()
    assert his.worker == cast["drive"]
    # And the reverse: once Bethan works his case, she may not go on supporting his partner.
    services.case_assign(actor=_acting_for(both, "rise-cardiff"), case=hers, worker=None, manager=None)
    his.worker = both
    his.save(update_fields=["worker"])
    with pytest.raises(services.CaseError):
        services.case_assign(actor=_acting_for(both, "rise-cardiff"), case=hers, worker=both, manager=None)
    hers.refresh_from_db()
    assert hers.worker is None


def test_the_case_page_refuses_it_and_names_the_field(cast: dict[str, User]) -> None:
    both = _both_sides("bethan-page")
    his = case_open("drive-cardiff", cast["drive"])
    partner_of(his, supported_by=both)
    client = sign_in(Client(), both)
    drive = Membership.objects.get(user=both, agency__slug="drive-cardiff")
    assert client.post(CHOOSE_URL, {"membership": str(drive.pk)}).status_code == 302
    page = client.post(his.get_absolute_url(), {"worker": str(both.pk), "manager": str(both.pk)})
    body = html.unescape(page.content.decode())
    assert page.status_code == 400
    assert 'href="#id_worker"' in body and "other side of this family" in body
    assert "Seren" not in body


def test_a_worker_no_one_in_the_family_is_supported_by_may_work_the_case(cast: dict[str, User]) -> None:
    both = _both_sides("bethan-free")
    his = case_open("drive-cardiff", cast["drive"])
    # His partner has no case of her own: nobody supports her, so nothing clashes.
    partner_of(his)
    services.case_assign(actor=_acting_for(both, "drive-cardiff"), case=his, worker=both, manager=None)
    his.refresh_from_db()
    assert his.worker == both


def test_a_referral_started_by_his_partners_worker_opens_his_case_with_nobody_on_it(
    cast: dict[str, User],
) -> None:
    both = _both_sides("bethan-opens")
    his = case_open("drive-cardiff", None)
    partner_of(his, supported_by=both)
    assert case_worker_clash(case=his, worker=both)
    assert not case_worker_clash(case=his, worker=cast["drive"])
