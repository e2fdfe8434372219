"""A learner's first drill: five short lines on how to start (the rounding rule among them), and easy problems unless asked otherwise."""

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.grading import ROUNDING_RULE_LINES
from handgrad_cli.render.drill import FIRST_RUN
from tests.screen_helpers import replayed

runner = CliRunner()


@pytest.fixture
def empty_home(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HANDGRAD_HOME", str(home))
    return home


def drill(*args, answers="q\n"):
    return runner.invoke(app, ["drill", *args], input=answers)


def first_lines(result, count=1 + len(FIRST_RUN)):
    return result.stdout.splitlines()[:count]


def test_the_first_drill_says_how_to_answer_hint_and_quit_and_is_easy(empty_home):
    result = drill("--seed", "7")
    assert result.exit_code == 0, result.output
    head, *how = first_lines(result)
    assert head == "Drill: 5 problems (softmax-ce, tanh-neuron; easy, seed 7)."
    assert how == list(FIRST_RUN)
    assert "0.5, -0.25" in how[0] and "3 decimals" in how[1] and "your own typed answers" in how[2]
    assert "?" in how[3] and "quit" in how[4]
    assert all(len(line) <= 80 for line in how)
    assert "softmax-ce-e" in result.stdout  # the problem asked is an easy one
    assert replayed(result.stdout) == "handgrad drill softmax-ce tanh-neuron --count 5 --seed 7 --difficulty easy"


def test_the_second_drill_is_medium_with_the_usual_lines(empty_home):
    drill("--seed", "7", answers="0.5, 0.5, 0.5\nq\n")  # one try graded
    assert (empty_home / "history.sqlite3").exists()
    result = drill("--seed", "7")
    head, how, more, *rule, commands = first_lines(result, 6)
    assert rule == list(ROUNDING_RULE_LINES)
    assert head == "Drill: 5 problems (softmax-ce, tanh-neuron; medium, seed 7)."
    assert how.startswith("Type values separated by commas") and "blocks of rows (3-D) by ';;'" in how
    assert "numpy or torch print" in more and commands.startswith("At any prompt:")
    assert FIRST_RUN[0] not in result.stdout


def test_a_difficulty_given_on_the_first_drill_is_kept(empty_home):
    result = drill("--seed", "7", "-d", "hard")
    head, *how = first_lines(result)
    assert head == "Drill: 5 problems (softmax-ce, tanh-neuron; hard, seed 7)."
    assert how == list(FIRST_RUN)  # still the first drill: the five lines are said


def test_a_drill_without_history_is_not_a_first_run(empty_home):
    result = drill("--seed", "7", "--no-history")
    assert first_lines(result, 1) == ["Drill: 5 problems (softmax-ce, tanh-neuron; medium, seed 7)."]
    assert FIRST_RUN[0] not in result.stdout
    assert not (empty_home / "history.sqlite3").exists()


def test_the_first_drill_of_given_ids_says_the_three_lines_too(empty_home):
    result = drill("tanh-neuron-h3")
    assert first_lines(result) == ["Drill: 1 problem (tanh-neuron-h3).", *FIRST_RUN]


def test_a_first_drill_quit_unanswered_leaves_the_next_one_a_first_drill(empty_home):
    drill("--seed", "7")  # quit at the first prompt: the history file exists, nothing is answered
    assert (empty_home / "history.sqlite3").exists()
    head, *how = first_lines(drill("--seed", "7"))
    assert head == "Drill: 5 problems (softmax-ce, tanh-neuron; easy, seed 7)." and how == list(FIRST_RUN)


def test_learn_after_a_first_drill_quit_unanswered_still_says_how_to_start(empty_home):
    drill("--seed", "7")  # quit at the first prompt: the history exists, nothing is answered
    assert (empty_home / "history.sqlite3").exists()
    result = runner.invoke(app, ["learn"], input="quit\n")
    assert FIRST_RUN[0] in result.stdout
