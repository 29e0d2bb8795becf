"""The numbers and names a region chooses come from its files: the MARAC repeat window from assessment.yaml,
the panel's screened service from panels.yaml, the MATAC's top_n stated, never assumed."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from pathways.accounts.models import User
from pathways.assessments.services import instruments_load
from pathways.conftest import REGION_FILE
from pathways.core.access import Side
from pathways.core.datafiles import DataFileError
from pathways.core.policy import Actor
from pathways.factories import actor_of, make_person
from pathways.panels import selectors, services
from pathways.panels.choices import AgendaReason, MeetingStatus, Outcome
from pathways.panels.forms import DecisionForm
from pathways.panels.models import AgendaItem, Meeting, Panel
from pathways.panels.tests import factories as f
from pathways.panels.tests.factories import PANELS_FILE, assess, quorate
from pathways.panels.tests.test_decisions import decide, drive_screening, item_for

pytestmark = pytest.mark.django_db
DAY = f.meeting_day()
ASSESSMENT_FILE = REGION_FILE.with_name("assessment.yaml")


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def _assessment_settings(tmp_path: Path, old: str, new: str) -> Path:
    text = ASSESSMENT_FILE.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "assessment.yaml"
    path.write_text(text.replace(old, new))
    return path


@pytest.fixture
def panels(cast: dict[str, User]) -> dict[str, Panel]:
    """The demo's panels, the MARAC's next meeting on the test's day."""
    found = f.panels_by_slug()
    f.next_meeting_moved(found[f.MARAC], DAY)
    return found


@pytest.fixture
def chair(cast: dict[str, User]) -> Actor:
    return actor_of(cast["chair"])


@pytest.fixture
def idva(cast: dict[str, User]) -> Actor:
    return actor_of(cast["idva"])


def test_assessment_settings_without_the_repeat_window_are_refused_naming_the_file_and_the_setting(
    region: None, tmp_path: Path
) -> None:
    path = _assessment_settings(tmp_path, "  repeat_window_months: 12\n", "")
    with pytest.raises(DataFileError) as error:
        instruments_load(paths=[path])
    (problem,) = [str(p) for p in error.value.problems]
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if text.startswith("marac:"))
    assert problem.startswith(f"{path}:{line}: marac.repeat_window_months: this field is required; add ")
    assert "in which a new incident makes a repeat, for example 12" in problem


def test_a_repeat_window_out_of_range_is_refused(region: None, tmp_path: Path) -> None:
    path = _assessment_settings(tmp_path, "repeat_window_months: 12", "repeat_window_months: 0")
    with pytest.raises(DataFileError, match=r"marac.repeat_window_months: Input should be greater than"):
        instruments_load(paths=[path])


def _earlier_marac(panel: Panel, chair: Actor, victim: Any, days_before: int) -> None:
    earlier = services.meeting_schedule(panel=panel, held_on=DAY - _days(days_before), actor=chair)
    AgendaItem.objects.create(meeting=earlier, person=victim, reason=AgendaReason.MARAC_CRITERIA, position=1)
    Meeting.objects.filter(pk=earlier.pk).update(status=MeetingStatus.HELD)


def test_a_shorter_repeat_window_changes_which_cases_the_agenda_and_the_criteria_call_repeats(
    panels: dict[str, Panel], chair: Actor, idva: Actor, tmp_path: Path
) -> None:
    marac = panels["marac-cardiff"]
    heard_before = make_person(side=Side.VICTIM)  # at a MARAC eight months ago
    _earlier_marac(marac, chair, heard_before, 240)
    told = make_person(side=Side.VICTIM)  # her assessment says her last MARAC referral was eight months ago
    instruments_load(
        paths=[_assessment_settings(tmp_path, "repeat_window_months: 12", "repeat_window_months: 6")]
    )
    assess(idva, heard_before, DAY)
    told_assessment = assess(
        idva, told, DAY, last_marac_referral=(DAY - _days(240)).isoformat(), incident_date=DAY.isoformat()
    )
    assert "repeat" not in told_assessment.results["marac"]["criteria"]

    items = {
        i.person_id: i for i in services.agenda_build(meeting=f.meeting_on(marac, DAY, chair), actor=chair)
    }
    assert items[heard_before.pk].repeat is False
    assert items[heard_before.pk].reason == AgendaReason.MARAC_CRITERIA


def test_with_the_shipped_twelve_months_the_same_cases_are_repeats_and_labelled_so(
    panels: dict[str, Panel], chair: Actor, idva: Actor
) -> None:
    marac = panels["marac-cardiff"]
    heard_before = make_person(side=Side.VICTIM)
    _earlier_marac(marac, chair, heard_before, 240)
    told = make_person(side=Side.VICTIM)
    assess(idva, heard_before, DAY)
    told_assessment = assess(
        idva, told, DAY, last_marac_referral=(DAY - _days(240)).isoformat(), incident_date=DAY.isoformat()
    )
    assert "repeat" in told_assessment.results["marac"]["criteria"]
    meeting = f.meeting_on(marac, DAY, chair)
    items = {i.person_id: i for i in services.agenda_build(meeting=meeting, actor=chair)}
    assert items[heard_before.pk].repeat is True
    assert items[heard_before.pk].reason_label == "Repeat: referred again within 12 months"
    member = marac.members.first()
    assert member is not None
    minutes = selectors.minutes_get(meeting=meeting, reader=actor_of(member.user))
    assert "Repeat: referred again within 12 months" in [i.reason_label for i in minutes.items]
    with translation.override("cy"):
        welsh = items[heard_before.pk].reason_label
    assert welsh == "Achos sy'n ailadrodd: wedi'i atgyfeirio eto o fewn 12 mis"


def test_the_label_says_the_regions_own_window(
    panels: dict[str, Panel], chair: Actor, idva: Actor, tmp_path: Path
) -> None:
    marac = panels["marac-cardiff"]
    heard_before = make_person(side=Side.VICTIM)
    _earlier_marac(marac, chair, heard_before, 30)
    instruments_load(
        paths=[_assessment_settings(tmp_path, "repeat_window_months: 12", "repeat_window_months: 1")]
    )
    assess(idva, heard_before, DAY)
    (item,) = services.agenda_build(meeting=f.meeting_on(marac, DAY, chair), actor=chair)
    assert item.reason_label == "Repeat: referred again within 1 month"


def test_the_referral_outcome_names_the_panels_screened_service_in_the_chosen_language(
    panels: dict[str, Panel], chair: Actor, cast: dict[str, User]
) -> None:
    marac = panels[f.MARAC]
    choices = dict(marac.outcome_choices())
    assert choices[Outcome.REFER_SCREENED] == "Refer to Drive Cardiff"
    with translation.override("cy"):
        assert dict(marac.outcome_choices())[Outcome.REFER_SCREENED] == "Atgyfeirio i Drive Caerdydd"

    who, record = drive_screening(cast, taken=True)
    item = item_for(marac, who, chair)
    quorate(item.meeting, chair)
    decision = decide(item, chair, outcome=Outcome.REFER_SCREENED, reasons="High harm.", screening=record)
    assert decision.outcome_label == "Refer to Drive Cardiff"
    minutes = selectors.minutes_get(meeting=item.meeting, reader=chair)
    assert [i.outcome_label for i in minutes.items] == ["Refer to Drive Cardiff"]


def test_a_panel_without_a_screened_service_does_not_offer_the_referral(panels: dict[str, Panel]) -> None:
    daily = panels["daily-cardiff"]
    outcomes = daily.outcome_choices()
    assert Outcome.REFER_SCREENED not in dict(outcomes)
    form = DecisionForm({"outcome": Outcome.REFER_SCREENED, "reasons": "x"}, outcomes=outcomes)
    assert not form.is_valid() and "outcome" in form.errors


def test_a_matac_without_top_n_is_refused_naming_the_fix(region: None, tmp_path: Path) -> None:
    text = PANELS_FILE.read_text()
    old = "    top_n: 4                # the top four in each area (§5.6)\n"
    assert text.count(old) == 1
    path = tmp_path / "panels.yaml"
    path.write_text(text.replace(old, ""))
    with pytest.raises(DataFileError) as error:
        services.panels_load(path=path)
    (problem,) = [str(p) for p in error.value.problems]
    assert f"{path}:" in problem and "panels[4] (matac-cardiff-and-vale)" in problem
    assert (
        "a MATAC must say how many of the highest RFG scores per area go on each agenda: add top_n" in problem
    )
