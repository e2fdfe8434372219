"""Grading: each entry against the reference within a tolerance, and the likely mistake named.

The rule, per entry: ``|yours - reference| <= atol + rtol * |reference|``. The defaults,
atol = rtol = 0.001, accept an answer rounded (or cut) to three decimals and refuse one that
is off in the third decimal by more than one unit.

A gradient is judged with the learner's own earlier answers, as they were graded: one computed
correctly from earlier answers that were accepted is right (within CARRY_BOUND tolerances of the
reference, so an accepted answer stays close); one computed correctly from an earlier answer that was
wrong is "error carried forward", naming only the wrong answers it is computed from (the nearest
answered gradients on its paths to the loss); a slip is named in the gradient where it was made. The
right count of numbers in the wrong shape is a wrong answer with its shape named. ROUNDING_RULE is the
way of typing every property is proved for (tests/test_trust.py).
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple

import numpy as np

from handgrad_cli.answers import shape_text
from handgrad_cli.problem import Mistake, Problem
from handgrad_cli.question import ROUNDING_RULE, ROUNDING_RULE_LINES  # noqa: F401  (the rule is grading's)

DEFAULT_ATOL = 1e-3
DEFAULT_RTOL = 1e-3
# An answer computed from the learner's own accepted answers is accepted only where that computation lies
# within this many tolerances of the reference: rounding carried forward stays well inside it.
CARRY_BOUND = 4.0


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
          earlier: dict[str, Grade] | None = None) -> Grade:
    """Grade one gradient; `earlier` holds the grades of the gradients asked before it."""
    reference = np.asarray(problem.answers[gradient], dtype=float)
    if yours is None:
        return Grade(gradient, reference, None, (), None)
    yours = np.asarray(yours, dtype=float)
    if yours.shape != reference.shape:
        return _wrong_shape(gradient, reference, yours, tolerance)
    accepted = tolerance.accepts(yours, reference)
    given = {name: earlier_grade for name, earlier_grade in (earlier or {}).items() if _usable(earlier_grade)}
    carry = mistake = None
    if not accepted.all():
        typed = _typed(given)
        unslipped = _following(problem, gradient, typed) if given else None  # the carry and the diagnosis read it
        carry = _from_earlier(problem, gradient, yours, tolerance, given, unslipped) if given else None
        if carry is None:
            mistake = diagnose(problem, gradient, yours, tolerance, typed, unslipped)
        elif not carry.wrong and carry.close:  # computed right from accepted answers
            accepted = np.ones_like(accepted)
        elif not carry.wrong:
            mistake = _grown(gradient, carry)
    entries = tuple(map(Entry, np.ndindex(reference.shape), yours.ravel().tolist(), reference.ravel().tolist(),
                        accepted.ravel().tolist()))  # entry by entry, in order, as Python numbers
    return Grade(gradient, reference, yours, entries, mistake, carry.wrong if carry else ())


def _usable(earlier: Grade | None) -> bool:
    """An earlier answer later ones can follow from: given, with a number for every entry."""
    return earlier is not None and earlier.given and earlier.yours.size == earlier.reference.size


class Carry(NamedTuple):
    """An answer that follows from the learner's own earlier ones."""

    uses: tuple[str, ...]  # the earlier answers it is computed from
    wrong: tuple[str, ...]  # those of them that were wrong
    following: np.ndarray  # the value that follows from them
    close: bool  # that value lies within CARRY_BOUND tolerances of the reference


def _following(problem: Problem, gradient: str, earlier: dict[str, np.ndarray], printed: bool = False) -> np.ndarray:
    """The gradient as it follows from the learner's earlier answers, from the exact forward values or from
    them as printed."""
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    return kind.following(problem, earlier, kind.printed(problem) if printed else None, gradient)[gradient]


def _from_earlier(problem: Problem, gradient: str, yours: np.ndarray, tolerance: Tolerance,
                  given: dict[str, Grade], exact: np.ndarray) -> Carry | None:
    """How `yours` follows from the learner's own earlier answers (the nearest answered gradients on its
    paths to the loss, as graded): from the exact forward values (`exact`: what follows from them), or from
    them as printed; None if it does not."""
    from handgrad_cli.kinds import get_kind

    uses = get_kind(problem.kind).depends_on(problem, gradient, given)
    if not uses:
        return None
    following = exact
    if not tolerance.accepts(yours, following).all():
        following = _following(problem, gradient, _typed(given), printed=True)
        if not tolerance.accepts(yours, following).all():
            return None
    reference = problem.answers[gradient]
    close = bool(np.all(np.abs(following - reference) <= CARRY_BOUND * tolerance.margin(reference)))
    return Carry(uses, tuple(name for name in uses if not given[name].correct), following, close)


def _grown(gradient: str, carry: Carry) -> Mistake:
    """Computed right from accepted answers whose small errors grew too large on the way."""
    uses = " and ".join(carry.uses)
    return Mistake("rounding-grown", gradient, f"this follows from your {uses}, but their rounding grew past the "
                   f"allowance here: keep more decimals of {uses} when you compute {gradient}", carry.following,
                   gradient)


def _typed(given: dict[str, Grade]) -> dict[str, np.ndarray]:
    """Earlier answers as the backward pass takes them: in the gradient's own shape (a transposed or
    flattened answer is read in the shape asked)."""
    return {name: aligned(grade_.yours, grade_.reference.shape) for name, grade_ in given.items()}


def aligned(yours: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """An answer in the shape asked: a transposed matrix transposed back, anything else read in order."""
    if yours.shape == shape:
        return yours
    if yours.ndim == 2 and yours.shape == shape[::-1] and len(shape) == 2:
        return yours.T
    return yours.reshape(shape)


def shape_mistake(given: tuple[int, ...], shape: tuple[int, ...]) -> tuple[str, str]:
    """A wrong-shape answer's mistake: its slug and a sentence (never the answer's formula)."""
    asked, theirs = shape_text(shape), shape_text(given)
    if len(shape) == 2 and given == shape[::-1]:
        return "transposed", f"the shape is {theirs}, the transpose of {asked}: the gradient has its variable's shape"
    if len(shape) == 2 and 1 in shape and len(given) == 1:
        return "keepdim-missing", (f"the shape is {theirs}, not {asked}: a sum over a broadcast axis keeps it "
                                   "(keepdim=True), so the gradient has its variable's shape")
    if len(given) < len(shape):
        return "flattened", f"the shape is {theirs}, not {asked}: the gradient has its variable's shape"
    return "wrong-shape", f"the shape is {theirs}, not {asked}: the gradient has its variable's shape"


def _wrong_shape(gradient: str, reference: np.ndarray, yours: np.ndarray, tolerance: Tolerance) -> Grade:
    """Numbers in the wrong shape: a wrong try, its mistake named by the shape (computed by code, even the
    count may differ: its entries then have no number of yours)."""
    slug, words = shape_mistake(yours.shape, reference.shape)
    in_order = aligned(yours, reference.shape) if yours.size == reference.size else np.full(reference.shape, np.nan)
    if tolerance.accepts(in_order, reference).all():
        words += "; the numbers themselves are right"
    entries = tuple(Entry(index, float(in_order[index]), float(reference[index]), False)
                    for index in np.ndindex(reference.shape))
    return Grade(gradient, reference, yours, entries, Mistake(slug, gradient, words, in_order, gradient))


def grade_all(problem: Problem, answers: dict[str, Any], tolerance: Tolerance = Tolerance()) -> list[Grade]:
    """Every asked gradient, in the order asked, each judged with the answers given before it."""
    return list(grades_by_name(problem, answers, tolerance).values())


def grades_by_name(problem: Problem, answers: dict[str, Any], tolerance: Tolerance = Tolerance()) -> dict[str, Grade]:
    """Every asked gradient's grade by name, each judged with the grades of the answers before it."""
    grades: dict[str, Grade] = {}
    for name in problem.asked:
        grades[name] = grade(problem, name, answers.get(name), tolerance, grades)
    return grades


def diagnose(problem: Problem, gradient: str, yours: Any, tolerance: Tolerance = Tolerance(),
             earlier: dict[str, Any] | None = None, unslipped: np.ndarray | None = None) -> Mistake | None:
    """The known mistake that explains a wrong answer, entry for entry; None if none does.

    A slip that happens to give the right numbers for this problem, or the numbers that follow from the
    learner's earlier answers without it (`unslipped`, when already worked out), is never named. Where two
    slips give the same numbers, both are said.
    """
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    reference = problem.answers[gradient]
    if unslipped is None:
        unslipped = _following(problem, gradient, earlier) if earlier else reference
    matches: list[Mistake] = []
    for mistake in kind.mistakes(problem, earlier or None, gradient):
        if mistake.gradient != gradient or any(np.all(tolerance.accepts(mistake.value, right))
                                               for right in (reference, unslipped)):
            continue  # a slip that changes nothing here: it was not made in this gradient
        if np.all(tolerance.accepts(yours, mistake.value)):
            matches.append(mistake)
    if not matches:
        return None
    words = list(dict.fromkeys(mistake.description for mistake in matches))
    first = matches[0]
    return first._replace(description="; or ".join(words)) if len(words) > 1 else first

