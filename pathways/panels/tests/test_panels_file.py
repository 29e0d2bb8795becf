"""Panels from the region's file: what the shipped file loads, loading again, and a bad file refused whole."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import call_command

from pathways.audit.models import AuditEntry
from pathways.core.datafiles import DataFileError
from pathways.panels import services
from pathways.panels.models import Panel
from pathways.panels.tests.factories import PANELS_FILE

pytestmark = pytest.mark.django_db


@pytest.fixture
def panels(region: None) -> dict[str, Panel]:
    return {p.slug: p for p in services.panels_load(path=PANELS_FILE)}


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
