"""The drill and the history together: recorded as graded, kill -9, --no-history, --review, a week of practice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.history import read_attempts
from handgrad_cli.kinds import build, set_ids
from handgrad_cli.numbers import as_typed

pytestmark = pytest.mark.usefixtures("returning_learner")  # drills of a learner with a history

runner = CliRunner(env={"COLUMNS": "200"})


def home() -> Path:
    return Path(os.environ["HANDGRAD_HOME"])  # private to each test (conftest)


def ids(seed: int, count: int = 2) -> list:
    return list(set_ids(["softmax-ce"], count, seed, "medium"))


def right(problem_id) -> str:
    return as_typed(build(problem_id).answers["dlogits"], 6)


def flipped(problem_id) -> str:
    return as_typed(-build(problem_id).answers["dlogits"], 6)


def drill(args: list[str], lines: list[str]):
    return runner.invoke(app, ["drill", *args], input="".join(line + "\n" for line in lines))


def test_a_drill_records_every_graded_answer() -> None:
    first, second = ids(5)
    result = drill(["softmax-ce", "-n", "2", "--seed", "5"], [flipped(first), flipped(first), right(second)])
    assert result.exit_code == 0, result.stderr
    attempts = read_attempts(home() / "history.sqlite3")
    assert [(a.problem_id, a.correct, a.mistake) for a in attempts] == [
        (str(first), False, "sign-flipped"), (str(second), True, None)]
    assert len({a.session for a in attempts}) == 1 and all(a.seconds >= 0 for a in attempts)


def test_no_history_keeps_nothing_and_drills_beside_a_damaged_file() -> None:
    db = home() / "history.sqlite3"
    db.write_bytes(b"\x00garbage" * 300)
    result = drill(["softmax-ce", "-n", "1", "--seed", "5"], [right(ids(5)[0])])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"handgrad: {db} is not a readable handgrad database: move it aside")
    assert result.stderr.count("\n") == 1
    result = drill(["softmax-ce", "-n", "1", "--seed", "5", "--no-history"], [right(ids(5)[0])])
    assert result.exit_code == 0
    assert "Score 1/1" in result.stdout
    assert db.read_bytes() == b"\x00garbage" * 300


def test_a_drill_killed_with_sigkill_keeps_what_was_graded() -> None:
    problems = ids(9, 3)
    child = pexpect.spawn(sys.executable, ["-m", "handgrad_cli", "drill", "softmax-ce", "-n", "3", "--seed", "9"],
                          env=dict(os.environ, NO_COLOR="1", TERM="xterm"), dimensions=(50, 140), timeout=20,
                          encoding="utf-8")
    for problem_id in problems[:2]:
        child.expect_exact("dlogits (")
        child.expect_exact(" > ")
        child.sendline(right(problem_id))
        child.expect_exact("dlogits: correct.")
        child.expect_exact("Enter for the next problem > ")
        child.sendline("")  # a terminal pauses after each problem
    child.expect_exact("Problem 3/3")
    child.kill(signal.SIGKILL)
    child.close()
    assert child.signalstatus == signal.SIGKILL
    attempts = read_attempts(home() / "history.sqlite3")
    assert [(a.problem_id, a.correct) for a in attempts] == [(str(problems[0]), True), (str(problems[1]), True)]


def test_review_brings_the_misses_back() -> None:
    first, second = ids(5)
    drill(["softmax-ce", "-n", "2", "--seed", "5"], [flipped(first), flipped(first), right(second)])
    (neuron,) = set_ids(["tanh-neuron"], 1, 1, "easy")
    answers = [as_typed(value, 6) for value in build(neuron).answers.values()]
    assert drill(["tanh-neuron", "-d", "easy", "-n", "1", "--seed", "1"], answers).exit_code == 0
    result = drill(["--review", "-n", "3", "--seed", "7"], ["skip", "quit"])
    assert result.exit_code == 0, result.stderr
    assert "Drill: 3 problems (softmax-ce medium; review, seed 7)" in result.stdout
    line = next(line for line in result.stdout.splitlines() if line.startswith("Review problems"))
    assert [word.rsplit("-", 1)[1][0] for word in line.split(": ")[1].split()] == ["m", "m"]  # the two asked


def test_review_needs_the_history() -> None:
    result = drill(["--review", "--no-history"], [])
    assert result.exit_code == 2
    assert result.stderr == "handgrad: --review schedules from your history: drop --no-history\n"


def test_stats_after_a_drill_shows_the_common_mistake() -> None:
    first, second = ids(5)
    drill(["softmax-ce", "-n", "2", "--seed", "5"], [flipped(first), flipped(first), flipped(second), right(second)])
    data = json.loads(runner.invoke(app, ["stats", "--format", "json"]).stdout)
    assert (data["attempts"], data["answered"], data["correct"], data["right_first_try"]) == (2, 2, 1, 0)
    assert (data["accuracy"], data["first_try_accuracy"], data["streak_days"]) == (0.5, 0.0, 1)
    assert data["mistakes"] == [{"mistake": "sign-flipped", "count": 2}]  # the corrected first try's too
    assert data["review"][0]["kind"] == "softmax-ce" and data["review"][0]["due_now"]


def test_two_drills_in_two_terminals_at_once_both_recorded() -> None:
    sessions = []
    for seed in (21, 22):
        answers = "".join(right(problem_id) + "\n" for problem_id in ids(seed, 4))
        command = [sys.executable, "-m", "handgrad_cli", "drill", "softmax-ce", "-n", "4", "--seed", str(seed)]
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                   text=True)
        sessions.append((process, answers))
    for process, answers in sessions:
        _, errors = process.communicate(answers, timeout=30)
        assert process.returncode == 0, errors
    attempts = read_attempts(home() / "history.sqlite3")
    assert len(attempts) == 8 and len({attempt.session for attempt in attempts}) == 2
    assert all(attempt.correct for attempt in attempts)


def test_a_corrected_first_try_is_kept_as_a_miss_then_right() -> None:
    first, second = ids(7)
    result = drill(["softmax-ce", "-n", "2", "--seed", "7"], [flipped(first), right(first), "skip"])
    assert result.exit_code == 0, result.stderr
    assert "Score 1/1 answered gradients (0 on the first try); 1 skipped" in result.stdout
    exported = runner.invoke(app, ["history", "--format", "jsonl"])
    records = [json.loads(line) for line in exported.stdout.splitlines()]
    records = [r for r in records if r["session"] != "before"]  # the returning learner's own try, left mid-way
    assert [(r["problem_id"], r["status"], r["try"], r["try_outcome"], r["try_mistake"]) for r in records] == [
        (str(first), "right after a miss", 1, "wrong", "sign-flipped"),
        (str(first), "right after a miss", 2, "right", None),
        (str(second), "skipped", None, None, None)]
    data = json.loads(runner.invoke(app, ["stats", "--format", "json"]).stdout)
    assert (data["answered"], data["accuracy"], data["first_try_accuracy"]) == (1, 1.0, 0.0)
    assert data["not_answered"]["skipped"] == 1
    assert data["review"][0] == data["review"][0] | {"kind": "softmax-ce", "difficulty": "medium", "box": 1,
                                                     "due_now": True}
