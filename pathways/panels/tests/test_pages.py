"""The panel pages as the people around the table use them: what each agency sees, what each form does with
good and bad input, and that every page view is audited. As the demo's cast, at the demo MARAC's next
meeting."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from html import unescape

import pytest
from django.test import Client
from django.urls import reverse

from pathways.accounts.models import Agency, User
from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.factories import actor_of, agency_of, sign_in
from pathways.panels import services
from pathways.panels.choices import ActionStatus, MeetingStatus, Outcome
from pathways.panels.models import Action, AgendaItem, Attendance, Decision, Meeting, Panel, PanelMember
from pathways.panels.tests import factories as f
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.django_db


@dataclass
class Table:
    """The demo MARAC (six seats, quorum three) and its next meeting with one person on it, referred in by
    the IDVA."""

    panel: Panel
    meeting: Meeting
    item: AgendaItem
    police: Agency
    chair: User
    coordinator: User
    probation: User
    idva: User
    chair_elsewhere: User  # every panel permission, but no seat


@pytest.fixture
def table(cast: dict[str, User]) -> Table:
    chair, coordinator, idva = cast["chair"], cast["coordinator"], cast["idva"]
    panel = Panel.objects.get(slug=f.MARAC)
    meeting = panel.meetings.get()
    # A victim's case: the MARAC hears the partner of the man referred.
    person = refer(actor_of(idva)).partner
    assert person is not None
    services.nomination_create(
        panel=panel,
        person=person,
        agency=agency_of(idva),
        reason="Three incidents in a month.",
        actor=actor_of(idva),
    )
    [item] = services.agenda_build(meeting=meeting, actor=actor_of(coordinator))
    police = agency_of(chair)
    return Table(
        panel, meeting, item, police, chair, coordinator, cast["probation"], idva, cast["chair-elsewhere"]
    )


def _as(user: User) -> Client:
    return sign_in(Client(), user)


def _text(response: object) -> str:
    html = response.content.decode()  # type: ignore[attr-defined]
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html)))


def _pages(table: Table, action: Action) -> list[str]:
    return [
        reverse("panels:panel_detail", args=[table.panel.pk]),
        reverse("panels:meeting_new", args=[table.panel.pk]),
        reverse("panels:nominate", args=[table.panel.pk]),
        reverse("panels:meeting_detail", args=[table.meeting.pk]),
        reverse("panels:attendance", args=[table.meeting.pk]),
        reverse("panels:close", args=[table.meeting.pk]),
        reverse("panels:minutes", args=[table.meeting.pk]),
        reverse("panels:item_detail", args=[table.item.pk]),
        reverse("panels:decide", args=[table.item.pk]),
        reverse("panels:action_new", args=[table.item.pk]),
        reverse("panels:action_update", args=[action.pk]),
    ]


def _action(table: Table, due_on: datetime.date | None = None) -> Action:
    return services.action_create(
        item=table.item,
        description="Check bail conditions",
        agency=table.police,
        due_on=due_on or table.meeting.held_on,
        actor=actor_of(table.coordinator),
    )


# --- who sees what ----------------------------------------------------------------------------------


def test_the_panel_list_shows_only_panels_the_agency_sits_on(table: Table, cast: dict[str, User]) -> None:
    matac = Panel.objects.get(slug=f.MATAC)
    response = _as(table.coordinator).get(reverse("panels:list"))  # a seat on the MARAC only
    text, seen = _text(response), response.content.decode()
    assert "Cardiff MARAC" in text and matac.name_en not in text
    assert reverse("panels:panel_detail", args=[table.panel.pk]) in seen
    assert reverse("panels:panel_detail", args=[matac.pk]) not in seen
    assert table.meeting.held_on.strftime("%-d") in text
    assert "Your agency has no seat on any panel." in _text(_as(cast["outsider"]).get(reverse("panels:list")))


def test_every_panel_page_is_not_found_for_an_agency_without_a_seat(table: Table) -> None:
    action = _action(table)
    member, outsider = _as(table.chair), _as(table.chair_elsewhere)
    for path in _pages(table, action):
        assert member.get(path).status_code == 200, path
        assert outsider.get(path).status_code == 404, path
        # A page that takes no form answers a POST with 405 for every record, so it tells nothing either.
        assert outsider.post(path).status_code in (404, 405), path
    assert outsider.post(reverse("panels:agenda_build", args=[table.meeting.pk])).status_code == 404
    assert not Meeting.objects.filter(pk=table.meeting.pk, agenda_built_at=None).exists()


def test_an_agency_that_loses_its_seat_loses_the_meeting(table: Table) -> None:
    client = _as(table.probation)
    path = reverse("panels:meeting_detail", args=[table.meeting.pk])
    assert client.get(path).status_code == 200
    PanelMember.objects.filter(panel=table.panel, user=table.probation).delete()
    assert client.get(path).status_code == 404


def test_the_navigation_offers_panels_to_panel_roles_only(table: Table, client_as: object) -> None:
    assert 'href="/en/panels/"' in _as(table.probation).get(reverse("panels:list")).content.decode()
    commissioner = client_as(Role.COMMISSIONER)  # type: ignore[operator]
    assert 'href="/en/panels/"' not in commissioner.get("/en/insights/gap-map/").content.decode()


def test_page_views_are_audited_with_who_and_what(table: Table) -> None:
    before = AuditEntry.objects.order_by("-sequence").values_list("sequence", flat=True).first() or 0
    _as(table.probation).get(reverse("panels:item_detail", args=[table.item.pk]))
    _as(table.probation).get(reverse("panels:actions"))  # nothing about anyone on it: nothing read
    entries = AuditEntry.objects.filter(sequence__gt=before)
    assert {(e.action, e.record_type, e.record_id, e.actor_username) for e in entries} == {
        ("record.viewed", "agendaitem", str(table.item.pk), "probation"),
        ("record.viewed", "panel_papers", str(table.item.pk), "probation"),
    }
    read = entries.get(record_type="agendaitem").details["read"]
    assert read["person"]["ids"] == [str(table.item.person_id)]
    assert entries.get(record_type="agendaitem").details["view"] == "panels:item_detail"


# --- meetings, attendance and the agenda ------------------------------------------------------------


def test_scheduling_a_meeting_on_a_taken_date_says_so_and_adds_nothing(table: Table) -> None:
    client = _as(table.coordinator)
    path = reverse("panels:meeting_new", args=[table.panel.pk])
    response = client.post(path, {"held_on": table.meeting.held_on.isoformat()})
    assert response.status_code == 200
    assert "There is a problem" in _text(response) and "already meets on" in _text(response)
    assert Meeting.objects.filter(panel=table.panel).count() == 1
    later = table.meeting.held_on + datetime.timedelta(days=14)
    response = client.post(path, {"held_on": later.isoformat()})
    meeting = Meeting.objects.get(panel=table.panel, held_on=later)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/meetings/{meeting.pk}/")


def test_attendance_waits_for_the_meeting_day(table: Table) -> None:
    client = _as(table.coordinator)
    meeting_page = client.get(reverse("panels:meeting_detail", args=[table.meeting.pk])).content.decode()
    assert reverse("panels:attendance", args=[table.meeting.pk]) not in meeting_page
    members = {f"member_{m.pk}": "present" for m in table.panel.members.all()}
    response = client.post(reverse("panels:attendance", args=[table.meeting.pk]), members)
    assert "Attendance can be recorded from the day of the meeting" in _text(response)
    assert not Attendance.objects.filter(meeting=table.meeting).exists()


def test_attendance_makes_the_meeting_quorate(table: Table, cast: dict[str, User]) -> None:
    f.seat(table.panel, cast["matac"])  # a second seat for the police
    client = _as(table.coordinator)
    path = reverse("panels:attendance", args=[table.meeting.pk])
    with f.on_the_day(table.meeting):
        members = {m.user.username: m for m in table.panel.members.select_related("user")}
        half = {f"member_{members[name].pk}": "present" for name in ("chair", "matac")}
        response = client.post(path, half)
        assert response.status_code == 200 and "There is a problem" in _text(response)
        assert not Attendance.objects.filter(meeting=table.meeting).exists()

        answers = {f"member_{m.pk}": "absent" for m in members.values()} | half
        answers[f"member_{members['probation'].pk}"] = "present"
        response = client.post(path, answers, follow=True)
        text = _text(response)
        assert "The meeting is not quorate" in text  # police (two seats) and probation: two agencies of three
        answers[f"member_{members['idva'].pk}"] = "present"
        text = _text(client.post(path, answers, follow=True))
        assert "Attendance recorded. The meeting is quorate." in text
        assert "Quorate" in text and "3 agencies present of 3 needed." in text


def test_a_deputy_can_be_recorded_only_for_a_seat_that_names_one(table: Table, cast: dict[str, User]) -> None:
    client = _as(table.coordinator)
    path = reverse("panels:attendance", args=[table.meeting.pk])
    member = table.panel.members.get(user=table.chair)
    page = client.get(path).content.decode()
    assert f'id="id_member_{member.pk}_1" name="member_{member.pk}" type="radio" value="absent"' in page
    PanelMember.objects.filter(pk=member.pk).update(deputy=cast["matac"])  # at the same force
    assert "Their deputy, Sergeant Lowri Bevan (MATAC coordinator), attended" in _text(client.get(path))


def test_a_meeting_of_a_panel_without_members_is_nobodys_to_build(table: Table) -> None:
    """With no seats no agency owns the meeting: the page is not found, and nothing is built."""
    empty = Panel.objects.get(slug="marac-vale")  # the region's, with no seat in the demo
    meeting = f.raw_meeting(empty, datetime.date.today(), MeetingStatus.PLANNED)
    response = _as(table.coordinator).post(reverse("panels:agenda_build", args=[meeting.pk]))
    assert response.status_code == 404
    assert not AgendaItem.objects.filter(meeting=meeting).exists()


def test_rebuilding_an_agenda_that_cannot_be_built_shows_the_reason_on_the_meeting(table: Table) -> None:
    Meeting.objects.filter(pk=table.meeting.pk).update(
        held_on=datetime.date.today() - datetime.timedelta(days=1)
    )
    response = _as(table.coordinator).post(reverse("panels:agenda_build", args=[table.meeting.pk]))
    text = _text(response)
    assert response.status_code == 200
    assert "There is a problem" in text and "already been held" in text
    assert AgendaItem.objects.filter(meeting=table.meeting).count() == 1


def test_the_meeting_page_lists_the_agenda_with_reasons_and_decisions(table: Table) -> None:
    text = _text(_as(table.probation).get(reverse("panels:meeting_detail", args=[table.meeting.pk])))
    assert "Carys Jenkins" in text and "Referred in by a partner agency" in text
    assert "Not decided" in text and "0 of 1 item decided" in text
    assert "Build the agenda" not in text  # a practitioner contributes but does not run the meeting


# --- decisions and actions --------------------------------------------------------------------------


def test_a_decision_needs_reasons_and_a_quorum(table: Table) -> None:
    client = _as(table.chair)
    path = reverse("panels:decide", args=[table.item.pk])
    response = client.post(path, {"outcome": Outcome.SUPPORT, "reasons": ""})
    assert "Give the reasons for the decision" in _text(response)
    response = client.post(path, {"outcome": Outcome.SUPPORT, "reasons": "Engages with RISE."})
    assert "not quorate" in _text(response)
    assert not Decision.objects.exists()

    f.present(table.meeting, table.chair, table.probation, table.idva, actor=actor_of(table.coordinator))
    response = client.post(path, {"outcome": Outcome.SUPPORT, "reasons": "Engages with RISE."}, follow=True)
    text = _text(response)
    assert "The panel's decision is recorded." in text
    assert "Support" in text and "Engages with RISE." in text
    # The agencies present are kept with the decision.
    assert "Probation Service, Cardiff and Vale, RISE Cardiff, South Wales Police" in text


def test_referring_to_the_limited_service_makes_the_referral_it_then_screens(table: Table) -> None:
    f.quorate(table.meeting, actor_of(table.coordinator))
    assert table.panel.screening_service is not None
    assert table.panel.screening_service.slug == "drive-cardiff"  # the region's file says so
    client = _as(table.chair)
    path = reverse("panels:decide", args=[table.item.pk])
    assert 'name="screening"' in client.get(path).content.decode()
    response = client.post(path, {"outcome": Outcome.REFER_SCREENED, "reasons": "Serial."}, follow=True)
    decision = Decision.objects.get()
    assert decision.referral is not None and decision.referral.service == table.panel.screening_service
    assert decision.referral.reference in _text(response)


def test_an_action_for_an_agency_shows_on_its_task_list_overdue_first(table: Table) -> None:
    client = _as(table.coordinator)
    response = client.post(
        reverse("panels:action_new", args=[table.item.pk]),
        {"description": "", "agency": str(table.police.pk), "due_on": "not a date"},
    )
    text = _text(response)
    assert "Say what needs to be done" in text and "Due must be a real date" in text
    assert not Action.objects.exists()
    response = client.post(
        reverse("panels:action_new", args=[table.item.pk]),
        {
            "description": "Check bail conditions",
            "agency": str(table.police.pk),
            "owner": str(table.chair.pk),
            "due_on": table.meeting.held_on.isoformat(),
        },
        follow=True,
    )
    assert "Action added." in _text(response)
    soon = Action.objects.get()
    late = _action(table)
    Action.objects.filter(pk=late.pk).update(
        description="Serve the notice", due_on=datetime.date.today() - datetime.timedelta(days=3)
    )
    done = _action(table)
    Action.objects.filter(pk=done.pk).update(description="Finished work", status=ActionStatus.DONE)

    page = _as(table.chair).get(reverse("panels:actions"))
    text = _text(page)
    assert text.index("Serve the notice") < text.index("Check bail conditions")
    assert "1 action is overdue." in text and text.count("Overdue") >= 1
    assert "Finished work" not in text
    assert soon.description in text
    # Another agency's task list does not show the police's actions.
    assert "Serve the notice" not in _text(_as(table.probation).get(reverse("panels:actions")))


def test_an_agency_updates_its_action_from_its_task_list(table: Table) -> None:
    action = _action(table)
    client = _as(table.chair)
    path = reverse("panels:action_update", args=[action.pk])
    assert "Choose the action's status" in _text(client.post(path, {}))
    response = client.post(path, {"status": ActionStatus.DONE})
    assert response.status_code == 302 and response.headers["Location"] == reverse("panels:actions")
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE and action.completed_on == datetime.date.today()


def test_the_task_list_links_to_panel_actions(table: Table) -> None:
    page = _as(table.probation).get(reverse("referrals:due")).content.decode()
    assert f'href="{reverse("panels:actions")}"' in page


def test_partners_refer_someone_in_with_reasons(table: Table) -> None:
    person = refer(actor_of(table.idva), partner=True, children=0).partner
    assert person is not None
    client = _as(table.idva)
    path = reverse("panels:nominate", args=[table.panel.pk])
    assert person.display_name in _text(client.get(path))
    response = client.post(path, {"person": str(person.pk), "reason": ""})
    assert "Say why the panel should discuss this person" in _text(response)
    response = client.post(
        path, {"person": str(person.pk), "reason": "Threats to kill since the last incident."}, follow=True
    )
    text = _text(response)
    assert "Referred in for the panel's next meeting." in text
    assert "Referred in for the next meeting" in text and "RISE Cardiff" in text
    # Someone the agency does not work with cannot be chosen.
    stranger = refer(actor_of(table.chair_elsewhere), partner=False, children=0).person
    response = client.post(path, {"person": str(stranger.pk), "reason": "Hearsay."})
    assert "There is a problem" in _text(response)


def test_a_marac_is_not_offered_the_man_an_agency_works_with(table: Table) -> None:
    """A MARAC hears victims' cases: probation's man is not offered, and posting him anyway is refused."""
    man = refer(actor_of(table.probation), partner=False, children=0).person
    client = _as(table.probation)
    path = reverse("panels:nominate", args=[table.panel.pk])
    assert man.display_name not in _text(client.get(path))
    response = client.post(path, {"person": str(man.pk), "reason": "Breached his order twice."})
    assert response.status_code == 200 and "There is a problem" in _text(response)
    assert not table.panel.nominations.filter(person=man).exists()


# --- closing and minutes ----------------------------------------------------------------------------


def test_closing_the_meeting_fixes_the_record_and_issues_the_minutes(table: Table) -> None:
    f.quorate(table.meeting, actor_of(table.coordinator))
    services.decision_record(
        item=table.item, outcome=Outcome.DISRUPT, reasons="Serial.", actor=actor_of(table.chair)
    )
    client = _as(table.chair)
    close = reverse("panels:close", args=[table.meeting.pk])
    assert "cannot change" in _text(client.get(close))
    response = client.post(close, follow=True)
    assert "Minutes issued." in _text(response)
    assert Meeting.objects.get(pk=table.meeting.pk).status == MeetingStatus.CLOSED
    item_page = _text(client.get(reverse("panels:item_detail", args=[table.item.pk])))
    assert "Change the decision" not in item_page and "Add an action" not in item_page
    response = client.post(
        reverse("panels:decide", args=[table.item.pk]), {"outcome": Outcome.SUPPORT, "reasons": "Later."}
    )
    assert "minutes of this meeting have been issued" in _text(response)
    assert Decision.objects.get().outcome == Outcome.DISRUPT


def test_minutes_in_english_and_welsh_from_the_same_record(table: Table) -> None:
    f.quorate(table.meeting, actor_of(table.coordinator))
    services.decision_record(
        item=table.item, outcome=Outcome.DISRUPT, reasons="Serial.", actor=actor_of(table.chair)
    )
    client = _as(table.probation)
    path = reverse("panels:minutes", args=[table.meeting.pk])
    english = client.get(path).content.decode()
    # The panel's name where the minutes name the panel (its coordinator's office shares the name).
    panel_row = '<dd class="govuk-summary-list__value">'
    assert 'id="minutes" lang="en"' in english and "Serial." in english
    assert f"{panel_row}Cardiff MARAC (" in english
    assert "Draft" in english
    welsh = client.get(path, {"lang": "cy"}).content.decode()
    assert (
        'id="minutes" lang="cy"' in welsh and f"{panel_row}MARAC Caerdydd (" in welsh and "Serial." in welsh
    )
    assert 'id="lang-cy" name="lang" type="radio" value="cy" checked' in welsh
    # The Welsh page asks for Welsh minutes unless told otherwise.
    assert 'id="minutes" lang="cy"' in client.get(path.replace("/en/", "/cy/", 1)).content.decode()
    assert client.get(path, {"lang": "fr"}).status_code == 200
    assert _as(table.chair_elsewhere).get(path, {"lang": "cy"}).status_code == 404
