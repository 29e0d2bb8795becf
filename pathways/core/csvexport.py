"""What every CSV export shares: cells a spreadsheet will not run as formulas."""

from __future__ import annotations


def safe_cell(value: object) -> str:
    # Spreadsheet programs run cells that start with these characters as formulas.
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
