"""The gap map on the shipped region shows what the 2020 review found."""

from __future__ import annotations

import datetime
from collections.abc import Callable

import pytest
from django.test import Client

from pathways.core.access import Role
from pathways.directory.models import Region, Service
from pathways.insights.selectors import gap_map_build

pytestmark = pytest.mark.django_db


def slugs(services: list[Service]) -> set[str]:
    return {s.slug for s in services}


def test_no_medium_risk_service_in_cardiff_or_the_vale(region: None) -> None:
    result = gap_map_build()
    for area in ("cardiff", "vale-of-glamorgan"):
        cell = result.cell(area, "medium_risk")
        assert cell.state == "gap" and cell.services == []
    assert "atal-y-fro-dvpp" in slugs(result.cell("vale-of-glamorgan", "medium_risk").recently_closed)
    assert any(f.startswith("Medium risk: no service") for f in result.findings)


def test_nothing_outside_criminal_justice_in_the_vale(region: None) -> None:
    result = gap_map_build()
    for tier in ("early_intervention", "medium_risk", "high_harm", "court_diversion", "family"):
        assert result.cell("vale-of-glamorgan", tier).services == [], tier
    assert result.cell("vale-of-glamorgan", "criminal_justice").services
    assert any(f.startswith("Vale of Glamorgan: every service") for f in result.findings)
    assert not any(f.startswith("Cardiff: every service") for f in result.findings)


def test_only_men_are_served_by_clear(region: None) -> None:
    assert "clear" in slugs(gap_map_build().cell("cardiff", "early_intervention").services)
    for_women = gap_map_build(groups=["women"]).cell("cardiff", "early_intervention")
    assert "clear" not in slugs(for_women.services)
    assert for_women.state == "gap"
    assert any("CLEAR" in f and "men only" in f for f in gap_map_build().findings)


def test_drive_is_in_cardiff_not_the_vale(region: None) -> None:
    result = gap_map_build()
    assert "drive-cardiff" in slugs(result.cell("cardiff", "high_harm").services)
    assert result.cell("vale-of-glamorgan", "high_harm").services == []


def test_a_group_filter_needs_every_group(region: None) -> None:
    drive_for_women = gap_map_build(groups=["women"]).cell("cardiff", "high_harm")
    drive_for_women_without_children = gap_map_build(groups=["women", "no_children"]).cell(
        "cardiff", "high_harm"
    )
    assert len(drive_for_women_without_children.services) <= len(drive_for_women.services)


def test_unknown_eligibility_is_shown_as_not_stated_not_as_served(region: None) -> None:
    Service.objects.filter(slug="drive-cardiff").update(genders=None)
    cell = gap_map_build(groups=["women"]).cell("cardiff", "high_harm")
    assert "drive-cardiff" not in slugs(cell.services)
    assert "drive-cardiff" in slugs(cell.not_stated)


def test_funding_ending_within_six_months_is_flagged(region: None) -> None:
    flags = {(f.service.slug, f.kind) for f in gap_map_build().flags}
    assert ("clear", "funding_ends") in flags
    later = {(f.service.slug, f.kind) for f in gap_map_build(as_at=datetime.date(2021, 6, 1)).flags}
    assert ("clear", "funding_ended") in later
    earlier = {(f.service.slug, f.kind) for f in gap_map_build(as_at=datetime.date(2019, 9, 1)).flags}
    assert ("clear", "funding_ends") not in earlier


def test_decommissioned_in_the_last_two_years_is_flagged(region: None) -> None:
    assert ("atal-y-fro-dvpp", "decommissioned") in {(f.service.slug, f.kind) for f in gap_map_build().flags}
    much_later = gap_map_build(as_at=datetime.date(2022, 12, 1))
    assert "atal-y-fro-dvpp" not in {f.service.slug for f in much_later.flags}
    assert much_later.cell("vale-of-glamorgan", "medium_risk").recently_closed == []


def test_the_warning_windows_are_the_region_files(region: None) -> None:
    """CLEAR's funding ends on 1 October 2020 and Atal y Fro closed on 1 November 2019 (region.yaml)."""
    cardiff_and_vale = Region.objects.get()
    as_at = datetime.date(2020, 6, 1)  # four months before CLEAR's funding ends
    kinds = {(f.service.slug, f.kind) for f in gap_map_build(as_at=as_at).flags}
    assert {("clear", "funding_ends"), ("atal-y-fro-dvpp", "decommissioned")} <= kinds
    cardiff_and_vale.funding_ends_within_months = 3
    cardiff_and_vale.closed_within_months = 6
    cardiff_and_vale.save()
    narrower = gap_map_build(region=cardiff_and_vale, as_at=as_at)
    assert {f.service.slug for f in narrower.flags} & {"clear", "atal-y-fro-dvpp"} == set()
    assert narrower.cell("vale-of-glamorgan", "medium_risk").recently_closed == []


def test_the_map_follows_the_region_file(region: None) -> None:
    Service.objects.filter(slug="clear").update(
        status="decommissioned", status_since=datetime.date(2020, 9, 1)
    )
    cell = gap_map_build().cell("cardiff", "early_intervention")
    assert cell.state == "gap" and "clear" in slugs(cell.recently_closed)


def test_page_shows_the_matrix_findings_and_flags(region: None, client_as: Callable[[str], Client]) -> None:
    page = client_as(Role.COMMISSIONER).get("/en/insights/gap-map/").content.decode()
    assert 'data-area="vale-of-glamorgan" data-tier="medium_risk" data-count="0"' in page
    assert "app-gapmap__cell--gap" in page and "No services" in page
    assert "Funding ends October 2020" in page
    assert "Decommissioned November 2019" in page


def test_page_filters_by_group(region: None, client_as: Callable[[str], Client]) -> None:
    client = client_as(Role.COMMISSIONER)
    everyone = client.get("/en/insights/gap-map/").content.decode()
    women = client.get("/en/insights/gap-map/?group=women").content.decode()
    cell = 'data-area="cardiff" data-tier="early_intervention" data-count="'
    assert cell + "1" in everyone or cell + "2" in everyone
    assert cell + "0" in women


def test_page_rejects_bad_filters_with_a_message(region: None, client_as: Callable[[str], Client]) -> None:
    response = client_as(Role.COMMISSIONER).get("/en/insights/gap-map/?group=martians&as_at=yesterday")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is a problem" in page and "Select a valid choice" in page
    assert "As at must be a real date" in page


def test_api_gap_map(region: None, client_as: Callable[[str], Client]) -> None:
    body = client_as(Role.COMMISSIONER).get("/api/v1/gap-map/?group=women").json()
    assert body["region"] == "cardiff-and-vale" and body["groups"] == ["women"]
    cells = {(c["area"], c["tier"]): c for c in body["cells"]}
    assert cells[("cardiff", "medium_risk")]["state"] == "gap"
    assert "clear" not in cells[("cardiff", "early_intervention")]["services"]
    assert {"service": "clear", "kind": "funding_ends", "on": "2020-10-01"} in body["flags"]


@pytest.mark.parametrize(
    ("query", "field"),
    [("group=martians", "group"), ("as_at=2020-13-45", "as_at"), ("as_at=" + "9" * 5000, "as_at")],
)
def test_api_gap_map_rejects_bad_queries(
    region: None, client_as: Callable[[str], Client], query: str, field: str
) -> None:
    response = client_as(Role.COMMISSIONER).get(f"/api/v1/gap-map/?{query}")
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_unmet_need_from_1_to_4_is_shown_as_fewer_than_5(
    region: None, client_as: Callable[[str], Client]
) -> None:
    from pathways.referrals.services import referral_unmet_need_record
    from pathways.referrals.tests.factories import refer

    def unmet(n: int, area: str) -> None:
        for _ in range(n):
            referral_unmet_need_record(actor=None, referral=refer(None, area=area, risk="medium"))

    unmet(3, "vale-of-glamorgan")
    client = client_as(Role.COMMISSIONER)

    def shown() -> tuple[str, object]:
        page = client.get("/en/insights/gap-map/").content.decode()
        cells = {(c["area"], c["tier"]): c for c in client.get("/api/v1/gap-map/").json()["cells"]}
        return page, cells[("vale-of-glamorgan", "medium_risk")]["unmet_need"]

    page, counted = shown()
    assert "Unmet need: fewer than 5 referrals" in page and "Unmet need: 3 referrals" not in page
    assert counted == "<5"
    unmet(3, "vale-of-glamorgan")
    page, counted = shown()
    assert "Unmet need: 6 referrals" in page and counted == 6


def test_a_filtered_map_withholds_what_the_wider_map_would_give_away(
    region: None, client_as: Callable[[str], Client]
) -> None:
    """Seven men in the Vale need a medium-risk service and find none; five have no children. The map of
    people without children would show 5 beside the whole map's 7, and so the two with children: it
    withholds the 5, on the page and in the API, and shows it once the difference is no longer small."""
    from pathways.referrals.services import referral_unmet_need_record
    from pathways.referrals.tests.factories import refer

    def unmet(n: int, children: int) -> None:
        for _ in range(n):
            referral = refer(None, area="vale-of-glamorgan", risk="medium", children=children)
            referral_unmet_need_record(actor=None, referral=referral)

    unmet(5, children=0)
    unmet(2, children=1)
    client = client_as(Role.COMMISSIONER)

    def shown(query: str) -> tuple[str, object, list[object]]:
        page = client.get(f"/en/insights/gap-map/{query}").content.decode()
        cells = {(c["area"], c["tier"]): c for c in client.get(f"/api/v1/gap-map/{query}").json()["cells"]}
        cell = cells[("vale-of-glamorgan", "medium_risk")]
        return page, cell["unmet_need"], [r["referrals"] for r in cell["need_reasons"]]

    page, whole, _reasons = shown("")
    assert whole == 7 and "Unmet need: 7 referrals" in page
    page, part, reasons = shown("?group=no_children")
    assert part == "[c]" and set(reasons) == {"[c]"} and "Unmet need: withheld [c]" in page
    assert "Unmet need: 5 referrals" not in page
    unmet(3, children=1)
    page, part, reasons = shown("?group=no_children")
    assert part == 5 and set(reasons) == {5} and "Unmet need: 5 referrals" in page


def test_need_is_drawn_beside_its_table_and_downloads_as_shown(
    region: None, client_as: Callable[[str], Client]
) -> None:
    import csv
    import io

    from pathways.referrals.services import referral_unmet_need_record
    from pathways.referrals.tests.factories import refer

    for _ in range(3):
        referral_unmet_need_record(actor=None, referral=refer(None, area="vale-of-glamorgan", risk="medium"))
    for _ in range(6):
        referral_unmet_need_record(actor=None, referral=refer(None, area="vale-of-glamorgan", risk="high"))
    client = client_as(Role.COMMISSIONER)
    page = client.get("/en/insights/gap-map/").content.decode()
    chart = page[page.index('id="unmet-chart"') : page.index("</figure>", page.index('id="unmet-chart"'))]
    assert "<svg" in chart and 'id="unmet-chart-table"' in chart
    assert "High harm, Vale of Glamorgan" in chart and ">6<" in chart
    assert "Medium risk, Vale of Glamorgan" in chart and "&lt;5" in chart and ">3<" not in chart
    assert 'href="/en/insights/gap-map/export/?format=csv"' in page

    response = client.get("/en/insights/gap-map/export/?format=csv&group=men")
    assert response.status_code == 400 and "Show only services that take" in response.content.decode()
    response = client.get("/en/insights/gap-map/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = {(r["Area"], r["Tier"]): r for r in csv.DictReader(io.StringIO(response.content.decode()))}
    assert rows[("Vale of Glamorgan", "Medium risk")]["Unmet need"] == "<5"
    assert rows[("Vale of Glamorgan", "High harm")]["Unmet need"] == "6"
    assert rows[("Vale of Glamorgan", "High harm")]["Services running"] == "0"
    xlsx = client.get("/en/insights/gap-map/export/?format=xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    welsh = client.get("/cy/insights/gap-map/export/?format=csv").content.decode()
    assert "Bro Morgannwg" in welsh and "Vale of Glamorgan" not in welsh
