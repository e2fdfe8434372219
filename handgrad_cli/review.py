"""Adaptive review: a Leitner box per (kind, difficulty), worked out from the practice history.

Boxes and their intervals: box 1 comes back after 1 day, box 2 after 2, box 3 after 4, box 4
after 8 and box 5 after 16. Every problem of a drill is one result for its (kind, difficulty):

- a miss (any gradient not right on its first try: wrong, right only after a miss, revealed, skipped
  or explained) sends the level back to box 1 and makes it due at once: the next
  `drill --review` brings it back first;
- a clean problem (every gradient right, no hints) moves the level up one box when it was due,
  so a streak of right answers on the days it comes back spaces it out further; answering it
  again before it is due keeps its box (cramming does not move it up), and so does a right
  answer in the same session as a miss: a missed level must be got right in a later session;
- a problem answered right only with hints, or left unfinished (quit before its last gradient),
  keeps the box and comes back after its interval.

A difficulty rises when the learner masters the one below: once a level reaches box 3 (right
on two separate days since its last miss) the next difficulty of that kind joins the schedule.
A kind never practised starts at easy; `drill --review` takes it only when nothing practised is due.

The same boxes schedule the flashcards (see `cards.py`): again -> box 1, good -> up one box,
easy -> up two.

Everything here is a pure function of the history and a clock (`now`), so tests can squeeze a
week of practice into a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import cycle, groupby, islice

from handgrad_cli.attempts import Attempt
from handgrad_cli.problem import DIFFICULTIES, Problem, ProblemId

BOX_DAYS = (1, 2, 4, 8, 16)  # box n comes back after BOX_DAYS[n - 1] days
TOP_BOX = len(BOX_DAYS)
MASTERED_BOX = 3

MISS, HINTED, CLEAN = "miss", "hinted", "clean"


def parse_time(text: str) -> datetime:
    """An ISO 8601 UTC time as the history keeps it, e.g. 2026-11-25T17:00:05Z."""
    return datetime.fromisoformat(text)


def interval(box: int) -> timedelta:
    return timedelta(days=BOX_DAYS[box - 1])


def moved(box: int, steps: int) -> int:
    """The box after a result: steps < 0 means back to box 1."""
    return 1 if steps < 0 else min(TOP_BOX, box + steps)


@dataclass(frozen=True)
class Level:
    """A (kind, difficulty) in the schedule."""

    kind: str
    difficulty: str
    box: int = 1
    due: datetime | None = None  # None: new, due now
    results: int = 0
    misses: int = 0
    missed_in: str | None = None  # the session of the last miss

    def is_due(self, now: datetime) -> bool:
        return self.due is None or self.due <= now

    def after(self, result: str, at: datetime, session: str = "") -> Level:
        """This level after one problem's result at time `at` in a drill session."""
        counted = replace(self, results=self.results + 1, misses=self.misses + (result == MISS))
        if result == MISS:
            return replace(counted, box=1, due=at, missed_in=session)
        if result == CLEAN and self.is_due(at) and (session != self.missed_in or not session):
            box = moved(self.box, 1)
            return replace(counted, box=box, due=at + interval(box))
        if result == HINTED:
            return replace(counted, due=at + interval(self.box))
        return counted  # clean but early: no change to the schedule


@dataclass(frozen=True)
class ProblemResult:
    """One problem of a drill: all its graded gradients together."""

    at: datetime  # when its last gradient was graded
    session: str
    kind: str
    difficulty: str
    result: str


def problem_results(attempts: Iterable[Attempt]) -> list[ProblemResult]:
    """The attempts grouped into problems (one session's gradients of one problem, in a row), oldest first.

    Sessions are apart first, so two drills at once do not split each other's problems.
    """
    ordered = sorted(attempts, key=lambda attempt: (attempt.session, attempt.answered_at))
    results = []
    for _, group in groupby(ordered, key=lambda attempt: (attempt.session, attempt.problem_id)):
        graded = list(group)
        if not all(attempt.right_first_time for attempt in graded):  # a corrected first try is still a miss
            result = MISS
        elif any(attempt.hints_used for attempt in graded) or not _finished(graded):
            result = HINTED
        else:
            result = CLEAN
        last = graded[-1]
        results.append(ProblemResult(parse_time(last.answered_at), last.session, last.kind, last.difficulty, result))
    return sorted(results, key=lambda result: result.at)


def _finished(graded: list[Attempt]) -> bool:
    """Every gradient the problem asks was graded."""
    return finished_with(graded[0].problem_id, {attempt.gradient for attempt in graded})


def finished_with(problem_id: str, gradients: Iterable[str]) -> bool:
    """The gradients graded are all the problem asks (a kind or an ID no longer known counts as finished)."""
    from handgrad_cli.kinds import asked_of

    asked = asked_of(problem_id)
    return asked is None or set(asked) <= set(gradients)


def levels(attempts: Iterable[Attempt], kinds: Sequence[str]) -> dict[tuple[str, str], Level]:
    """Every level of `kinds` in the schedule: those practised, and the next difficulty of each mastered one."""
    known = set(kinds)
    schedule: dict[tuple[str, str], Level] = {}
    for result in problem_results(attempts):
        if result.kind not in known or result.difficulty not in DIFFICULTIES:
            continue
        key = (result.kind, result.difficulty)
        schedule[key] = schedule.get(key, Level(*key)).after(result.result, result.at, result.session)
    return with_unlocked(schedule, kinds)


def with_unlocked(schedule: dict[tuple[str, str], Level], kinds: Sequence[str]) -> dict[tuple[str, str], Level]:
    """The practised levels, and the next difficulty of each mastered one (the first of a kind never practised)."""
    for kind in kinds:
        for key in _unlocked(kind, schedule):
            schedule.setdefault(key, Level(*key))
    return schedule


def _unlocked(kind: str, schedule: dict[tuple[str, str], Level]) -> list[tuple[str, str]]:
    """Every difficulty above a mastered one; a kind never practised starts at the first."""
    practised = any((kind, difficulty) in schedule for difficulty in DIFFICULTIES)
    unlocked = [] if practised else [(kind, DIFFICULTIES[0])]
    for lower, higher in zip(DIFFICULTIES, DIFFICULTIES[1:]):
        level = schedule.get((kind, lower))
        if level is not None and level.box >= MASTERED_BOX:
            unlocked.append((kind, higher))
    return unlocked


def queue(schedule: dict[tuple[str, str], Level], now: datetime) -> list[Level]:
    """Levels in the order review takes them: due ones first (lowest box, most overdue), then the rest."""
    def priority(level: Level):
        due = level.due or now
        return (not level.is_due(now), level.box, due, DIFFICULTIES.index(level.difficulty), level.kind)

    return sorted(schedule.values(), key=priority)


def review_levels(attempts: Iterable[Attempt], kinds: Sequence[str], now: datetime) -> list[Level]:
    """The levels `drill --review` takes in turn: the practised ones that are due, else the new ones,
    else the one due soonest."""
    return chosen_levels(levels(attempts, kinds), now)


def chosen_levels(schedule: dict[tuple[str, str], Level], now: datetime) -> list[Level]:
    """`review_levels` of a schedule already worked out."""
    ordered = queue(schedule, now)
    due = [level for level in ordered if level.is_due(now)]
    return [level for level in due if level.results] or due or ordered[:1]


def review_problems(attempts: Iterable[Attempt], kinds: Sequence[str], now: datetime, count: int,
                    seed: int) -> Iterator[Problem]:
    """`count` problems for `drill --review`, the review levels in turn, made one at a time as they are
    asked for: the first comes at once however large `count` is, and memory stays flat."""
    return problems_of(review_levels(attempts, kinds, now), count, seed)


def problems_of(chosen: Sequence[Level], count: int, seed: int) -> Iterator[Problem]:
    """`count` problems of the chosen levels in turn, made one at a time."""
    from handgrad_cli.kinds import set_problems

    return (next(set_problems([level.kind], 1, seed, level.difficulty, "review", i))  # a sound one, as sets ask
            for i, level in enumerate(islice(cycle(chosen), count)))


def review_ids(attempts: Iterable[Attempt], kinds: Sequence[str], now: datetime, count: int,
               seed: int) -> Iterator[ProblemId]:
    """The IDs of `review_problems`."""
    return (problem.id for problem in review_problems(attempts, kinds, now, count, seed))


class Taken:
    """The problems of a review as the drill takes them, one at a time, remembering the IDs taken."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self._problems, self.asked = iter(problems), []  # asked: as many as the learner saw, not `count`

    def __iter__(self) -> Taken:
        return self

    def __next__(self) -> Problem:
        problem = next(self._problems)
        self.asked.append(problem.id)
        return problem
