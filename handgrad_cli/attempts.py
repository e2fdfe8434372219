"""What the history keeps: each graded answer of a drill, and each self-grade of a flashcard."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields


@dataclass(frozen=True)
class Attempt:
    answered_at: str  # UTC, ISO 8601, e.g. "2026-11-25T17:00:05Z"
    session: str  # one drill session, so attempts can be grouped
    problem_id: str
    kind: str
    difficulty: str
    gradient: str
    correct: bool  # False when the answer was revealed by the last hint
    mistake: str | None  # the slug of the diagnosed mistake, if any
    hints_used: int
    seconds: float  # from the prompt to the graded answer


ATTEMPT_FIELDS = tuple(field.name for field in fields(Attempt))  # the history's columns and the export's, in order

Recorder = Callable[[Attempt], None]  # called once per graded answer, as soon as it is graded


@dataclass(frozen=True)
class CardReview:
    """One self-grade of a card, as the history keeps it."""

    reviewed_at: str  # UTC, ISO 8601
    card_id: str
    deck: str
    grade: str  # again, good or easy


CARD_REVIEW_FIELDS = tuple(field.name for field in fields(CardReview))
