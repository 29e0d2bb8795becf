from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from pathways.audit.models import AuditEntry
from pathways.conftest import REGION_FILE
from pathways.core.datafiles import DataFileError
from pathways.directory.models import Region, Service
from pathways.directory.services import region_load

pytestmark = pytest.mark.django_db


def _shipped() -> dict[str, Any]:
    return yaml.safe_load(REGION_FILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "region.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _service(data: dict[str, Any], slug: str) -> dict[str, Any]:
    return next(s for s in data["services"] if s["slug"] == slug)


def test_shipped_region_names_every_service_with_its_review_section(region: None) -> None:
    services = Service.objects.all()
    assert services.count() == len(_shipped()["services"])
    assert all(s.source.startswith("§") for s in services)
    names = set(services.values_list("slug", flat=True))
    for expected in (
        "clear",
        "drive-cardiff",
        "atal-y-fro-dvpp",
        "rise-cardiff",
        "bbr",
        "equilibrium",
        "cara",
    ):
        assert expected in names
    assert all(s.name_cy and s.summary_cy for s in services)


def test_shipped_region_links_clear_to_rise(region: None) -> None:
    clear = Service.objects.get(slug="clear")
    assert clear.partner_support_service is not None and clear.partner_support_service.slug == "rise-cardiff"
    assert clear.partner_details_required is True


def test_reloading_the_same_file_changes_nothing(region: None) -> None:
    before = list(Service.objects.order_by("slug").values())
    result = region_load(path=REGION_FILE)
    assert result.removed == 0
    assert list(Service.objects.order_by("slug").values()) == before


def test_a_bad_file_is_rejected_whole_naming_line_entry_field_and_fix(region: None, tmp_path: Path) -> None:
    data = _shipped()
    _service(data, "clear")["tier"] = "medium"
    _service(data, "drive-cardiff")["name"]["en"] = "Renamed"  # a valid change in the same file
    path = _write(tmp_path, data)
    with pytest.raises(DataFileError) as caught:
        region_load(path=path)
    [problem] = caught.value.problems
    text = str(problem)
    assert "services[" in text and "(clear).tier" in text
    assert "'medium' is not allowed" in text and "early_intervention" in text
    lines = path.read_text().splitlines()
    assert problem.line is not None and "tier: medium" in lines[problem.line - 1]
    assert Service.objects.get(slug="drive-cardiff").name_en != "Renamed"


def test_a_file_without_the_gap_maps_windows_is_refused_with_the_fix(tmp_path: Path) -> None:
    data = _shipped()
    del data["gap_map"]["closed_within_months"]
    data["gap_map"]["funding_ends_within_months"] = 2
    before = list(Region.objects.values())
    with pytest.raises(DataFileError) as caught:
        region_load(path=_write(tmp_path, data))
    [problem] = caught.value.problems
    assert "gap_map.closed_within_months" in str(problem) and "for example 24" in str(problem)
    assert list(Region.objects.values()) == before  # nothing of the file was loaded


def test_every_problem_is_listed_at_once(tmp_path: Path) -> None:
    data = _shipped()
    _service(data, "clear")["colour"] = "blue"
    _service(data, "drive-cardiff")["status"] = "open"
    del _service(data, "cara")["tier"]
    with pytest.raises(DataFileError) as caught:
        region_load(path=_write(tmp_path, data))
    messages = [str(p) for p in caught.value.problems]
    assert len(messages) == 3
    assert any("(clear).colour" in m and "unknown field" in m for m in messages)
    assert any("(drive-cardiff).status" in m and "'open' is not allowed" in m for m in messages)
    assert any("(cara).tier" in m and "required" in m for m in messages)


def test_cross_references_are_checked(tmp_path: Path) -> None:
    data = _shipped()
    clear = _service(data, "clear")
    clear["partner_support_service"] = "no-such-service"
    clear["areas"] = ["cardiff", "atlantis"]
    data["services"].append(dict(_service(data, "cara")))
    with pytest.raises(DataFileError) as caught:
        region_load(path=_write(tmp_path, data))
    messages = [str(p) for p in caught.value.problems]
    assert any(
        "(clear).partner_support_service" in m and "no service 'no-such-service'" in m for m in messages
    )
    assert any("(clear).areas[2]" in m and "no area 'atlantis'" in m for m in messages)
    assert any("(cara).slug" in m and "used twice" in m for m in messages)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("region: [unclosed", "not valid YAML"),
        ("", "RegionFile"),
        ("- just\n- a list\n", "RegionFile"),
    ],
)
def test_files_that_are_not_region_files(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "region.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataFileError) as caught:
        region_load(path=path)
    assert str(path) in str(caught.value)


def test_binary_and_missing_files(tmp_path: Path) -> None:
    binary = tmp_path / "region.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(DataFileError, match="UTF-8"):
        region_load(path=binary)
    with pytest.raises(DataFileError, match="file not found"):
        region_load(path=tmp_path / "nope.yaml")


def test_command_reports_problems_and_changes_nothing(region: None, tmp_path: Path) -> None:
    data = _shipped()
    _service(data, "clear")["capacity"] = -3
    entries = AuditEntry.objects.count()
    with pytest.raises(CommandError) as caught:
        call_command("load_region", str(_write(tmp_path, data)))
    assert "Nothing was changed" in str(caught.value)
    assert "(clear).capacity" in str(caught.value)
    assert AuditEntry.objects.count() == entries


def test_command_check_only_validates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = _shipped()
    _service(data, "clear")["name"]["en"] = "Checked only"
    call_command("load_region", str(_write(tmp_path, data)), "--check")
    assert "valid" in capsys.readouterr().out
    assert not Service.objects.filter(name_en="Checked only").exists()


def test_loading_records_who_and_what_in_the_audit_log(region: None) -> None:
    region_load(path=REGION_FILE)
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert entry is not None and entry.action == "region.loaded" and entry.record_id == "cardiff-and-vale"
    assert len(entry.details["sha256"]) == 64


def test_a_service_removed_from_the_file_is_removed(region: None, tmp_path: Path) -> None:
    data = _shipped()
    data["services"] = [s for s in data["services"] if s["slug"] != "cara"]
    result = region_load(path=_write(tmp_path, data))
    assert result.removed == 1
    assert not Service.objects.filter(slug="cara").exists()


def test_status_history_is_kept_in_order(region: None) -> None:
    atal = Service.objects.get(slug="atal-y-fro-dvpp")
    statuses = list(atal.history.values_list("status", flat=True))
    assert statuses[-1] == "decommissioned"
