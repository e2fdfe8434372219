"""Numbers as a learner reads them: fixed decimals (3 by default, the lesson's precision)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

DEFAULT_DECIMALS = 3
NOISE = 1e-9  # a difference below this is float arithmetic's, not a learner's


def format_number(value: float, decimals: int = DEFAULT_DECIMALS) -> str:
    text = f"{float(value):.{decimals}f}"
    if text.startswith("-") and float(text) == 0:
        return text[1:]  # "-0.000" reads as a sign error that is not there
    return text


def format_difference(value: float, decimals: int = DEFAULT_DECIMALS) -> str:
    """A difference in one format: three significant figures (0.0000400, -0.00100, 0.500), or ``0`` exactly.

    A difference below 1e-9 is the float arithmetic's noise, not the learner's: it reads ``0``.
    `decimals` is kept for callers that pass it; the significant figures do not depend on it.
    """
    size = abs(float(value))
    if not math.isfinite(size):
        return str(float(value))
    if size < NOISE:
        return "0"
    return f"{float(value):.{max(0, 2 - math.floor(math.log10(size)))}f}"


def format_value(value: Any, decimals: int = DEFAULT_DECIMALS) -> str:
    """A number, a vector ``[a, b]`` or a matrix ``[[a, b], [c, d]]``."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item, decimals) for item in value) + "]"
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return format_number(value, decimals)


def format_grid(value: Any, decimals: int | None = DEFAULT_DECIMALS) -> str:
    """A value for the terminal: a number, a vector on one line, a matrix as aligned rows like numpy's.

    Every entry of a matrix has the width of the widest, so columns line up and no row wraps mid-way.
    `decimals` None writes each entry as given (an input: ``2``, ``-0.5``).
    """
    array = np.asarray(value)
    if np.issubdtype(array.dtype, np.integer):
        decimals = None  # indices, such as Xb's, are shown as they are
    if array.ndim < 2:
        return format_input(value) if decimals is None else format_value(value, decimals)
    rows = array.reshape(-1, array.shape[-1])
    cell = format_input if decimals is None else (lambda item: format_number(item, decimals))
    cells = [[cell(item) for item in row] for row in rows.tolist()]
    width = max(len(cell) for row in cells for cell in row)
    lines = [", ".join(cell.rjust(width) for cell in row) for row in cells]
    if array.ndim == 3:  # blocks of rows, as numpy prints them, one width for all
        per_block = array.shape[1]
        blocks = [_bracketed(lines[start:start + per_block], "  ") for start in range(0, len(lines), per_block)]
        return "[" + ",\n ".join(blocks) + "]"
    return _bracketed(lines, " ")


def _bracketed(lines: list[str], indent: str) -> str:
    """Rows of a matrix in numpy's brackets: ``[[a, b],`` then `` [c, d]]``."""
    last = len(lines) - 1
    return "\n".join(("[[" if i == 0 else indent + "[") + line + ("]]" if i == last else "],")
                     for i, line in enumerate(lines))


def as_typed(value: Any, decimals: int = DEFAULT_DECIMALS) -> str:
    """A value the way a learner types it back: commas between values, ``;`` between rows, ``;;`` between blocks."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, list) and value and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list):
        return ";; ".join(as_typed(block, decimals) for block in value)  # blocks of rows
    if isinstance(value, list) and value and isinstance(value[0], list):
        return "; ".join(as_typed(row, decimals) for row in value)
    if isinstance(value, list):
        return ", ".join(format_number(item, decimals) for item in value)
    return format_number(value, decimals)


def format_input(value: Any) -> str:
    """An input as a person would write it: shortest exact form, ``2`` not ``2.000``."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, list):
        return "[" + ", ".join([_shortest(item) if type(item) is float else format_input(item) for item in value]) + "]"
    if isinstance(value, float):  # numpy's float64 too
        return _shortest(float(value))
    return str(value)


def _shortest(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)


def plain(value: Any) -> Any:
    """Full-precision JSON-ready numbers: floats, ints and nested lists."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, float):  # numpy's float64 too
        return float(value)
    return value
