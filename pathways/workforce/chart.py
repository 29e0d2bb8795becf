"""The team skills chart, drawn on the server as SVG: one bar a member of staff (no names, lowest first),
as tall as their total, with a line at each benchmark and a dashed line at the mean. The table beside it
carries the same figures in words."""

from __future__ import annotations

from typing import Any

from pathways.workforce.selectors import Profile

HEIGHT, BAR_WIDTH, BAR_GAP, LEFT, TOP, BOTTOM, RIGHT = 180, 24, 10, 40, 12, 24, 150


def totals_chart(*, profile: Profile) -> dict[str, Any]:
    scale = HEIGHT / max(profile.total_max, 1)
    base = TOP + HEIGHT

    def y(total: float) -> float:
        return round(base - total * scale, 1)

    bars = [
        {
            "x": LEFT + BAR_GAP + n * (BAR_WIDTH + BAR_GAP),
            "y": y(total),
            "height": round(total * scale, 1),
            "total": total,
        }
        for n, total in enumerate(profile.totals)
    ]
    width = LEFT + BAR_GAP + max(len(bars), 1) * (BAR_WIDTH + BAR_GAP) + RIGHT
    ticks = [{"y": y(v), "label": v} for v in range(0, profile.total_max + 1, 6)]
    lines = [
        {"y": y(minimum), "label": f"{name} ({minimum})"} for name, minimum, _count in profile.benchmarks
    ]
    return {
        "width": width,
        "height": base + BOTTOM,
        "left": LEFT,
        "right": width - RIGHT,
        "base": base,
        "bar_width": BAR_WIDTH,
        "bars": bars,
        "ticks": ticks,
        "benchmarks": lines,
        "mean": y(profile.mean) if profile.mean is not None else None,
    }
