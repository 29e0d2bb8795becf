"""Scenarios through the API: a commissioner lists, reads and runs them, each input with its label and the
counts under the small-number rule as on the page; a bad input is refused naming the field, with nothing
saved; anyone else is refused, and another region's scenario does not exist for them."""

from __future__ import annotations

import datetime
from html import unescape
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from pathways.accounts import services as account_services
from pathways.accounts.choices import ChangeStatus
from pathways.accounts.models import AccountChange, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.access import AgencyType, Role
from pathways.core.policy import Perm
from pathways.directory.models import Area, Region
from pathways.factories import actor_of, agency_of, date_fields, make_agency, make_user, sign_in
from pathways.insights.models import Scenario
from pathways.insights.scenarios import Draft, scenario_run
from pathways.referrals.services import referral_unmet_need_record
from pathways.referrals.tests.factories import refer

pytestmark = pytest.mark.usefixtures("region")

LIST = "/api/v1/scenarios/"

MEDIUM_RISK_VALE = Draft(
    name="Medium-risk programme in the Vale",
    tier="medium_risk",
    areas=["vale-of-glamorgan"],
    genders=["male"],
    routes=["childrens_services", "police"],
    formats=["group", "one_to_one"],
    programme_weeks=26,
    patience_weeks=12,
    drop_out_during=0.33,
    capacities=[5, 10, 20],
)


def _today() -> datetime.date:
    return timezone.localdate()


def _unmet_in_the_vale(n: int) -> None:
    for _ in range(n):
        referral_unmet_need_record(actor=None, referral=refer(None, area="vale-of-glamorgan", risk="medium"))


def _run(cast: dict[str, User]) -> Scenario:
    return scenario_run(
        actor=actor_of(cast["commissioner"]),
        region=Region.objects.get(slug="cardiff-and-vale"),
        draft=MEDIUM_RISK_VALE,
        starts=_today(),
        ends=_today(),
    )


def _body(**changes: Any) -> dict[str, Any]:
    return {
        "name": "Medium-risk programme in the Vale",
        "tier": "medium_risk",
        "areas": ["vale-of-glamorgan"],
        "genders": ["male"],
        "routes": ["childrens_services", "police"],
        "formats": ["group"],
        "programme_weeks": 26,
        "patience_weeks": 12,
        "drop_out_during": 33,
        "capacities": [5, 10],
        "starts": (_today() - datetime.timedelta(days=30)).isoformat(),
        "ends": _today().isoformat(),
        **changes,
    }


def _post(client: Client, body: Any, **headers: str) -> Any:
    return client.post(LIST, body, content_type="application/json", headers=headers)


def test_a_commissioner_lists_and_reads_a_scenario_with_its_inputs_in_words(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    scenario = _run(cast)
    client = sign_in(Client(), cast["commissioner"])
    listed = client.get(LIST)
    assert listed.status_code == 200
    (row,) = listed.json()
    assert row["id"] == str(scenario.pk) and row["name"] == "Medium-risk programme in the Vale"
    assert row["starts"] == row["ends"] == _today().isoformat()
    assert row["rules_version"] == scenario.triage_rules.version and row["created_at"]

    body = client.get(f"{LIST}{scenario.pk}/").json()
    inputs = body["inputs"]
    assert inputs["tier"] == {"key": "medium_risk", "name": "Medium risk"}
    assert inputs["areas"] == [{"key": "vale-of-glamorgan", "name": "Vale of Glamorgan"}]
    assert inputs["genders"] == [{"key": "male", "name": "Men"}]
    # Ages and families left out: adults of any age, with children or without.
    assert (inputs["age_min"], inputs["age_max"], inputs["children_required"]) == (18, None, False)
    assert [r["name"] for r in inputs["routes"]] == ["Children's services", "Police"]
    assert [f["name"] for f in inputs["formats"]] == ["Group", "One-to-one"]
    assert inputs["drop_out_during"] == 33 and inputs["capacities"] == [5, 10, 20]

    results = body["results"]
    assert (results["considered"], results["taken"]) == (6, 6)
    breakdowns = results["breakdowns"]
    assert breakdowns["by_area"] == [{"key": "vale-of-glamorgan", "name": "Vale of Glamorgan", "count": 6}]
    assert breakdowns["by_route"] == [
        {"key": "childrens_services", "name": "Children's services", "count": 6}
    ]
    assert breakdowns["by_tier"][0]["name"] == "Medium risk"
    assert breakdowns["drawn_from"][0]["name"] == "Nowhere: no service fitted (unmet need)"
    # The waits at each capacity, the figures the page's table shows.
    assert [s["places"] for s in results["simulation"]] == [5, 10, 20]
    page = unescape(client.get(f"/en/insights/scenarios/{scenario.pk}/").content.decode())
    for simulated in results["simulation"]:
        row_html = page.split(f'data-places="{simulated["places"]}"', 1)[1].split("</tr>", 1)[0]
        assert f">{simulated['mean_wait_weeks']}<" in row_html


def test_small_numbers_are_withheld_as_on_the_page(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(3)
    scenario = _run(cast)
    results = sign_in(Client(), cast["commissioner"]).get(f"{LIST}{scenario.pk}/").json()["results"]
    assert (results["considered"], results["taken"]) == ("<5", "<5")
    # Three taken over one week is three a week: withheld with the count it is worked out from.
    assert results["arrivals_per_week"] == "[c]"
    assert results["simulation"] == [] and results["simulation_withheld"] is True
    counts = [row["count"] for rows in results["breakdowns"].values() for row in rows]
    assert counts and set(counts) <= {"<5", "[c]"}


def test_a_commissioner_drafts_and_runs_one_which_is_saved_and_audited(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    client = sign_in(Client(), cast["commissioner"])
    response = _post(client, _body())
    assert response.status_code == 201, response.json()
    scenario = Scenario.objects.get()
    body = response.json()
    assert body["id"] == str(scenario.pk) and body["results"]["taken"] == 6
    assert body["inputs"]["capacities"] == [5, 10] and scenario.draft["drop_out_during"] == 0.33
    assert body == client.get(f"{LIST}{scenario.pk}/").json()
    entry = AuditEntry.objects.get(record_type="scenario", record_id=str(scenario.pk))
    assert entry.action == AuditAction.RECORD_CREATED and entry.actor_username == "commissioner"
    # Sent again with the same key, the scenario made the first time, and no second one.
    again = _post(client, _body(), **{"Idempotency-Key": "scenario-1"})
    replay = _post(client, _body(), **{"Idempotency-Key": "scenario-1"})
    assert again.status_code == replay.status_code == 201
    assert replay["Idempotent-Replayed"] == "true" and replay.json()["id"] == again.json()["id"]
    assert Scenario.objects.count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacities": [0]}, "capacities"),
        ({"capacities": [5, 10, 20, 40]}, "capacities"),
        ({"capacities": []}, "capacities"),
        ({"capacities": "ten"}, "capacities"),
        ({"programme_weeks": 0}, "programme_weeks"),
        ({"drop_out_during": 101}, "drop_out_during"),
        ({"areas": ["swansea"]}, "areas"),
        ({"tier": "no-such-tier"}, "tier"),
        ({"name": ""}, "name"),
        ({"name": ["a", "list"]}, "name"),
        ({"starts": "2026-02-30"}, "starts"),
        ({"ends": (datetime.date.today() - datetime.timedelta(days=60)).isoformat()}, "ends"),
    ],
)
def test_a_bad_input_is_refused_naming_the_field_and_nothing_is_saved(
    cast: dict[str, User], changes: dict[str, Any], field: str
) -> None:
    audited = AuditEntry.objects.count()
    response = _post(sign_in(Client(), cast["commissioner"]), _body(**changes))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field] and all(errors[field]), errors
    assert not Scenario.objects.exists() and AuditEntry.objects.count() == audited


def test_the_api_refuses_with_the_words_the_page_uses(cast: dict[str, User]) -> None:
    client = sign_in(Client(), cast["commissioner"])
    backwards = {"starts": _today().isoformat(), "ends": (_today() - datetime.timedelta(days=3)).isoformat()}
    api = _post(client, _body(**backwards)).json()["errors"]["ends"]
    assert api == ["The last day must be the same as or after the first day"]
    form = {k: v for k, v in _body().items() if k not in ("capacities", "starts", "ends")}
    form |= {
        "capacity_1": "5",
        **date_fields("starts", backwards["starts"]),
        **date_fields("ends", backwards["ends"]),
    }
    page = client.post("/en/insights/scenarios/", form)
    assert page.status_code == 400 and api[0] in unescape(page.content.decode())
    assert _post(client, ["not", "an", "object"]).status_code == 400
    assert not Scenario.objects.exists()


@pytest.mark.parametrize("login", ["practitioner", "manager", "idva", "coordinator", "auditor", "admin"])
def test_everyone_but_a_commissioner_is_refused(cast: dict[str, User], login: str) -> None:
    _unmet_in_the_vale(1)
    scenario = _run(cast)
    client = sign_in(Client(), cast[login])
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{scenario.pk}/").status_code == 403
    assert _post(client, _body()).status_code == 403
    assert Scenario.objects.count() == 1


def test_without_signing_in_the_api_answers_401(cast: dict[str, User]) -> None:
    scenario = _run(cast)
    assert Client().get(LIST).status_code == 401
    assert Client().get(f"{LIST}{scenario.pk}/").status_code == 401
    assert _post(Client(), _body()).status_code == 401


def test_another_regions_scenario_does_not_exist_for_its_commissioner(cast: dict[str, User]) -> None:
    scenario = _run(cast)
    gwent = Region.objects.create(
        slug="gwent",
        name_en="Gwent",
        name_cy="Gwent",
        funding_ends_within_months=6,
        closed_within_months=24,
        file_sha256="0",
    )
    Area.objects.create(slug="elsewhere-town", name_en="Elsewhere", name_cy="Rhywle arall", region=gwent)
    elsewhere = make_user(
        "gwent-commissioner",
        make_agency("gwent-vawdasv", AgencyType.COMMISSIONER, ["elsewhere-town"]),
        Role.COMMISSIONER,
        totp=False,
    )
    client = sign_in(Client(), elsewhere)
    assert client.get(LIST).json() == []
    missing = client.get(f"{LIST}{scenario.pk}/")
    assert missing.status_code == 404 and missing.json()["detail"]
    # Its own commissioner's counterpart in the same region reads it.
    assert sign_in(Client(), cast["commissioner-elsewhere"]).get(f"{LIST}{scenario.pk}/").status_code == 200


def _token(cast: dict[str, User], scopes: list[str]) -> dict[str, str]:
    admin, admin2 = actor_of(cast["admin"]), actor_of(cast["admin2"])
    client = account_services.api_client_register(
        actor=admin,
        name="Commissioning dashboard",
        agency=agency_of(cast["commissioner"]),
        role=Role.COMMISSIONER,
        contact="data@vawdasv.example",
        reason="The regional team's dashboard reads its scenarios.",
    )
    change = AccountChange.objects.get(user=client.user, status=ChangeStatus.PENDING)
    account_services.account_change_approve(actor=admin2, change=change)
    _row, secret = account_services.api_token_issue(actor=admin, client=client, scopes=scopes, days=30)
    return {"Authorization": f"Bearer {secret}"}


def test_a_commissioners_system_uses_it_only_with_a_token_that_may(cast: dict[str, User]) -> None:
    _unmet_in_the_vale(6)
    may = _token(cast, [Perm.OUTCOMES_VIEW, Perm.OUTCOMES_ALL])
    made = Client().post(LIST, _body(), content_type="application/json", headers=may)
    assert made.status_code == 201
    assert [s["id"] for s in Client().get(LIST, headers=may).json()] == [made.json()["id"]]
    outcomes_only = _token(cast, [Perm.OUTCOMES_VIEW])
    assert Client().get(LIST, headers=outcomes_only).status_code == 403
    refused = Client().post(LIST, _body(), content_type="application/json", headers=outcomes_only)
    assert refused.status_code == 403 and Scenario.objects.count() == 1
