"""Panels from the region's file, members, the meeting schedule and quorum."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from pathways.audit.models import AuditEntry
from pathways.core.access import Role
from pathways.core.datafiles import DataFileError
from pathways.core.policy import Actor
from pathways.panels import selectors, services
from pathways.panels.choices import MeetingStatus
from pathways.panels.models import Panel
from pathways.panels.tests.meeting_factories import (
    PANELS_FILE,
    actor_of,
    agency,
    load,
    seat,
    seated_panel,
    worker,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def panels(region: None) -> dict[str, Panel]:
    return load()


@pytest.fixture
def chair(panels: dict[str, Panel]) -> Actor:
    return actor_of(worker(agency("police-chairs", "police"), Role.PANEL_CHAIR))


def test_the_shipped_panels_file_loads_the_regions_panels(panels: dict[str, Panel]) -> None:
    marac, matac = panels["marac-cardiff"], panels["matac-cardiff-and-vale"]
    assert (marac.kind, marac.every_days, marac.quorum) == ("marac", 14, 3)
    assert marac.screening_service is not None and marac.screening_service.slug == "drive-cardiff"
    assert (matac.every_days, matac.top_n) == (28, 4)
    assert sorted(a.slug for a in matac.areas.all()) == ["cardiff", "vale-of-glamorgan"]
    assert panels["daily-cardiff"].every_days == 1
    assert AuditEntry.objects.filter(record_type="panels", action="region.loaded").exists()


def test_loading_again_updates_by_slug_and_retires_panels_left_out(
    panels: dict[str, Panel], tmp_path: Path
) -> None:
    text = PANELS_FILE.read_text(encoding="utf-8")
    start = text.index("  - slug: dapp-cardiff-and-vale")
    shorter = tmp_path / "panels.yaml"
    shorter.write_text(
        text[:start].replace("every_days: 14          # fortnightly (§5.6)", "every_days: 7"), "utf-8"
    )
    services.panels_load(path=shorter)
    assert Panel.objects.count() == 5
    assert not Panel.objects.get(slug="dapp-cardiff-and-vale").is_active
    assert Panel.objects.get(slug="marac-cardiff").every_days == 7
    assert Panel.objects.get(slug="marac-cardiff").pk == panels["marac-cardiff"].pk


def test_a_bad_panels_file_names_the_line_and_changes_nothing(region: None, tmp_path: Path) -> None:
    bad = tmp_path / "panels.yaml"
    bad.write_text(
        "region: cardiff-and-vale\n"
        "panels:\n"
        "  - slug: marac-cardiff\n"
        "    kind: marac\n"
        "    name: {en: MARAC, cy: MARAC}\n"
        "    areas: [cardiff, atlantis]\n"
        "    every_days: 14\n"
        "    quorum: 3\n"
        "    screening_service: no-such-service\n"
        "  - slug: marac-cardiff\n"
        "    kind: weekly\n"
        "    name: {en: X, cy: X}\n"
        "    areas: [cardiff]\n"
        "    every_days: 0\n"
        "    quorum: 3\n",
        "utf-8",
    )
    with pytest.raises(DataFileError) as error:
        services.panels_load(path=bad)
    text = str(error.value)
    assert f"{bad}:11" in text and "'weekly' is not allowed" in text
    assert f"{bad}:14" in text and "every_days" in text
    assert not Panel.objects.exists()
    bad.write_text(bad.read_text().replace("weekly", "marac").replace("every_days: 0", "every_days: 1"))
    bad.write_text(
        bad.read_text().replace(
            "  - slug: marac-cardiff\n    kind: marac\n    name: {en: X",
            "  - slug: other\n    kind: marac\n    name: {en: X",
        )
    )
    with pytest.raises(DataFileError) as error:
        services.panels_load(path=bad)
    text = str(error.value)
    assert f"{bad}:6" in text and "no area 'atlantis'" in text
    assert f"{bad}:9" in text and "no service 'no-such-service'" in text
    assert not Panel.objects.exists()


def test_the_load_panels_command_reports_what_it_loaded(
    region: None, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("load_panels", str(PANELS_FILE))
    assert "5 panel(s)" in capsys.readouterr().out


def test_a_member_must_work_for_the_agency_whose_seat_they_hold(panels: dict[str, Panel]) -> None:
    police, probation = agency("police"), agency("probation")
    officer = worker(police)
    with pytest.raises(services.PanelError, match="does not work for"):
        services.panel_member_add(
            panel=panels["marac-cardiff"], agency=probation, user=officer, role="member"
        )
    with pytest.raises(services.PanelError, match="deputy must also work for"):
        services.panel_member_add(
            panel=panels["marac-cardiff"],
            agency=police,
            user=officer,
            role="member",
            deputy=worker(probation),
        )
    member = services.panel_member_add(
        panel=panels["marac-cardiff"], agency=police, user=officer, role="chair", deputy=worker(police)
    )
    assert member.deputy is not None
    with pytest.raises(services.PanelError, match="already has a seat"):
        services.panel_member_add(panel=panels["marac-cardiff"], agency=police, user=officer, role="member")


def test_meetings_follow_the_panels_cadence(panels: dict[str, Panel], chair: Actor) -> None:
    marac, today = panels["marac-cardiff"], timezone.localdate()
    first = services.meeting_schedule(panel=marac, actor=chair)
    second = services.meeting_schedule(panel=marac, actor=chair)
    assert (first.held_on, second.held_on) == (today, today + datetime.timedelta(days=14))
    assert first.status == MeetingStatus.PLANNED
    with pytest.raises(services.PanelError, match="already meets on"):
        services.meeting_schedule(panel=marac, held_on=second.held_on, actor=chair)
    daily = panels["daily-cardiff"]
    services.meeting_schedule(panel=daily, held_on=today - datetime.timedelta(days=10), actor=chair)
    # A long gap: the next date on the cadence that is not in the past.
    assert services.meeting_schedule(panel=daily, actor=chair).held_on == today
    matac = panels["matac-cardiff-and-vale"]
    services.meeting_schedule(panel=matac, held_on=today - datetime.timedelta(days=30), actor=chair)
    assert services.meeting_schedule(panel=matac, actor=chair).held_on == today + datetime.timedelta(days=26)


def test_an_inactive_panel_is_not_scheduled(panels: dict[str, Panel], chair: Actor) -> None:
    Panel.objects.filter(pk=panels["marac-vale"].pk).update(is_active=False)
    with pytest.raises(services.PanelError, match="no longer meets"):
        services.meeting_schedule(panel=Panel.objects.get(slug="marac-vale"), actor=chair)


def test_quorum_counts_member_agencies_present_in_person_or_by_deputy(
    panels: dict[str, Panel], chair: Actor
) -> None:
    marac = panels["marac-cardiff"]  # quorum 3
    police = seat(marac, "police", deputy=True)
    police_too = seat(marac, "police")  # a second seat for the same agency: still one agency
    idva = seat(marac, "idva")
    probation = seat(marac, "probation", deputy=True)
    health = seat(marac, "health")
    meeting = services.meeting_schedule(panel=marac, actor=chair)
    services.meeting_attendance_record(
        meeting=meeting,
        attendance={police.pk: (True, False), police_too.pk: (True, False), idva.pk: (True, False)},
        actor=chair,
    )
    below = selectors.meeting_quorum(meeting=meeting)
    assert not below.quorate and below.needed == 3
    assert sorted(a.slug for a in below.present) == ["idva", "police"]
    assert sorted(a.slug for a in below.missing) == ["health", "probation"]
    services.meeting_attendance_record(
        meeting=meeting, attendance={probation.pk: (False, True)}, actor=chair
    )  # the deputy came
    at = selectors.meeting_quorum(meeting=meeting)
    assert at.quorate and len(at.present) == 3
    services.meeting_attendance_record(meeting=meeting, attendance={idva.pk: (False, False)}, actor=chair)
    assert not selectors.meeting_quorum(meeting=meeting).quorate
    assert meeting.__class__.objects.get(pk=meeting.pk).status == MeetingStatus.HELD
    with pytest.raises(services.PanelError, match="no deputy"):
        services.meeting_attendance_record(
            meeting=meeting, attendance={health.pk: (False, True)}, actor=chair
        )


def test_attendance_is_only_for_the_panels_members(panels: dict[str, Panel], chair: Actor) -> None:
    seated_panel(panels["marac-cardiff"])
    other = seat(panels["marac-vale"], "vale-police")
    meeting = services.meeting_schedule(panel=panels["marac-cardiff"], actor=chair)
    with pytest.raises(services.PanelError, match="Only the panel's members"):
        services.meeting_attendance_record(meeting=meeting, attendance={other.pk: (True, False)}, actor=chair)
    assert not meeting.attendance.exists()
