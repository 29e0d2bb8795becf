"""Numbers that cannot identify anyone: the one rule for every figure about people that a commissioner
sees or that leaves the system (the MARAC return, the outcomes pages, their exports and the API).

Counts from 1 to 4 are withheld ("<5"). Where a total is the sum of its parts, one withheld cell alone
could be worked out by subtraction, so a second one is withheld too ("[c]"), and so is any rate or other
figure computed from a withheld count. Zero is shown: it identifies no one.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _

SMALL = range(1, 5)
SMALL_MARK = "<5"
WITHHELD_MARK = "[c]"


def count_shown(n: int) -> int | str:
    """A count standing alone, with no total beside it to work it out from: withheld if from 1 to 4."""
    return SMALL_MARK if n in SMALL else n


@dataclass
class Cell:
    key: str
    label: str | Promise
    section: str | Promise
    # A count, or a figure computed from counts (a rate, a median): a float is shown to one place.
    value: int | float | None
    is_rate: bool = False
    # A count of meetings is about the panel, not about people: it is never suppressed.
    suppressible: bool = True
    # For a rate: the counts it is computed from. Withheld when any of them is.
    depends_on: tuple[str, ...] = ()
    suppressed: str = ""  # "", "small", "secondary" or "from_suppressed"
    # How a computed figure is shown inside the system: a rate as a percentage.
    unit: str = "%"

    @property
    def exported(self) -> str:
        """The value as it leaves the system."""
        if self.suppressed == "small":
            return SMALL_MARK
        if self.suppressed:
            return WITHHELD_MARK
        if self.value is None:
            return ""
        return f"{self.value:.1f}" if self.is_rate else str(self.value)

    @property
    def shown(self) -> str:
        """The exact value, for the page inside the system."""
        if self.value is None:
            return "-"
        return f"{self.value:.1f}{self.unit}" if self.is_rate else str(self.value)

    @property
    def note(self) -> str:
        return {
            "small": _("Shown as <5 on export"),
            "secondary": _("Withheld on export: a small number could be worked out from the total"),
            "from_suppressed": _("Withheld on export: computed from a withheld number"),
        }.get(self.suppressed, "")


def figure_shown(cell: Cell) -> int | float | str | None:
    """The figure as it leaves the system in data (the API): its number, or its mark when withheld."""
    return cell.exported if cell.suppressed else cell.value


def outside_of(cells: dict[str, Cell], *, whole: Cell, part: Cell) -> tuple[str, list[str]]:
    """For a part that overlaps others (a group of people, who may be in several groups), the group that
    keeps the people outside it from being worked out: the whole less the part, added to `cells` as a
    cell no one is shown, so that the part is withheld where those outside would be a small number."""
    left = int(whole.value or 0) - int(part.value or 0)
    # Keyed by both, as one part may be read against several wholes (a filtered map against wider ones).
    outside = Cell(f"outside:{whole.key}:{part.key}", part.label, part.section, left)
    cells[outside.key] = outside
    return whole.key, [part.key, outside.key]


def suppress(cells: dict[str, Cell], groups: list[tuple[str, list[str]]]) -> None:
    """Mark the cells withheld on export.

    Primary: counts from 1 to 4. Secondary: in each group where a total is the sum of its parts, one
    withheld cell alone could be worked out by subtraction, so a second one is withheld, the smallest part
    above zero (or, failing that, the total); repeated until every group is safe, since groups share cells.
    Rates: withheld when any count they are computed from is withheld.
    """
    for cell in cells.values():
        if cell.suppressible and not cell.is_rate and isinstance(cell.value, int) and cell.value in SMALL:
            cell.suppressed = "small"
    changed = True
    while changed:
        changed = False
        for total_key, part_keys in groups:
            total, parts = cells[total_key], [cells[k] for k in part_keys]
            if sum(1 for c in [total, *parts] if c.suppressed) != 1:
                continue
            candidates = [p for p in parts if not p.suppressed and isinstance(p.value, int) and p.value > 0]
            if candidates:
                min(candidates, key=lambda c: c.value or 0).suppressed = "secondary"
            elif not total.suppressed:
                total.suppressed = "secondary"
            else:
                next(p for p in parts if not p.suppressed).suppressed = "secondary"
            changed = True
    for cell in cells.values():
        if cell.is_rate and any(cells[k].suppressed for k in cell.depends_on):
            cell.suppressed = "from_suppressed"
