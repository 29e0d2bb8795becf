"""Joint case meetings: CLEAR and RISE meet fortnightly (the region's casework file); the agenda is every
pair of linked open cases; the minute both read is checked for her sealed details; the support service's
own minute, her name and her case never reach CLEAR; actions go on the Tasks of the service doing them."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts.models import User
from pathways.cases.choices import JointMeetingStatus, TaskKind
from pathways.cases.models import Case, CaseTask, JointItem, JointMeeting
from pathways.cases.tests.factories import case_open, partner_of
from pathways.core.tests.conftest_helpers import crawl_paths, response_text
from pathways.factories import date_fields, sign_in

pytestmark = pytest.mark.usefixtures("region")

HER_ADDRESS = "12 Curlew Close, Rumney, Cardiff CF3 3AB"


@pytest.fixture
def pair(cast: dict[str, User]) -> dict[str, Any]:
    """His case at CLEAR, worked by the CLEAR facilitator; his partner's at RISE Cardiff, by the IDVA."""
    his = case_open("clear", cast["practitioner"])
    partner = partner_of(his, supported_by=cast["idva"], service_slug="rise-cardiff")
    partner.address = HER_ADDRESS
    partner.save()
    return {
        "his": his,
        "hers": Case.objects.get(person=partner),
        "clear": sign_in(Client(), cast["practitioner"]),
        "idva": sign_in(Client(), cast["idva"]),
    }


def _text(response: Any) -> str:
    return unescape(response.content.decode())


def _plan(client: Client, day: datetime.date) -> Any:
    return client.post(
        "/en/cases/joint-meetings/",
        {"series": "clear-rise", **date_fields("clear-rise-held_on", day.isoformat())},
    )


def test_the_fortnightly_meeting_lists_the_pair_and_each_side_reads_its_own(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    page = _text(pair["clear"].get("/en/cases/joint-meetings/"))
    assert "CLEAR and RISE joint case meeting" in page and "Every 14 days" in page
    today = timezone.localdate()
    planned = _plan(pair["clear"], today)
    assert planned.status_code == 302
    meeting = JointMeeting.objects.get()
    item = JointItem.objects.get(meeting=meeting)
    assert item.his_case == pair["his"]
    url = f"/en/cases/joint-meetings/{meeting.pk}/"

    # The support service minutes for itself and for both.
    saved = pair["idva"].post(
        url,
        {
            "form": "minute",
            "item": str(item.pk),
            f"m-{item.pk}-shared_minute": "He has missed two sessions; RISE will safety plan this week.",
            f"m-{item.pk}-support_minute": "CANARY-SUPPORT-ONLY she is thinking of moving to her mother's",
        },
    )
    assert saved.status_code == 302
    idva_page = _text(pair["idva"].get(url))
    assert "Seren Partner" in idva_page and "CANARY-SUPPORT-ONLY" in idva_page
    assert "He has missed two sessions" in idva_page

    clear_page = _text(pair["clear"].get(url))
    assert "He has missed two sessions" in clear_page and "Supported by RISE Cardiff" in clear_page
    assert "Seren" not in clear_page and "CANARY-SUPPORT-ONLY" not in clear_page
    assert str(pair["hers"].pk) not in clear_page
    # CLEAR may not write the support service's minute, even by posting it.
    pair["clear"].post(
        url,
        {
            "form": "minute",
            "item": str(item.pk),
            f"m-{item.pk}-shared_minute": "He has missed two sessions; RISE will safety plan this week.",
            f"m-{item.pk}-support_minute": "CANARY-FROM-CLEAR",
        },
    )
    assert "CANARY-FROM-CLEAR" not in _text(pair["idva"].get(url))

    # After it is planned, the next is due a fortnight on.
    listing = _text(pair["clear"].get("/en/cases/joint-meetings/"))
    assert (today + datetime.timedelta(days=14)).strftime("%-d %b %Y") in listing


def test_a_shared_minute_holding_her_address_is_refused(pair: dict[str, Any]) -> None:
    _plan(pair["idva"], timezone.localdate())
    item = JointItem.objects.get()
    refused = pair["idva"].post(
        f"/en/cases/joint-meetings/{item.meeting_id}/",
        {
            "form": "minute",
            "item": str(item.pk),
            f"m-{item.pk}-shared_minute": "She is at 12 Curlew Close now",
        },
    )
    assert refused.status_code == 400
    assert f'href="#id_m-{item.pk}-shared_minute"' in _text(refused)
    item.refresh_from_db()
    assert item.shared_minute == ""


def test_an_action_goes_on_the_tasks_of_the_service_doing_it(
    pair: dict[str, Any], cast: dict[str, User]
) -> None:
    today = timezone.localdate()
    _plan(pair["clear"], today)
    item = JointItem.objects.get()
    rise = item.meeting.support_service
    url = f"/en/cases/joint-meetings/{item.meeting_id}/"
    agreed = pair["clear"].post(
        url,
        {
            "form": "action",
            "item": str(item.pk),
            f"a-{item.pk}-text": "Review the safety plan with her before his next session",
            f"a-{item.pk}-service": str(rise.pk),
            **date_fields(f"a-{item.pk}-due_on", (today + datetime.timedelta(days=7)).isoformat()),
        },
    )
    assert agreed.status_code == 302
    task = CaseTask.objects.get(kind=TaskKind.JOINT_ACTION)
    assert task.agency.slug == "rise-cardiff"
    tasks = _text(pair["idva"].get("/en/tasks/"))
    assert "Action from a joint case meeting" in tasks and url in tasks
    assert "Review the safety plan" in _text(pair["clear"].get(url))

    # Bad input names the field and changes nothing.
    bad = pair["clear"].post(
        url,
        {
            "form": "action",
            "item": str(item.pk),
            f"a-{item.pk}-text": "",
            f"a-{item.pk}-service": str(rise.pk),
            **date_fields(f"a-{item.pk}-due_on", (today - datetime.timedelta(days=3)).isoformat()),
        },
    )
    assert bad.status_code == 400 and f'href="#id_a-{item.pk}-text"' in _text(bad)
    assert CaseTask.objects.filter(kind=TaskKind.JOINT_ACTION).count() == 1


def test_planning_long_ago_or_twice_is_refused_and_held_is_recorded(pair: dict[str, Any]) -> None:
    today = timezone.localdate()
    past = _plan(pair["clear"], today - datetime.timedelta(days=400))
    assert past.status_code == 400 and "within the last year" in _text(past)
    assert _plan(pair["clear"], today).status_code == 302
    again = _plan(pair["idva"], today)
    assert again.status_code == 400 and "already planned" in _text(again)
    meeting = JointMeeting.objects.get()
    assert pair["clear"].post(f"/en/cases/joint-meetings/{meeting.pk}/", {"form": "held"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == JointMeetingStatus.HELD


def test_other_agencies_do_not_see_the_meeting(pair: dict[str, Any], cast: dict[str, User]) -> None:
    _plan(pair["clear"], timezone.localdate())
    meeting = JointMeeting.objects.get()
    for login in ("drive", "probation", "housing"):
        reader = sign_in(Client(), cast[login])
        assert reader.get(f"/en/cases/joint-meetings/{meeting.pk}/").status_code == 404, login
    for path in crawl_paths({"case_id": [str(pair["his"].pk)]}):
        body = response_text(pair["clear"].get(path))
        assert "Seren" not in body and "Curlew" not in body, path


def test_a_held_meeting_stands_and_a_far_date_is_refused(pair: dict[str, Any]) -> None:
    today = timezone.localdate()
    far = _plan(pair["clear"], today + datetime.timedelta(days=400))
    assert far.status_code == 400 and "within the next year" in _text(far)
    _plan(pair["clear"], today)
    item = JointItem.objects.get()
    url = f"/en/cases/joint-meetings/{item.meeting_id}/"
    pair["clear"].post(url, {"form": "held"})
    late = pair["idva"].post(
        url, {"form": "minute", "item": str(item.pk), f"m-{item.pk}-shared_minute": "Written afterwards"}
    )
    assert late.status_code == 400 and "stand as they are" in _text(late)
    item.refresh_from_db()
    assert item.shared_minute == ""
    assert "Minute this item" not in _text(pair["idva"].get(url))


def test_a_minute_withheld_as_shown_is_not_put_back_in_its_box(pair: dict[str, Any]) -> None:
    _plan(pair["idva"], timezone.localdate())
    item = JointItem.objects.get()
    # Typed before her new address was on record, then sealed on her record.
    JointItem.objects.filter(pk=item.pk).update(shared_minute="She has moved to 9 Plover Street, Splott")
    partner = pair["hers"].person
    partner.address = "9 Plover Street, Splott, Cardiff CF24 2AB"
    partner.save()
    page = _text(pair["clear"].get(f"/en/cases/joint-meetings/{item.meeting_id}/"))
    assert "Plover" not in page and "Withheld" in page
