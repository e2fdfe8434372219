"""Attempts and clocks for the progress tests: a week of practice without waiting a week."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from handgrad_cli.attempts import Attempt, Try
from handgrad_cli.history import utc_stamp

MONDAY = datetime(2026, 11, 16, 9, 0, tzinfo=timezone.utc)


def day(n: int, hour: int = 9, minute: int = 0) -> datetime:
    """Day n of the practice week, at hour:minute UTC."""
    return MONDAY + timedelta(days=n, hours=hour - 9, minutes=minute)


def make_attempt(at: datetime = MONDAY, *, kind: str = "softmax-ce", difficulty: str = "medium",
                 correct: bool = True, mistake: str | None = None, hints: int = 0, session: str = "s1",
                 problem: str | None = None, gradient: str = "dlogits", seconds: float = 12.5,
                 status: str | None = None, tries: tuple[Try, ...] = ()) -> Attempt:
    """A settled gradient: right or wrong by `correct`, unless `status` says otherwise."""
    problem_id = problem or f"{kind}-{difficulty[0]}{at.day}{at.hour}{at.minute}"
    status = status or ("right" if correct else "wrong")
    return Attempt(utc_stamp(at), session, problem_id, kind, difficulty, gradient, status,
                   None if status in ("right", "right after a miss") else mistake, hints, seconds, tries)


def make_problem(at: datetime = MONDAY, *, kind: str = "softmax-ce", **fields) -> list[Attempt]:
    """One finished problem: an attempt for every gradient its kind asks."""
    from handgrad_cli.kinds import get_kind

    return [make_attempt(at, kind=kind, gradient=gradient, **fields) for gradient in get_kind(kind).gradients]
