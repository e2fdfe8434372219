"""Simulated learners who round: each answer typed to 3 decimals, later ones computed from their own typed
answers and from the forward values as printed. What every property about grading is checked with."""

from __future__ import annotations

import numpy as np

from handgrad_cli.kinds import get_kind
from handgrad_cli.problem import Problem

TYPED_DECIMALS = 3


def exact_rounded(problem: Problem) -> dict[str, np.ndarray]:
    """Every gradient worked exactly and typed at 3 decimals."""
    return {name: np.round(value, TYPED_DECIMALS) for name, value in problem.answers.items()}


def carrying(problem: Problem, slips: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """Each gradient computed from the learner's own typed answers before it and the printed forward values,
    then typed to the decimals its prompt asks (3, or more where said). `slips` replaces some answers by what
    the learner typed instead (a slip)."""
    kind = get_kind(problem.kind)
    values = kind.printed(problem)
    decimals = problem.typed_decimals
    typed: dict[str, np.ndarray] = {}
    for name in problem.asked:
        value = slips[name] if slips and name in slips else kind.following(problem, typed, values)[name]
        typed[name] = np.round(value, decimals[name])
    return typed
