"""The practice history: one SQLite file (the standard library's `sqlite3`) in the data directory.

Every graded answer is its own transaction (autocommit), written the moment it is graded, so a
session killed with SIGKILL keeps every answer graded before it. WAL and a busy timeout let two
drills in two terminals write at once without losing anything.

The schema is versioned with `PRAGMA user_version`: `MIGRATIONS[i]` takes a file from version i
to version i + 1, so an older file is brought forward step by step when it is opened.
"""

from __future__ import annotations

import shlex
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from handgrad_cli.attempts import ATTEMPT_FIELDS, CARD_REVIEW_FIELDS, Attempt, CardReview
from handgrad_cli.errors import UserError

BUSY_TIMEOUT_MS = 10_000

T = TypeVar("T")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 0 -> 1: the graded answers
    (
        """CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            answered_at TEXT NOT NULL,
            problem_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            gradient TEXT NOT NULL,
            correct INTEGER NOT NULL,
            mistake TEXT,
            hints_used INTEGER NOT NULL,
            seconds REAL NOT NULL
        )""",
    ),
    # 1 -> 2: attempts grouped by drill session; the flashcards' self-grades
    (
        "ALTER TABLE attempts ADD COLUMN session TEXT NOT NULL DEFAULT ''",
        "CREATE INDEX attempts_by_level ON attempts (kind, difficulty, answered_at)",
        """CREATE TABLE card_reviews (
            id INTEGER PRIMARY KEY,
            reviewed_at TEXT NOT NULL,
            card_id TEXT NOT NULL,
            deck TEXT NOT NULL,
            grade TEXT NOT NULL CHECK (grade IN ('again', 'good', 'easy'))
        )""",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def utc_stamp(moment: datetime) -> str:
    """The history's time format: UTC, ISO 8601, to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class HistoryError(UserError):
    """The history file cannot be used; the message says which file and what to do."""


def unreadable(path: Path) -> HistoryError:
    aside = path.with_name(path.name + ".bak")
    return HistoryError(f"{path} is not a readable handgrad database: move it aside "
                        f"(mv {shlex.quote(str(path))} {shlex.quote(str(aside))}) or drill with --no-history")


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """sqlite3's errors, as one line a learner can act on."""
    try:
        yield
    except HistoryError:
        raise
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise HistoryError(f"{path} is busy (another handgrad is writing): try again") from None
        if "unable to open" in str(error) or "readonly" in str(error):
            raise HistoryError(f"cannot write the history at {path}: check its permissions, set HANDGRAD_HOME "
                               "to another folder, or drill with --no-history") from None
        raise unreadable(path) from None
    except sqlite3.DatabaseError:
        raise unreadable(path) from None


class History:
    """An open history file. `record` is a drill's `Recorder`."""

    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    def __call__(self, attempt: Attempt) -> None:
        self.record(attempt)

    def record(self, attempt: Attempt) -> None:
        values = [getattr(attempt, name) for name in ATTEMPT_FIELDS]
        self._insert("attempts", ATTEMPT_FIELDS, values)

    def record_review(self, review: CardReview) -> None:
        self._insert("card_reviews", CARD_REVIEW_FIELDS, [getattr(review, name) for name in CARD_REVIEW_FIELDS])

    def _insert(self, table: str, columns: tuple[str, ...], values: list) -> None:
        marks = ", ".join("?" for _ in columns)
        with _translated(self.path):  # one statement in autocommit mode: its own transaction
            self._db.execute(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", values)

    def attempts(self) -> list[Attempt]:
        """Every attempt, oldest first."""
        rows = self._select(f"SELECT {', '.join(ATTEMPT_FIELDS)} FROM attempts ORDER BY answered_at, id")
        return [_attempt(dict(zip(ATTEMPT_FIELDS, row))) for row in rows]

    def card_reviews(self) -> list[CardReview]:
        """Every flashcard self-grade, oldest first."""
        rows = self._select(f"SELECT {', '.join(CARD_REVIEW_FIELDS)} FROM card_reviews ORDER BY reviewed_at, id")
        return [CardReview(*row) for row in rows]

    def _select(self, sql: str) -> list[tuple]:
        with _translated(self.path):
            return self._db.execute(sql).fetchall()

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _attempt(row: dict) -> Attempt:
    return Attempt(**row | {"correct": bool(row["correct"])})  # SQLite keeps booleans as 0 and 1


def open_history(path: Path) -> History:
    """Open (creating if need be) and migrate the history at `path`; raises HistoryError."""
    with _translated(path):
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise HistoryError(f"cannot create {path.parent}: {error.strerror}; set HANDGRAD_HOME "
                               "to a folder you can write, or drill with --no-history") from None
        return History(_connect(path), path)


def _connect(path: Path) -> sqlite3.Connection:
    """A prepared connection. SQLite answers "locked" without waiting in a few cases (two openers
    switching a new file to WAL at once), so opening is tried again for as long as the busy timeout."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        try:
            _prepare(connection, path)
            return connection
        except sqlite3.OperationalError as error:
            connection.close()
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
        except BaseException:
            connection.close()
            raise


def _prepare(connection: sqlite3.Connection, path: Path) -> None:
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA journal_mode = WAL")  # reads the header: a damaged file fails here
    connection.execute("PRAGMA synchronous = NORMAL")  # WAL keeps committed rows through a killed process
    migrate(connection, path)


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the schema forward, one step a migration, in one transaction (safe with two openers)."""
    if _version(connection) == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")  # the first of two concurrent openers migrates; the other waits
    try:
        version = _version(connection)
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{path} was written by a newer handgrad (schema {version}): upgrade handgrad, "
                               "or set HANDGRAD_HOME to another folder")
        if version == 0 and connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise unreadable(path)  # a SQLite file, but someone else's
        for steps in MIGRATIONS[version:]:
            for statement in steps:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


def _read(path: Path, read: Callable[[History], T], empty: T) -> T:
    """What `read` takes from the file, or `empty` if there is no file yet (nothing is created)."""
    if not path.exists():
        return empty
    with open_history(path) as history:
        return read(history)


def read_history(path: Path) -> tuple[list[Attempt], list[CardReview]]:
    """Every attempt and card grade in the file, or none if there is no file yet (nothing is created)."""
    return _read(path, lambda history: (history.attempts(), history.card_reviews()), ([], []))


def read_attempts(path: Path) -> list[Attempt]:
    """Every attempt (the card grades are not read)."""
    return _read(path, History.attempts, [])


def read_card_reviews(path: Path) -> list[CardReview]:
    """Every card grade (the attempts are not read)."""
    return _read(path, History.card_reviews, [])
