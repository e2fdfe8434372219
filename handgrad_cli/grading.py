"""Grading: each entry against the reference within a tolerance, and the likely mistake named.

The rule, per entry: ``|yours - reference| <= atol + rtol * |reference|``. The defaults,
atol = rtol = 0.001, accept an answer rounded (or cut) to three decimals and refuse one that
is off in the third decimal by more than one unit.

A gradient is judged with the learner's own earlier answers: one that follows correctly from an
accepted earlier answer is right; one that follows from a wrong earlier answer is "error carried
forward", not a new mistake; a slip is named in the gradient where it was made.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from handgrad_cli.problem import Mistake, Problem

DEFAULT_ATOL = 1e-3
DEFAULT_RTOL = 1e-3


class Tolerance(NamedTuple):
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


class Entry(NamedTuple):
    index: tuple[int, ...]  # () for a scalar gradient
    yours: float
    reference: float
    correct: bool

    @property
    def difference(self) -> float:
        return self.yours - self.reference


class Grade(NamedTuple):
    """One asked gradient, graded. `yours` is None when no answer was given."""

    gradient: str
    reference: Any
    yours: Any | None
    entries: tuple[Entry, ...]
    mistake: Mistake | None
    carried: tuple[str, ...] = ()  # earlier wrong answers this one follows from correctly

    @property
    def given(self) -> bool:
        return self.yours is not None

    @property
    def correct(self) -> bool:
        return self.given and all(entry.correct for entry in self.entries)

    @property
    def carried_forward(self) -> bool:
        return bool(self.carried)


def grade(problem: Problem, gradient: str, yours: Any | None, tolerance: Tolerance = Tolerance(),
          earlier: dict[str, Any] | None = None) -> Grade:
    """Grade one gradient; `earlier` holds the learner's answers to the gradients asked before it."""
    reference = np.asarray(problem.answers[gradient], dtype=float)
    if yours is None:
        return Grade(gradient, reference, None, (), None)
    yours = np.asarray(yours, dtype=float)
    accepted = tolerance.accepts(yours, reference)
    earlier = {name: value for name, value in (earlier or {}).items() if value is not None}
    carried: tuple[str, ...] = ()
    if not accepted.all() and earlier:
        following = _following(problem, earlier)[gradient]
        if tolerance.accepts(yours, following).all():
            carried = tuple(name for name, value in earlier.items()
                            if not tolerance.accepts(value, problem.answers[name]).all())
            if not carried:  # it follows from answers that were all accepted: it is right
                accepted = np.ones_like(accepted)
    entries = tuple(
        Entry(index, float(yours[index]), float(reference[index]), bool(accepted[index]))
        for index in np.ndindex(reference.shape)
    )
    wrong = not accepted.all()
    mistake = diagnose(problem, gradient, yours, tolerance, earlier) if wrong and not carried else None
    return Grade(gradient, reference, yours, entries, mistake, carried)


def _following(problem: Problem, earlier: dict[str, Any]) -> dict[str, np.ndarray]:
    from handgrad_cli.kinds import get_kind

    return get_kind(problem.kind).following(problem, earlier)


def grade_all(problem: Problem, answers: dict[str, Any], tolerance: Tolerance = Tolerance()) -> list[Grade]:
    """Every asked gradient, in the order asked, each judged with the answers given before it."""
    grades = []
    for i, name in enumerate(problem.asked):
        earlier = {before: answers[before] for before in problem.asked[:i] if before in answers}
        grades.append(grade(problem, name, answers.get(name), tolerance, earlier))
    return grades


def diagnose(problem: Problem, gradient: str, yours: Any, tolerance: Tolerance = Tolerance(),
             earlier: dict[str, Any] | None = None) -> Mistake | None:
    """The known mistake that explains a wrong answer, entry for entry; None if none does.

    A slip that happens to give the right numbers for this problem is never named. Where two
    slips give the same numbers, both are said.
    """
    from handgrad_cli.kinds import get_kind

    reference = problem.answers[gradient]
    matches: list[Mistake] = []
    for mistake in get_kind(problem.kind).mistakes(problem, earlier or None):
        if mistake.gradient != gradient or np.all(tolerance.accepts(mistake.value, reference)):
            continue
        if np.all(tolerance.accepts(yours, mistake.value)):
            matches.append(mistake)
    if not matches:
        return None
    words = list(dict.fromkeys(mistake.description for mistake in matches))
    first = matches[0]
    return first._replace(description="; or ".join(words)) if len(words) > 1 else first


def first_wrong_step(grades: list[Grade]) -> str | None:
    """The chain-rule step where the learner most likely went wrong, when it can be told."""
    for grade_ in grades:
        if grade_.given and not grade_.correct and not grade_.carried_forward:
            return grade_.mistake.step if grade_.mistake else grade_.gradient
    return None
