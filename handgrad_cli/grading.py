"""Grading: each entry against the reference within a tolerance, and the likely mistake named.

The rule, per entry: ``|yours - reference| <= atol + rtol * |reference|``. The defaults,
atol = rtol = 0.001, accept an answer rounded (or cut) to three decimals and refuse one that
is off in the third decimal by more than one unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from handgrad_cli.problem import Mistake, Problem

DEFAULT_ATOL = 1e-3
DEFAULT_RTOL = 1e-3


@dataclass(frozen=True)
class Tolerance:
    atol: float = DEFAULT_ATOL
    rtol: float = DEFAULT_RTOL

    def margin(self, reference: Any) -> np.ndarray:
        """How far an answer may be from the reference, entry by entry."""
        return self.atol + self.rtol * np.abs(reference)

    def decimals(self) -> int:
        """The fewest decimals at which the reference, rounded, is still accepted (by atol alone)."""
        if self.atol <= 0:
            return 12
        return min(12, max(0, math.ceil(math.log10(0.5 / self.atol))))

    def accepts(self, yours: Any, reference: Any) -> np.ndarray:
        return np.abs(np.asarray(yours, dtype=float) - reference) <= self.margin(reference)


@dataclass(frozen=True)
class Entry:
    index: tuple[int, ...]  # () for a scalar gradient
    yours: float
    reference: float
    correct: bool

    @property
    def difference(self) -> float:
        return self.yours - self.reference


@dataclass(frozen=True)
class Grade:
    """One asked gradient, graded. `yours` is None when no answer was given."""

    gradient: str
    reference: Any
    yours: Any | None
    entries: tuple[Entry, ...]
    mistake: Mistake | None

    @property
    def given(self) -> bool:
        return self.yours is not None

    @property
    def correct(self) -> bool:
        return self.given and all(entry.correct for entry in self.entries)


def grade(problem: Problem, gradient: str, yours: Any | None, tolerance: Tolerance = Tolerance()) -> Grade:
    reference = np.asarray(problem.answers[gradient], dtype=float)
    if yours is None:
        return Grade(gradient, reference, None, (), None)
    yours = np.asarray(yours, dtype=float)
    accepted = tolerance.accepts(yours, reference)
    entries = tuple(
        Entry(index, float(yours[index]), float(reference[index]), bool(accepted[index]))
        for index in np.ndindex(reference.shape)
    )
    wrong = not all(entry.correct for entry in entries)
    mistake = diagnose(problem, gradient, yours, tolerance) if wrong else None
    return Grade(gradient, reference, yours, entries, mistake)


def grade_all(problem: Problem, answers: dict[str, Any], tolerance: Tolerance = Tolerance()) -> list[Grade]:
    """Every asked gradient, in the order asked; a missing answer grades as not given."""
    return [grade(problem, name, answers.get(name), tolerance) for name in problem.asked]


def diagnose(problem: Problem, gradient: str, yours: Any, tolerance: Tolerance = Tolerance()) -> Mistake | None:
    """The first known mistake that explains a wrong answer, entry for entry; None if none does.

    A slip that happens to give the right numbers for this problem is never named.
    """
    from handgrad_cli.kinds import get_kind

    reference = problem.answers[gradient]
    for mistake in get_kind(problem.kind).mistakes(problem):
        if mistake.gradient != gradient or np.all(tolerance.accepts(mistake.value, reference)):
            continue
        if np.all(tolerance.accepts(yours, mistake.value)):
            return mistake
    return None


def first_wrong_step(grades: list[Grade]) -> str | None:
    """The chain-rule step where the learner most likely went wrong, when it can be told."""
    for grade_ in grades:
        if grade_.given and not grade_.correct:
            return grade_.mistake.step if grade_.mistake else grade_.gradient
    return None
