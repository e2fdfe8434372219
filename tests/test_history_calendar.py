"""The calendar's edges: times near year 1 or 9999 in the history, and a time zone no calendar can use."""

from __future__ import annotations

import json
import os
import sqlite3
import time

import pytest
from typer.testing import CliRunner

from handgrad_cli.attempts import CardReview
from handgrad_cli.cli import app
from handgrad_cli.history import open_history
from progress_helpers import day, make_attempt

runner = CliRunner()
READERS = [["stats"], ["stats", "--format", "json"], ["history"], ["cards", "--list"], ["drill", "--review", "-n", "1"]]

EDGES = {  # times whose UTC, give or take the schedule's 16 days, is outside what datetime holds
    "the last second of 9999 in a card grade": ("card_reviews", "reviewed_at", "9999-12-31T23:59:59Z"),
    "a time before year 1 in UTC": ("attempts", "answered_at", "0001-01-01T00:30:00+14:00"),
    "ten days before the end of 9999": ("attempts", "answered_at", "9999-12-21T00:00:00Z"),
    "the tenth day of year 1": ("card_reviews", "reviewed_at", "0001-01-10T00:00:00Z"),
}


TABLES_READ = {"stats": ("attempts", "card_reviews"), "history": ("attempts",), "cards": ("card_reviews",),
               "drill": ("attempts",)}


def history_with(tmp_path, table: str, column: str, stamp: str):
    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        for minute in range(3):
            history.record(make_attempt(day(0, minute=minute), problem=f"softmax-ce-m{minute}"))
        history.record_review(CardReview("2026-11-16T10:00:00Z", "micrograd/tanh", "micrograd", "good"))
        history.record_review(CardReview("2026-11-16T10:01:00Z", "micrograd/exp", "micrograd", "again"))
    with sqlite3.connect(db) as connection:
        connection.execute(f"UPDATE {table} SET {column} = ? WHERE id = 2", (stamp,))
    connection.close()
    return db


@pytest.mark.parametrize("edge", EDGES.values(), ids=EDGES.keys())
@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_a_time_at_the_calendars_edge_is_a_row_handgrad_cannot_read(tmp_path, edge, command):
    table, column, stamp = edge
    db = history_with(tmp_path, table, column, stamp)
    result = runner.invoke(app, command, input="quit\n", env={"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    if table in TABLES_READ[command[0]]:
        assert result.stderr == (f"handgrad: warning: skipped 1 row of {db} that handgrad cannot read "
                                 f"({table} row 2: time {stamp!r})\n")


def test_a_time_three_weeks_from_the_end_is_read(tmp_path):
    history_with(tmp_path, "attempts", "answered_at", "9999-12-10T00:00:00Z")
    result = runner.invoke(app, ["stats", "--format", "json"], env={"HANDGRAD_HOME": str(tmp_path)})
    assert result.exit_code == 0 and result.stderr == ""
    assert json.loads(result.stdout)["last_practice"] == "9999-12-10T00:00:00Z"


@pytest.fixture
def impossible_zone():
    """TZ=XXX+24: an offset of a whole day, which the C library takes and Python's datetime refuses."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "XXX+24"
    time.tzset()
    yield
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


WARNING = ("handgrad: warning: TZ='XXX+24' cannot be used (an offset of a day or more): times and days are in "
           "UTC\n")


@pytest.mark.parametrize("command", READERS, ids=" ".join)
def test_an_impossible_time_zone_falls_back_to_utc_with_one_warning(tmp_path, command, impossible_zone):
    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        history.record(make_attempt(day(0, hour=23, minute=30), problem="softmax-ce-m1"))
        history.record(make_attempt(day(1, hour=0, minute=30), problem="softmax-ce-m2"))
    result = runner.invoke(app, command, input="quit\n", env={"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert result.stderr == WARNING
    if command == ["stats", "--format", "json"]:
        assert json.loads(result.stdout)["practice_days"] == 2  # 23:30 and 00:30 UTC are two UTC days
