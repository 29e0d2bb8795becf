"""Scenarios: a drafted service re-triaged against the region's past referrals (never touching the live
region) and simulated at each capacity, saved with its inputs and the rules' version, and read under the
small-number rule."""

from __future__ import annotations

import csv
import dataclasses
import datetime
import io
from html import unescape

import pytest
from django.test import Client
from django.utils import timezone, translation

from pathways.accounts.models import User
from pathways.audit.models import AuditEntry
from pathways.directory.choices import ReferralRoute, Tier
from pathways.directory.models import Region, Service
from pathways.factories import actor_of, date_fields, sign_in
from pathways.insights.models import Scenario
from pathways.insights.scenarios import Draft, draft_labels, scenario_figures, scenario_retriage, scenario_run
from pathways.people.models import Person
from pathways.referrals.services import referral_unmet_need_record
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")

MEDIUM_RISK_VALE = Draft(
    name="Medium-risk programme in the Vale",
    tier="medium_risk",
    areas=["vale-of-glamorgan"],
    genders=["male"],
    routes=["childrens_services", "police", "probation"],
    formats=["group", "one_to_one"],
    programme_weeks=26,
    patience_weeks=12,
    drop_out_during=0.33,
    capacities=[5, 10, 20],
)


def _today() -> datetime.date:
    return timezone.localdate()


def _run(cast: dict[str, User], *, draft: Draft = MEDIUM_RISK_VALE, days: int = 0) -> Scenario:
    """The commissioner's scenario over the last `days` days of referrals (today alone for none)."""
    return scenario_run(
        actor=actor_of(cast["commissioner"]),
        region=Region.objects.get(slug="cardiff-and-vale"),
        draft=draft,
        starts=_today() - datetime.timedelta(days=days),
        ends=_today(),
    )


def _unmet_in_the_vale(n: int) -> None:
    """Men at medium risk in the Vale, for whom no service fits today (the review's gap)."""
    for _ in range(n):
        referral_unmet_need_record(actor=None, referral=refer(None, area="vale-of-glamorgan", risk="medium"))


def test_the_draft_takes_the_unmet_need_it_was_drafted_for_and_the_region_stays_as_it_is() -> None:
    _unmet_in_the_vale(6)
    refer(None, area="cardiff", risk="standard")  # in Cardiff, for early intervention: not the draft's
    services = Service.objects.count()
    region = Region.objects.get(slug="cardiff-and-vale")
    found = scenario_retriage(region=region, draft=MEDIUM_RISK_VALE, starts=_today(), ends=_today())
    assert (found.considered, found.taken) == (7, 6)
    assert found.by_area == {"vale-of-glamorgan": 6} and found.by_tier == {"medium_risk": 6}
    assert found.drawn_from == {"unmet_need": 6}
    assert Service.objects.count() == services and not Service.objects.filter(slug="draft-service").exists()
    # A draft for women takes none of these men.
    for_women = Draft(**{**MEDIUM_RISK_VALE.__dict__, "genders": ["female"]})
    assert scenario_retriage(region=region, draft=for_women, starts=_today(), ends=_today()).taken == 0


def test_a_draft_for_young_fathers_takes_only_men_of_its_ages_with_children_in_the_family() -> None:
    born = {
        "young": _today().replace(year=_today().year - 22),
        "older": _today().replace(year=_today().year - 40),
    }
    for age, children in (("young", 1), ("older", 1), ("young", 0)):
        referral = refer(None, area="vale-of-glamorgan", risk="medium", children=children)
        Person.objects.filter(pk=referral.person_id).update(date_of_birth=born[age])
        referral_unmet_need_record(actor=None, referral=referral)
    region = Region.objects.get(slug="cardiff-and-vale")
    young_fathers = Draft(**{**MEDIUM_RISK_VALE.__dict__, "age_max": 25, "children_required": True})
    found = scenario_retriage(region=region, draft=young_fathers, starts=_today(), ends=_today())
    assert (found.considered, found.taken) == (3, 1)
    assert scenario_retriage(region=region, draft=MEDIUM_RISK_VALE, starts=_today(), ends=_today()).taken == 3
    labels = draft_labels(draft=young_fathers)
    assert (labels.ages, labels.families) == ("18 to 25", "Only families with children")
    assert draft_labels(draft=MEDIUM_RISK_VALE).ages == "18 and over"


def test_a_commissioner_runs_a_scenario_and_reads_it_again_as_it_was(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    client = sign_in(Client(), cast["commissioner"])
    blank = unescape(client.get("/en/insights/scenarios/").content.decode())
    year_ago = _today() - datetime.timedelta(days=364)
    # The period comes filled in with the year to today, ready to run.
    assert f'name="starts_year" type="text" inputmode="numeric" value="{year_ago.year}"' in blank
    assert f'name="ends_day" type="text" inputmode="numeric" value="{_today().day}"' in blank
    form = {
        "name": "Medium-risk programme in the Vale",
        "tier": "medium_risk",
        "areas": ["vale-of-glamorgan"],
        "genders": ["male"],
        "age_min": "18",
        "routes": ["childrens_services", "police"],
        "formats": ["group"],
        "programme_weeks": "26",
        "patience_weeks": "12",
        "drop_out_during": "33",
        "capacity_1": "5",
        "capacity_2": "10",
        "capacity_3": "20",
        **date_fields("starts", (_today() - datetime.timedelta(days=30)).isoformat()),
        **date_fields("ends", _today().isoformat()),
    }
    response = client.post("/en/insights/scenarios/", form)
    assert response.status_code == 302, unescape(response.content.decode())[:2000]
    scenario = Scenario.objects.get()
    assert scenario.results["taken"] == 6 and scenario.triage_rules.region.slug == "cardiff-and-vale"
    assert [r["places"] for r in scenario.results["simulation"]] == [5, 10, 20]
    page = unescape(client.get(response["Location"]).content.decode())
    assert "It would have taken 6 of the 6 referrals" in page
    assert page.count('data-places="') == 3 and 'id="waits"' in page and 'id="waits-table"' in page
    # Later referrals do not change what was saved.
    _unmet_in_the_vale(2)
    assert "It would have taken 6 of the 6" in unescape(client.get(response["Location"]).content.decode())

    backwards = client.post(
        "/en/insights/scenarios/", {**form, **date_fields("starts", _today().isoformat()), **date_fields(
            "ends", (_today() - datetime.timedelta(days=3)).isoformat())}
    )  # fmt: skip
    assert backwards.status_code == 400 and 'href="#id_ends' in unescape(backwards.content.decode())
    upside_down = client.post("/en/insights/scenarios/", {**form, "age_min": "30", "age_max": "25"})
    assert upside_down.status_code == 400 and 'href="#id_age_max' in unescape(upside_down.content.decode())
    assert 'class="govuk-input govuk-input--width-4 govuk-input--error"' in upside_down.content.decode()
    assert Scenario.objects.count() == 1
    assert sign_in(Client(), cast["manager"]).get("/en/insights/scenarios/").status_code == 403


def test_a_small_count_and_the_one_that_would_reveal_it_are_withheld(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(3)
    scenario = _run(cast)
    page = unescape(
        sign_in(Client(), cast["commissioner"]).get(f"/en/insights/scenarios/{scenario.pk}/").content.decode()
    )
    assert "It would have taken <5 of the <5 referrals" in page and ">3<" not in page
    text = (
        sign_in(Client(), cast["commissioner"])
        .get(f"/en/insights/scenarios/{scenario.pk}/export/?format=csv")
        .content.decode()
    )
    # Withheld in the download too, and the simulation that would give the number away is left out.
    assert "Whom it would have taken,Taken,<5" in text and "Simulation:" not in text


def test_a_scenario_downloads_with_its_draft_whom_it_took_and_its_waits(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    scenario = _run(cast, days=30)
    client = sign_in(Client(), cast["commissioner"])
    page = client.get(f"/en/insights/scenarios/{scenario.pk}/").content.decode()
    assert f'href="/en/insights/scenarios/{scenario.pk}/export/?format=csv"' in page
    response = client.get(f"/en/insights/scenarios/{scenario.pk}/export/?format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = [tuple(r) for r in csv.reader(io.StringIO(response.content.decode()))]
    assert rows[0] == ("Table", "Row", "Figure")
    assert ("The draft", "Tier", "Medium risk") in rows and ("Whom it would have taken", "Taken", "6") in rows
    assert ("Where they live", "Vale of Glamorgan", "6") in rows
    waits = {r[1]: r[2] for r in rows if r[0] == "Simulation: 10 places"}
    assert set(waits) >= {"Mean wait (weeks)", "Places in use", "Still waiting at the end"}
    assert float(waits["Mean wait (weeks)"]) == scenario.results["simulation"][1]["mean_wait_weeks"]
    assert client.get(f"/en/insights/scenarios/{scenario.pk}/export/?format=xlsx").content[:2] == b"PK"
    assert AuditEntry.objects.filter(record_type="scenario", record_id=str(scenario.pk)).exists()
    manager = sign_in(Client(), cast["manager"])
    assert manager.get(f"/en/insights/scenarios/{scenario.pk}/export/?format=csv").status_code == 403


def _section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_the_draft_and_whom_it_took_read_in_words_not_stored_values(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    scenario = _run(cast)
    client = sign_in(Client(), cast["commissioner"])
    page = unescape(client.get(f"/en/insights/scenarios/{scenario.pk}/").content.decode())
    draft = _section(page, 'id="draft"', "</dl>")
    assert "Medium risk" in draft and "Vale of Glamorgan" in draft and "Men" in draft
    assert "Children's services, Police, Probation" in draft and "Group, One-to-one" in draft
    breakdowns = _section(page, 'id="breakdown-1"', "Waits and places at each capacity")
    for words in (
        "Vale of Glamorgan",
        "Children's services",
        "Medium risk",
        "no service fitted (unmet need)",
    ):
        assert words in breakdowns, words
    stored = ("medium_risk", "vale-of-glamorgan", "male", "childrens_services", "one_to_one", "unmet_need")
    assert [value for value in stored if value in draft or value in breakdowns] == []
    # In Welsh, the areas' Welsh names and the choices' Welsh labels.
    welsh = unescape(client.get(f"/cy/insights/scenarios/{scenario.pk}/").content.decode())
    with translation.override("cy"):
        medium, police = str(Tier.MEDIUM_RISK.label), str(ReferralRoute.POLICE.label)
    assert medium != "Medium risk" and medium in _section(welsh, 'id="draft"', "</dl>")
    assert "Bro Morgannwg" in _section(welsh, 'id="draft"', "</dl>") and police in welsh
    assert "Vale of Glamorgan" not in welsh


def test_the_arrivals_a_week_are_withheld_with_a_small_number_taken(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(3)
    scenario = _run(cast)
    # Over a single week, three taken is three a week: the rate would give the withheld count away.
    assert scenario.results["assumptions"]["arrivals_per_week"] == 3
    page = unescape(
        sign_in(Client(), cast["commissioner"]).get(f"/en/insights/scenarios/{scenario.pk}/").content.decode()
    )
    arrivals = _section(page, 'id="arrivals"', "</p>")
    assert "withheld" in arrivals and "3" not in arrivals and "people a week" not in arrivals
    # So is the simulation that starts from them: its figures could be run back to the count.
    assert 'id="simulation-withheld"' in page and 'id="simulation"' not in page


def test_a_draft_that_would_have_taken_no_one_says_so_and_simulates_nothing(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    scenario = _run(cast, draft=dataclasses.replace(MEDIUM_RISK_VALE, areas=["cardiff"]), days=30)
    page = unescape(
        sign_in(Client(), cast["commissioner"]).get(f"/en/insights/scenarios/{scenario.pk}/").content.decode()
    )
    assert "It would have taken 0 of the 6 referrals" in page
    assert 'id="simulation-empty"' in page and 'id="simulation"' not in page and 'id="waits"' not in page
    assert "people a week" not in page and "No one" in _section(page, 'id="breakdown-1"', "</table>")


def test_whom_it_would_take_is_counted_by_the_groups_services_leave_out(cast: dict[str, User]) -> None:
    """Twelve men at medium risk in the Vale, nine of them with no children: the nine are counted in the
    group, and withheld, since those taken less the group (three) would be a small number."""
    _unmet_in_the_vale(3)
    for _ in range(9):
        referral_unmet_need_record(
            actor=None, referral=refer(None, area="vale-of-glamorgan", risk="medium", children=0)
        )
    region = Region.objects.get(slug="cardiff-and-vale")
    found = scenario_retriage(region=region, draft=MEDIUM_RISK_VALE, starts=_today(), ends=_today())
    assert found.taken == 12 and found.by_group == {"no_children": 9}
    scenario = scenario_run(
        actor=actor_of(cast["commissioner"]),
        region=region,
        draft=MEDIUM_RISK_VALE,
        starts=_today(),
        ends=_today(),
    )
    (row,) = scenario_figures(scenario=scenario).breakdowns["by_group"]
    assert (row.label, row.cell.exported) == ("People without children", "[c]")
    page = unescape(
        sign_in(Client(), cast["commissioner"]).get(f"/en/insights/scenarios/{scenario.pk}/").content.decode()
    )
    assert "The groups services leave out they are in" in page and "People without children" in page
