"""Schema 4: each gradient's mode (drill or debug) and the path's steps, migrated from every older version."""

import sqlite3
from pathlib import Path

import pytest

from handgrad_cli.attempts import Attempt, PathStep
from handgrad_cli.history import (APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, expected_tables, open_history,
                                  read_attempts, read_path_steps)


def older_file(path: Path, version: int) -> Path:
    """A file as handgrad wrote it at `version`, holding one right answer."""
    connection = sqlite3.connect(path)
    for steps in MIGRATIONS[:version]:
        for statement in steps:
            connection.execute(statement)
    status = "correct" if version < 3 else "status"
    value = "1" if version < 3 else "'right'"
    session = ", session" if version >= 2 else ""
    session_value = ", 's1'" if version >= 2 else ""
    connection.execute(f"INSERT INTO attempts (answered_at, problem_id, kind, difficulty, gradient, {status}, "
                       f"hints_used, seconds{session}) VALUES ('2026-11-01T10:00:00Z', 'softmax-ce-m1', "
                       f"'softmax-ce', 'medium', 'dlogits', {value}, 0, 20.0{session_value})")
    connection.execute(f"PRAGMA user_version = {version}")
    connection.commit()
    connection.close()
    return path


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_every_older_version_migrates_forward_keeping_its_rows_as_drills(tmp_path: Path, version: int) -> None:
    db = older_file(tmp_path / "history.sqlite3", version)
    assert read_attempts(db)[0].mode == "drill"  # read in memory, the file left as it was
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == version
    with open_history(db) as history:
        (attempt,) = history.attempts()
        assert history.path_steps() == []
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert connection.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert attempt.mode == "drill" and attempt.status == "right" and attempt.problem_id == "softmax-ce-m1"
    tables = {name: columns for name, columns in expected_tables(SCHEMA_VERSION).items()}
    assert tables["path_steps"] == ("id", "done_at", "session", "stage", "step", "passed")
    assert tables["attempts"][-1] == "mode"


def test_a_debug_gradient_and_a_path_step_are_kept(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    debug = Attempt("2027-01-05T10:00:00Z", "s", "mlp-e3", "mlp", "easy", "dcounts", "wrong", "path-dropped", 0, 9.0,
                    mode="debug")
    step = PathStep("2027-01-05T10:01:00Z", "s", "softmax-ce", "test-out", True)
    with open_history(db) as history:
        history.record(debug)
        history.record_step(step)
    assert read_attempts(db) == [debug]
    assert read_path_steps(db) == [step]
