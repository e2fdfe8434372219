"""`drill ID...` and `drill --from SET`: the problems asked are the ones named, and the replay asks them again."""

import json
import re

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.kinds import KINDS
from tests.screen_helpers import replayed

runner = CliRunner()


def drill(*args, answers="", **kwargs):
    return runner.invoke(app, ["drill", "--no-history", *args], input=answers, **kwargs)


def asked_ids(out: str) -> list[str]:
    return re.findall(r"╭─ (\S+) \(", out)


def replay(out: str) -> list[str]:
    return replayed(out).removeprefix("handgrad drill ").split()


def assert_one_line_error(result, text):
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == f"handgrad: {text}"


def test_drill_ids_asks_those_problems_in_order_and_replays_them():
    result = drill("tanh-neuron-e2", "softmax-ce-h9", "tanh-neuron-e2", answers="skip\n" * 9)
    assert result.exit_code == 0, result.output
    assert asked_ids(result.stdout) == ["tanh-neuron-e2", "softmax-ce-h9", "tanh-neuron-e2"]
    assert "Drill: 3 problems (tanh-neuron-e2, softmax-ce-h9, tanh-neuron-e2)." in result.stdout
    assert replay(result.stdout) == ["tanh-neuron-e2", "softmax-ce-h9", "tanh-neuron-e2"]
    again = drill(*replay(result.stdout), answers="skip\n" * 9)
    assert again.stdout.split("Drill over")[0] == result.stdout.split("Drill over")[0]


def test_drill_id_grades_a_right_answer():
    check = runner.invoke(app, ["check", "softmax-ce-e1", "dlogits=0,0,0", "-f", "json"])
    reference = json.loads(check.stdout)["gradients"][0]["reference"]
    result = drill("softmax-ce-e1", answers=", ".join(f"{value:.4f}" for value in reference) + "\n")
    assert result.exit_code == 0
    assert "dlogits: correct." in result.stdout and "Score 1/1 answered gradients" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["softmax-ce-e1", "tanh-neuron"], "give kinds or problem IDs, not both: 'softmax-ce-e1' is an ID, 'tanh-neuron' a kind"),
    (["softmax-ce-e1", "-n", "3"], "problem IDs fix the problems: drop --count"),
    (["softmax-ce-e1", "--seed", "3", "-d", "easy"], "problem IDs fix the problems: drop --seed and --difficulty"),
    (["softmax-ce-e1", "--review"], "problem IDs fix the problems: drop --review"),
    (["nope-e1"], f"unknown kind 'nope': `handgrad kinds` lists all {len(KINDS)}"),
    (["softmax-ce-x1"], f"unknown kind 'softmax-ce-x1': did you mean softmax-ce? `handgrad kinds` lists all {len(KINDS)}"),
])
def test_ids_that_cannot_be_drilled_are_one_line_errors(args, message):
    assert_one_line_error(drill(*args), message)


@pytest.fixture
def set_file(tmp_path):
    path = tmp_path / "week 3.jsonl"
    generated = runner.invoke(app, ["generate", "-n", "3", "--seed", "4", "-d", "easy", "-f", "jsonl"])
    path.write_text(generated.stdout, encoding="utf-8")
    return path


def test_drill_from_a_set_asks_its_problems_and_replays_the_same_command(set_file):
    ids = [json.loads(line)["id"] for line in set_file.read_text().splitlines()]
    result = drill("--from", str(set_file), answers="skip\n" * 12)
    assert result.exit_code == 0, result.output
    assert asked_ids(result.stdout) == ids
    assert f"Drill: 3 problems (from {set_file})." in " ".join(result.stdout.split())  # wrapped at 80
    assert replayed(result.stdout) == f"handgrad drill --from '{set_file}'"  # quoted for the shell: a space
    assert "Drill over: 3 problems" in result.stdout


def test_drill_from_a_students_set_asks_every_sheet(tmp_path):
    roster = tmp_path / "class.txt"
    roster.write_text("Ada\nGrace\n", encoding="utf-8")
    generated = runner.invoke(app, ["generate", "-n", "2", "--students", str(roster), "-f", "jsonl"])
    path = tmp_path / "issued.jsonl"
    path.write_text(generated.stdout, encoding="utf-8")
    result = drill("--from", str(path), answers="q\n")
    assert "Drill: 4 problems" in result.stdout


@pytest.mark.parametrize("content, message", [
    ('{"id": "softmax-ce-e1"}\nnot json\n', "line 2 is not JSON (Expecting value): give the jsonl of the set"),
    ('{"id": "softmax-ce-e1"}\n{"kind": "softmax-ce"}\n',
     'line 2 has no problem "id": give the jsonl that `handgrad generate -f jsonl` wrote'),
    ('{"id": "nope-e1"}\n', f"line 1: unknown kind 'nope': `handgrad kinds` lists all {len(KINDS)}"),
    ("\n", "holds no problems: give the jsonl that `handgrad generate -f jsonl` wrote"),
])
def test_a_malformed_set_is_one_line_with_its_line_number_and_nothing_is_asked(tmp_path, content, message):
    path = tmp_path / "set.jsonl"
    path.write_text(content, encoding="utf-8")
    assert_one_line_error(drill("--from", str(path)), f"{path} {message}")


def test_a_missing_set_and_flags_that_choose_problems(tmp_path, set_file):
    assert_one_line_error(drill("--from", str(tmp_path / "none.jsonl")), f"{tmp_path / 'none.jsonl'}: no such file")
    assert_one_line_error(drill("--from", str(set_file), "-n", "2"), "--from fixes the problems: drop --count")
    assert_one_line_error(drill("--from", str(set_file), "softmax-ce-e1"), "give problem IDs or --from SET, not both")


def test_a_malformed_set_leaves_no_history_behind(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDGRAD_HOME", str(tmp_path / "home"))
    path = tmp_path / "set.jsonl"
    path.write_text("oops\n", encoding="utf-8")
    result = runner.invoke(app, ["drill", "--from", str(path)])
    assert result.exit_code == 2
    assert not (tmp_path / "home" / "history.sqlite3").exists()
