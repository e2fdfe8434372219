"""What a drill session produces: how each asked gradient was settled, and the session's summary."""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple

from handgrad_cli.attempts import ANSWERED, SOLVED


class Outcome(NamedTuple):
    """How one asked gradient was settled."""

    problem_id: str
    kind: str
    gradient: str
    status: str  # as the history keeps it: right, right after a miss, wrong, revealed, explained or skipped
    carried: bool = False  # wrong, but worked right from an earlier wrong answer (error carried forward)

    @property
    def solved(self) -> bool:
        return self.status in SOLVED

    @property
    def answered(self) -> bool:
        """Counted in the score: solved or got wrong (a skip, a reveal or an explain is counted apart)."""
        return self.status in ANSWERED


class DrillSummary:
    """A session as it goes: each settled gradient's outcome, and how the session ended."""

    def __init__(self, problems: int) -> None:
        self.problems = problems  # how many problems the session holds
        self.outcomes: list[Outcome] = []
        self.problems_seen = 0
        self.seconds = 0.0
        self.ended = "finished"  # "finished", "quit", "end of input" or "interrupted"

    @property
    def score(self) -> int:
        return sum(outcome.solved for outcome in self.outcomes)

    @property
    def total(self) -> int:
        """How many gradients were settled (answered, skipped, revealed or explained; not the number of problems)."""
        return len(self.outcomes)

    @property
    def answered(self) -> int:
        """How many gradients were answered: the score's denominator."""
        return sum(outcome.answered for outcome in self.outcomes)

    @property
    def interrupted(self) -> bool:
        return self.ended == "interrupted"

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (solved, answered), in the order the kinds were met."""
        solved, answered = Counter(), Counter()
        for outcome in self.outcomes:
            answered[outcome.kind] += outcome.answered
            solved[outcome.kind] += outcome.solved
        return {kind: (solved[kind], answered[kind]) for kind in answered}
