"""The region's casework file: loaded whole or not at all, every problem named with its line and what to
do, and every number the region's own."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pathways.cases.models import CaseworkRules
from pathways.cases.selectors import casework_rules_for
from pathways.cases.services import casework_rules_load
from pathways.core.datafiles import DataFileError
from pathways.directory.models import Region

pytestmark = pytest.mark.usefixtures("region")

SHIPPED = Path(__file__).resolve().parents[3] / "regions" / "cardiff-and-vale" / "casework.yaml"


def _edited(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text()
    assert old in text
    path = tmp_path / "casework.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_shipped_file_gives_clear_seven_sessions_and_a_six_week_follow_up() -> None:
    rules = casework_rules_for(region_id=Region.objects.get(slug="cardiff-and-vale"))
    clear = rules.programme("clear")
    assert clear is not None and len(clear.sessions) == 7 and clear.minimum_attendance == 7
    assert [(f.slug, f.weeks_after_end) for f in clear.follow_ups] == [("six-weeks", 6)]
    assert rules.internal_review_days("drive-cardiff") == 28 and rules.internal_review_days("clear") == 42
    deselected = rules.ending("deselected")
    assert deselected is not None and deselected.manager_decision and deselected.other_agencies_input
    dropped = rules.ending("dropped_out")
    assert dropped is not None and not dropped.ends_disrupt
    assert {a.kind for a in rules.file.activities} == {"disrupt", "support", "change"}


def test_a_missing_number_stops_loading_and_says_what_to_add(tmp_path: Path) -> None:
    path = _edited(tmp_path, "  target_days: 10               # region's choice\n", "")
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=path)
    message = str(error.value)
    assert "first_contact" in message and "add target_days" in message and "casework.yaml:" in message


def test_a_programme_of_a_service_the_region_lacks_is_refused_with_its_line(tmp_path: Path) -> None:
    path = _edited(tmp_path, "  - service: clear\n", "  - service: clear-somewhere\n")
    before = CaseworkRules.objects.count()
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=path)
    assert "no service 'clear-somewhere' in region.yaml" in str(error.value)
    assert CaseworkRules.objects.count() == before


def test_more_attendance_than_sessions_and_a_review_default_left_out_are_both_reported(
    tmp_path: Path,
) -> None:
    path = _edited(
        tmp_path, "    minimum_attendance: 7      # region's choice\n", "    minimum_attendance: 8\n"
    )
    path.write_text(path.read_text().replace("    default: 42                # region's choice\n", "", 1))
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=path)
    message = str(error.value)
    assert "only 7 sessions" in message and "add default" in message


def test_loading_the_same_file_again_makes_no_new_version_and_a_change_makes_one(tmp_path: Path) -> None:
    out = StringIO()
    call_command("load_casework", str(SHIPPED), stdout=out)
    assert "Unchanged:" in out.getvalue()
    changed = _edited(tmp_path, "  target_days: 10 ", "  target_days: 14 ")
    call_command("load_casework", str(changed), stdout=out)
    rules = casework_rules_for(region_id=Region.objects.get(slug="cardiff-and-vale"))
    assert rules.file.first_contact.target_days == 14 and rules.version.version == 2
    broken = _edited(tmp_path, "region: cardiff-and-vale\n", "region: nowhere\n")
    with pytest.raises(CommandError, match="Nothing was loaded"):
        call_command("load_casework", str(broken))


def test_joint_meetings_must_be_listed_and_name_the_right_kinds_of_service(tmp_path: Path) -> None:
    text = SHIPPED.read_text()
    missing = tmp_path / "missing.yaml"
    missing.write_text(text[: text.index("\njoint_meetings:")] + "\n")
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=missing)
    assert "add joint_meetings" in str(error.value)

    swapped = _edited(tmp_path, "    support_service: rise-cardiff\n", "    support_service: drive-cardiff\n")
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=swapped)
    message = str(error.value)
    assert "'drive-cardiff' is not a service supporting victims" in message and "casework.yaml:" in message
    rules = casework_rules_for(region_id=Region.objects.get(slug="cardiff-and-vale"))
    assert {(j.slug, j.every_days) for j in rules.file.joint_meetings} == {
        ("clear-rise", 14),
        ("drive-idva", 14),
    }


def test_her_plans_catalogue_must_be_listed(tmp_path: Path) -> None:
    text = SHIPPED.read_text()
    start, end = text.index("safety_activities:"), text.index("\nprogrammes:")
    path = tmp_path / "casework.yaml"
    path.write_text(text[:start] + text[end + 1 :])
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=path)
    assert "add safety_activities" in str(error.value)


def test_what_counts_as_engaged_must_be_stated_and_name_the_regions_services(tmp_path: Path) -> None:
    path = _edited(tmp_path, "  engaged_sessions: 1\n", "")
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=path)
    assert "add engaged_sessions" in str(error.value) and "casework.yaml:" in str(error.value)
    path = _edited(
        tmp_path, "engaged_at_first_contact: [drive-cardiff]", "engaged_at_first_contact: [drive-swansea]"
    )
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=path)
    assert "no service 'drive-swansea' in region.yaml" in str(error.value)


def test_the_age_bands_must_be_stated_youngest_first(tmp_path: Path) -> None:
    line = "  age_bands_from: [18, 25, 35, 45, 55]\n"
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=_edited(tmp_path, line, ""))
    assert "add age_bands_from" in str(error.value) and "casework.yaml:" in str(error.value)
    with pytest.raises(DataFileError) as error:
        casework_rules_load(path=_edited(tmp_path, line, "  age_bands_from: [25, 18]\n"))
    assert "youngest first" in str(error.value) and "age_bands_from" in str(error.value)
