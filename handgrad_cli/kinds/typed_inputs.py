"""Inputs a person types for `explain KIND NAME=VALUES`, read against the kind's input schema: shapes,
sizes that must agree, whole numbers for indices. A mixin of `Kind`."""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli.errors import UserError
from handgrad_cli.kinds.values import Input

MAX_TYPED = 32  # entries along any axis of an input typed for `explain`


class TypedInputs:
    """What `Kind` derives to read inputs a person typed."""

    def read_inputs(self, typed: dict[str, str]) -> dict[str, Any]:
        """Inputs from text (``{"logits": "2,1,0", "target": "0"}``), checked against the schema."""
        from handgrad_cli.answers import read_rows

        missing = [spec.name for spec in self.inputs if spec.name not in typed]
        if missing:
            raise UserError(f"{self.name} needs {' '.join(f'{name}=...' for name in missing)} as well "
                            f"(it takes {self.input_names()})")
        sizes: dict[str, int] = {}
        values = {spec.name: _shaped(spec, read_rows(typed[spec.name], f"the input {spec.name}"), sizes)
                  for spec in self.inputs}
        for spec in self.inputs:
            if spec.index:
                _check_index(spec, values[spec.name], sizes)
        return values

    def input_names(self) -> str:
        return " ".join(f"{spec.name}=..." for spec in self.inputs)


def _shaped(spec: Input, rows: list[list[float]], sizes: dict[str, int]) -> Any:
    """A typed input in the first of its shapes that fits the rows and the sizes already known."""
    if len(rows) > MAX_TYPED or max(len(row) for row in rows) > MAX_TYPED:
        raise UserError(f"{spec.name} takes at most {MAX_TYPED} rows of {MAX_TYPED} values; you gave {_given_text(rows)}")
    candidates = {2: np.array(rows) if len({len(row) for row in rows}) == 1 else None}
    if len(rows) == 1:
        candidates[1] = np.array(rows[0])
        if len(rows[0]) == 1:
            candidates[0] = np.array(rows[0][0])
    for shape in spec.shapes:
        value = candidates.get(len(shape))
        if value is not None and _binds(shape, value.shape, sizes):
            if spec.index and not all(float(v).is_integer() for v in np.ravel(value)):
                raise UserError(f"{spec.name} takes whole numbers ({spec.words})")
            return value.astype(int) if spec.index else (float(value) if value.ndim == 0 else value)
    wanted = " or ".join(_shape_text(shape, sizes) for shape in spec.shapes)
    raise UserError(f"{spec.name} must be {wanted}; you gave {_given_text(rows)}")


def _binds(shape: tuple[str, ...], actual: tuple[int, ...], sizes: dict[str, int]) -> bool:
    trial = dict(sizes)
    for dim, size in zip(shape, actual):
        known = _size(dim, trial)
        if (known is not None and known != size) or not 1 <= size <= MAX_TYPED:
            return False
        trial[dim] = size
    sizes.update(trial)
    return True


def _shape_text(shape: tuple[str, ...], sizes: dict[str, int]) -> str:
    if not shape:
        return "one number"
    return "[" + ", ".join(_dim_text(dim, sizes) for dim in shape) + "]"


def _dim_text(dim: str, sizes: dict[str, int]) -> str:
    size = _size(dim, sizes)
    return dim if size is None or dim.isdigit() else f"{dim}={size}"


def _size(dim: str, sizes: dict[str, int]) -> int | None:
    """A dimension's size if known: a number (the 1 of a [1, n] row), a name bound already (N), or a
    product of those (T*d)."""
    parts = dim.split("*")
    if not all(part.isdigit() or part in sizes for part in parts):
        return None
    return int(np.prod([int(part) if part.isdigit() else sizes[part] for part in parts]))


def _given_text(rows: list[list[float]]) -> str:
    if len(rows) == 1:
        return f"{len(rows[0])} value(s)"
    return f"{len(rows)} rows of " + "/".join(sorted({str(len(row)) for row in rows})) + " value(s)"


def _check_index(spec: Input, value: np.ndarray, sizes: dict[str, int]) -> None:
    limit = sizes.get(spec.below or "", None)
    flat = np.atleast_1d(value).ravel()
    if limit is not None and not np.all((flat >= 0) & (flat < limit)):
        raise UserError(f"{spec.name} takes whole numbers from 0 to {limit - 1} ({spec.words})")
