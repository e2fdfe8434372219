"""What the history says about a learner: accuracy per kind and difficulty, its recent trend, the
common mistakes, the streak of practice days and the accuracy of the last sessions.

Accuracy counts the gradients actually answered (right, right after a miss, wrong); first-try
accuracy beside it counts only those right on the first try. Skipped, revealed and explained
gradients are counted apart, never as wrong answers.

Pure functions of the attempts and a clock, so tests can squeeze a week of practice. Practice
days are calendar days in the learner's time zone (`tz`, the local one by default).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from itertools import groupby
from typing import Any

from handgrad_cli.attempts import MODES, NOT_ANSWERED, Attempt
from handgrad_cli.history import utc_stamp
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.review import Level, levels, parse_time, queue

RECENT = 10  # the trend compares the last RECENT attempts of a level with the ones before them
LAST_SESSIONS = 12
TOP_MISTAKES = 3


def answered(attempts: Iterable[Attempt]) -> list[Attempt]:
    return [attempt for attempt in attempts if attempt.answered]


def accuracy(attempts: Sequence[Attempt]) -> float | None:
    """The share of the answered gradients solved (on any try); None when none was answered."""
    counted = answered(attempts)
    return sum(attempt.correct for attempt in counted) / len(counted) if counted else None


def first_try_accuracy(attempts: Sequence[Attempt]) -> float | None:
    """The share of the answered gradients right on the first try; None when none was answered."""
    counted = answered(attempts)
    return sum(attempt.right_first_time for attempt in counted) / len(counted) if counted else None


def not_answered(attempts: Iterable[Attempt]) -> dict[str, int]:
    """How many gradients were skipped, revealed and explained."""
    counts = Counter(attempt.status for attempt in attempts)
    return {status: counts[status] for status in NOT_ANSWERED}


def mistakes_of(attempt: Attempt) -> set[str]:
    """The mistakes diagnosed in a gradient's tries (a corrected first try keeps its mistake)."""
    slugs = {graded.mistake for graded in attempt.tries} | {attempt.mistake}
    return {slug for slug in slugs if slug}


def common_mistakes(attempts: Iterable[Attempt], top: int = TOP_MISTAKES) -> list[tuple[str, int]]:
    """The diagnosed mistakes, most frequent first (ties in name order); each counted once a gradient."""
    counts = Counter(slug for attempt in attempts for slug in mistakes_of(attempt))
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:top]


@dataclass(frozen=True)
class LevelStats:
    kind: str
    difficulty: str
    attempts: int  # gradients settled
    answered: int
    correct: int  # solved, on any try
    right_first_try: int
    accuracy: float | None  # None when nothing was answered
    first_try_accuracy: float | None
    recent_accuracy: float | None  # of the last answered gradients
    trend: float | None  # recent accuracy minus the accuracy before it; None with no earlier answers
    not_answered: dict[str, int]
    mistakes: list[tuple[str, int]]


def level_stats(attempts: Iterable[Attempt], recent: int = RECENT) -> list[LevelStats]:
    """One row per (kind, difficulty) practised, by kind then difficulty."""
    def key(attempt: Attempt):
        return (attempt.kind, _difficulty_rank(attempt.difficulty), attempt.difficulty)

    ordered = sorted(attempts, key=lambda attempt: (key(attempt), attempt.answered_at))
    rows = []
    for (kind, _, difficulty), group in groupby(ordered, key=key):
        graded = list(group)
        counted = answered(graded)
        latest, earlier = counted[-recent:], counted[:-recent]
        recent_accuracy = accuracy(latest)
        trend = recent_accuracy - accuracy(earlier) if earlier else None
        rows.append(LevelStats(kind, difficulty, len(graded), len(counted), sum(a.correct for a in counted),
                               sum(a.right_first_time for a in counted), accuracy(counted),
                               first_try_accuracy(counted), recent_accuracy, trend, not_answered(graded),
                               common_mistakes(graded)))
    return rows


def _difficulty_rank(difficulty: str) -> int:
    return DIFFICULTIES.index(difficulty) if difficulty in DIFFICULTIES else len(DIFFICULTIES)


def practice_day(attempt: Attempt, tz: tzinfo | None = None) -> date:
    return parse_time(attempt.answered_at).astimezone(tz).date()


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive practice days ending today, or yesterday while today is still open."""
    practised = set(days)
    day = today if today in practised else today - timedelta(days=1)
    count = 0
    while day in practised:
        count += 1
        day -= timedelta(days=1)
    return count


@dataclass(frozen=True)
class SessionStats:
    session: str
    started: str
    attempts: int
    answered: int
    correct: int
    accuracy: float | None  # None when nothing was answered


def session_stats(attempts: Iterable[Attempt], last: int = LAST_SESSIONS, tz: tzinfo | None = None) -> list[SessionStats]:
    """The last sessions, oldest first. Attempts kept before sessions were recorded group by day."""
    sessions: dict[str, list[Attempt]] = {}
    for attempt in sorted(attempts, key=lambda attempt: attempt.answered_at):
        name = attempt.session or f"day {practice_day(attempt, tz).isoformat()}"
        sessions.setdefault(name, []).append(attempt)
    rows = [SessionStats(name, graded[0].answered_at, len(graded), len(answered(graded)),
                         sum(a.correct for a in graded), accuracy(graded))
            for name, graded in sessions.items()]
    rows.sort(key=lambda row: row.started)
    return rows[-last:]


def summary(attempts: Sequence[Attempt], now: datetime, kinds: Sequence[str], tz: tzinfo | None = None) -> dict[str, Any]:
    """Everything `handgrad stats` shows, as JSON-ready data."""
    days = {practice_day(attempt, tz) for attempt in attempts}
    counted = answered(attempts)
    return {
        "attempts": len(attempts),  # gradients settled
        "answered": len(counted),
        "correct": sum(attempt.correct for attempt in counted),
        "right_first_try": sum(attempt.right_first_time for attempt in counted),
        "accuracy": accuracy(counted),
        "first_try_accuracy": first_try_accuracy(counted),
        "not_answered": not_answered(attempts),
        "practice_days": len(days),
        "streak_days": streak(days, now.astimezone(tz).date()),
        "last_practice": max((attempt.answered_at for attempt in attempts), default=None),
        "levels": [_level_record(row) for row in level_stats(attempts)],
        "mistakes": [{"mistake": slug, "count": count} for slug, count in common_mistakes(attempts)],
        "sessions": [vars(row) for row in session_stats(attempts, tz=tz)],
        "review": [_schedule_record(level, now) for level in queue(levels(scheduling(attempts, "drill"), kinds), now)],
        "modes": [_mode_record(mode, by_mode(attempts, mode), now) for mode in MODES
                  if mode == "drill" or by_mode(attempts, mode)],
    }


def by_mode(attempts: Iterable[Attempt], mode: str) -> list[Attempt]:
    """The gradients asked one way: a drill's, debug's, code's."""
    return [attempt for attempt in attempts if attempt.mode == mode]


def scheduling(attempts: Iterable[Attempt], mode: str) -> list[Attempt]:
    """The gradients that schedule a mode's review: code has boxes of its own (`code --review`); a drill's
    review counts every other answer (a drill's, the path's, debug's)."""
    return [attempt for attempt in attempts if (attempt.mode == "code") == (mode == "code")]


def _mode_record(mode: str, attempts: list[Attempt], now: datetime) -> dict[str, Any]:
    counted = answered(attempts)
    record = {"mode": mode, "attempts": len(attempts), "answered": len(counted),
              "accuracy": accuracy(counted), "first_try_accuracy": first_try_accuracy(counted)}
    if mode == "code":  # its own boxes; the others' schedule is `review` above
        kinds = sorted({attempt.kind for attempt in attempts})
        record["review"] = [_schedule_record(level, now) for level in queue(levels(attempts, kinds), now)]
    return record


def _level_record(row: LevelStats) -> dict[str, Any]:
    return vars(row) | {"mistakes": [{"mistake": slug, "count": count} for slug, count in row.mistakes]}


def _schedule_record(level: Level, now: datetime) -> dict[str, Any]:
    return {
        "kind": level.kind,
        "difficulty": level.difficulty,
        "box": level.box,
        "due": utc_stamp(level.due) if level.due else None,
        "due_now": level.is_due(now),
        "new": level.results == 0,
    }
