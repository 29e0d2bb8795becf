"""The SafeLives MARAC quarterly return, computed from the panel record.

The definitions, and the source of each, are in docs/marac-return.md. Counts leaving the system are
suppressed: 1 to 4 become "<5", a cell that would let a suppressed one be worked out from a total is
withheld too, and so is any rate computed from a withheld cell. Inside the system a coordinator sees the
exact figures, with the cells that will be withheld on export marked.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pathways.core.access import AgencyType
from pathways.core.csvexport import safe_cell
from pathways.core.smallnumbers import Cell, suppress
from pathways.panels.choices import AgendaReason, MeetingStatus, PanelKind
from pathways.panels.models import AgendaItem, Meeting
from pathways.people.choices import (
    PARTNER_KINDS,
    Ethnicity,
    GenderIdentity,
    RelationshipKind,
    SexualOrientation,
)
from pathways.people.models import Person, Relationship

if TYPE_CHECKING:
    from pathways.panels.models import Panel


# Victims counted as Black, Asian or racially minoritised (SafeLives' wording since 2022; "BAME" before).
RACIALLY_MINORITISED = frozenset(
    {
        Ethnicity.MIXED,
        Ethnicity.ASIAN,
        Ethnicity.BLACK,
        Ethnicity.ARAB,
        Ethnicity.OTHER,
        Ethnicity.GYPSY_TRAVELLER_ROMA,
    }
)
LGB_ORIENTATIONS = frozenset(
    {SexualOrientation.GAY_OR_LESBIAN, SexualOrientation.BISEXUAL, SexualOrientation.OTHER}
)
# Pathways records gender identity, not trans history: non-binary people and those who describe their gender
# in their own words are counted with LGBT+ victims.
TRANS_PROXY_GENDERS = frozenset({GenderIdentity.NON_BINARY, GenderIdentity.SELF_DESCRIBED})

# The referring agency categories of the return, from the referring agency's type; anything else is "other".
REFERRER_CATEGORY: dict[str, str] = {
    AgencyType.POLICE: "police",
    AgencyType.VICTIM_SERVICE: "victim_service",
    AgencyType.HEALTH: "health",
    AgencyType.CHILDRENS_SERVICES: "childrens_services",
    AgencyType.HOUSING: "housing",
    AgencyType.PROBATION: "probation",
}
REFERRER_KEYS = [
    "referrals_police",
    "referrals_victim_service",
    "referrals_health",
    "referrals_childrens_services",
    "referrals_housing",
    "referrals_probation",
    "referrals_other",
]


class ReturnError(ValueError):
    pass


# --- Quarters ------------------------------------------------------------------------------------------


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, as SafeLives collects MARAC data (January to March is quarter 1)."""

    year: int
    number: int

    PATTERN = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = cls.PATTERN.match(text or "")
        if not match or not 2000 <= int(match.group(1)) <= 2100:
            raise ReturnError(_("Enter a quarter like 2026-Q1."))
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: datetime.date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> datetime.date:
        following = self.next()
        return following.start - datetime.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


# --- The return ----------------------------------------------------------------------------------------

CASES = gettext_lazy("Cases")
REFERRALS = gettext_lazy("Referrals by referring agency")
CHILDREN = gettext_lazy("Children")
DIVERSITY = gettext_lazy("Victims")
PERPETRATORS = gettext_lazy("People causing harm")


@dataclass
class MaracReturn:
    panel: Panel
    quarter: Quarter
    meetings: list[datetime.date]
    cells: dict[str, Cell] = field(default_factory=dict)

    @property
    def sections(self) -> list[tuple[str, list[Cell]]]:
        grouped: dict[str, list[Cell]] = defaultdict(list)
        for cell in self.cells.values():
            grouped[str(cell.section)].append(cell)
        return list(grouped.items())

    @property
    def any_suppressed(self) -> bool:
        return any(cell.suppressed for cell in self.cells.values())

    def export_rows(self) -> list[list[str]]:
        rows = [
            ["panel", _("Panel"), self.panel.name_en],
            ["quarter", _("Quarter"), str(self.quarter)],
            ["period_start", _("From"), self.quarter.start.isoformat()],
            ["period_end", _("To"), self.quarter.end.isoformat()],
        ]
        rows += [[cell.key, str(cell.label), cell.exported] for cell in self.cells.values()]
        return rows

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["measure", "label", "value"])
        for row in self.export_rows():
            writer.writerow([safe_cell(value) for value in row])
        return out.getvalue()


def _under(years: int, person: Person, day: datetime.date, *, unknown: bool) -> bool:
    age = person.age_on(day)
    return unknown if age is None else age < years


def _rate(numerator: int, denominator: int) -> float | None:
    return round(100 * numerator / denominator, 1) if denominator else None


def cases_in(panel: Panel, quarter: Quarter) -> list[AgendaItem]:
    """The cases a MARAC discussed in the quarter: items of meetings held in it, leaving out case reviews,
    which look again at a case already counted."""
    return list(
        AgendaItem.objects.filter(
            meeting__panel=panel,
            meeting__held_on__range=(quarter.start, quarter.end),
            meeting__status__in=(MeetingStatus.HELD, MeetingStatus.CLOSED),
        )
        .exclude(reason=AgendaReason.CASE_REVIEW)
        .select_related("person", "referring_agency", "meeting")
        .order_by("meeting__held_on", "position")
    )


def marac_return(panel: Panel, quarter: Quarter) -> MaracReturn:
    """The return for one MARAC and one quarter, with the cells to withhold on export marked."""
    if panel.kind != PanelKind.MARAC:
        raise ReturnError(_("The MARAC return is made for a MARAC only."))
    items = cases_in(panel, quarter)
    meetings = sorted(
        Meeting.objects.filter(
            panel=panel,
            held_on__range=(quarter.start, quarter.end),
            status__in=(MeetingStatus.HELD, MeetingStatus.CLOSED),
        ).values_list("held_on", flat=True)
    )
    victim_ids = {item.person_id for item in items if item.person_id is not None}
    children: dict[object, list[Person]] = defaultdict(list)
    for rel in Relationship.objects.filter(
        person_id__in=victim_ids, kind=RelationshipKind.PARENT_OF
    ).select_related("other"):
        children[rel.person_id].append(rel.other)
    partners: dict[object, list[Person]] = defaultdict(list)
    for rel in Relationship.objects.filter(person_id__in=victim_ids, kind__in=PARTNER_KINDS).select_related(
        "other"
    ):
        partners[rel.person_id].append(rel.other)
    for rel in Relationship.objects.filter(other_id__in=victim_ids, kind__in=PARTNER_KINDS).select_related(
        "person"
    ):
        partners[rel.other_id].append(rel.person)

    count: dict[str, int] = defaultdict(int)
    for item in items:
        victim, day = item.person, item.meeting.held_on
        count["cases"] += 1
        if item.repeat or item.reason == AgendaReason.REPEAT:
            count["repeat_cases"] += 1
        agency_type = item.referring_agency.type if item.referring_agency else ""
        count["referrals_" + REFERRER_CATEGORY.get(agency_type, "other")] += 1
        if victim is None:
            continue
        # Children in the household: the victim's children under 18 on the day, or of unknown age.
        kids = [c for c in children[victim.pk] if c.is_child_on(day)]
        if kids:
            count["cases_with_children"] += 1
            count["children"] += len(kids)
        if victim.ethnicity in RACIALLY_MINORITISED:
            count["racially_minoritised"] += 1
        if victim.sexual_orientation in LGB_ORIENTATIONS or victim.gender_identity in TRANS_PROXY_GENDERS:
            count["lgbt"] += 1
        if victim.has_disability:
            count["disability"] += 1
        if victim.gender_identity == GenderIdentity.MAN:
            count["male"] += 1
        if victim.age_on(day) in (16, 17):
            count["aged_16_17"] += 1
        if any(_under(18, p, day, unknown=False) for p in partners[victim.pk]):
            count["perpetrators_17_or_under"] += 1

    cases = count["cases"]
    partner_agency = cases - count["referrals_police"] - count["referrals_victim_service"]
    cells: list[Cell] = [
        Cell("meetings", _("Meetings held"), CASES, len(meetings), suppressible=False),
        Cell("cases", _("Cases discussed"), CASES, cases),
        Cell("repeat_cases", _("Repeat cases"), CASES, count["repeat_cases"]),
        Cell(
            "repeat_rate",
            _("Repeat rate (%)"),
            CASES,
            _rate(count["repeat_cases"], cases),
            is_rate=True,
            depends_on=("repeat_cases", "cases"),
        ),
        Cell("referrals_police", _("Police"), REFERRALS, count["referrals_police"]),
        Cell(
            "referrals_victim_service",
            _("IDVA or victim service"),
            REFERRALS,
            count["referrals_victim_service"],
        ),
        Cell("referrals_health", _("Health"), REFERRALS, count["referrals_health"]),
        Cell(
            "referrals_childrens_services",
            _("Children's services"),
            REFERRALS,
            count["referrals_childrens_services"],
        ),
        Cell("referrals_housing", _("Housing"), REFERRALS, count["referrals_housing"]),
        Cell("referrals_probation", _("Probation"), REFERRALS, count["referrals_probation"]),
        Cell("referrals_other", _("Other agencies"), REFERRALS, count["referrals_other"]),
        Cell(
            "partner_agency_rate",
            _("Referred by partner agencies, neither police nor IDVA (%)"),
            REFERRALS,
            _rate(partner_agency, cases),
            is_rate=True,
            depends_on=("cases", *REFERRER_KEYS),
        ),
        Cell(
            "cases_with_children",
            _("Cases with children in the household"),
            CHILDREN,
            count["cases_with_children"],
        ),
        Cell("children", _("Children in the households"), CHILDREN, count["children"]),
    ]
    for key, label in (
        ("racially_minoritised", _("Black, Asian or racially minoritised victims")),
        ("lgbt", _("LGBT+ victims")),
        ("disability", _("Victims with a disability")),
        ("male", _("Male victims")),
        ("aged_16_17", _("Victims aged 16 or 17")),
    ):
        cells.append(Cell(key, label, DIVERSITY, count[key]))
        cells.append(
            Cell(
                f"{key}_rate",
                _("%(measure)s (%% of cases)") % {"measure": label},
                DIVERSITY,
                _rate(count[key], cases),
                is_rate=True,
                depends_on=(key, "cases"),
            )
        )
    cells.append(
        Cell(
            "perpetrators_17_or_under",
            _("Cases where a partner or ex-partner causing harm is 17 or under"),
            PERPETRATORS,
            count["perpetrators_17_or_under"],
        )
    )
    result = MaracReturn(panel=panel, quarter=quarter, meetings=meetings, cells={c.key: c for c in cells})
    suppress(result.cells, [("cases", REFERRER_KEYS)])
    return result
