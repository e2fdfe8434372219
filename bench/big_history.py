"""A practice history of a learner of a few years, made fast for the bench: sessions of a few problems, several
a day, over every kind and difficulty, each gradient with its tries, ending today, written in bulk."""

from __future__ import annotations

import random
import sqlite3
from datetime import datetime, timedelta, timezone
from contextlib import closing
from pathlib import Path

from handgrad_cli.history import open_history, utc_stamp

STATUSES = ("right", "right after a miss", "wrong", "skipped", "revealed", "explained")
MISTAKES = ("sign-flipped", "forgot-onehot", "forgot-batch-mean", "dout-dropped", "swapped-dw-dx", "no-transpose")


def _asked(kind: str, difficulty: str) -> tuple[str, ...]:
    from handgrad_cli.kinds import asked_of

    return asked_of(f"{kind}-{difficulty[0]}1") or ("d" + kind,)


def make_history(path: Path, answers: int, seed: int = 1, kinds: tuple[str, ...] | None = None) -> Path:
    """A history of about `answers` settled gradients (and their tries) at `path`, in one transaction."""
    from handgrad_cli.kinds import KINDS
    from handgrad_cli.problem import DIFFICULTIES

    random_ = random.Random(seed)
    kinds = kinds or tuple(KINDS)
    asked = {(kind, difficulty): _asked(kind, difficulty) for kind in kinds for difficulty in DIFFICULTIES}
    open_history(path).close()
    attempts, tries = [], []
    moment = datetime(2023, 1, 2, 18, 0, tzinfo=timezone.utc)
    session = 0
    while len(attempts) < answers:
        session += 1
        moment += timedelta(minutes=random_.choice((30, 60, 90, 150)))  # 500,000 answers in about 3 years
        at = moment
        for _ in range(random_.randint(3, 12)):
            kind, difficulty = random_.choice(kinds), random_.choice(DIFFICULTIES)
            problem_id = f"{kind}-{difficulty[0]}{random_.randrange(10**6)}"
            for gradient in asked[(kind, difficulty)]:
                row = len(attempts) + 1
                at += timedelta(seconds=random_.randint(5, 90))
                status = random_.choices(STATUSES, (70, 12, 10, 3, 3, 2))[0]
                mistake = random_.choice(MISTAKES) if status == "wrong" and random_.random() < 0.6 else None
                attempts.append((row, at, f"s{session}", problem_id, kind, difficulty, gradient, status,
                                 mistake, random_.choice((0, 0, 0, 1, 2)), 12.5))
                graded = [(False, random_.choice(MISTAKES) if random_.random() < 0.5 else None)] \
                    if status in ("right after a miss", "wrong") else []
                graded += [(True, None)] if status in ("right", "right after a miss") else \
                    [(False, mistake)] if status == "wrong" else []
                tries += [(row, number, correct, slip, 0, 6.0) for number, (correct, slip) in enumerate(graded, 1)]
    shift = datetime.now(timezone.utc) - attempts[-1][1]  # the last answer a moment ago
    attempts = [(row, utc_stamp(at + shift), *rest) for row, at, *rest in attempts]
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany("INSERT INTO attempts (id, answered_at, session, problem_id, kind, difficulty, gradient, "
                               f"status, mistake, hints_used, seconds) VALUES ({', '.join('?' * 11)})", attempts)
        connection.executemany("INSERT INTO tries (attempt, number, correct, mistake, hints_used, seconds) "
                               "VALUES (?, ?, ?, ?, ?, ?)", tries)
    return path
