"""A Jupyter notebook of a set (nbformat 4): per problem its question, its tensors as numpy literals (torch
tensors too where the reader has torch), an empty cell per gradient and a check cell that grades them with
handgrad's Python API. Written with the standard library's json; `nbformat.validate` accepts it (tests).

Students' notebooks hold no answers; `--answers inline` puts the reference lines (numpy's notation, which
runs with or without torch) in the gradients' cells.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

import numpy as np

from handgrad_cli.answers import shape_text
from handgrad_cli.code.session import tensors
from handgrad_cli.code.solutions import solution
from handgrad_cli.problem import Problem
from handgrad_cli.render.markdown import code, question_text
from handgrad_cli.render.sheets import ProblemSet, human_title

NOTEBOOK_ANSWERS = ("none", "inline")  # what --answers may be for a notebook

INTRO = """# Backpropagation by hand, as code

Each problem gives its tensors by the notebook's names (makemore Part 4, *Becoming a backprop ninja*)
as numpy arrays. Write each gradient in the empty cell under its name, then run the problem's check cell:
it prints makemore's `cmp` line (exact, approximate, maxdiff) and handgrad's verdict (correct, the likely
mistake, or an error carried forward from an earlier gradient). To write PyTorch instead, set
`NOTATION = "torch"` in the next cell (torch must be installed): the tensors then become torch tensors.
The check cells need handgrad in this notebook's Python (`pip install` it where Jupyter runs)."""

SETUP = """import numpy as np

NOTATION = "numpy"  # or "torch": each problem's tensors become torch tensors (torch must be installed)
if NOTATION == "torch":
    import torch
    import torch.nn.functional as F"""

TORCH = """if NOTATION == "torch":  # the same tensors, as torch's
    globals().update({name: torch.tensor(value) for name, value in list(globals().items())
                      if isinstance(value, np.ndarray)})"""


def _literal(value: Any) -> str:
    """A value as Python source, to full precision: whole numbers stay whole (index tensors)."""
    array = np.asarray(value)
    if array.ndim == 0:
        return repr(int(array)) if array.dtype.kind in "iu" else repr(float(array))
    text = json.dumps(array.tolist())
    return f"np.array({text})"


def tensors_source(problem: Problem) -> str:
    names = tensors(problem)
    lines = [f"# {problem.label}: the tensors by the notebook's names"]
    lines += [f"{name} = {_literal(value)}" for name, value in names.items()]
    return "\n".join(lines) + "\n\n" + TORCH


def _cell(kind: str, source: str, cell_id: str) -> dict[str, Any]:
    cell: dict[str, Any] = {"cell_type": kind, "id": cell_id, "metadata": {}, "source": source}
    if kind == "code":
        cell |= {"execution_count": None, "outputs": []}
    return cell


def problem_cells(number: int, problem: Problem, inline: bool) -> list[dict[str, Any]]:
    prefix = f"p{number}"
    heading = f"## Problem {number}: {human_title(problem)}\n\n{question_text(problem.question)}\n\n"
    heading += "Asked, in order: " + ", ".join(code(name) for name in problem.asked) + "."
    cells = [_cell("markdown", heading, f"{prefix}-question"), _cell("code", tensors_source(problem), f"{prefix}-tensors")]
    for name in problem.asked:
        shape = shape_text(np.shape(problem.answers[name]))
        source = f"# {name} {shape}\n" + (solution(problem, name, notation="numpy") + "\n" if inline else "")
        cells.append(_cell("code", source, f"{prefix}-{name}"[:64]))
    check = f'from handgrad_cli.api import check\n\ncheck("{problem.label}", globals())'
    cells.append(_cell("code", check, f"{prefix}-check"))
    return cells


def write_ipynb(problem_set: ProblemSet, out: TextIO) -> None:
    """The whole notebook: one JSON document (a notebook cannot be streamed cell by cell)."""
    inline = problem_set.answers == "inline"
    cells = [_cell("markdown", INTRO, "intro"), _cell("code", SETUP, "setup")]
    for sheet, number, problem in problem_set.items():
        offset = f"{sheet.student}-" if sheet.student is not None else ""
        for cell in problem_cells(number, problem, inline):
            cell["id"] = (_safe(offset) + cell["id"])[:64]
            cells.append(cell)
    notebook = {
        "cells": cells,
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    out.write(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n")


def _safe(text: str) -> str:
    """A cell id's characters: letters, digits, - and _ (nbformat's rule)."""
    return "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "_" for char in text)
