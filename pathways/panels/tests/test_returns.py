"""The MARAC quarterly return: figures from a small quarter counted by hand, suppression, page and export."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse

from pathways.accounts.models import Agency, User
from pathways.audit.choices import AuditAction
from pathways.audit.models import AuditEntry
from pathways.core.access import AgencyType, Role, Side
from pathways.core.smallnumbers import Cell, suppress
from pathways.factories import agency_of, agency_running, make_person, sign_in
from pathways.panels import returns
from pathways.panels.choices import AgendaReason, MeetingStatus, MemberRole
from pathways.panels.models import Panel
from pathways.panels.returns import Quarter, ReturnError
from pathways.panels.tests import factories as f
from pathways.people.choices import RelationshipKind
from pathways.people.models import Person
from pathways.people.services import PersonInput, person_create

pytestmark = pytest.mark.django_db

Q1 = Quarter(2026, 1)
FIRST = datetime.date(2026, 1, 14)
SECOND = datetime.date(2026, 2, 11)


# --- quarters ---------------------------------------------------------------------------------------


def test_quarters_are_calendar_quarters() -> None:
    assert Quarter.parse("2026-Q1") == Q1 == Quarter.parse(" 2026q1 ")
    assert (Q1.start, Q1.end) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
    assert Quarter(2026, 4).end == datetime.date(2026, 12, 31)
    assert Quarter.containing(datetime.date(2026, 7, 1)) == Quarter(2026, 3)
    assert Q1.previous() == Quarter(2025, 4) and Quarter(2025, 4).next() == Q1
    for bad in ("", "2026-Q5", "Q1 2026", "1999-Q1", "2026-Q1; DROP"):
        with pytest.raises(ReturnError):
            Quarter.parse(bad)


# --- suppression ------------------------------------------------------------------------------------


def _group(total: int, *parts: int) -> dict[str, Cell]:
    cells = {"total": Cell("total", "Total", "", total)}
    cells.update({f"p{n}": Cell(f"p{n}", f"Part {n}", "", v) for n, v in enumerate(parts)})
    cells["rate"] = Cell("rate", "Rate", "", 10.0, is_rate=True, depends_on=("p0", "total"))
    suppress(cells, [("total", [f"p{n}" for n in range(len(parts))])])
    return cells


def _marks(cells: dict[str, Cell]) -> dict[str, str]:
    return {key: cell.exported for key, cell in cells.items()}


def test_counts_from_one_to_four_are_shown_as_less_than_five_and_zero_and_five_are_not() -> None:
    cells = _group(9, 0, 4, 5)
    assert _marks(cells)["p0"] == "0"
    assert _marks(cells)["p1"] == "<5"
    # 4 alone could be worked out as 9 - 0 - 5: the 5 is withheld with it.
    assert _marks(cells)["p2"] == "[c]"
    assert cells["p2"].suppressed == "secondary"


def test_secondary_suppression_takes_the_smallest_part_above_zero() -> None:
    cells = _group(30, 2, 0, 9, 19)
    assert _marks(cells) == {"total": "30", "p0": "<5", "p1": "0", "p2": "[c]", "p3": "19", "rate": "[c]"}


def test_no_secondary_suppression_when_two_cells_are_already_withheld() -> None:
    cells = _group(20, 1, 3, 16)
    assert _marks(cells) == {"total": "20", "p0": "<5", "p1": "<5", "p2": "16", "rate": "[c]"}


def test_a_small_total_withholds_its_rates() -> None:
    cells = _group(3, 3, 0)
    assert _marks(cells) == {"total": "<5", "p0": "<5", "p1": "0", "rate": "[c]"}


def test_nothing_small_nothing_withheld() -> None:
    cells = _group(12, 5, 7)
    assert _marks(cells) == {"total": "12", "p0": "5", "p1": "7", "rate": "10.0"}


def test_groups_sharing_a_cell_are_made_safe_together() -> None:
    cells = {k: Cell(k, k, "", v) for k, v in {"a": 20, "b": 3, "c": 17, "e": 10, "g": 7}.items()}
    # a = b + c and c = e + g: withholding c for b's sake leaves c alone withheld in the second group, which
    # could then be worked out as e + g, so g is withheld too.
    suppress(cells, [("a", ["b", "c"]), ("c", ["e", "g"])])
    assert [k for k, c in cells.items() if c.suppressed] == ["b", "c", "g"]


# --- the return on a small quarter ------------------------------------------------------------------


def _referrers(cast: dict[str, User]) -> dict[str, Agency]:
    """The police and the victim service of the cast, and a health board (the cast has none)."""
    return {
        AgencyType.POLICE: agency_of(cast["chair"]),
        AgencyType.VICTIM_SERVICE: agency_of(cast["idva"]),
        AgencyType.HEALTH: agency_running("cardiff-health-board", AgencyType.HEALTH),
    }


def _born(age: int, on: datetime.date) -> datetime.date:
    """Someone who is `age` on the day."""
    return on.replace(year=on.year - age) - datetime.timedelta(days=1)


@pytest.fixture
def quarter(cast: dict[str, User]) -> Panel:
    """13 cases at two meetings of the demo MARAC held in 2026 Q1, and cases that must not count.

    By hand: 7 referred by police, 5 by the IDVA service, 1 by health; 5 repeats; victims 1 to 3 have
    children under 18 (1, 2 and 1 of them: 4 in all); victims 1, 2 and 5 are Black, Asian or racially
    minoritised (victim 4 is White other); victims 6 and 7 are LGBT+; victims 8 to 12 have a disability;
    victim 3 is a man; victim 4 is 17; victim 5's ex-partner is 16.
    """
    marac = Panel.objects.get(slug=f.MARAC)
    referrers = _referrers(cast)
    first, second = f.raw_meeting(marac, FIRST), f.raw_meeting(marac, SECOND, MeetingStatus.CLOSED)
    referred_by = [AgencyType.POLICE] * 7 + [AgencyType.VICTIM_SERVICE] * 5 + [AgencyType.HEALTH]
    victims = []
    for n in range(13):
        day = FIRST if n < 8 else SECOND
        victim = make_person(given_name=f"Victim{n + 1}", gender_identity="woman")
        victims.append(victim)
        f.raw_item(
            first if n < 8 else second,
            victim,
            referring_agency=referrers[referred_by[n]],
            repeat=n in (0, 3, 6),
            reason=AgendaReason.REPEAT if n in (9, 11) else AgendaReason.MARAC_CRITERIA,
        )
        victim.date_of_birth = _born(30, day)
        victim.save()
    v = victims
    kids = [
        (v[0], _born(10, FIRST)),
        (v[0], _born(20, FIRST)),  # grown up: not a child in the household
        (v[1], None),  # age not known: counted
        (v[1], _born(6, FIRST)),
        (v[2], _born(15, FIRST)),
    ]
    for parent, born in kids:
        f.relate(parent, RelationshipKind.PARENT_OF, make_person(date_of_birth=born))
    Person.objects.filter(pk__in=[v[0].pk, v[4].pk]).update(ethnicity="asian")
    Person.objects.filter(pk=v[1].pk).update(ethnicity="black")
    Person.objects.filter(pk=v[3].pk).update(ethnicity="white_other", date_of_birth=_born(17, FIRST))
    Person.objects.filter(pk=v[5].pk).update(sexual_orientation="bisexual")
    Person.objects.filter(pk=v[6].pk).update(gender_identity="non_binary")
    Person.objects.filter(pk__in=[x.pk for x in v[7:12]]).update(has_disability=True)
    Person.objects.filter(pk=v[12].pk).update(has_disability=False)
    Person.objects.filter(pk=v[2].pk).update(gender_identity="man")
    f.relate(make_person(date_of_birth=_born(16, FIRST)), RelationshipKind.EX_PARTNER, v[4])
    f.relate(v[5], RelationshipKind.CURRENT_PARTNER, make_person(date_of_birth=_born(40, FIRST)))

    # Not counted: a case review, a meeting not held, a meeting in the next quarter, another panel.
    f.raw_item(
        first, make_person(), reason=AgendaReason.CASE_REVIEW, referring_agency=referrers[AgencyType.POLICE]
    )
    f.raw_item(f.raw_meeting(marac, datetime.date(2026, 3, 25), MeetingStatus.PLANNED), make_person())
    f.raw_item(f.raw_meeting(marac, datetime.date(2026, 4, 8)), make_person())
    for other in ("marac-vale", f.MATAC):
        f.raw_item(f.raw_meeting(Panel.objects.get(slug=other), FIRST), make_person())
    return marac


def test_the_return_counts_the_quarter_as_counted_by_hand(quarter: Panel) -> None:
    panel = quarter
    result = returns.marac_return(panel, Q1)
    exact = {key: cell.value for key, cell in result.cells.items()}
    assert result.meetings == [FIRST, SECOND]
    assert exact == {
        "meetings": 2,
        "cases": 13,
        "repeat_cases": 5,
        "repeat_rate": 38.5,
        "referrals_police": 7,
        "referrals_victim_service": 5,
        "referrals_health": 1,
        "referrals_childrens_services": 0,
        "referrals_housing": 0,
        "referrals_probation": 0,
        "referrals_other": 0,
        "partner_agency_rate": 7.7,
        "cases_with_children": 3,
        "children": 4,
        "racially_minoritised": 3,
        "racially_minoritised_rate": 23.1,
        "lgbt": 2,
        "lgbt_rate": 15.4,
        "disability": 5,
        "disability_rate": 38.5,
        "male": 1,
        "male_rate": 7.7,
        "aged_16_17": 1,
        "aged_16_17_rate": 7.7,
        "perpetrators_17_or_under": 1,
    }


def test_the_export_suppresses_small_numbers_and_what_would_reveal_them(
    quarter: Panel,
) -> None:
    panel = quarter
    rows = list(csv.reader(io.StringIO(returns.marac_return(panel, Q1).to_csv())))
    assert rows[0] == ["measure", "label", "value"]
    exported = {row[0]: row[2] for row in rows[1:]}
    assert exported["quarter"] == "2026-Q1"
    assert exported["cases"] == "13" and exported["repeat_cases"] == "5" and exported["repeat_rate"] == "38.5"
    assert exported["referrals_police"] == "7"
    assert exported["referrals_health"] == "<5"
    # Health's 1 could be worked out from 13 - 7 - 5 - 0...: the IDVA service's 5 is withheld with it.
    assert exported["referrals_victim_service"] == "[c]"
    assert exported["partner_agency_rate"] == "[c]"
    for key in ("cases_with_children", "children", "racially_minoritised", "lgbt", "male", "aged_16_17"):
        assert exported[key] == "<5", key
        if f"{key}_rate" in exported:
            assert exported[f"{key}_rate"] == "[c]", key
    assert exported["perpetrators_17_or_under"] == "<5"
    assert exported["disability"] == "5" and exported["disability_rate"] == "38.5"
    assert exported["referrals_housing"] == "0" and exported["meetings"] == "2"


def test_an_empty_quarter_gives_zeros_and_no_rates(quarter: Panel) -> None:
    panel = quarter
    result = returns.marac_return(panel, Quarter(2025, 3))
    assert result.cells["cases"].exported == "0" and result.cells["repeat_rate"].exported == ""
    assert result.meetings == []


def test_a_return_is_for_a_marac_only(cast: dict[str, User]) -> None:
    with pytest.raises(ReturnError):
        returns.marac_return(Panel.objects.get(slug=f.MATAC), Q1)


# --- the page and the download ----------------------------------------------------------------------


def _url(panel: Panel, **query: str) -> str:
    url = reverse("panels:marac_return", kwargs={"panel_id": panel.pk})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_the_coordinator_sees_exact_figures_with_the_withheld_cells_marked(
    quarter: Panel, cast: dict[str, User]
) -> None:
    panel = quarter
    response = sign_in(Client(), cast["coordinator"]).get(_url(panel, quarter="2026-Q1"))
    assert response.status_code == 200
    page = response.content.decode()
    health_row = page[page.index('id="cell-referrals_health"') :].split("</tr>")[0]
    assert ">1<" in health_row and "Shown as &lt;5 on export" in health_row
    victim_service_row = page[page.index('id="cell-referrals_victim_service"') :].split("</tr>")[0]
    assert ">5<" in victim_service_row and "worked out from the total" in victim_service_row
    police_row = page[page.index('id="cell-referrals_police"') :].split("</tr>")[0]
    assert ">7<" in police_row and "export" not in police_row
    entry = AuditEntry.objects.get(action=AuditAction.RECORD_VIEWED, record_type="marac_return")
    assert entry.details["quarter"] == "2026-Q1" and entry.details["export"] == ""


def test_the_chair_sees_the_figures_as_they_leave_the_system(quarter: Panel, cast: dict[str, User]) -> None:
    panel = quarter
    page = sign_in(Client(), cast["chair"]).get(_url(panel, quarter="2026-Q1")).content.decode()
    health_row = page[page.index('id="cell-referrals_health"') :].split("</tr>")[0]
    assert "&lt;5" in health_row and ">1<" not in health_row


def test_the_download_is_suppressed_and_audited(quarter: Panel, cast: dict[str, User]) -> None:
    panel = quarter
    response = sign_in(Client(), cast["coordinator"]).get(_url(panel, quarter="2026-Q1", format="csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "marac-return-marac-cardiff-2026-Q1.csv" in response["Content-Disposition"]
    exported = {row[0]: row[2] for row in csv.reader(io.StringIO(response.content.decode()))}
    assert exported["referrals_health"] == "<5" and exported["referrals_victim_service"] == "[c]"
    entry = AuditEntry.objects.get(action=AuditAction.RECORD_VIEWED, record_type="marac_return")
    assert entry.details == {"quarter": "2026-Q1", "export": "csv", "suppressed": True}
    assert entry.actor_username == "coordinator"


def test_a_quarter_that_is_not_offered_is_an_error_not_a_crash(quarter: Panel, cast: dict[str, User]) -> None:
    panel = quarter
    client = sign_in(Client(), cast["coordinator"])
    for bad in ("2026-Q9", "nonsense", "1999-Q1"):
        response = client.get(_url(panel, quarter=bad, format="csv"))
        assert response.status_code == 400, bad
        assert "There is a problem" in response.content.decode()


@pytest.mark.parametrize(
    "role", [Role.PRACTITIONER, Role.MANAGER, Role.COMMISSIONER, Role.AUDITOR, Role.ADMINISTRATOR]
)
def test_roles_without_the_permission_are_refused_the_return(
    quarter: Panel, persona: Callable[[str], User], role: str
) -> None:
    panel, user = quarter, persona(role)
    for query in ({}, {"format": "csv"}):
        response = sign_in(Client(), user).get(_url(panel, **query))
        assert response.status_code == 403, (role, query)
    assert not AuditEntry.objects.filter(record_type="marac_return").exists()


def test_a_coordinator_without_a_seat_and_a_non_marac_panel_answer_404(
    quarter: Panel, cast: dict[str, User]
) -> None:
    panel = quarter
    assert sign_in(Client(), cast["coordinator-elsewhere"]).get(_url(panel)).status_code == 404
    matac = Panel.objects.get(slug=f.MATAC)
    f.seat(matac, cast["coordinator"], MemberRole.COORDINATOR)
    assert sign_in(Client(), cast["coordinator"]).get(_url(matac)).status_code == 404


# --- the diversity fields the return counts ---------------------------------------------------------


def test_ethnicity_and_sexual_orientation_are_optional_and_default_to_not_known(region: None) -> None:
    plain = person_create(
        actor=None, data=PersonInput(given_name="A", family_name="B"), side=Side.VICTIM, reason="test"
    )
    assert (plain.ethnicity, plain.sexual_orientation) == ("not_known", "not_known")
    told = person_create(
        actor=None,
        data=PersonInput(
            given_name="C", family_name="D", ethnicity="arab", sexual_orientation="prefers_not_to_say"
        ),
        side=Side.VICTIM,
        reason="test",
    )
    told.refresh_from_db()
    assert (told.ethnicity, told.sexual_orientation) == ("arab", "prefers_not_to_say")


def test_the_referral_form_asks_for_them(client_as: object) -> None:
    page = client_as(Role.PRACTITIONER).get(reverse("referrals:new")).content.decode()  # type: ignore[operator]
    assert 'name="ethnicity"' in page and 'name="sexual_orientation"' in page
    assert "Prefers not to say" in page
