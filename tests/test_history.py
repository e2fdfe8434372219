"""The SQLite store: round trips, migration, damaged files, killed and concurrent writers."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli.attempts import Try
from handgrad_cli.cards import CardReview
from handgrad_cli.cli import app
from handgrad_cli.history import SCHEMA_VERSION, HistoryError, open_history, read_attempts
from handgrad_cli.errors import UserError
from handgrad_cli.paths import data_dir
from progress_helpers import day, make_attempt

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "home" / "history.sqlite3"


def test_attempts_round_trip_in_order(db: Path) -> None:
    recorded = [make_attempt(day(1), correct=False, mistake="sign-flipped", hints=2), make_attempt(day(0))]
    with open_history(db) as history:
        for attempt in recorded:
            history(attempt)  # a History is a drill's Recorder
    assert read_attempts(db) == [recorded[1], recorded[0]]


def test_card_reviews_round_trip(db: Path) -> None:
    review = CardReview("2026-11-16T09:00:00Z", "micrograd/tanh", "micrograd", "good")
    with open_history(db) as history:
        history.record_review(review)
        assert history.card_reviews() == [review]


def test_reading_a_missing_history_creates_nothing(db: Path) -> None:
    assert read_attempts(db) == []
    assert not db.exists()


def test_the_file_uses_wal_and_the_current_schema(db: Path) -> None:
    open_history(db).close()
    connection = sqlite3.connect(db)
    assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_version_1_file_migrates_forward_and_keeps_its_rows(db: Path) -> None:
    db.parent.mkdir(parents=True)
    old = sqlite3.connect(db)
    old.executescript("""
        CREATE TABLE attempts (id INTEGER PRIMARY KEY, answered_at TEXT NOT NULL, problem_id TEXT NOT NULL,
            kind TEXT NOT NULL, difficulty TEXT NOT NULL, gradient TEXT NOT NULL, correct INTEGER NOT NULL,
            mistake TEXT, hints_used INTEGER NOT NULL, seconds REAL NOT NULL);
        INSERT INTO attempts VALUES (1, '2026-11-01T10:00:00Z', 'tanh-neuron-e7', 'tanh-neuron', 'easy', 'dz', 0,
            'missing-one-minus', 1, 30.5);
        PRAGMA user_version = 1;
    """)
    old.close()
    with open_history(db) as history:
        (attempt,) = history.attempts()
        history.record_review(CardReview("2026-11-02T10:00:00Z", "micrograd/exp", "micrograd", "easy"))
    assert attempt.session == "" and attempt.problem_id == "tanh-neuron-e7" and attempt.status == "wrong"
    assert attempt.mistake == "missing-one-minus" and attempt.seconds == 30.5
    assert sqlite3.connect(db).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_newer_schema_is_refused(db: Path) -> None:
    open_history(db).close()
    connection = sqlite3.connect(db)
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    connection.close()
    with pytest.raises(HistoryError, match="newer handgrad"):
        open_history(db)


@pytest.mark.parametrize("content", [os.urandom(4096), b"my notes on backprop\n" * 50, b""])
def test_a_damaged_file_is_reported_in_one_line(db: Path, content: bytes) -> None:
    db.parent.mkdir(parents=True)
    db.write_bytes(content)
    if not content:  # an empty file is a valid empty database: it is adopted
        open_history(db).close()
        return
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(db.parent)})
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (f"handgrad: {db} is not a readable handgrad database: move it aside "
                             f"(mv {db} {db}.bak) or drill with --no-history\n")
    assert db.read_bytes() == content


def test_another_programs_database_is_not_adopted(db: Path) -> None:
    db.parent.mkdir(parents=True)
    other = sqlite3.connect(db)
    other.execute("CREATE TABLE photos (name TEXT)")
    other.close()
    with pytest.raises(HistoryError, match="not a readable handgrad database"):
        open_history(db)


def test_an_unwritable_home_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(UserError, match=f"^{blocker} is a file, not a folder: point HANDGRAD_HOME at a folder"):
        open_history(blocker / "history.sqlite3")


WRITER = textwrap.dedent("""
    import sys
    from datetime import timedelta
    sys.path.insert(0, {tests!r})
    from handgrad_cli.history import open_history
    from progress_helpers import day, make_attempt
    name, count, wait = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "wait"
    with open_history(__import__("pathlib").Path({db!r})) as history:
        if wait:  # start together: ready, then go
            print("ready", flush=True)
            sys.stdin.readline()
        for i in range(count):
            history.record(make_attempt(day(0) + timedelta(seconds=i), session=name, problem=f"softmax-ce-m{{i}}"))
            print(i, flush=True)
""")


def writer(db: Path, name: str, count: int, wait: bool = False) -> subprocess.Popen:
    code = WRITER.format(tests=str(Path(__file__).parent), db=str(db))
    return subprocess.Popen([sys.executable, "-c", code, name, str(count), "wait" if wait else "now"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_a_session_killed_with_sigkill_keeps_every_graded_answer(db: Path) -> None:
    process = writer(db, "killed", 1_000_000)
    graded = 0
    while graded < 50:
        graded = int(process.stdout.readline()) + 1
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    kept = read_attempts(db)
    assert len(kept) >= graded
    assert [attempt.problem_id for attempt in kept[:graded]] == [f"softmax-ce-m{i}" for i in range(graded)]


def test_two_sessions_at_once_lose_nothing(db: Path) -> None:
    processes = [writer(db, name, 1000, wait=True) for name in ("left", "right")]  # both create the file
    for process in processes:
        assert process.stdout.readline() == "ready\n"
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in processes:
        _, errors = process.communicate()
        assert process.returncode == 0, errors
    sessions = [attempt.session for attempt in read_attempts(db)]
    assert sessions.count("left") == 1000 and sessions.count("right") == 1000


def test_data_dir_follows_handgrad_home_then_the_platform(tmp_path: Path) -> None:
    home = tmp_path
    assert data_dir({"HANDGRAD_HOME": "/data/hg"}, "linux", home) == Path("/data/hg")
    assert data_dir({"XDG_DATA_HOME": "/xdg"}, "linux", home) == Path("/xdg/handgrad")
    assert data_dir({"XDG_DATA_HOME": "relative"}, "linux", home) == home / ".local/share/handgrad"
    assert data_dir({}, "linux", home) == home / ".local/share/handgrad"
    assert data_dir({}, "darwin", home) == home / "Library/Application Support/handgrad"
    assert data_dir({"APPDATA": "C:/Users/ada/AppData/Roaming"}, "win32", home) == Path(
        "C:/Users/ada/AppData/Roaming/handgrad")


def test_history_exports_every_try_and_the_status_as_csv_and_jsonl(db: Path) -> None:
    import csv
    import io
    import json

    corrected = (Try(1, False, "sign-flipped", 1, 20.0), Try(2, True, None, 1, 31.5))
    with open_history(db) as history:
        history.record(make_attempt(day(0), status="right after a miss", hints=1, tries=corrected))
        history.record(make_attempt(day(1), status="skipped"))
    env = {"HANDGRAD_HOME": str(db.parent)}
    result = runner.invoke(app, ["history"], env=env)
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(row["status"], row["try"], row["try_outcome"], row["try_mistake"], row["try_hints_used"])
            for row in rows] == [("right after a miss", "1", "wrong", "sign-flipped", "1"),
                                 ("right after a miss", "2", "right", "", "1"), ("skipped", "", "", "", "")]
    result = runner.invoke(app, ["history", "--format", "jsonl"], env=env)
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [record["try_seconds"] for record in records] == [20.0, 31.5, None]
    assert records[2]["answered_at"] == "2026-11-17T09:00:00Z" and records[2]["status"] == "skipped"
    assert list(records[0]) == list(rows[0])  # the same columns in both formats


def test_the_move_aside_command_is_quoted_for_paths_with_spaces(tmp_path: Path) -> None:
    home = tmp_path / "Application Support" / "handgrad"
    home.mkdir(parents=True)
    (home / "history.sqlite3").write_text("notes\n" * 200)
    with pytest.raises(HistoryError) as raised:
        open_history(home / "history.sqlite3")
    assert f"(mv '{home}/history.sqlite3' '{home}/history.sqlite3.bak')" in str(raised.value)


@pytest.mark.parametrize("args", [["stats"], ["history"], ["cards", "--list"], ["drill", "-n", "1", "--seed", "1"]])
def test_handgrad_home_that_is_a_file_is_named_in_one_line(tmp_path: Path, args: list[str]) -> None:
    home = tmp_path / "not-a-folder"
    home.write_text("notes\n")
    result = CliRunner().invoke(app, args, input="skip\n", env={"HANDGRAD_HOME": str(home)})
    assert result.exit_code == 2
    assert result.stderr == f"handgrad: {home} is a file, not a folder: point HANDGRAD_HOME at a folder, or drill with --no-history\n"


def test_an_unknown_deck_is_quoted_short() -> None:
    result = CliRunner().invoke(app, ["cards", "--deck", "x" * 5000])
    assert result.exit_code == 2 and len(result.stderr) < 200 and "unknown deck 'xxx" in result.stderr
