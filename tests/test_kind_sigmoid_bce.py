"""sigmoid-bce: the lecture neuron's numbers through a sigmoid, dz = p - y, the label never differentiated."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.answers import read_values
from handgrad_cli.grading import grade
from handgrad_cli.kinds import build, get_kind, set_problems
from handgrad_cli.kinds.sigmoid_bce import WORTH_DOING
from tests.helpers import assert_answers_match_finite_differences, run

KIND = get_kind("sigmoid-bce")
LECTURE = {"x": "2,0", "w": "-3,1", "b": "6.8813735870195432"}  # z = ln(1 + sqrt 2), so p = 1/sqrt 2


def test_the_lecture_neuron_through_a_sigmoid_comes_out_exactly():
    problem = KIND.solve(KIND.read_inputs(LECTURE | {"y": "1"}))
    p = 1 / math.sqrt(2)
    assert problem.forward["p"] == pytest.approx(p, abs=1e-12)
    assert problem.forward["loss"] == pytest.approx(math.log(2) / 2, abs=1e-12)
    assert problem.answers["dz"] == pytest.approx(p - 1, abs=1e-12)
    np.testing.assert_allclose(problem.answers["dw"], [2 * (p - 1), 0], atol=1e-12)
    np.testing.assert_allclose(problem.answers["dx"], [-3 * (p - 1), p - 1], atol=1e-12)
    assert [step.formula for step in problem.steps] == ["dz = (p * (1 - p)) * dp", "dw = x * dz", "db = dz",
                                                        "dx = w * dz"]


@pytest.mark.parametrize("y", [0.0, 1.0, 0.3])
def test_dz_is_p_minus_the_label_and_the_label_gets_no_gradient(y):
    problem = KIND.solve(KIND.read_inputs(LECTURE | {"y": str(y)}))
    assert problem.answers["dz"] == pytest.approx(problem.forward["p"] - y, abs=1e-12)
    graph = KIND.graph([problem.inputs])
    assert "y" not in graph.nodes and "dy" not in {step.quantity for step in problem.steps}


@given(st.integers(1, 4).flatmap(lambda n: st.tuples(  # |z| <= 11: p stays below 1 in float64
    st.lists(st.floats(-1.5, 1.5), min_size=n, max_size=n), st.lists(st.floats(-1.5, 1.5), min_size=n, max_size=n),
    st.floats(-2, 2), st.sampled_from([0.0, 1.0]))))
def test_any_inputs_match_finite_differences(case):
    x, w, b, y = case
    problem = KIND.solve({"x": np.array(x), "w": np.array(w), "b": b, "y": y})
    assert_answers_match_finite_differences(KIND, problem)


def test_drilled_units_are_worth_doing_by_hand():
    low, high = WORTH_DOING
    problems = list(set_problems(["sigmoid-bce"], 200, 1, "medium"))
    assert all(low <= abs(problem.forward["z"]) <= high for problem in problems)
    assert {problem.inputs["y"] for problem in problems} == {0.0, 1.0}


@pytest.mark.parametrize(("slug", "dz", "label"), [
    ("label-flipped", lambda p, y: p, 1.0),  # p alone: the label not subtracted
    ("label-flipped", lambda p, y: p - 1, 0.0),  # the label taken the wrong way round
    ("tanh-derivative", lambda p, y: (1 - p**2) * (-y / p + (1 - y) / (1 - p)), 1.0),
    ("sigmoid-skipped", lambda p, y: -y / p + (1 - y) / (1 - p), 0.0),
])
def test_the_slips_of_dz_are_named(slug, dz, label):
    problem = next(problem for problem in set_problems(["sigmoid-bce"], 20, 3, "medium")
                   if problem.inputs["y"] == label)
    graded = grade(problem, "dz", dz(problem.forward["p"], problem.inputs["y"]))
    assert not graded.correct and graded.mistake.slug == slug


def test_sigmoid_typed_in_an_answer_is_read():
    problem = KIND.solve(KIND.read_inputs(LECTURE | {"y": "1"}))
    assert grade(problem, "dz", read_values("sigmoid(0.8814) - 1", (), "dz")).correct


def test_explain_takes_the_label_as_an_input():
    result = run("explain", "sigmoid-bce", *(f"{name}={value}" for name, value in LECTURE.items()), "y=0")
    assert result.exit_code == 0, result.stderr
    assert "dz = p - y" in result.stdout and "0.707" in result.stdout


GOLDEN = {  # an ID means the same problem in every release
    "sigmoid-bce-m42": ({"x": [1.2, 0.0, -0.4], "w": [-0.6, -0.7, -0.6], "b": 1.0, "y": 1.0}, -0.3728522336868044),
    "sigmoid-bce-h7": ({"x": [-1.05, -0.27, 0.55, 0.29], "w": [0.89, 0.62, 1.16, -1.36], "b": 0.13, "y": 1.0},
                       -0.6744321084810432),
}


@pytest.mark.parametrize("problem_id", sorted(GOLDEN))
def test_golden_ids_give_the_same_problem(problem_id):
    problem = build(problem_id)
    inputs, dz = GOLDEN[problem_id]
    assert {name: np.asarray(value).tolist() for name, value in problem.inputs.items()} == inputs
    assert problem.answers["dz"] == pytest.approx(dz, rel=1e-12)
