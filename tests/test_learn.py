"""`handgrad learn`: the path end to end, days apart with HANDGRAD_NOW, through piped sessions."""

from __future__ import annotations

from rich.console import Console
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.clock import now
from handgrad_cli.history import read_history, read_path_steps
from handgrad_cli.kinds import set_problems
from handgrad_cli.learn import step_problems, exam_problem
from handgrad_cli.numbers import as_typed
from handgrad_cli.path import STAGES, Cards, Drill, Explain, stage_states
from handgrad_cli.paths import history_path
from handgrad_cli.render.learn import path_map

runner = CliRunner()
SEED = 5
DAY = {1: "2027-01-05T10:00:00Z", 2: "2027-01-06T10:00:00Z", 3: "2027-01-07T10:00:00Z"}


def right(problem) -> list[str]:
    return [as_typed(problem.answers[name], 3) for name in problem.asked]


def stage_lines(number: int, card_grade: str = "good") -> list[str]:
    """What a learner types to go through stage `number` (1-based) right first time, its test-out included."""
    from handgrad_cli.decks import DECKS

    stage = STAGES[number - 1]
    lines: list[str] = []
    for step in stage.steps:
        if isinstance(step, Explain):
            lines.append("")
        elif isinstance(step, Drill):
            lines += [line for problem in step_problems(stage, step, SEED) for line in right(problem)]
        elif isinstance(step, Cards):
            lines += ["", card_grade] * min(step.count, len(DECKS[step.deck]))
    if stage.levels:
        lines += right(exam_problem(stage, SEED, 0))
    return lines


def learn(day: int, lines: list[str], monkeypatch, *args: str):
    monkeypatch.setenv("HANDGRAD_NOW", DAY[day])
    return runner.invoke(app, ["learn", "--seed", str(SEED), *args], input="".join(line + "\n" for line in lines))


def status(day: int, monkeypatch) -> str:
    monkeypatch.setenv("HANDGRAD_NOW", DAY[day])
    result = runner.invoke(app, ["learn", "--status"])
    assert result.exit_code == 0, result.output
    return result.stdout


def states_of(text: str) -> list[str]:
    """The state column of the map, stage by stage."""
    words = ("done", "due", "open", "locked")
    return [next(word for word in line.split() if word in words)
            for line in text.splitlines() if line[:2].strip().isdigit()]


def test_the_path_opens_stage_by_stage_over_two_days_and_review_brings_a_miss_back(monkeypatch):
    first = learn(1, stage_lines(1) + stage_lines(2) + stage_lines(3) + stage_lines(4), monkeypatch)
    assert first.exit_code == 0, first.output
    assert first.stdout.count("Passed:") == 3
    assert "These cards come back tomorrow" in first.stdout  # good once: box 1, not yet learnt
    assert states_of(status(1, monkeypatch)) == ["done"] * 3 + ["open"] + ["locked"] * 6

    second = learn(2, stage_lines(4) + stage_lines(5), monkeypatch)  # the cards good again: box 2
    assert second.exit_code == 0, second.output
    assert "Stage 5: Cross-entropy, step by step" in second.stdout and "Stage 6: The three broadcasts" in second.stdout
    assert second.stdout.rstrip().endswith("Stopped: `handgrad learn` goes on from here.")
    assert states_of(status(2, monkeypatch)) == ["done"] * 5 + ["open"] + ["locked"] * 4

    monkeypatch.setenv("HANDGRAD_NOW", DAY[3])  # a miss at the first stage's level, in a plain drill: y - p
    (problem,) = set_problems(["softmax-ce"], 1, 3, "easy")
    flipped = as_typed(-problem.answers["dlogits"], 3)
    missed = runner.invoke(app, ["drill", "softmax-ce", "-d", "easy", "-n", "1", "--seed", "3"],
                           input=f"{flipped}\n{flipped}\n")
    assert "incorrect" in missed.stdout
    shown = status(3, monkeypatch)
    assert states_of(shown)[0] == "due" and "review softmax-ce easy" in shown
    third = learn(3, ["skip"] * 40, monkeypatch)
    assert "Review first: softmax-ce easy" in third.stdout
    assert "Your mistake: the sign is flipped" in third.stdout  # then one problem aimed at it, after its card


def test_the_map_fits_80_columns_at_every_state(monkeypatch):
    learn(1, stage_lines(1) + [""], monkeypatch)  # stage 2 half begun: its first drill not finished
    text = status(1, monkeypatch)
    assert states_of(text) == ["done", "open"] + ["locked"] * 8
    assert all(len(line) <= 80 for line in text.splitlines())
    attempts, reviews = read_history(history_path())
    states = stage_states(attempts, reviews, read_path_steps(history_path()), now())
    console = Console(width=80, record=True, file=open("/dev/null", "w"))
    console.print(path_map(states))
    assert max(len(line) for line in console.export_text().splitlines()) <= 80


def test_a_failed_test_out_keeps_the_stage_open_and_the_next_day_practises_before_another(monkeypatch):
    lines = stage_lines(1)
    wrong = ["0, 0, 0"] * 2  # the test-out (one gradient, two tries) wrong
    answered = len(right(exam_problem(STAGES[0], SEED, 0)))
    first = learn(1, lines[:-answered] + wrong, monkeypatch)
    assert "Not yet" in first.stdout
    assert states_of(status(1, monkeypatch))[:2] == ["open", "locked"]
    second = learn(2, ["quit"], monkeypatch)
    assert "Stage 1: The worked example" in second.stdout and "explain" not in second.stdout.split("Stage 1")[1][:400]
    steps = [(step.stage, step.step, step.passed) for step in read_path_steps(history_path())]
    assert ("worked-example", "test-out", False) in steps


def test_quitting_at_an_explain_screen_resumes_there(monkeypatch):
    assert learn(1, ["quit"], monkeypatch).exit_code == 0
    assert read_path_steps(history_path()) == []
    again = learn(1, ["quit"], monkeypatch)
    assert "Forward pass" in again.stdout  # the explain screen again: it was not finished


def test_status_on_a_fresh_home_creates_nothing(monkeypatch):
    text = status(1, monkeypatch)
    assert states_of(text) == ["open"] + ["locked"] * 9 and not history_path().exists()


def test_make_runs_start_takes_a_new_learner_and_one_on_the_path_to_learn_and_others_to_a_drill(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", DAY[1])
    new = runner.invoke(app, ["start"], input="quit\n")
    assert new.exit_code == 0 and "Stage 1: The worked example" in new.stdout
    assert "start" not in runner.invoke(app, ["--help"]).stdout.split()  # hidden: make's, not a learner's
    learn(1, stage_lines(1), monkeypatch)  # on the path: stage 1 done, stage 2 open
    assert "Stage 2: Softmax cross-entropy on a batch" in runner.invoke(app, ["start"], input="quit\n").stdout


def test_make_run_for_a_learner_who_drills_without_the_path_is_a_drill(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", DAY[1])
    (first,) = set_problems(["softmax-ce", "tanh-neuron"], 1, 1, "easy")
    runner.invoke(app, ["drill", "-n", "1", "--seed", "1"], input=as_typed(first.answers["dlogits"]) + "\n")
    result = runner.invoke(app, ["start"], input="quit\n")  # a gradient answered: no longer a first drill
    assert result.exit_code == 0 and result.stdout.startswith("Drill: 5 problems (softmax-ce, tanh-neuron; medium")
