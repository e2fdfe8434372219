"""What a drill session produces: how each asked gradient was settled, and the session's summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Outcome:
    """How one asked gradient was settled."""

    problem_id: str
    kind: str
    gradient: str
    status: str  # "correct", "wrong", "revealed", "skipped" or "explained"

    @property
    def solved(self) -> bool:
        return self.status == "correct"


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
        """How many gradients were settled: the score's denominator (not the number of problems)."""
        return len(self.outcomes)

    @property
    def interrupted(self) -> bool:
        return self.ended == "interrupted"

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (solved, settled), in the order the kinds were met."""
        solved, settled = Counter(), Counter()
        for outcome in self.outcomes:
            settled[outcome.kind] += 1
            solved[outcome.kind] += outcome.solved
        return {kind: (solved[kind], settled[kind]) for kind in settled}
