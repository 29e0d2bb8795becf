"""Information at the table: what each agency's papers show, reveals, and what may be shared and how. At the
demo MARAC's and MATAC's next meetings, as their cast, with a health board's practitioner added to the
MARAC (the cast has no health agency)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core import policy
from pathways.core.access import AgencyType
from pathways.core.policy import Actor
from pathways.factories import actor_of, agency_of, agency_running, make_person, make_staff, sign_in
from pathways.panels.choices import AgendaReason, LawfulBasis, MeetingStatus, PanelKind
from pathways.panels.models import AgendaItem, Disclosure, Meeting, Panel
from pathways.panels.papers import papers_get
from pathways.panels.services import disclosures
from pathways.panels.tests import factories as f
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person
from pathways.police.models import PoliceExtract, PoliceRecord

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 3, 11)
SEALED_STRINGS = (
    "Kingfisher",
    "kingfisher",
    f.VICTIM_POSTCODE,
    "CF34QZ",
    "900461",
    f.VICTIM_EMAIL,
    "Glan Morfa",
)


def _page(user: User, item: AgendaItem, data: dict[str, str] | None = None) -> str:
    client = sign_in(Client(), user)
    url = reverse("panels:disclose", kwargs={"item_id": item.pk})
    response = client.post(url, data) if data is not None else client.get(url)
    assert response.status_code in (200, 302, 400), response.status_code
    return response.content.decode()


def _agency(actor: Actor) -> Agency:
    assert actor.agency is not None
    return actor.agency


def _holds_a_sealed_detail(html: str) -> list[str]:
    return [s for s in SEALED_STRINGS if s in html]


def _seated(panel: Panel) -> dict[str, User]:
    """Who holds a seat on the panel, by username."""
    return {m.user.username: m.user for m in panel.members.select_related("user")}


def _next_meeting(slug: str) -> Meeting:
    return Meeting.objects.get(panel__slug=slug)


@pytest.fixture
def matac(cast: dict[str, User]) -> tuple[AgendaItem, dict[str, User], Person]:
    """A MATAC item about a perpetrator whose partner and child have sealed details; everyone seated on
    the demo MATAC, the IDVA among them."""
    meeting = _next_meeting(f.MATAC)
    perpetrator = make_person(given_name="Gareth", family_name="Price", gender_identity="man")
    partner = f.victim()
    f.partners(perpetrator, partner)
    child = make_person(
        given_name="Cai", family_name="Price", school=f.CHILD_SCHOOL, address=f.VICTIM_ADDRESS
    )
    f.relate(perpetrator, RelationshipKind.PARENT_OF, child)
    item = f.raw_item(meeting, perpetrator, reason=AgendaReason.NOMINATED)
    return item, _seated(meeting.panel), partner


@pytest.fixture
def marac(cast: dict[str, User]) -> tuple[AgendaItem, dict[str, User]]:
    """A MARAC item about a victim with sealed contact details; everyone seated on the demo MARAC and a
    practitioner at a health board, seated too."""
    meeting = _next_meeting(f.MARAC)
    users = _seated(meeting.panel)
    users["health"] = make_staff(agency_running("cardiff-health-board", AgencyType.HEALTH))
    f.seat(meeting.panel, users["health"])
    item = f.raw_item(meeting, f.victim())
    return item, users


# --- perpetrator panels ------------------------------------------------------------------------------


def test_perpetrator_panel_papers_never_hold_a_partners_contact_details_for_any_role(
    matac: tuple[AgendaItem, dict[str, User], Person],
) -> None:
    item, users, _partner = matac
    for who, user in users.items():
        shown = _page(user, item)
        assert "Gareth Price" in shown, who
        assert _holds_a_sealed_detail(shown) == [], who
        assert "papers-reveal" not in shown and "reveal-purpose" not in shown, who
        # Asking for a reveal anyway gives nothing either, even to the victim service's IDVA.
        asked = _page(user, item, {"reveal-purpose": "to plan the partner's safety"})
        assert _holds_a_sealed_detail(asked) == [], who
        papers = papers_get(item=item, actor=actor_of(user), reveal_purpose="to plan safety")
        assert papers.contact is None and not papers.may_reveal_contact, who
    assert not AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED).exists()


def test_dapp_is_a_perpetrator_panel_too(cast: dict[str, User]) -> None:
    panel = Panel.objects.get(kind=PanelKind.DAPP)
    f.seat(panel, cast["idva"])  # the victim service, whose role may see sealed details elsewhere
    perpetrator = make_person(given_name="Gareth", family_name="Price")
    f.partners(f.victim(), perpetrator)
    item = f.raw_item(f.raw_meeting(panel, DAY), perpetrator)
    f.raw_attended(item.meeting, cast["idva"])
    shown = _page(cast["idva"], item, {"reveal-purpose": "to plan the partner's safety"})
    assert _holds_a_sealed_detail(shown) == []
    assert "perpetrator panel" in shown


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
    ],
)
def test_typing_a_partners_location_or_contact_details_on_a_matac_is_refused_and_nothing_saved(
    matac: tuple[AgendaItem, dict[str, User], Person], typed: str
) -> None:
    item, users, _partner = matac
    police = actor_of(users["chair"])
    with pytest.raises(disclosures.SharingError) as refused:
        disclosures.disclosure_record(
            item=item,
            agency=_agency(police),
            information=typed,
            lawful_basis=LawfulBasis.LAW_ENFORCEMENT,
            actor=police,
        )
    assert "perpetrator panel" in refused.value.message
    assert "Kingfisher" not in refused.value.message and "900461" not in refused.value.message
    assert Disclosure.objects.count() == 0
    # Probing for an address shows in the audit log as a glimpse of sealed details.
    assert AuditEntry.objects.filter(
        action=AuditAction.SEALED_VIEWED, record_id=str(item.pk), actor_username=police.user.username
    ).exists()


def test_the_disclose_page_refuses_a_typed_postcode_with_the_form_shown_again(
    matac: tuple[AgendaItem, dict[str, User], Person],
) -> None:
    item, users, _partner = matac
    shown = _page(
        users["probation"],
        item,
        {"information": "Partner now lives at CF3 4QZ.", "lawful_basis": LawfulBasis.PUBLIC_TASK},
    )
    assert "There is a problem" in shown
    assert "never goes on a perpetrator panel" in shown
    assert Disclosure.objects.count() == 0


def test_text_without_a_location_is_shared_on_a_matac(
    matac: tuple[AgendaItem, dict[str, User], Person],
) -> None:
    item, users, _partner = matac
    police = actor_of(users["chair"])
    disclosure = disclosures.disclosure_record(
        item=item,
        agency=_agency(police),
        information="Three call-outs since January; bail: no contact with the partner. Lives in Cardiff.",
        lawful_basis=LawfulBasis.LAW_ENFORCEMENT,
        actor=police,
    )
    assert disclosure.agency == police.agency
    assert AuditEntry.objects.filter(action=AuditAction.RECORD_CREATED, record_type="disclosure").exists()


def test_a_partner_known_only_from_police_data_is_protected_on_a_matac(cast: dict[str, User]) -> None:
    meeting = _next_meeting(f.MATAC)
    panel = meeting.panel
    partner = f.victim()
    extract = PoliceExtract.objects.create(region=panel.region, name="x.csv", file_sha256="0" * 64)
    PoliceRecord.objects.create(
        region=panel.region,
        reference="INC-1",
        kind="incident",
        occurred_on=DAY,
        occurred_day=0,
        offence="assault",
        perpetrator_ref="P-777",
        victim_ref="V-1",
        victim=partner,
        row_sha256="0" * 64,
        extract=extract,
    )
    item = f.raw_item(meeting, police_reference="P-777", reason=AgendaReason.RFG)
    police = actor_of(cast["chair"])
    with pytest.raises(disclosures.SharingError):
        disclosures.disclosure_record(
            item=item,
            agency=_agency(police),
            information="Victim now at CF3 4QZ",
            lawful_basis=LawfulBasis.LAW_ENFORCEMENT,
            actor=police,
        )
    shown = _page(cast["probation"], item)
    assert "P-777" in shown and _holds_a_sealed_detail(shown) == []


def test_a_location_sealed_after_it_was_typed_is_withheld_from_perpetrator_papers(
    matac: tuple[AgendaItem, dict[str, User], Person],
) -> None:
    item, users, partner = matac
    police_agency = agency_of(users["chair"])
    # Typed before the partner's new address was recorded (and sealed) on her record.
    Disclosure.objects.create(
        item=item,
        agency=police_agency,
        information="Seen at 4 Heron Way, Rumney",
        lawful_basis="law_enforcement",
    )
    partner.address = "4 Heron Way\nRumney\nCardiff"
    partner.save()
    shown = _page(users["probation"], item)
    assert "Heron" not in shown
    assert "contact details or location" in shown


# --- MARAC ------------------------------------------------------------------------------------------


def test_marac_papers_show_the_victims_contact_details_only_after_an_audited_reveal_by_a_role_with_need(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    social_worker = users["socialworker"]  # children's services: a stated need, for families they work with
    f.raw_attended(item.meeting, social_worker)
    assert item.person is not None
    f.works_with(social_worker, item.person)
    before = _page(social_worker, item)
    assert _holds_a_sealed_detail(before) == []
    assert "reveal-purpose" in before
    shown = _page(social_worker, item, {"reveal-purpose": "to arrange a safe visit"})
    assert "Kingfisher Crescent" in shown and f.VICTIM_PHONE in shown and f.VICTIM_EMAIL in shown
    reveals = AuditEntry.objects.filter(
        action=AuditAction.SEALED_VIEWED, actor_username=social_worker.username
    )
    assert {e.details["field"] for e in reveals} == {"address", "phone", "email"}
    assert {e.purpose for e in reveals} == {"to arrange a safe visit"}
    assert {e.record_id for e in reveals} == {str(item.person_id)}
    # The reveal lives in that one response: the next page load shows nothing again.
    assert _holds_a_sealed_detail(_page(social_worker, item)) == []


@pytest.mark.parametrize("who", ["health", "probation", "coordinator", "chair"])
def test_marac_roles_without_a_stated_need_cannot_reveal(
    marac: tuple[AgendaItem, dict[str, User]], who: str
) -> None:
    item, users = marac
    f.raw_attended(item.meeting, *users.values())
    shown = _page(users[who], item, {"reveal-purpose": "I would like to see them"})
    assert _holds_a_sealed_detail(shown) == []
    assert "reveal-purpose" not in shown
    assert "your role does not need them" in shown
    assert not AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED).exists()


def test_a_reveal_needs_a_reason(marac: tuple[AgendaItem, dict[str, User]]) -> None:
    item, users = marac
    f.raw_attended(item.meeting, users["idva"])  # the victim service, who may reveal for every case
    assert "reveal-purpose" in _page(users["idva"], item)
    shown = _page(users["idva"], item, {"reveal-purpose": ""})
    assert _holds_a_sealed_detail(shown) == []
    assert not AuditEntry.objects.filter(action=AuditAction.SEALED_VIEWED).exists()


def test_typing_the_victims_address_on_a_marac_is_refused_too(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    idva = actor_of(users["idva"])
    with pytest.raises(disclosures.SharingError):
        disclosures.disclosure_record(
            item=item,
            agency=_agency(idva),
            information="Now at 17 Kingfisher Crescent",
            lawful_basis=LawfulBasis.VITAL_INTERESTS,
            actor=idva,
        )
    assert Disclosure.objects.count() == 0


def test_reading_papers_is_audited(marac: tuple[AgendaItem, dict[str, User]]) -> None:
    item, users = marac
    papers_get(item=item, actor=actor_of(users["probation"]))
    entry = AuditEntry.objects.get(action=AuditAction.RECORD_VIEWED, record_type="panel_papers")
    assert entry.record_id == str(item.pk) and entry.actor_username == "probation"


def test_papers_name_the_risk_and_the_marac_criteria(marac: tuple[AgendaItem, dict[str, User]]) -> None:
    item, users = marac
    papers = papers_get(item=item, actor=actor_of(users["probation"]))
    assert papers.name == "Seren Morgan"
    assert papers.reason == str(AgendaReason.MARAC_CRITERIA.label)
    assert papers.risk is None and papers.marac_criteria == []


def test_an_agency_without_a_seat_gets_no_papers_and_a_404(
    marac: tuple[AgendaItem, dict[str, User]], cast: dict[str, User]
) -> None:
    item, _users = marac
    outsider = cast["chair-elsewhere"]  # a panel chair at another force
    with pytest.raises(Http404):
        papers_get(item=item, actor=actor_of(outsider))
    response = sign_in(Client(), outsider).get(reverse("panels:disclose", kwargs={"item_id": item.pk}))
    assert response.status_code == 404


# --- what each agency type sees ---------------------------------------------------------------------


def test_every_agency_type_has_an_entry_in_the_table() -> None:
    assert set(policy.PAPERS_BY_AGENCY_TYPE) == set(AgencyType.values)


def test_health_disclosures_are_read_by_health_the_victim_service_and_those_running_the_meeting(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    health = actor_of(users["health"])
    disclosures.disclosure_record(
        item=item,
        agency=_agency(health),
        information="Attended A&E twice in February with injuries.",
        lawful_basis=LawfulBasis.SAFEGUARDING,
        actor=health,
    )
    readers = {"health", "idva", "coordinator", "chair"}
    for who, user in _at_a_victims_case(users).items():
        papers = papers_get(item=item, actor=actor_of(user))
        (line,) = papers.shared
        assert line.lawful_basis == str(LawfulBasis.SAFEGUARDING.label), who
        if who in readers:
            assert line.information == "Attended A&E twice in February with injuries.", who
        else:
            assert line.information is None and "Health" in line.withheld_reason, who
    assert "A&amp;E" not in _page(users["probation"], item)


def test_other_disclosures_are_read_by_every_seat(marac: tuple[AgendaItem, dict[str, User]]) -> None:
    item, users = marac
    children = actor_of(users["socialworker"])
    disclosures.disclosure_record(
        item=item,
        agency=_agency(children),
        information="Rent arrears; a management transfer is possible.",
        lawful_basis=LawfulBasis.PUBLIC_TASK,
        actor=children,
    )
    for who, user in _at_a_victims_case(users).items():
        assert "management transfer" in _page(user, item), who


def _at_a_victims_case(users: dict[str, User]) -> dict[str, User]:
    """The seats that hear a victim's case: every one but the perpetrator service's (Drive's)."""
    return {who: user for who, user in users.items() if who != "drive"}


def test_a_perpetrator_services_seat_does_not_hear_a_victims_case(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    drive = users["drive"]
    response = sign_in(Client(), drive).get(reverse("panels:disclose", kwargs={"item_id": item.pk}))
    assert response.status_code == 404
    with pytest.raises(Http404):
        papers_get(item=item, actor=actor_of(drive))
    meeting_page = sign_in(Client(), drive).get(
        reverse("panels:meeting_detail", kwargs={"meeting_id": item.meeting_id})
    )
    assert meeting_page.status_code == 200 and "Seren" not in meeting_page.content.decode()


# --- recording what is shared -----------------------------------------------------------------------


def test_a_disclosure_without_a_lawful_basis_is_refused(marac: tuple[AgendaItem, dict[str, User]]) -> None:
    item, users = marac
    police = actor_of(users["chair"])
    for basis in ("", "because I said so"):
        with pytest.raises(disclosures.SharingError) as refused:
            disclosures.disclosure_record(
                item=item,
                agency=_agency(police),
                information="Two call-outs in March.",
                lawful_basis=basis,
                actor=police,
            )
        assert refused.value.field == "lawful_basis"
    shown = _page(users["chair"], item, {"information": "Two call-outs in March."})
    assert "Choose the lawful basis the information is shared on." in shown
    assert "Two call-outs in March." in shown  # the form is shown again with what was typed
    assert Disclosure.objects.count() == 0


def test_a_disclosure_for_an_agency_without_a_seat_is_refused(
    marac: tuple[AgendaItem, dict[str, User]], cast: dict[str, User]
) -> None:
    item, users = marac
    outsider = agency_of(cast["outsider"])
    police = actor_of(users["chair"])
    with pytest.raises(disclosures.SharingError) as refused:
        disclosures.disclosure_record(
            item=item,
            agency=outsider,
            information="Known to us.",
            lawful_basis=LawfulBasis.PUBLIC_TASK,
            actor=police,
        )
    assert refused.value.field == "agency"
    # Someone whose agency has no seat cannot reach the item at all.
    stranger = actor_of(cast["outsider"])
    with pytest.raises(Http404):
        disclosures.disclosure_record(
            item=item,
            agency=outsider,
            information="Known to us.",
            lawful_basis=LawfulBasis.PUBLIC_TASK,
            actor=stranger,
        )
    assert Disclosure.objects.count() == 0


def test_a_member_shares_for_their_own_agency_the_chair_and_coordinator_for_any_seat(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    probation = actor_of(users["probation"])
    health_agency = agency_of(users["health"])
    with pytest.raises(disclosures.SharingError):
        disclosures.disclosure_record(
            item=item,
            agency=health_agency,
            information="GP concerned.",
            lawful_basis="safeguarding",
            actor=probation,
        )
    coordinator = actor_of(users["coordinator"])
    recorded = disclosures.disclosure_record(
        item=item,
        agency=health_agency,
        information="GP concerned.",
        lawful_basis="safeguarding",
        actor=coordinator,
    )
    assert recorded.agency == health_agency and recorded.created_by == users["coordinator"]
    shown = _page(users["coordinator"], item)
    assert 'name="agency"' in shown and "<select" in shown
    assert 'type="hidden" name="agency"' in _page(users["probation"], item)


def test_nothing_is_shared_once_the_minutes_are_issued(marac: tuple[AgendaItem, dict[str, User]]) -> None:
    item, users = marac
    item.meeting.status = MeetingStatus.CLOSED
    item.meeting.save()
    police = actor_of(users["probation"])
    with pytest.raises(disclosures.SharingError):
        disclosures.disclosure_record(
            item=item,
            agency=_agency(police),
            information="Late news.",
            lawful_basis="public_task",
            actor=police,
        )
    shown = _page(users["probation"], item, {"information": "Late news.", "lawful_basis": "public_task"})
    assert "minutes of this meeting are issued" in shown
    assert 'id="share-form"' not in shown
    assert Disclosure.objects.count() == 0


def test_the_disclose_page_asks_the_guiding_question_and_offers_the_bases_as_radios_in_a_fieldset(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    shown = _page(users["probation"], item)
    assert "Is this going to improve the safety of the partner or ex-partner?" in shown
    fieldset = re.search(r"<fieldset.*?</fieldset>", shown, re.S)
    assert fieldset is not None
    assert "<legend" in fieldset.group(0)
    assert fieldset.group(0).count('type="radio"') == len(LawfulBasis.choices)
    assert 'name="lawful_basis"' in fieldset.group(0)


def test_a_disclosure_made_on_the_page_is_shown_on_the_papers_with_its_basis(
    marac: tuple[AgendaItem, dict[str, User]],
) -> None:
    item, users = marac
    client = sign_in(Client(), users["socialworker"])
    url = reverse("panels:disclose", kwargs={"item_id": item.pk})
    response = client.post(
        url, {"information": "Two children on child protection plans.", "lawful_basis": "safeguarding"}
    )
    assert response.status_code == 302
    shown = client.get(url).content.decode()
    assert "Two children on child protection plans." in shown
    assert "Social Services and Well-being (Wales) Act 2014" in shown
    assert Disclosure.objects.get().lawful_basis == LawfulBasis.SAFEGUARDING


@pytest.mark.parametrize("login", ["commissioner", "auditor", "admin"])
def test_roles_without_the_permission_are_refused_the_disclose_page(
    marac: tuple[AgendaItem, dict[str, User]], cast: dict[str, User], login: str
) -> None:
    item, _users = marac
    response = sign_in(Client(), cast[login]).get(reverse("panels:disclose", kwargs={"item_id": item.pk}))
    assert response.status_code == 403, login
