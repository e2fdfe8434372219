"""The history file under hostile and unlucky conditions: other programs' files, read-only media,
a full disk, a locked file, rows that cannot be read, and Ctrl-C during a migration."""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli import history as history_module
from handgrad_cli.cli import app
from handgrad_cli.history import (APPLICATION_ID, SCHEMA_VERSION, expected_tables, migrate, open_history,
                                  os_problem, read_attempts, read_history, read_only_connection)
from handgrad_cli.kinds import build
from handgrad_cli.numbers import as_typed
from handgrad_cli.kinds import set_ids
from history_files import V2_SCRIPT, V2_STATUSES, listing, make_file, remount_read_only, sha256, tmpfs
from progress_helpers import day, make_attempt

runner = CliRunner()


def home_env(folder: Path) -> dict[str, str]:
    return {"HANDGRAD_HOME": str(folder), "COLUMNS": "200"}


def right_answer(seed: int = 5) -> str:
    (problem_id,) = set_ids(["softmax-ce"], 1, seed, "medium")
    return as_typed(build(problem_id).answers["dlogits"], 6)


DRILL = ["drill", "softmax-ce", "-n", "1", "--seed", "5"]


# --- a file that is not handgrad's is never touched -----------------------------------------

FOREIGN = {
    "another program's tables": "CREATE TABLE photos (name TEXT); INSERT INTO photos VALUES ('cat.jpg');",
    "schema 2 with the wrong tables": "CREATE TABLE attempts (id INTEGER PRIMARY KEY, answer TEXT); "
                                      "PRAGMA user_version = 2;",
    "schema 2 without its card table": V2_SCRIPT.split("CREATE TABLE card_reviews")[0].replace(
        "CREATE INDEX", "PRAGMA user_version = 2; CREATE INDEX"),
    "handgrad's tables under another application id": V2_SCRIPT + "PRAGMA application_id = 1234;",
    "a schema handgrad never had, no application id": "CREATE TABLE t (a); PRAGMA user_version = 9;",
}


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
@pytest.mark.parametrize("script", FOREIGN.values(), ids=FOREIGN.keys())
@pytest.mark.parametrize("command", [["stats"], ["history"], ["cards", "--list"], DRILL], ids=" ".join)
def test_a_file_that_is_not_handgrads_is_refused_and_left_byte_identical(tmp_path, script, wal, command):
    db = make_file(tmp_path / "history.sqlite3", script, wal)
    before, files = sha256(db), listing(tmp_path)
    result = runner.invoke(app, command, input=right_answer() + "\n", env=home_env(tmp_path))
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(f"handgrad: {db} is not a readable handgrad database: move it aside")
    assert result.stderr.count("\n") == 1 and result.stdout == ""
    assert sha256(db) == before and listing(tmp_path) == files


def test_a_new_file_says_it_is_handgrads(tmp_path):
    open_history(tmp_path / "history.sqlite3").close()
    connection = sqlite3.connect(tmp_path / "history.sqlite3")
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- migration: the old rows keep their meaning ----------------------------------------------


def test_a_version_2_file_migrates_to_statuses_and_keeps_every_row(tmp_path):
    db = make_file(tmp_path / "history.sqlite3", V2_SCRIPT)
    with open_history(db) as history:
        attempts = history.attempts()
        assert history.card_reviews()[0].card_id == "micrograd/tanh"
    assert [attempt.status for attempt in attempts] == V2_STATUSES
    assert [(attempt.mistake, attempt.hints_used, attempt.seconds, attempt.tries) for attempt in attempts[1:3]] == [
        ("sign-flipped", 1, 30.5, ()), (None, 3, 40.0, ())]
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID


def test_reading_an_older_file_migrates_a_copy_in_memory_and_leaves_the_file_as_it_was(tmp_path):
    db = make_file(tmp_path / "history.sqlite3", V2_SCRIPT)
    before = sha256(db)
    attempts, reviews = read_history(db)
    assert [attempt.status for attempt in attempts] == V2_STATUSES and len(reviews) == 1
    assert sha256(db) == before and listing(tmp_path) == ["history.sqlite3"]


class Interrupting:
    """A connection that raises KeyboardInterrupt (Ctrl-C) just before or just after its n-th statement."""

    def __init__(self, connection: sqlite3.Connection, at: int, after: bool) -> None:
        self.connection, self.at, self.after, self.statements = connection, at, after, 0

    @property
    def in_transaction(self) -> bool:
        return self.connection.in_transaction

    def execute(self, sql, *parameters):
        self.statements += 1
        if self.statements == self.at and not self.after:
            raise KeyboardInterrupt
        cursor = self.connection.execute(sql, *parameters)
        if self.statements == self.at and self.after:
            raise KeyboardInterrupt
        return cursor


def assert_old_intact_or_new_complete(db: Path) -> int:
    """The file is version 2 with its rows or the current version with them migrated; it opens next time."""
    connection = sqlite3.connect(db)
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    columns = "correct" if version == 2 else "status"
    rows = connection.execute(f"SELECT id, {columns} FROM attempts ORDER BY id").fetchall()
    tables = history_module._tables(connection)
    connection.close()
    assert version in (2, SCHEMA_VERSION) and tables == expected_tables(version)
    assert [row[1] for row in rows] == ([1, 0, 0, 0] if version == 2 else V2_STATUSES)
    assert [attempt.status for attempt in read_attempts(db)] == V2_STATUSES  # and it opens fine next time
    return version


def migrate_v2(db: Path, wrap) -> None:
    connection = sqlite3.connect(db, isolation_level=None)
    try:
        migrate(wrap(connection), db)
    finally:
        connection.close()


def test_ctrl_c_at_every_statement_of_a_migration_leaves_the_old_file_or_the_new_one(tmp_path):
    original = make_file(tmp_path / "v2.sqlite3", V2_SCRIPT)
    counting = []
    migrate_v2(make_file(tmp_path / "count.sqlite3", V2_SCRIPT), lambda c: counting.append(Interrupting(c, 0, False))
               or counting[0])
    statements = counting[0].statements
    assert statements > len(history_module.MIGRATIONS[2])  # the check, every step, the version, the commit
    versions = set()
    for at in range(1, statements + 1):
        for after in (False, True):
            db = tmp_path / f"at-{at}-{after}.sqlite3"
            shutil.copy(original, db)
            with pytest.raises(KeyboardInterrupt):
                migrate_v2(db, lambda connection: Interrupting(connection, at, after))
            versions.add(assert_old_intact_or_new_complete(db))
    assert versions == {2, SCHEMA_VERSION}  # interrupted before and after its COMMIT


def test_an_interrupt_inside_any_statement_of_a_migration_leaves_the_old_file(tmp_path):
    original = make_file(tmp_path / "v2.sqlite3", V2_SCRIPT)
    steps = []

    def count(connection):
        connection.set_progress_handler(lambda: steps.append(1), 1)
        return connection

    migrate_v2(make_file(tmp_path / "count.sqlite3", V2_SCRIPT), count)
    for at in range(1, len(steps), max(1, len(steps) // 150)):  # about 150 instants spread over the whole migration
        db = tmp_path / "interrupted.sqlite3"
        shutil.copy(original, db)
        calls = iter(range(1, len(steps) + 1))

        def interrupt_at(connection, at=at):
            connection.set_progress_handler(lambda: next(calls) == at, 1)  # non-zero: SQLite stops the statement
            return connection

        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            migrate_v2(db, interrupt_at)
        assert assert_old_intact_or_new_complete(db) == 2
        db.unlink()


# --- rows handgrad cannot read ---------------------------------------------------------------

BAD_ROWS = {
    "a garbage time": "UPDATE attempts SET answered_at = 'yesterday-ish' WHERE id = 2",
    "a time without a zone": "UPDATE attempts SET answered_at = '2026-11-16T09:00:00' WHERE id = 2",
    "an unknown status": "UPDATE attempts SET status = 'sort of' WHERE id = 2",
    "a number that is text": "UPDATE attempts SET seconds = 'slow' WHERE id = 2",
}


@pytest.mark.parametrize("damage", BAD_ROWS.values(), ids=BAD_ROWS.keys())
@pytest.mark.parametrize("command", [["stats", "--format", "json"], ["history"], ["drill", "--review", "-n", "1"]],
                         ids=" ".join)
def test_a_row_that_cannot_be_read_is_skipped_with_one_warning(tmp_path, damage, command):
    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        for minute in range(3):
            history.record(make_attempt(day(0, minute=minute), problem=f"softmax-ce-m{minute}"))
    connection = sqlite3.connect(db)
    connection.execute("PRAGMA ignore_check_constraints = ON")  # as another program could have written it
    connection.execute(damage)
    connection.commit()
    connection.close()
    result = runner.invoke(app, command, input="quit\n", env=home_env(tmp_path))
    assert result.exit_code == 0, result.output
    warning = f"handgrad: warning: skipped 1 row of {db} that handgrad cannot read (attempts row 2: "
    assert result.stderr.startswith(warning) and result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    if command[0] == "history":
        assert [line.split(",")[2] for line in result.stdout.splitlines()[1:]] == ["softmax-ce-m0", "softmax-ce-m2"]


def test_a_card_grade_that_cannot_be_read_is_skipped_too(tmp_path):
    db = make_file(tmp_path / "history.sqlite3", V2_SCRIPT + "INSERT INTO card_reviews VALUES "
                   "(2, 'not a time', 'micrograd/exp', 'micrograd', 'good');")
    warnings = []
    _, reviews = read_history(db, warn=warnings.append)
    assert [review.card_id for review in reviews] == ["micrograd/tanh"]
    assert warnings == [f"handgrad: warning: skipped 1 row of {db} that handgrad cannot read "
                        "(card_reviews row 2: time 'not a time')"]


# --- read-only media, and reading that leaves nothing behind ---------------------------------


def recorded_history(folder: Path) -> Path:
    db = folder / "history.sqlite3"
    with open_history(db) as history:
        history.record(make_attempt(day(0), correct=False, mistake="sign-flipped"))
        history.record(make_attempt(day(1)))
    return db


@pytest.mark.parametrize("command", [["stats", "--format", "json"], ["history"], ["cards", "--list"]], ids=" ".join)
def test_reading_creates_nothing_beside_the_file(tmp_path, command):
    db = recorded_history(tmp_path)
    before, files = sha256(db), listing(tmp_path)
    assert files == ["history.sqlite3"]  # the last writer to close removed its -wal and -shm
    result = runner.invoke(app, command, env=home_env(tmp_path))
    assert result.exit_code == 0, result.output
    assert listing(tmp_path) == files and sha256(db) == before


@pytest.mark.parametrize("wal", [True, False], ids=["wal", "rollback-journal"])
def test_a_read_only_connection_opens_with_mode_ro_or_immutable_and_creates_nothing(tmp_path, wal):
    db = make_file(tmp_path / "history.sqlite3", V2_SCRIPT, wal)
    before = sha256(db)
    connection = read_only_connection(db)
    assert connection.execute("SELECT count(*) FROM attempts").fetchone()[0] == 4
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        connection.execute("DELETE FROM attempts")
    connection.close()
    assert listing(tmp_path) == ["history.sqlite3"] and sha256(db) == before


def test_a_read_only_connection_beside_a_writer_sees_its_committed_rows(tmp_path):
    db = recorded_history(tmp_path)
    with open_history(db) as writer:  # a drill at work: its -wal and -shm are there
        writer.record(make_attempt(day(2)))
        connection = read_only_connection(db)
        assert connection.execute("SELECT count(*) FROM attempts").fetchone()[0] == 3
        connection.close()


def test_a_history_on_read_only_media_is_read_and_nothing_is_created(tmp_path):
    with tmpfs(tmp_path / "usb", size="1m") as usb:
        db = recorded_history(usb)
        remount_read_only(usb)
        before = sha256(db)
        for command in (["stats", "--format", "json"], ["history"], ["cards", "--list"]):
            result = runner.invoke(app, command, env=home_env(usb))
            assert result.exit_code == 0, result.output
        assert '"answered": 2' in runner.invoke(app, ["stats", "--format", "json"], env=home_env(usb)).stdout
        assert listing(usb) == ["history.sqlite3"] and sha256(db) == before
        result = runner.invoke(app, DRILL, input=right_answer() + "\n", env=home_env(usb))
        assert result.exit_code == 2
        assert result.stderr == (f"handgrad: cannot write {db}: it is on read-only media; the history is intact "
                                 "(stats and history can read it): set HANDGRAD_HOME to a folder you can write, "
                                 "or drill with --no-history\n")


def test_a_copy_on_read_only_media_with_a_wal_and_no_shm_keeps_the_tries_in_the_wal(tmp_path):
    """After a crash, the file and its -wal copied to a stick mounted read-only: SQLite cannot open the -wal
    without its -shm there, and the last tries are only in the -wal."""
    db = recorded_history(tmp_path / "laptop")
    with tmpfs(tmp_path / "usb", size="1m") as usb:
        with open_history(db) as history:  # a drill at work: its tries are in the -wal until it closes
            for minute in range(3):
                history.record(make_attempt(day(2, minute=minute), problem=f"softmax-ce-m{minute}"))
            for name in ("history.sqlite3", "history.sqlite3-wal"):
                shutil.copyfile(tmp_path / "laptop" / name, usb / name)
        remount_read_only(usb)
        before = {name: sha256(usb / name) for name in listing(usb)}
        result = runner.invoke(app, ["stats", "--format", "json"], env=home_env(usb))
        assert result.exit_code == 0, result.output
        assert '"answered": 5' in result.stdout
        result = runner.invoke(app, ["history"], env=home_env(usb))
        assert len(result.stdout.splitlines()) == 1 + 5
        assert {name: sha256(usb / name) for name in listing(usb)} == before


def test_a_history_in_a_read_only_folder_is_read(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root writes through chmod: the read-only mount test covers root")
    db = recorded_history(tmp_path / "ro")
    (tmp_path / "ro").chmod(0o555)
    db.chmod(0o444)
    try:
        result = runner.invoke(app, ["history"], env=home_env(tmp_path / "ro"))
        assert result.exit_code == 0, result.output
        assert len(result.stdout.splitlines()) == 3
        assert listing(tmp_path / "ro") == ["history.sqlite3"]
        result = runner.invoke(app, DRILL, input=right_answer() + "\n", env=home_env(tmp_path / "ro"))
        assert result.exit_code == 2 and "no permission to use" in result.stderr
    finally:
        (tmp_path / "ro").chmod(0o755)


# --- a full disk, a locked file: told apart from damage --------------------------------------


def test_a_full_disk_is_not_reported_as_damage_and_the_history_is_intact(tmp_path):
    with tmpfs(tmp_path / "small", size="256k") as small:
        db = recorded_history(small)
        with open(small / "filler", "wb", buffering=0) as filler:  # unbuffered: nothing left to fail on closing
            with pytest.raises(OSError) as full:
                while True:
                    filler.write(b"\0" * 4096)
            assert full.value.errno == errno.ENOSPC
        result = runner.invoke(app, DRILL, input=right_answer() + "\n", env=home_env(small))
        assert result.exit_code == 2, result.output
        assert result.stderr == (f"handgrad: cannot write {db}: the disk is full; the history is intact: "
                                 "free some space, or drill with --no-history\n")
        assert "move it aside" not in result.stderr
        assert "correct" not in result.stdout  # no verdict for a try that was not written
        (small / "filler").unlink()
        assert [attempt.status for attempt in read_attempts(db)] == ["wrong", "right"]
        assert sqlite3.connect(db).execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_a_locked_history_is_busy_not_damaged(tmp_path, monkeypatch):
    monkeypatch.setattr(history_module, "BUSY_TIMEOUT_MS", 100)
    db = recorded_history(tmp_path)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    try:
        result = runner.invoke(app, DRILL, input=right_answer() + "\n", env=home_env(tmp_path))
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert result.exit_code == 2
    assert result.stderr == f"handgrad: {db} is busy (another handgrad is writing): try again in a moment\n"


def test_each_write_problem_has_its_own_line_and_none_says_move_it_aside(tmp_path):
    path = tmp_path / "history.sqlite3"
    lines = {code: str(os_problem(path, code)) for code in (errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EIO)}
    assert len(set(lines.values())) == 4
    assert all("move it aside" not in line and "\n" not in line and str(path) in line for line in lines.values())
    assert "disk is full" in lines[errno.ENOSPC] and "read-only media" in lines[errno.EROFS]
    assert "no permission" in lines[errno.EACCES] and "Input/output error" in lines[errno.EIO]
