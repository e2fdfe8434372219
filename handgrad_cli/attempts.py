"""One graded answer, as the drill reports it and the history keeps it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


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


Recorder = Callable[[Attempt], None]  # called once per graded answer, as soon as it is graded
