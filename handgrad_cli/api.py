"""handgrad from Python: a notebook's check cell, and the tensors of a problem.

    from handgrad_cli.api import check
    check("mlp-m42", globals())     # every gradient of the problem computed so far, graded

`check` prints, for each asked gradient found, makemore's `cmp` line (exact, approximate, maxdiff)
and handgrad's verdict: correct, or the likely mistake, or "follows from your dX (error carried
forward)". Values may be numpy arrays, torch tensors (read through `.detach()`, torch itself is
never imported) or anything numpy reads. It returns the results, for a script to use.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from handgrad_cli.code.session import CODE_TOLERANCE, Result, cmp_line, judge
from handgrad_cli.grading import Grade, Tolerance
from handgrad_cli.kinds import build
from handgrad_cli.problem import Problem

__all__ = ["check", "problem", "tensors"]


def problem(problem_id: str) -> Problem:
    """The problem an ID names, as `handgrad explain ID` shows it."""
    return build(problem_id)


def tensors(problem_id: str) -> dict[str, Any]:
    """The problem's tensors by the notebook's names (inputs, forward values, `n`), as numpy arrays."""
    from handgrad_cli.code.session import tensors as bound

    return bound(build(problem_id))


def check(problem_id: str, values: Mapping[str, Any], *, atol: float = CODE_TOLERANCE.atol,
          rtol: float = CODE_TOLERANCE.rtol, quiet: bool = False) -> dict[str, Result]:
    """Grade every gradient the problem asks that `values` holds (a notebook passes `globals()`), in order,
    each judged from the ones before it; print a cmp line and a verdict for each unless `quiet`."""
    asked = build(problem_id)
    results: dict[str, Result] = {}
    earlier: dict[str, Grade] = {}
    for name in asked.asked:
        if name not in values:
            if not quiet:
                print(f"{name:15s} | not computed yet")
            continue
        yours = _numbers(values[name])
        results[name] = judge(asked, name, yours, Tolerance(atol, rtol), dict(earlier))
        earlier[name] = results[name].grade
        if not quiet:
            print(cmp_line(name, results[name]) + " | " + verdict(results[name]))
    return results


def verdict(result: Result) -> str:
    graded = result.grade
    if graded.correct:
        return "correct"
    if graded.carried_forward:
        return f"follows from your {' and '.join(graded.carried)} (error carried forward)"
    if graded.mistake:
        return f"incorrect: {graded.mistake.description}"
    return f"incorrect: see `handgrad explain {graded.gradient}` steps"


def _numbers(value: Any) -> np.ndarray:
    detach = getattr(value, "detach", None)
    if callable(detach):  # a torch tensor, read without importing torch
        value = detach().cpu().numpy()
    return np.asarray(value, dtype=float)
