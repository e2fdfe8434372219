"""The practice history: one SQLite file (the standard library's `sqlite3`) in the data directory.

Every graded try is written in its own transaction the moment it is graded, before its verdict is
shown, so a session killed with SIGKILL keeps every try it showed a verdict for. WAL and a busy
timeout let two drills in two terminals write at once without losing anything.

The schema is versioned with `PRAGMA user_version`: `MIGRATIONS[i]` takes a file from version i
to version i + 1, all in one transaction, so an older file is brought forward whole or not at all.
A file is checked to be handgrad's (its `application_id`, its tables and their columns, its
version) through a connection that cannot write before anything writes to it: a file that is
not handgrad's is left exactly as it was. Reading (`stats`, `history`) never writes or creates
anything, so a history on read-only media can be read.
"""

from __future__ import annotations

import errno
import functools
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TypeVar

from handgrad_cli.attempts import (ANSWERED, ATTEMPT_FIELDS, CARD_GRADES, CARD_REVIEW_FIELDS, PATH_STEP_FIELDS, STATUSES,
                                   TRY_FIELDS, Attempt, CardReview, PathStep, Try)
from handgrad_cli.errors import UserError, shell_word, shown_path
from handgrad_cli.paths import history_file_exists

BUSY_TIMEOUT_MS = 10_000
APPLICATION_ID = 0x68677264  # "hgrd": the header says the file is handgrad's (set from version 3 on)
APPLICATION_ID_SINCE = 3
SQLITE_HEADER = b"SQLite format 3\x00"

T = TypeVar("T")

# An old row keeps its meaning: it was right (no miss before it was kept), revealed by the last hint,
# or not solved (a skip, an explain and a wrong answer were all kept alike: they stay wrong).
OLD_STATUS = "CASE WHEN correct THEN 'right' WHEN hints_used >= 3 THEN 'revealed' ELSE 'wrong' END"


def _listed(values: Sequence[str]) -> str:
    return ", ".join("'" + value.replace("'", "''") + "'" for value in values)


# The reader's checks in SQL, so that figures aggregated by SQLite leave out exactly the rows the reader
# leaves out. A time in the history's own format (UTC, to the second) is checked here; the reader judges
# any other (`hg_time`, which `History.rows` provides).
CANONICAL_TIME = "'[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]Z'"
_IN_RANGE = f"answered_at GLOB {CANONICAL_TIME} AND answered_at BETWEEN '0001-01-17' AND '9999-12-16'"


def _readable(other_times: str) -> str:
    """The reader's checks of an attempts row, `other_times` judging a time not in the history's own format."""
    return (
        f"coalesce(status IN ({_listed(STATUSES)}) AND typeof(session) = 'text' AND typeof(problem_id) = 'text' "
        "AND typeof(kind) = 'text' AND typeof(difficulty) = 'text' AND typeof(gradient) = 'text' "
        "AND typeof(mode) = 'text' AND (mistake IS NULL OR typeof(mistake) = 'text') "
        "AND typeof(hints_used) = 'integer' AND hints_used >= 0 AND typeof(seconds) IN ('integer', 'real') "
        # days 1 to 28 of any month need no calendar; the others are checked by SQLite's
        f"AND CASE WHEN {_IN_RANGE} AND substr(answered_at, 6, 2) BETWEEN '01' AND '12' "
        "AND substr(answered_at, 9, 2) BETWEEN '01' AND '28' AND substr(answered_at, 12, 2) <= '23' THEN 1 "
        f"WHEN {_IN_RANGE} AND strftime('%Y-%m-%dT%H:%M:%SZ', answered_at, '+0 days') = answered_at THEN 1 "
        f"ELSE {other_times} END, 0)")


READABLE = _readable("hg_time(answered_at)")
# What SQLite alone can tell (any other time is left to the reader): the index `attempts_to_check` holds
# the settled rows it cannot vouch for, so that finding them reads no other row.
SURELY_READABLE = _readable("0")
TO_CHECK = f"status IS NOT NULL AND NOT {SURELY_READABLE}"
READABLE_TRY = ("coalesce(t.correct IN (0, 1) AND typeof(t.number) = 'integer' AND t.number >= 0 "
                "AND (t.mistake IS NULL OR typeof(t.mistake) = 'text') AND typeof(t.hints_used) = 'integer' "
                "AND t.hints_used >= 0 AND typeof(t.seconds) IN ('integer', 'real'), 0)")

BY_TIME = "CREATE INDEX attempts_by_time ON attempts (answered_at, status, kind)"

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
    # 2 -> 3: a status per gradient instead of correct, every graded try, and the file says it is handgrad's
    (
        "ALTER TABLE attempts RENAME TO attempts_v2",
        f"""CREATE TABLE attempts (
            id INTEGER PRIMARY KEY,
            answered_at TEXT NOT NULL,
            session TEXT NOT NULL,
            problem_id TEXT NOT NULL,
            kind TEXT NOT NULL,
            difficulty TEXT NOT NULL,
            gradient TEXT NOT NULL,
            status TEXT CHECK (status IN ({", ".join(repr(status) for status in STATUSES)})),
            mistake TEXT,
            hints_used INTEGER NOT NULL,
            seconds REAL NOT NULL
        )""",
        f"""INSERT INTO attempts (id, answered_at, session, problem_id, kind, difficulty, gradient, status, mistake,
                                  hints_used, seconds)
            SELECT id, answered_at, session, problem_id, kind, difficulty, gradient, {OLD_STATUS}, mistake,
                   hints_used, seconds FROM attempts_v2""",
        "DROP TABLE attempts_v2",
        "CREATE INDEX attempts_by_level ON attempts (kind, difficulty, answered_at)",
        """CREATE TABLE tries (
            id INTEGER PRIMARY KEY,
            attempt INTEGER NOT NULL REFERENCES attempts (id),
            number INTEGER NOT NULL,
            correct INTEGER NOT NULL,
            mistake TEXT,
            hints_used INTEGER NOT NULL,
            seconds REAL NOT NULL
        )""",
        "CREATE INDEX tries_by_attempt ON tries (attempt, number)",
        f"PRAGMA application_id = {APPLICATION_ID}",
    ),
    # 3 -> 4: how each gradient was asked (a drill or a debug problem), and the steps of the path done
    (
        "ALTER TABLE attempts ADD COLUMN mode TEXT NOT NULL DEFAULT 'drill'",
        """CREATE TABLE path_steps (
            id INTEGER PRIMARY KEY,
            done_at TEXT NOT NULL,
            session TEXT NOT NULL,
            stage TEXT NOT NULL,
            step TEXT NOT NULL,
            passed INTEGER NOT NULL
        )""",
    ),
    # 4 -> 5: indexes that let `stats` and the review aggregate a history of years without sorting or
    # reading every row: by time, by level and mode, by session, and the few rows to check (each with the
    # kind, for `stats KIND...`)
    (
        BY_TIME,
        "CREATE INDEX attempts_by_mode ON attempts (kind, difficulty, mode, status, mistake)",
        "CREATE INDEX attempts_by_session ON attempts (session, answered_at, status, kind)",
        f"CREATE INDEX attempts_to_check ON attempts (answered_at) WHERE {TO_CHECK}",
    ),
)
SCHEMA_VERSION = len(MIGRATIONS)


def utc_stamp(moment: datetime) -> str:
    """The history's time format: UTC, ISO 8601, to the second."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class HistoryError(UserError):
    """The history file cannot be used; the message says which file and what to do."""


class DamagedHistory(HistoryError):
    """The file is damaged or not handgrad's (said only after a second look: see `_looked_at_twice`)."""


def unreadable(path: Path) -> HistoryError:
    """Only for a file that is damaged or not handgrad's: moving it aside loses nothing of handgrad's."""
    aside = path.with_name(path.name + ".bak")
    return DamagedHistory(f"{shown_path(path)} is not a readable handgrad database: move it aside "
                          f"(mv {shell_word(path)} {shell_word(aside)}) or drill with --no-history")


def busy(path: Path) -> HistoryError:
    return HistoryError(f"{shown_path(path)} is busy (another handgrad is writing): try again in a moment")


def os_problem(path: Path, code: int, detail: str = "") -> HistoryError:
    """Why `path` (the file or its folder) cannot be written, told apart from damage, with what to do."""
    elsewhere = "set HANDGRAD_HOME to a folder you can write, or drill with --no-history"
    if code == errno.ENOSPC:
        return HistoryError(f"cannot write {shown_path(path)}: the disk is full; the history is intact: "
                            "free some space, or drill with --no-history")
    if code == errno.EROFS:
        return HistoryError(f"cannot write {shown_path(path)}: it is on read-only media; the history is intact "
                            f"(stats and history can read it): {elsewhere}")
    if code == errno.EFBIG:
        return HistoryError(f"cannot write {shown_path(path)}: it would pass the file-size limit (`ulimit -f`, "
                            f"{_file_size_limit():,} bytes); the history is intact: raise the limit "
                            "(ulimit -f unlimited), or drill with --no-history")
    if code in (errno.EACCES, errno.EPERM):
        return HistoryError(f"no permission to use {shown_path(path)}; the history is intact: "
                            f"check the permissions of the file and its folder, or {elsewhere}")
    return HistoryError(f"cannot read or write {shown_path(path)}: {detail or os.strerror(code)}: check the disk, or {elsewhere}")


def _write_errno(path: Path) -> int:
    """What the file system says stops a write to `path`, when SQLite only says it could not."""
    target = path if path.exists() else path.parent
    statvfs = getattr(os, "statvfs", None)
    stat = statvfs(target) if statvfs else None
    if stat and stat.f_flag & os.ST_RDONLY:
        return errno.EROFS
    if not os.access(path.parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        return errno.EACCES
    if _near_the_file_size_limit(path):
        return errno.EFBIG
    if stat and stat.f_bavail * stat.f_frsize < 1 << 20:  # an I/O error with less than a MiB free: full
        return errno.ENOSPC
    return errno.EIO


def _file_size_limit() -> int | None:
    """The process's limit on the size of a file it writes (`ulimit -f`), in bytes; None when there is none."""
    try:
        import resource
    except ImportError:  # Windows
        return None
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)[0]
    return None if limit == resource.RLIM_INFINITY else limit


def _near_the_file_size_limit(path: Path) -> bool:
    """The history or its journal is within a MiB of `ulimit -f`: what SQLite calls an I/O error is EFBIG
    (Python ignores SIGXFSZ, so the write fails instead of ending the process)."""
    limit = _file_size_limit()
    if limit is None:
        return False
    sizes = [os.stat(file).st_size for suffix in ("", "-wal", "-journal")
             if (file := path.with_name(path.name + suffix)).is_file()]
    return max(sizes, default=0) + (1 << 20) >= limit


def sqlite_problem(path: Path, error: sqlite3.DatabaseError) -> HistoryError:
    name = getattr(error, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return busy(path)
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return unreadable(path)
    if name == "SQLITE_FULL":
        return os_problem(path, errno.ENOSPC)
    if name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_IOERR", "SQLITE_PERM")):
        return os_problem(path, _write_errno(path), str(error))
    return HistoryError(f"cannot use {shown_path(path)}: {error}: try again, or drill with --no-history")


@contextmanager
def _translated(path: Path) -> Iterator[None]:
    """sqlite3's and the file system's errors, as one line a learner can act on."""
    try:
        yield
    except HistoryError:
        raise
    except sqlite3.DatabaseError as error:
        raise sqlite_problem(path, error) from None
    except OSError as error:
        raise os_problem(path, error.errno or errno.EIO, error.strerror or str(error)) from None


def _warn(line: str) -> None:
    print(line, file=sys.stderr)


# --- the history --------------------------------------------------------------------------


class History:
    """An open history file. A History is a drill's `Recorder`."""

    def __init__(self, connection: sqlite3.Connection, path: Path, warn: Callable[[str], None] = _warn) -> None:
        self._db = connection
        self.path = path
        self._warn = warn
        self._open: dict[tuple[str, str, str], tuple[int, int]] = {}  # gradient -> (its row, tries written)
        self._kinds: Sequence[str] | None = None  # the kinds read (`of_kinds`), or every kind

    def of_kinds(self, kinds: Sequence[str]) -> History:
        """The history, reading from now on the gradients of `kinds` only (`settled` and `attempts`)."""
        self._kinds = kinds
        return self

    def _of_kinds(self, table: str) -> str:
        """The condition on the kind, which never chooses the index a query reads (`+`): every index used for the
        whole history has the kind, and the one by kind would have SQLite read all of a kind's rows per lookup."""
        return "" if self._kinds is None else f" AND +{table}.kind IN ({_listed(self._kinds)})"

    def __call__(self, attempt: Attempt) -> None:
        self.record(attempt)

    def record(self, attempt: Attempt) -> None:
        """Write a gradient as it stands, in one transaction: the tries not yet written, and its status
        once settled. The first call for a gradient adds its row; later calls bring it up to date."""
        key = (attempt.session, attempt.problem_id, attempt.gradient)
        row, written = self._open.pop(key, (None, 0))
        with self._transaction():
            values = [getattr(attempt, name) for name in ATTEMPT_FIELDS]
            if row is None:
                row = self._db.execute(f"INSERT INTO attempts ({', '.join(ATTEMPT_FIELDS)}) "
                                       f"VALUES ({', '.join('?' for _ in values)})", values).lastrowid
            else:
                columns = ", ".join(f"{name} = ?" for name in ATTEMPT_FIELDS)
                self._db.execute(f"UPDATE attempts SET {columns} WHERE id = ?", [*values, row])
            for graded in attempt.tries[written:]:
                self._db.execute(f"INSERT INTO tries (attempt, {', '.join(TRY_FIELDS)}) VALUES (?, ?, ?, ?, ?, ?)",
                                 [row, *(getattr(graded, name) for name in TRY_FIELDS)])
        if attempt.status is None:
            self._open[key] = (row, len(attempt.tries))

    def record_review(self, review: CardReview) -> None:
        values = [getattr(review, name) for name in CARD_REVIEW_FIELDS]
        with self._transaction():
            self._db.execute(f"INSERT INTO card_reviews ({', '.join(CARD_REVIEW_FIELDS)}) VALUES (?, ?, ?, ?)", values)

    def record_step(self, step: PathStep) -> None:
        with self._transaction():
            self._db.execute(f"INSERT INTO path_steps ({', '.join(PATH_STEP_FIELDS)}) VALUES (?, ?, ?, ?, ?)", step)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with _translated(self.path):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def attempts(self, unsettled: bool = False, warned: bool = False, where: str = "1", params: Sequence = ()
                 ) -> list[Attempt]:
        """Every settled gradient with its tries, oldest first (and those left mid-way, if `unsettled`), of
        those `where` keeps. A row handgrad cannot read is skipped, with one warning line (unless the learner
        was `warned` already)."""
        kept = (where if unsettled else f"status IS NOT NULL AND ({where})") + self._of_kinds("attempts")
        rows = self._select(f"SELECT id, {', '.join(ATTEMPT_FIELDS)} FROM attempts WHERE {kept} ORDER BY answered_at, id",
                            params)
        ids = json.dumps([row[0] for row in rows])
        some = where != "1" or self._kinds is not None
        tries = self._tries("attempt IN (SELECT value FROM json_each(?))", (ids,)) if some else self._tries()
        return self._readable("attempts", rows, lambda row: _attempt(row[1:], tries.get(row[0], ())), warned)

    def is_empty(self) -> bool:
        """Nothing answered yet: no try graded and no gradient answered (a first drill is easy by this)."""
        answered = ", ".join(f"'{status}'" for status in ANSWERED)
        return not self._select(f"SELECT 1 FROM attempts WHERE status IN ({answered}) "
                                "OR id IN (SELECT attempt FROM tries) LIMIT 1")

    def _tries(self, where: str = "1", params: Sequence = ()) -> dict[int, tuple[Try, ...]]:
        found: dict[int, list[Try]] = {}
        for row in self._select(f"SELECT attempt, {', '.join(TRY_FIELDS)} FROM tries WHERE {where} "
                                "ORDER BY attempt, number, id", params):
            try:
                found.setdefault(row[0], []).append(_try(row[1:]))
            except ValueError:
                pass  # the gradient's row is still read; a try that cannot be read is left out
        return {attempt: tuple(tries) for attempt, tries in found.items()}

    def card_reviews(self) -> list[CardReview]:
        """Every flashcard self-grade, oldest first; a row handgrad cannot read is skipped, with one warning line."""
        rows = self._select(f"SELECT id, {', '.join(CARD_REVIEW_FIELDS)} FROM card_reviews ORDER BY reviewed_at, id")
        return self._readable("card_reviews", rows, lambda row: _card_review(row[1:]))

    def path_steps(self) -> list[PathStep]:
        """Every step of the path done, oldest first; a row handgrad cannot read is skipped, with one warning line."""
        rows = self._select(f"SELECT id, {', '.join(PATH_STEP_FIELDS)} FROM path_steps ORDER BY done_at, id")
        return self._readable("path_steps", rows, lambda row: _path_step(row[1:]))

    def _readable(self, table: str, rows: list[tuple], read: Callable[[tuple], T], warned: bool = False) -> list[T]:
        kept, skipped = [], []
        for row in rows:
            try:
                kept.append(read(row))
            except ValueError as error:
                skipped.append(f"{table} row {row[0]}: {error}")
        if skipped and not warned:
            rows_word = "row" if len(skipped) == 1 else "rows"
            self._warn(f"handgrad: warning: skipped {len(skipped)} {rows_word} of {shown_path(self.path)} that handgrad "
                       f"cannot read ({skipped[0]})")
        return kept

    def _select(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with _translated(self.path):
            return self._db.execute(sql, params).fetchall()

    def rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        """A query's rows, for figures worked out in SQL (`settled()` selects the rows to count)."""
        with _translated(self.path):
            return self._db.execute(sql, params).fetchall()

    def settled(self, table: str = "attempts") -> str:
        """A condition on `table` (an attempts table or its alias) that keeps the settled gradients handgrad can
        read (of the kinds read, see `of_kinds`). The first call looks for the rows `READABLE` refuses (among those `attempts_to_check` holds,
        where the file has it) and warns of them as `attempts()` does; they are then left out by their row,
        so that every later query is a plain one."""
        skipped = ", ".join(str(row) for row in self._unreadable_rows)
        return (f"{table}.status IS NOT NULL" + (f" AND {table}.id NOT IN ({skipped})" if skipped else "")
                + self._of_kinds(table))

    @functools.cached_property
    def _unreadable_rows(self) -> list[int]:
        self._db.create_function("hg_time", 1, lambda value: int(readable_time(value)), deterministic=True)
        rows = self._select(f"SELECT id, {', '.join(ATTEMPT_FIELDS)}, {READABLE} FROM attempts WHERE {TO_CHECK} "
                            f"AND (NOT {READABLE} OR answered_at NOT GLOB {CANONICAL_TIME}) ORDER BY answered_at, id")
        unreadable = [row[:-1] for row in rows if not row[-1]]
        self._readable("attempts", unreadable, lambda row: _attempt(row[1:], ()))
        self._odd_times = len(unreadable) < len(rows)
        return [row[0] for row in unreadable]

    def has_index(self, statement: str) -> bool:
        """The file has the index `statement` makes (an older file read as it is, without migrating, has not)."""
        return bool(self._select("SELECT 1 FROM sqlite_master WHERE type = 'index' AND sql = ?", (statement,)))

    @property
    def odd_times(self) -> bool:
        """Some readable time is in another format than the history's own (and does not sort as text)."""
        return self._unreadable_rows is not None and self._odd_times

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


# --- reading rows, refusing what cannot be read --------------------------------------------


def _time(value) -> str:
    if readable_time(value):
        return value
    raise ValueError(f"time {_short(value)}")


def readable_time(value) -> bool:
    """A time with its zone, far enough from datetime's ends (years 1 and 9999) that the schedule's longest
    interval and any time zone can be added to it."""
    from handgrad_cli.review import BOX_DAYS, parse_time

    margin = timedelta(days=max(BOX_DAYS))
    try:
        moment = parse_time(value) if isinstance(value, str) else None
        if moment is not None and moment.tzinfo is not None:
            utc = moment.astimezone(timezone.utc)  # OverflowError within a day of the ends
            return _EARLIEST + margin <= utc <= _LATEST - margin
    except (ValueError, OverflowError):
        pass
    return False


_EARLIEST, _LATEST = (moment.replace(tzinfo=timezone.utc) for moment in (datetime.min, datetime.max))


def _text(value, optional: bool = False) -> str | None:
    if isinstance(value, str) or (optional and value is None):
        return value
    raise ValueError(f"text {_short(value)}")


def _count(value) -> int:
    if isinstance(value, int) and value >= 0:
        return value
    raise ValueError(f"count {_short(value)}")


def _number(value) -> float:
    if isinstance(value, (int, float)) and value == value:
        return float(value)
    raise ValueError(f"number {_short(value)}")


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 30 else text[:27] + "..."


def _attempt(row: tuple, tries: tuple[Try, ...]) -> Attempt:
    values = dict(zip(ATTEMPT_FIELDS, row))
    if values["status"] is not None and values["status"] not in STATUSES:
        raise ValueError(f"status {_short(values['status'])}")
    return Attempt(
        answered_at=_time(values["answered_at"]),
        session=_text(values["session"]),
        problem_id=_text(values["problem_id"]),
        kind=_text(values["kind"]),
        difficulty=_text(values["difficulty"]),
        gradient=_text(values["gradient"]),
        status=values["status"],
        mistake=_text(values["mistake"], optional=True),
        hints_used=_count(values["hints_used"]),
        seconds=_number(values["seconds"]),
        tries=tries,
        mode=_text(values["mode"]),
    )


def _try(row: tuple) -> Try:
    values = dict(zip(TRY_FIELDS, row))
    if values["correct"] not in (0, 1):
        raise ValueError(f"outcome {_short(values['correct'])}")
    return Try(_count(values["number"]), bool(values["correct"]), _text(values["mistake"], optional=True),
               _count(values["hints_used"]), _number(values["seconds"]))


def _path_step(row: tuple) -> PathStep:
    done_at, session, stage, step, passed = row
    if passed not in (0, 1):
        raise ValueError(f"passed {_short(passed)}")
    return PathStep(_time(done_at), _text(session), _text(stage), _text(step), bool(passed))


def _card_review(row: tuple) -> CardReview:
    reviewed_at, card_id, deck, grade = row
    if grade not in CARD_GRADES:
        raise ValueError(f"grade {_short(grade)}")
    return CardReview(_time(reviewed_at), _text(card_id), _text(deck), grade)


# --- checking a file before anything writes to it ------------------------------------------


def _tables(connection: sqlite3.Connection) -> dict[str, tuple[str, ...]]:
    """Each table and its columns, in order (SQLite's own tables left out)."""
    names = [row[0] for row in connection.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")]
    return {name: tuple(row[0] for row in connection.execute("SELECT name FROM pragma_table_info(?)", (name,)))
            for name in names}


@functools.cache
def expected_tables(version: int) -> dict[str, tuple[str, ...]]:
    """The tables of a handgrad file at `version`, as the migrations make them."""
    with closing(sqlite3.connect(":memory:")) as connection:
        for steps in MIGRATIONS[:version]:
            for statement in steps:
                connection.execute(statement)
        return _tables(connection)


def checked_version(connection: sqlite3.Connection, path: Path) -> int:
    """The file's schema version, once its header and tables say it is handgrad's; else HistoryError."""
    with _one_snapshot(connection):  # another opener's migration cannot commit between the three reads
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        owner = connection.execute("PRAGMA application_id").fetchone()[0]
        tables = _tables(connection)
    if version == 0 and not tables and owner in (0, APPLICATION_ID):
        return 0  # an empty file: handgrad's to fill
    if owner == APPLICATION_ID and version > SCHEMA_VERSION:
        raise HistoryError(f"{shown_path(path)} was written by a newer handgrad (schema {version}): upgrade handgrad, "
                           "or set HANDGRAD_HOME to another folder")
    if not 1 <= version <= SCHEMA_VERSION or tables != expected_tables(version):
        raise unreadable(path)
    if owner != (APPLICATION_ID if version >= APPLICATION_ID_SINCE else 0):
        raise unreadable(path)
    return version


@contextmanager
def _one_snapshot(connection: sqlite3.Connection) -> Iterator[None]:
    """What is read inside is one state of the file: a read transaction, unless one is already open."""
    if connection.in_transaction:
        yield
        return
    connection.execute("BEGIN")
    try:
        yield
    except BaseException:
        if connection.in_transaction:  # an I/O error may have ended it already
            connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")


SECOND_LOOK_SECONDS = 0.25  # long enough for another opener's migration or checkpoint of a history to end


def _looked_at_twice(look: Callable[[], T]) -> T:
    """`look()`, and once more after a moment before a file is called damaged: another handgrad creating
    the file or checkpointing it at that instant can show a reader that takes no locks a half-written page."""
    try:
        return look()
    except DamagedHistory:
        time.sleep(SECOND_LOOK_SECONDS)
        return look()


def _uri(path: Path, mode: str) -> str:
    return f"{path.resolve().as_uri()}?{mode}"


def _in_wal_mode_and_idle(path: Path) -> bool:
    """The header says WAL and no -wal file is there: no writer is at work, and the whole history is in
    the file itself. Opened with mode=ro, SQLite would make a -wal and -shm and leave them behind."""
    with open(path, "rb") as file:
        header = file.read(20)
    wal = header.startswith(SQLITE_HEADER) and header[18:20] == b"\x02\x02"
    return wal and not path.with_name(path.name + "-wal").exists()


def read_only_connection(path: Path) -> sqlite3.Connection:
    """A connection that cannot write and creates nothing: `immutable` when no writer is at work on a
    WAL file, else `mode=ro` (which takes the locks, so a writer's half-done work is not seen). Where even
    that cannot open (read-only media without the -shm file): a copy in memory of the file and its -wal
    (`immutable` would not read the -wal, where the last tries before a crash are), else `immutable`."""
    if not _in_wal_mode_and_idle(path):
        connection = sqlite3.connect(_uri(path, "mode=ro"), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            connection.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return connection
        except sqlite3.OperationalError as error:
            connection.close()
            if getattr(error, "sqlite_errorname", "").startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
                raise
        wal = path.with_name(path.name + "-wal")
        if wal.is_file() and wal.stat().st_size:
            return _copied_with_wal(path, wal)
    return sqlite3.connect(_uri(path, "immutable=1"), uri=True)


def _copied_with_wal(path: Path, wal: Path) -> sqlite3.Connection:
    """The file with its -wal applied, read from a temporary copy of both into memory (the copy is gone
    when this returns, and the file and its -wal are left as they were)."""
    with tempfile.TemporaryDirectory(prefix="handgrad-") as folder:
        copy = Path(folder) / path.name
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
        memory = sqlite3.connect(":memory:", isolation_level=None)
        with closing(sqlite3.connect(copy)) as disk:
            disk.backup(memory)
        return memory


def _inspect(path: Path) -> int:
    """The version of an existing file, checked without writing a byte of it."""
    def look() -> int:
        with _translated(path), closing(read_only_connection(path)) as connection:
            return checked_version(connection, path)

    return _looked_at_twice(look)


# --- opening for the drill and the cards (writing) -----------------------------------------


def open_history(path: Path, warn: Callable[[str], None] = _warn) -> History:
    """Open (creating if need be), check and migrate the history at `path`; raises HistoryError."""
    exists = history_file_exists(path)
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # a new data folder is the learner's alone
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM):
            raise os_problem(path.parent, error.errno) from None
        raise HistoryError(f"cannot create {shown_path(path.parent)}: {error.strerror}; set HANDGRAD_HOME "
                           "to a folder you can write, or drill with --no-history") from None
    with _translated(path):
        if exists:
            _inspect(path)  # a file that is not handgrad's stops here, untouched
        else:
            _create_private(path)
        return History(_looked_at_twice(lambda: _connect(path)), path, warn)


def _create_private(path: Path) -> None:
    """An empty file (an empty database to SQLite) that only its owner can read; SQLite gives its -wal and
    -shm the same permissions. Another handgrad creating it at the same instant is no trouble."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def _connect(path: Path) -> sqlite3.Connection:
    """A prepared connection. SQLite answers "locked" without waiting in a few cases (two openers
    switching a new file to WAL at once), so opening is tried again for as long as the busy timeout."""
    with _translated(path):
        return _connect_untranslated(path)


def _connect_untranslated(path: Path) -> sqlite3.Connection:
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
    checked_version(connection, path)  # again, now that this connection holds the file: still handgrad's
    connection.execute("PRAGMA journal_mode = WAL")
    connection.execute("PRAGMA synchronous = NORMAL")  # WAL keeps committed rows through a killed process
    migrate(connection, path)


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Bring the schema forward in one transaction (safe with two openers, and with Ctrl-C at any
    instant: the file is the old version intact or the new one complete)."""
    if _version(connection) == SCHEMA_VERSION:
        return
    connection.execute("BEGIN IMMEDIATE")  # the first of two concurrent openers migrates; the other waits
    try:
        version = checked_version(connection, path)  # inside the transaction: what this opener migrates
        for steps in MIGRATIONS[version:]:
            for statement in steps:
                connection.execute(statement)
        connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        connection.execute("COMMIT")
    except BaseException:
        if connection.in_transaction:  # not after a COMMIT that went through
            connection.execute("ROLLBACK")
        raise


def _version(connection: sqlite3.Connection) -> int:
    return connection.execute("PRAGMA user_version").fetchone()[0]


# --- reading for stats and export (writing nothing) ----------------------------------------


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _reader(path: Path, warn: Callable[[str], None]) -> History:
    """The history for reading only: checked, never written. Where the file can be written, an ordinary
    connection reads it (it makes a -wal and -shm while open and removes them on closing); elsewhere
    a read-only one. An older file is migrated in a copy in memory, the file itself left as it is (one that
    lacks only indexes is read as it is: a copy of a long history would not fit the memory it is read in)."""
    return History(_looked_at_twice(lambda: _reading_connection(path)), path, warn)


def _reading_connection(path: Path) -> sqlite3.Connection:
    with _translated(path):
        connection = read_only_connection(path)
        try:
            current = expected_tables(checked_version(connection, path)) == expected_tables(SCHEMA_VERSION)
            if current and _writable(path):
                connection.close()
                connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
                checked_version(connection, path)
            elif not current:  # a file with the current tables but not all the indexes is read as it is
                memory = sqlite3.connect(":memory:", isolation_level=None)
                connection.backup(memory)
                connection.close()
                connection = memory
                migrate(connection, path)
        except BaseException:
            connection.close()
            raise
        return connection


def read_with(path: Path, read: Callable[[History], T], empty: T, warn: Callable[[str], None] = _warn) -> T:
    """What `read` takes from the file, or `empty` if there is no file yet (nothing is created)."""
    if not history_file_exists(path):
        return empty
    with _reader(path, warn) as history:
        return read(history)


def read_history(path: Path, warn: Callable[[str], None] = _warn) -> tuple[list[Attempt], list[CardReview]]:
    """Every settled gradient and card grade in the file, or none if there is no file yet."""
    return read_with(path, lambda history: (history.attempts(), history.card_reviews()), ([], []), warn)


def read_attempts(path: Path, unsettled: bool = False, warn: Callable[[str], None] = _warn) -> list[Attempt]:
    """Every settled gradient with its tries (and those left mid-way, if `unsettled`); no card grades."""
    return read_with(path, lambda history: history.attempts(unsettled), [], warn)


def read_path_steps(path: Path, warn: Callable[[str], None] = _warn) -> list[PathStep]:
    """Every step of the path done (the attempts are not read)."""
    return read_with(path, History.path_steps, [], warn)


def read_card_reviews(path: Path, warn: Callable[[str], None] = _warn) -> list[CardReview]:
    """Every card grade (the attempts are not read)."""
    return read_with(path, History.card_reviews, [], warn)
