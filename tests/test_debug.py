"""`handgrad debug`: a slip planted in a backward pass, found, named and fixed; graded and kept in the history."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.debug import WHICH_GRADIENT, WHICH_MISTAKE, plant
from handgrad_cli.history import read_attempts
from handgrad_cli.kinds import KINDS, build, set_ids
from handgrad_cli.numbers import as_typed
from handgrad_cli.paths import history_path

runner = CliRunner()
ARGS = ["debug", "tanh-neuron", "-n", "1", "--seed", "4", "-d", "easy"]
PROBLEM = str(next(set_ids(["tanh-neuron"], 1, 4, "easy")))


def right_lines(problem_id: str) -> list[str]:
    problem = build(problem_id)
    planted = plant(problem)
    return [str(problem.asked.index(planted.gradient) + 1), str(planted.answer + 1),
            as_typed(problem.answers[planted.gradient], 3)]


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_planted_gradient_is_the_first_wrong_one_and_wide_of_the_answer(kind):
    problem = build(str(next(set_ids([kind], 1, 11, "easy"))))
    planted = plant(problem)
    before = problem.asked[:problem.asked.index(planted.gradient)]
    assert all(np.allclose(planted.values[name], problem.answers[name]) for name in before)
    gap = np.max(np.abs(planted.values[planted.gradient] - problem.answers[planted.gradient]))
    assert gap >= max(0.05, 0.5 * np.max(np.abs(problem.answers[planted.gradient])))
    assert planted.menu[planted.answer] == planted.slip.words and 2 <= len(planted.menu) <= 4
    assert len(set(planted.menu)) == len(planted.menu)
    again = plant(problem)  # the same ID plants the same slip
    assert (again.slip.slug, again.slip.words, again.gradient, again.menu) == (
        planted.slip.slug, planted.slip.words, planted.gradient, planted.menu)


def test_found_named_and_fixed_is_graded_right_and_kept_in_the_mode_debug(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", "2027-01-05T10:00:00Z")
    result = runner.invoke(app, ARGS, input="\n".join(right_lines(PROBLEM)) + "\n")
    assert result.exit_code == 0, result.output
    assert "Backward pass: one gradient was computed with a slip" in result.stdout
    assert result.stdout.rstrip().endswith("Bugs found 1, named 1, fixed on the first try 1, of 1 problem.")
    kept = read_attempts(history_path())
    planted = plant(build(PROBLEM))
    assert [(a.gradient, a.status, a.mode, a.problem_id) for a in kept] == [
        (WHICH_GRADIENT, "right", "debug", PROBLEM), (WHICH_MISTAKE, "right", "debug", PROBLEM),
        (planted.gradient, "right", "debug", PROBLEM)]


def test_a_missed_bug_is_graded_wrong_and_the_review_brings_the_kind_back(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", "2027-01-05T10:00:00Z")
    lines = right_lines(PROBLEM)
    wrong_place = "1" if lines[0] != "1" else "2"
    result = runner.invoke(app, ARGS, input=f"{wrong_place}\n{lines[1]}\n0\n0\n")
    assert result.exit_code == 0, result.output
    assert "No: the bug is in" in result.stdout
    assert "Bugs found 0, named 1, fixed on the first try 0, of 1 problem." in result.stdout
    statuses = [(a.gradient, a.status) for a in read_attempts(history_path())]
    assert statuses[0] == (WHICH_GRADIENT, "wrong") and statuses[-1][1] == "wrong"
    monkeypatch.setenv("HANDGRAD_NOW", "2027-01-05T11:00:00Z")
    review = json.loads(runner.invoke(app, ["stats", "-f", "json"]).stdout)["review"]
    assert {"kind": "tanh-neuron", "difficulty": "easy", "box": 1, "due": "2027-01-05T10:00:00Z", "due_now": True,
            "new": False} in review


def test_a_choice_that_cannot_be_read_is_one_line_and_the_same_prompt(monkeypatch):
    result = runner.invoke(app, ARGS, input="seven\n9\nquit\n")
    assert result.exit_code == 0
    prompts = result.stdout.count("Which gradient is wrong? (its number or name) >")
    assert prompts == 3
    assert result.stdout.count("Type a number from 1 to 4 or a gradient's name (quit stops).") == 2
    assert read_attempts(history_path()) == []


def test_a_problem_by_its_id_and_the_drills_refusals():
    problem_id = str(next(set_ids(["mlp"], 1, 2, "easy")))
    result = runner.invoke(app, ["debug", problem_id, "--no-history"], input="quit\n")
    assert result.exit_code == 0 and problem_id in result.stdout
    assert not history_path().exists()
    refused = runner.invoke(app, ["debug", problem_id, "--seed", "3"])
    assert refused.exit_code == 2 and "drop --seed" in refused.stderr


def test_a_problem_of_small_numbers_still_gets_a_slip_that_shows():
    kind = KINDS["tanh-neuron"]
    problem = kind.solve(kind.read_inputs({"x": "0.01,0.02", "w": "0.01,-0.01", "b": "0.01", "dout": "0.01"}))
    planted = plant(problem)  # no slip is wide of answers this small: the first that changes one is planted
    assert not np.allclose(planted.values[planted.gradient], problem.answers[planted.gradient], atol=0, rtol=1e-9)
    assert planted.menu[planted.answer] == planted.slip.words
