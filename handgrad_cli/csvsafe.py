"""CSV cells a spreadsheet cannot run: text that would read as a formula gets a leading apostrophe.

A cell starting with ``= + - @``, a tab or a carriage return is a formula to Excel, LibreOffice and
Google Sheets (OWASP's "CSV injection"); a leading ``'`` makes it plain text. A number such as
``-0.5`` stays a number: it is not a formula, and a score must stay something a spreadsheet adds up.
"""

from __future__ import annotations

import math

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text)) and text.strip() == text
    except ValueError:
        return False


def safe_cell(value: object) -> str:
    """The cell as text, neutralised when a spreadsheet would take it for a formula."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS) and not is_number(text):
        return "'" + text
    return text


def safe_row(row) -> list[str]:
    return [safe_cell(cell) for cell in row]
