"""Schema 5: the indexes `stats` and `drill --review` read a long history through. An older file (or one an
index was dropped from) reads the same figures as it is, gains the indexes when a drill opens it, and reads
the same figures again; with them, no query scans the table of attempts."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from handgrad_cli import summary_sql
from handgrad_cli.attempts import STATUSES, Try
from handgrad_cli.cli import app
from handgrad_cli.history import MIGRATIONS, SCHEMA_VERSION, _reader, open_history
from history_files import sha256
from progress_helpers import day, make_attempt

runner = CliRunner()
NOW = day(40, hour=12)
NEW_INDEXES = {"attempts_by_time", "attempts_by_mode", "attempts_by_session", "attempts_to_check"}
KINDS = ["softmax-ce", "tanh-neuron", "mlp"]
MISTAKES = [None, None, "sign-flipped", "forgot-onehot"]


def practised(db: Path, odd: bool) -> Path:
    """Forty days of sessions over three kinds, some kept before sessions were named, with tries and
    mistakes; `odd`: and two rows another program wrote (one unreadable, one in another time format)."""
    draw = random.Random(5)
    with open_history(db) as history:
        for number in range(160):
            at = day(draw.randrange(40), hour=draw.randrange(24), minute=draw.randrange(60))
            slip = draw.choice(MISTAKES)
            tries = tuple(Try(n, draw.random() < 0.5, draw.choice(MISTAKES), 0, 4.0)
                          for n in range(1, draw.randint(0, 2) + 1))
            history.record(make_attempt(at, kind=draw.choice(KINDS), difficulty=draw.choice(["easy", "medium", "hard"]),
                                        status=draw.choice(STATUSES), mistake=slip, tries=tries,
                                        session=draw.choice(["", f"s{number // 4}"]), problem=f"p{number}"))
    if odd:
        with sqlite3.connect(db) as connection:
            connection.execute("UPDATE attempts SET answered_at = 'last week' WHERE id = 7")
            connection.execute("UPDATE attempts SET answered_at = '2026-12-01T10:00:00+02:00' WHERE id = 9")
        connection.close()
    return db


def index_names(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        names = {name for (name,) in connection.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    connection.close()
    return names


def dropped(db: Path, names: set[str], version: int | None = None) -> None:
    """The file as another program or an older handgrad left it: without the indexes `names`."""
    with sqlite3.connect(db) as connection:
        for name in names:
            connection.execute(f"DROP INDEX {name}")
        if version is not None:
            connection.execute(f"PRAGMA user_version = {version}")
    connection.close()


def shown(folder: Path) -> tuple[dict, str, str, dict]:
    """`stats` as JSON, as a table, and its warnings; `stats` of two kinds as JSON."""
    env = {"HANDGRAD_HOME": str(folder), "HANDGRAD_NOW": NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "COLUMNS": "100",
           "TZ": "Europe/Paris"}
    data = runner.invoke(app, ["stats", "--format", "json"], env=env)
    table = runner.invoke(app, ["stats", "--no-pager"], env=env)
    some = runner.invoke(app, ["stats", "mlp", "softmax-ce", "--format", "json"], env=env)
    assert data.exit_code == table.exit_code == some.exit_code == 0, data.output + table.output + some.output
    return json.loads(data.stdout), table.stdout, data.stderr, json.loads(some.stdout)


def test_version_5_adds_only_indexes() -> None:  # so a version-4 file can be read as it is
    assert all(statement.startswith("CREATE INDEX") for statement in MIGRATIONS[4])


@pytest.mark.parametrize("odd", [False, True], ids=["own times", "rows another program wrote"])
def test_a_version_4_file_reads_the_same_as_it_is_and_once_migrated(tmp_path: Path, odd: bool) -> None:
    db = practised(tmp_path / "history.sqlite3", odd)
    dropped(db, NEW_INDEXES, version=4)
    before, untouched = shown(tmp_path), sha256(db)
    assert sha256(db) == untouched  # read as it is: not migrated, nothing written
    assert len(before[0]["sessions"]) == 12 and before[0]["practice_days"] > 30
    assert {level["kind"] for level in before[3]["levels"]} == {"mlp", "softmax-ce"}
    assert ("skipped 1 row" in before[2]) == odd
    open_history(db).close()  # a drill opens it
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    connection.close()
    assert NEW_INDEXES <= index_names(db)
    assert shown(tmp_path) == before


@pytest.mark.parametrize("index", sorted(NEW_INDEXES))
def test_a_file_missing_an_index_still_reads_the_same(tmp_path: Path, index: str) -> None:
    db = practised(tmp_path / "history.sqlite3", odd=False)
    whole = shown(tmp_path)
    dropped(db, {index})
    assert shown(tmp_path) == whole


@pytest.mark.parametrize("kinds", [None, ["softmax-ce"]], ids=["every kind", "one kind"])
def test_with_the_indexes_no_query_of_stats_or_the_review_scans_the_table_of_attempts(tmp_path: Path, kinds) -> None:
    """Each reads an index instead: a narrow one whole, in its order (nothing sorted), or a range of one."""
    db = practised(tmp_path / "history.sqlite3", odd=False)  # times in another format are read whole
    statements: list[str] = []
    with _reader(db, lambda line: None) as history:
        if kinds:
            history.of_kinds(kinds)
        history._db.set_trace_callback(statements.append)
        summary_sql.summary(history, NOW, KINDS)
        summary_sql.recent_mistakes(history, NOW - timedelta(days=10))
        summary_sql.schedule(history, KINDS, "code")
        history._db.set_trace_callback(None)
        plans = {step for sql in statements if sql.lstrip().startswith(("SELECT", "WITH"))
                 for *_, step in history._db.execute(f"EXPLAIN QUERY PLAN {sql}")}
    assert any("attempts_to_check" in step for step in plans)  # the rows to check, found without a scan
    whole = {step for step in plans if step in ("SCAN attempts", "SCAN a")}
    assert not whole, plans
    by_kind_alone = {step for step in plans if step.endswith("(kind=?)")}  # a kind's every row, for each lookup
    assert not by_kind_alone, plans
