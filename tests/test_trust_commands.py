"""The same answers get the same verdicts through `drill`, `check` and `grade`: right, wrong with its mistake
named, or carried forward from the wrong earlier answer it is computed from. A learner slips early and carries
their own 3-decimal answers on; a transposed answer is a wrong try, kept and counted."""

import csv
import io
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.history import read_attempts
from handgrad_cli.kinds import build
from handgrad_cli.numbers import as_typed
from handgrad_cli.paths import history_path
from tests.learners import carrying

runner = CliRunner()


def a_set_problem(kind, tmp_path):
    """The first problem of a one-problem set, with the set written where `grade` reads it."""
    result = runner.invoke(app, ["generate", kind, "-n", "1", "--seed", "4", "-f", "jsonl"])
    assert result.exit_code == 0, result.stderr
    (tmp_path / "set.jsonl").write_text(result.stdout, encoding="utf-8")
    return build(json.loads(result.stdout.splitlines()[0])["id"])


def slipped_answers(problem):
    """The first gradient's sign flipped, the rest computed from it and typed to their decimals; the last
    matrix gradient that is not square, transposed."""
    first = problem.asked[0]
    typed = carrying(problem, {first: -problem.answers[first]})
    matrices = [name for name in problem.asked[1:] if typed[name].ndim == 2 and len(set(typed[name].shape)) == 2]
    if matrices:
        typed[matrices[-1]] = typed[matrices[-1]].T
    return typed


def by_check(problem, typed):
    result = runner.invoke(app, ["check", str(problem.id), "--json",
                                 *(f"{name}={as_typed(value, 6)}" for name, value in typed.items())])
    assert result.exit_code == 1, result.output
    return {item["gradient"]: (item["correct"], (item["mistake"] or {}).get("slug"),
                               tuple(item["carried_forward_from"])) for item in json.loads(result.stdout)["gradients"]}


def by_drill(problem, typed):
    lines = "".join(f"{as_typed(typed[name], 6)}\n" for name in problem.asked)
    result = runner.invoke(app, ["drill", str(problem.id), "--tries", "1"], input=lines)
    assert result.exit_code in (0, 1), result.output
    attempts = {attempt.gradient: attempt for attempt in read_attempts(history_path())}
    return {name: (attempts[name].correct, attempts[name].mistake) for name in problem.asked}


def by_grade(problem, typed, tmp_path):
    rows = "".join(f'ana,{problem.id},{name},"{as_typed(value, 6)}"\n' for name, value in typed.items())
    (tmp_path / "responses.csv").write_text("student,id,gradient,answer\n" + rows, encoding="utf-8")
    result = runner.invoke(app, ["grade", str(tmp_path / "set.jsonl"), str(tmp_path / "responses.csv")])
    assert result.exit_code == 0, result.output
    score = next(row for row in csv.DictReader(io.StringIO(result.stdout)) if row["student"] == "ana")
    mistakes = dict(cell.split(":") for cell in score["mistakes"].split())
    carried = {cell.split(":")[0]: tuple(cell.split(":")[1].split("+")) for cell in score["carried_forward"].split()}
    return mistakes, carried, score


@pytest.mark.parametrize("kind", ["tanh-neuron", "linear", "ce-steps", "batchnorm", "mlp"])
def test_drill_check_and_grade_give_the_same_verdicts(kind, tmp_path):
    problem = a_set_problem(kind, tmp_path)
    typed = slipped_answers(problem)
    checked = by_check(problem, typed)
    drilled = by_drill(problem, typed)
    mistakes, carried, score = by_grade(problem, typed, tmp_path)
    assert checked[problem.asked[0]][:2] == (False, "sign-flipped")
    for name in problem.asked:
        right, slug, carried_from = checked[name]
        assert drilled[name] == (right, slug), name
        assert mistakes.get(name) == slug and carried.get(name, ()) == carried_from, name
        assert not (right and carried_from)
    assert int(score["correct"]) == sum(right for right, _, _ in checked.values())
    if kind in ("linear", "mlp"):
        assert "transposed" in {slug for _, slug, _ in checked.values()}


def test_a_transposed_answer_in_a_drill_is_a_try_kept_and_counted():
    problem = build("linear-m65419810")
    lines = "".join(f"{as_typed(problem.answers[name].T if name == 'dW' else problem.answers[name], 6)}\n"
                    for name in problem.asked) + f"{as_typed(problem.answers['dW'], 6)}\n"
    result = runner.invoke(app, ["drill", str(problem.id)], input=lines)
    assert "transpose" in " ".join(result.stdout.split())
    dw = next(attempt for attempt in read_attempts(history_path()) if attempt.gradient == "dW")
    assert [graded.mistake for graded in dw.tries] == ["transposed", None]
    assert not dw.tries[0].correct and dw.tries[1].correct
    stats = json.loads(runner.invoke(app, ["stats", "--format", "json"]).stdout)
    assert any(item["mistake"] == "transposed" and item["count"] == 1 for item in stats["mistakes"])
    assert np.shape(problem.answers["dW"])[0] != np.shape(problem.answers["dW"])[1]
