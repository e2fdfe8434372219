"""What the history keeps: each asked gradient of a drill with every graded try, and each self-grade of a flashcard."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

ANSWER_HINT = 3  # the hint that shows the answer: a gradient is then revealed, not solved

# How a gradient was settled. "answered" ones count in accuracy; the others are counted apart.
RIGHT, RIGHT_AFTER_A_MISS, WRONG = "right", "right after a miss", "wrong"
REVEALED, EXPLAINED, SKIPPED = "revealed", "explained", "skipped"
ANSWERED = (RIGHT, RIGHT_AFTER_A_MISS, WRONG)
NOT_ANSWERED = (SKIPPED, REVEALED, EXPLAINED)  # counted apart, never as wrong answers (in this order when listed)
STATUSES = (*ANSWERED, REVEALED, EXPLAINED, SKIPPED)
SOLVED = (RIGHT, RIGHT_AFTER_A_MISS)


class Try(NamedTuple):
    """One graded answer to a gradient."""

    number: int  # 1 for the first try
    correct: bool
    mistake: str | None  # the slug of the diagnosed mistake, if any
    hints_used: int  # hints taken before this try
    seconds: float  # from the prompt to this try


class Attempt(NamedTuple):
    """One asked gradient: how it was settled, and every graded try on the way."""

    answered_at: str  # UTC, ISO 8601, e.g. "2026-11-25T17:00:05Z": when it was settled (or last tried)
    session: str  # one drill session, so attempts can be grouped
    problem_id: str
    kind: str
    difficulty: str
    gradient: str
    status: str | None  # one of STATUSES; None while the learner is still on it (or left it mid-way)
    mistake: str | None  # the mistake of the last try, if any
    hints_used: int
    seconds: float  # from the prompt to the settling
    tries: tuple[Try, ...] = ()
    mode: str = "drill"  # how it was asked: "drill" (the drill, review, the path), "debug" (spot the bug) or
                        # "code" (the gradient written as lines of code)

    @property
    def correct(self) -> bool:
        """Solved, on the first try or a later one, without the answer shown."""
        return self.status in SOLVED

    @property
    def answered(self) -> bool:
        """Counted in accuracy: solved or got wrong (not skipped, revealed or explained)."""
        return self.status in ANSWERED

    @property
    def right_first_time(self) -> bool:
        return self.status == RIGHT


MODES = ("drill", "debug", "code")  # how gradients are asked, as the history keeps it
ATTEMPT_FIELDS = tuple(name for name in Attempt._fields if name != "tries")  # the history's columns
TRY_FIELDS = Try._fields

Recorder = Callable[[Attempt], None]  # called with a gradient as it stands after each graded try and when settled


def settled_status(tries: Sequence[Try], ending: str) -> str:
    """The status of a gradient from its tries and how the drill ended it: correct, wrong, revealed, skipped
    or explained. A miss before the answer was shown is never hidden: skipping after it is still wrong."""
    if ending == "correct":  # the drill says correct only when the answer was not shown
        return RIGHT if len(tries) == 1 else RIGHT_AFTER_A_MISS
    if any(not graded.correct and graded.hints_used < ANSWER_HINT for graded in tries):
        return WRONG
    if ending in (REVEALED, EXPLAINED, SKIPPED):
        return ending
    return WRONG


class PathStep(NamedTuple):
    """One step of the path finished: an explain screen read, a drill or cards done, a test-out taken."""

    done_at: str  # UTC, ISO 8601
    session: str
    stage: str  # the stage's name, e.g. "softmax-ce"
    step: str  # the step's name within its stage, e.g. "drill 1" or "test-out"
    passed: bool  # a test-out right on the first try (other steps: done)


PATH_STEP_FIELDS = PathStep._fields


class CardReview(NamedTuple):
    """One self-grade of a card, as the history keeps it."""

    reviewed_at: str  # UTC, ISO 8601
    card_id: str
    deck: str
    grade: str  # one of CARD_GRADES


CARD_GRADES = ("again", "good", "easy")
CARD_REVIEW_FIELDS = CardReview._fields
