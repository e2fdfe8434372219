"""linear: Y = X @ W + b worked by hand, generated problems against a scalar autodiff, the named slips."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.grading import grade
from handgrad_cli.kinds import get_kind, set_problems
from tests.autodiff import Value

KIND = get_kind("linear")


def typed(**values):
    return KIND.solve(KIND.read_inputs(values))


def test_one_row_worked_by_hand():
    # dX = dY @ W.T = [1*1 - 1*0 + 2*(-1), 1*2 - 1*1 + 2*0]; dW = X.T @ dY is the outer product
    problem = typed(X="1, 2", W="1, 0, -1; 2, 1, 0", b="0, 0, 0", dY="1, -1, 2")
    np.testing.assert_allclose(problem.answers["dX"], [[-1, 1]])
    np.testing.assert_allclose(problem.answers["dW"], [[1, -1, 2], [2, -2, 4]])
    np.testing.assert_allclose(problem.answers["db"], [1, -1, 2])
    np.testing.assert_allclose(problem.forward["Y"], [[5, 2, -1]])


def test_a_batch_worked_by_hand_sums_over_its_rows():
    problem = typed(X="1, 2; 0, -1", W="1, 0, -1; 2, 1, 0", b="0.5, 0, 0", dY="1, -1, 2; 3, 0, 1")
    np.testing.assert_allclose(problem.answers["dX"], [[-1, 1], [2, 6]])
    np.testing.assert_allclose(problem.answers["dW"], [[1, -1, 2], [-1, -2, 3]])
    np.testing.assert_allclose(problem.answers["db"], [4, -1, 3])
    assert [np.shape(problem.answers[name]) for name in ("dX", "dW", "db")] == [(2, 2), (2, 3), (3,)]


def test_the_steps_read_as_the_lesson_writes_them():
    problem = typed(X="1, 2; 0, -1", W="1, 0, -1; 2, 1, 0", b="0, 0, 0", dY="1, -1, 2; 3, 0, 1")
    assert [step.formula for step in problem.steps] == ["dX = dY @ W.T", "dW = X.T @ dY", "db = dY.sum(0)"]
    (db_term,) = problem.steps[2].terms
    assert db_term.summed.startswith("summed over the batch")
    assert problem.closed_form["db"] == "db = dY.sum(0)"


def linear_by_autodiff(X, W, b, dY):
    """Y = X @ W + b entry by entry in a scalar autodiff; L = sum(Y * dY), so dL/dY = dY."""
    xs, ws, bs = ([[Value(v) for v in row] for row in X], [[Value(v) for v in row] for row in W],
                  [Value(v) for v in b])
    loss = Value(0.0)
    for i, row in enumerate(xs):
        for j, bias in enumerate(bs):
            y = sum((row[k] * ws[k][j] for k in range(len(ws))), bias)
            loss = loss + y * dY[i][j]
    loss.backward()
    grads = lambda grid: np.array([[v.grad for v in row] for row in grid])  # noqa: E731
    return {"dX": grads(xs), "dW": grads(ws), "db": np.array([v.grad for v in bs])}


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_generated_answers_agree_with_an_independent_autodiff(difficulty):
    result = CliRunner().invoke(app, ["generate", "linear", "-n", "60", "--seed", "7", "-d", difficulty,
                                      "-f", "jsonl"])
    assert result.exit_code == 0, result.output
    for line in result.stdout.splitlines():
        problem = json.loads(line)
        expected = linear_by_autodiff(**problem["inputs"])
        for name, value in problem["answers"].items():
            np.testing.assert_allclose(value, expected[name], rtol=1e-12, atol=1e-12, err_msg=problem["id"])


@pytest.mark.parametrize(("difficulty", "rows", "sizes", "places"), [
    ("easy", {1, 2}, {(2, 3)}, 0),
    ("medium", {2}, {(3, 2)}, 1),
    ("hard", {2, 3}, {(3, 2), (4, 2), (2, 3), (4, 3)}, 1),
])
def test_sizes_per_difficulty_and_w_never_square(difficulty, rows, sizes, places):
    seen_rows, seen_sizes = set(), set()
    for problem in set_problems(["linear"], 150, 3, difficulty):
        X, W, b, dY = (problem.inputs[name] for name in ("X", "W", "b", "dY"))
        seen_rows.add(X.shape[0])
        seen_sizes.add(W.shape)
        assert W.shape[0] != W.shape[1] and X.shape[1] == W.shape[0] and b.shape == (W.shape[1],)
        assert dY.shape == (X.shape[0], W.shape[1])
        for value in (X, W, b, dY):
            np.testing.assert_array_equal(np.round(value, places), value)
        assert all(np.abs(problem.inputs[name]).max(axis=1).min() > 0 for name in ("X", "W", "dY"))
    assert seen_rows == rows and seen_sizes == sizes


def a_batch_problem():
    return next(problem for problem in set_problems(["linear"], 20, 11, "medium") if problem.inputs["X"].shape[0] > 1)


def test_averaging_db_over_the_batch_is_named():
    problem = a_batch_problem()
    graded = grade(problem, "db", problem.inputs["dY"].mean(axis=0))
    assert not graded.correct and graded.mistake.slug == "db-averaged"


def test_dividing_dw_by_the_batch_size_is_named():
    problem = a_batch_problem()
    rows = problem.inputs["X"].shape[0]
    graded = grade(problem, "dW", problem.inputs["X"].T @ problem.inputs["dY"] / rows)
    assert not graded.correct and graded.mistake.slug == "dW-averaged"


def test_one_row_names_no_averaging_slip():
    problem = next(p for p in set_problems(["linear"], 20, 5, "easy") if p.inputs["X"].shape[0] == 1)
    slugs = {mistake.slug for mistake in KIND.mistakes(problem)}
    assert slugs == {"sign-flipped", "upstream-dropped"}


def test_a_transposed_dw_is_a_wrong_answer_named_transposed_at_check():
    problem = a_batch_problem()
    wrong = "; ".join(", ".join(f"{v:.3f}" for v in row) for row in problem.answers["dW"].T)
    result = CliRunner().invoke(app, ["check", str(problem.id), f"dW={wrong}", "--json"])
    assert result.exit_code == 1
    dw = next(item for item in json.loads(result.stdout)["gradients"] if item["gradient"] == "dW")
    assert not dw["correct"] and dw["mistake"]["slug"] == "transposed"
    assert "X.T" not in result.stdout
