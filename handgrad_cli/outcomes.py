"""What a drill session produces: how each asked gradient was settled, and the session's summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from handgrad_cli.attempts import SOLVED


@dataclass(frozen=True)
class Outcome:
    """How one asked gradient was settled."""

    problem_id: str
    kind: str
    gradient: str
    status: str  # as the history keeps it: right, right after a miss, wrong, revealed, explained or skipped

    @property
    def solved(self) -> bool:
        return self.status in SOLVED

    @property
    def answered(self) -> bool:
        """Counted in the score: solved or got wrong (a skip, a reveal or an explain is counted apart)."""
        return self.solved or self.status == "wrong"


@dataclass
class DrillSummary:
    problems: int  # how many problems the session holds
    outcomes: list[Outcome] = field(default_factory=list)
    problems_seen: int = 0
    seconds: float = 0.0
    ended: str = "finished"  # "finished", "quit", "end of input" or "interrupted"

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
