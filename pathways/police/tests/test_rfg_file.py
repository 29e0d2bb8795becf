"""The region's RFG model file: versions, and errors that name the file, the line and the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pathways.audit.models import AuditEntry
from pathways.conftest import RFG_FILE
from pathways.core.datafiles import DataFileError
from pathways.police.models import RfgModelVersion
from pathways.police.rfg import load_rfg_model, model_of

pytestmark = pytest.mark.usefixtures("region")


def _file(tmp_path: Path, *changes: tuple[str, str]) -> Path:
    text = RFG_FILE.read_text()
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "rfg.yaml"
    path.write_text(text)
    return path


def _line(path: Path, starting: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if line.startswith(starting))


def _problems(path: Path) -> list[str]:
    versions = RfgModelVersion.objects.count()
    with pytest.raises(DataFileError) as error:
        load_rfg_model(path=path)
    assert RfgModelVersion.objects.count() == versions
    return [str(p) for p in error.value.problems]


def test_the_shipped_model_loads_once_and_a_changed_file_is_the_next_version(tmp_path: Path) -> None:
    shipped, changed = load_rfg_model(path=RFG_FILE)
    assert (shipped.version, changed) == (1, False)
    model = model_of(shipped)
    assert model.window.years == 3 and model.serial.min_age == 16
    assert model.gravity.offences["strangulation"] == 547
    assert [band.en for band in model.bands] == ["Very high", "High", "Medium", "Low"]
    assert model.band(50).cy == "Uchel" and model.band(0).en == "Low"

    version, changed = load_rfg_model(path=_file(tmp_path, ("  victims: 1 ", "  victims: 2 ")))

    assert (version.version, changed) == (2, True)
    assert model_of(version).weights.victims == 2
    assert AuditEntry.objects.filter(record_type="rfg_model", record_id="cardiff-and-vale RFG v2").exists()


def test_a_window_in_days(tmp_path: Path) -> None:
    version, _ = load_rfg_model(path=_file(tmp_path, ("  years: 3", "  days: 730")))
    model = model_of(version)
    assert model.window.days == 730


def test_weights_that_do_not_validate_are_named_with_their_line_and_fix(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        ("  recency: 1 ", "  recency: 0 "),
        ("  frequency: 1 ", "  frequency: 0 "),
        ("  gravity: 2 ", "  gravity: 0 "),
        ("  victims: 1 ", "  victims: 0 "),
    )
    assert _problems(path) == [
        f"{path}:{_line(path, 'weights:')}: weights: every weight is 0; give at least one of them a positive "
        "weight"
    ]


def test_every_problem_in_a_file_is_listed(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        ("  years: 3", "  years: 3\n  days: 1095"),
        ("  weapon: 0.5", "  weapon: -1"),
        ("    rape: 1825", "    Rape: 1825"),
        ("  - {from: 50, en: High, cy: Uchel}", "  - {from: 80, en: High, cy: Uchel}"),
        ("  min_age: 16", "  min_age: 16\n  min_agee: 5"),
    )
    assert _problems(path) == [
        f"{path}:{_line(path, 'window:')}: window: give either years (for example 3) or days (for example "
        "1095), not both",
        f"{path}:{_line(path, '  weapon:')}: uplifts.weapon: Input should be greater than or equal to 0 "
        "(found -1)",
        f"{path}:{_line(path, '  offences:')}: gravity.offences: offence code(s) 'Rape': use lower case "
        "letters, digits and underscores, starting with a letter, at most 60 characters (for example "
        "common_assault)",
        f"{path}:{_line(path, 'bands:')}: bands: list the bands from the highest to the lowest, each "
        "starting (from) below the one before",
        f"{path}:{_line(path, '  min_agee:')}: serial.min_agee: unknown field: remove it or check its "
        "spelling",
    ]


def test_bands_must_reach_zero_and_a_missing_section_is_named(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        ("  - {from: 0, en: Low, cy: Isel}", "  - {from: 10, en: Low, cy: Isel}"),
        ("serial:\n  min_records: 2\n  min_victims: 2\n  min_age: 16\n", ""),
    )
    problems = _problems(path)
    assert problems == [
        f"{path}:{_line(path, 'bands:')}: bands: the last band must start from 0, so that every score has "
        "a band",
        # A missing section is reported at the top of the file, where it belongs.
        f"{path}:{_line(path, 'region:')}: serial: this field is required",
    ]


def test_a_file_for_a_region_not_loaded_and_a_file_that_is_not_yaml(tmp_path: Path) -> None:
    path = _file(tmp_path, ("region: cardiff-and-vale", "region: gwent"))
    assert _problems(path) == [
        f"{path}:{_line(path, 'region:')}: region: no region 'gwent' is loaded; load its region.yaml first"
    ]
    path.write_text("weights: [recency: 1\n")
    assert _problems(path)[0].startswith(f"{path}:2: not valid YAML")


def test_the_load_command_says_what_happened(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    call_command("load_rfg", str(RFG_FILE))
    assert "version 1 (unchanged, already loaded)" in capsys.readouterr().out
    call_command("load_rfg", str(_file(tmp_path, ("  min_age: 16", "  min_age: 17"))))
    assert "version 2 (loaded)" in capsys.readouterr().out
    bad = _file(tmp_path, ("  min_age: 16", "  min_age: 0"))
    with pytest.raises(
        CommandError, match=r"was not loaded: 1 problem\(s\)\. Nothing was changed\.\n.*min_age"
    ):
        call_command("load_rfg", str(bad))
