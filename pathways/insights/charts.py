"""The outcomes' charts, drawn on the server as SVG (nothing fetched from elsewhere): horizontal bars for a
funnel or a set of endings, and columns for a trend by quarter. Each is drawn from the same cells as the
table beside it, so a withheld figure is withheld in the picture too: no bar, and its mark for a label."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pathways.core.smallnumbers import Cell

BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, LABEL_LIMIT, BAR_SPACE, VALUE_SPACE = 26, 10, 230, 420, 320, 60
COLUMN_WIDTH, COLUMN_GAP, GROUP_GAP, COLUMN_SPACE, AXIS = 22, 4, 26, 160, 40
# GOV.UK's blue, dark blue, turquoise and green: told apart by the legend and the table, not colour alone.
SERIES_COLOURS = ("#1d70b8", "#003078", "#28a197", "#00703c")


def cell_text(cell: Cell, *, suppressed: bool) -> str:
    """A figure as the reader sees it: withheld under the small-number rule, or exact inside a service."""
    if suppressed and cell.suppressed:
        return cell.exported
    if cell.value is None:
        return "-"
    if cell.is_rate:
        return f"{cell.value:.1f}{cell.unit}" if cell.unit else f"{cell.value:.1f}"
    return str(cell.value)


def _drawn(cell: Cell, suppressed: bool) -> float | None:
    if (suppressed and cell.suppressed) or not isinstance(cell.value, int | float):
        return None
    return float(cell.value)


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    y: int
    width: float


def bars(*, items: list[tuple[str, Cell]], suppressed: bool) -> dict[str, Any]:
    """One horizontal bar an item, as long as its figure against the largest shown."""
    values = [_drawn(c, suppressed) for _label, c in items]
    top = max([v for v in values if v is not None] or [0]) or 1
    # Room for the longest label (about 8 units a character at this size), so that none is cut off.
    label_width = max(
        LABEL_WIDTH, min(LABEL_LIMIT, 8 * max((len(label) for label, _c in items), default=0) + 16)
    )
    drawn = [
        Bar(
            label,
            cell_text(cell, suppressed=suppressed),
            n * (BAR_HEIGHT + BAR_GAP),
            round(BAR_SPACE * (value or 0) / top, 1),
        )
        for n, ((label, cell), value) in enumerate(zip(items, values, strict=True))
    ]
    return {
        "bars": drawn,
        "width": label_width + BAR_SPACE + VALUE_SPACE,
        "height": max(len(drawn), 1) * (BAR_HEIGHT + BAR_GAP),
        "label_width": label_width,
        "bar_height": BAR_HEIGHT,
    }


def columns(*, groups: list[tuple[str, list[Cell]]], series: list[str], suppressed: bool) -> dict[str, Any]:
    """A group of columns a quarter, one column a series, each as tall as its figure against the largest."""
    values = [[_drawn(c, suppressed) for c in cells] for _label, cells in groups]
    top = max([v for row in values for v in row if v is not None] or [0]) or 1
    width_of_group = len(series) * (COLUMN_WIDTH + COLUMN_GAP) + GROUP_GAP
    drawn = []
    for g, ((label, cells), row) in enumerate(zip(groups, values, strict=True)):
        x = AXIS + g * width_of_group
        drawn.append(
            {
                "label": label,
                "x": x,
                "middle": x + (width_of_group - GROUP_GAP) / 2,
                "columns": [
                    {
                        "x": x + s * (COLUMN_WIDTH + COLUMN_GAP),
                        "height": round(COLUMN_SPACE * (value or 0) / top, 1),
                        "y": round(20 + COLUMN_SPACE - COLUMN_SPACE * (value or 0) / top, 1),
                        "text": cell_text(cell, suppressed=suppressed),
                        "colour": SERIES_COLOURS[s % len(SERIES_COLOURS)],
                    }
                    for s, (cell, value) in enumerate(zip(cells, row, strict=True))
                ],
            }
        )
    return {
        "groups": drawn,
        "series": [(name, SERIES_COLOURS[s % len(SERIES_COLOURS)]) for s, name in enumerate(series)],
        "width": AXIS + max(len(drawn), 1) * width_of_group + 10,
        "height": 20 + COLUMN_SPACE + 40,
        "base": 20 + COLUMN_SPACE,
        "column_width": COLUMN_WIDTH,
    }
