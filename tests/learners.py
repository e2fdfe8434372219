"""Simulated learners who round: each answer typed to 3 decimals, later ones computed from their own typed
answers and from the forward values as printed. What every property about grading is checked with."""

from __future__ import annotations

import numpy as np

from handgrad_cli.answers import read_rows
from handgrad_cli.engine import Values
from handgrad_cli.kinds import get_kind
from handgrad_cli.numbers import format_grid
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


def read_back(value, decimals: int) -> np.ndarray:
    """A value as the terminal prints it, read back as a person would copy it."""
    rows = read_rows(format_grid(value, decimals).replace("\n", ";").replace("],;", ";"))
    return np.array(rows).reshape(np.shape(value))


def from_the_printed_text(problem: Problem) -> Values:
    """The forward values a learner computes from: each named value read back from its printed text, and an
    unnamed one (the 1 - p under a log) as they would work it out from those, to the same decimals."""
    kind = get_kind(problem.kind)
    given = {spec.name for spec in kind.inputs}
    copied = {name: read_back(node.value[0], problem.shown_decimals)[None]
              for name, node in kind.one_graph(problem).nodes.items() if name not in given}
    rounded = kind.printed(problem)
    return lambda node: copied[node.name] if node.name in copied else rounded(node)
