"""Seats belong to people: a panel's record is read by the named person holding a seat (or their deputy),
not by everyone at the seat's agency, and a victim's contact details on a MARAC's papers only by a seated
person with a stated need who attended that meeting, for a victim their agency works with (or as the
victim service presenting every case). As the demo's cast."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from pathways.accounts.models import User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.factories import actor_of, agency_of, make_staff, sign_in
from pathways.panels import services
from pathways.panels.choices import PanelKind
from pathways.panels.models import AgendaItem, Meeting, Panel, PanelMember
from pathways.panels.papers import papers_get
from pathways.panels.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def marac_item(cast: dict[str, User]) -> AgendaItem:
    meeting = Meeting.objects.get(panel__kind=PanelKind.MARAC, panel__slug="marac-cardiff")
    return f.raw_item(meeting, f.victim())


def _papers(user: User, item: AgendaItem, purpose: str = "") -> str:
    client = sign_in(Client(), user)
    url = reverse("panels:disclose", kwargs={"item_id": item.pk})
    response = client.post(url, {"reveal-purpose": purpose}) if purpose else client.get(url)
    assert response.status_code in (200, 400), response.status_code
    return response.content.decode()


def test_a_police_officer_seated_only_on_the_matac_never_reads_the_marac(
    cast: dict[str, User], marac_item: AgendaItem
) -> None:
    """The police hold the MARAC chair's seat; that does not open the MARAC to every officer."""
    matac_only = cast["matac"]
    assert not PanelMember.objects.filter(panel=marac_item.meeting.panel, user=matac_only).exists()
    client = sign_in(Client(), matac_only)
    for name, kwargs in (
        ("panels:panel_detail", {"panel_id": marac_item.meeting.panel_id}),
        ("panels:meeting_detail", {"meeting_id": marac_item.meeting_id}),
        ("panels:item_detail", {"item_id": marac_item.pk}),
        ("panels:disclose", {"item_id": marac_item.pk}),
        ("panels:minutes", {"meeting_id": marac_item.meeting_id}),
    ):
        assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, name
    # The chair, in the same force, holds the seat and reads the meeting.
    assert (
        sign_in(Client(), cast["chair"])
        .get(reverse("panels:item_detail", kwargs={"item_id": marac_item.pk}))
        .status_code
        == 200
    )


def test_only_a_seated_person_who_attended_reads_a_victims_contact_details(
    cast: dict[str, User], marac_item: AgendaItem
) -> None:
    idva = cast["idva"]
    before = _papers(idva, marac_item, "to plan her safety before the meeting")
    assert f.VICTIM_PHONE not in before  # the meeting has not been held with her in the seat
    f.raw_attended(marac_item.meeting, idva)
    shown = _papers(idva, marac_item, "to plan her safety")
    assert f.VICTIM_PHONE in shown and "Kingfisher Crescent" in shown
    reveals = AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED, actor_username="idva")
    assert {e.record_id for e in reveals} == {str(marac_item.person_id)}


def test_childrens_services_read_only_the_victims_their_agency_works_with(
    cast: dict[str, User], marac_item: AgendaItem
) -> None:
    social_worker = cast["socialworker"]
    f.raw_attended(marac_item.meeting, social_worker)
    papers = papers_get(item=marac_item, actor=actor_of(social_worker), reveal_purpose="home visit")
    assert papers.contact is None and not papers.may_reveal_contact
    assert f.VICTIM_PHONE not in _papers(social_worker, marac_item, "home visit")
    assert marac_item.person is not None
    f.works_with(social_worker, marac_item.person)
    assert f.VICTIM_PHONE in _papers(social_worker, marac_item, "home visit")


def test_a_deputy_who_filled_the_seat_reads_the_papers_and_the_holder_does_not(
    cast: dict[str, User], marac_item: AgendaItem
) -> None:
    idva = cast["idva"]
    rise = agency_of(idva)
    deputy = make_staff(rise)
    PanelMember.objects.filter(panel=marac_item.meeting.panel, user=idva).update(deputy=deputy)
    f.raw_attended(marac_item.meeting, deputy)
    assert f.VICTIM_PHONE in _papers(deputy, marac_item, "covering for the IDVA")
    assert f.VICTIM_PHONE not in _papers(idva, marac_item, "I was away")
    # A colleague at the same victim service with no seat reads nothing of the panel at all.
    colleague = make_staff(rise)
    response = sign_in(Client(), colleague).get(reverse("panels:disclose", kwargs={"item_id": marac_item.pk}))
    assert response.status_code == 404


def test_a_victim_is_never_put_on_a_perpetrator_panel(cast: dict[str, User]) -> None:
    matac = Panel.objects.get(kind=PanelKind.MATAC)
    victim = f.victim()
    f.works_with(cast["idva"], victim)
    with pytest.raises(services.PanelError, match="refer a victim's case to a MARAC"):
        services.nomination_create(
            panel=matac,
            person=victim,
            agency=agency_of(cast["idva"]),
            reason="Fear",
            actor=actor_of(cast["idva"]),
        )
    client = sign_in(Client(), cast["idva"])
    form = client.get(reverse("panels:nominate", kwargs={"panel_id": matac.pk})).content.decode()
    assert str(victim.pk) not in form
    posted = client.post(
        reverse("panels:nominate", kwargs={"panel_id": matac.pk}), {"person": str(victim.pk), "reason": "x"}
    )
    assert posted.status_code == 200 and not matac.nominations.exists()
