"""tanh-neuron: micrograd's lecture neuron, any inputs against finite differences, the slips of tanh'."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.grading import grade, grades_by_name
from handgrad_cli.kinds import build, get_kind, set_problems
from handgrad_cli.kinds.tanh_neuron import SATURATED

from tests.helpers import assert_answers_match_finite_differences

KIND = get_kind("tanh-neuron")


def test_micrograd_neuron_comes_out_exactly():
    problem = KIND.solve(KIND.read_inputs({"x": "2,0", "w": "-3,1", "b": "6.8813735870195432", "dout": "1"}))
    assert round(problem.forward["a"], 4) == 0.7071
    assert problem.answers["dz"] == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(problem.answers["dw"], [1, 0], atol=1e-12)
    np.testing.assert_allclose(problem.answers["dx"], [-1.5, 0.5], atol=1e-12)
    assert problem.answers["db"] == pytest.approx(0.5, abs=1e-12)
    assert [step.formula for step in problem.steps] == ["dz = (1 - a**2) * dout", "dw = x * dz", "db = dz",
                                                        "dx = w * dz"]


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-3, 3), min_size=n, max_size=n), st.lists(st.floats(-3, 3), min_size=n, max_size=n),
    st.floats(-3, 3), st.floats(-5, 5))))
def test_any_inputs_match_finite_differences(case):
    x, w, b, dout = case
    problem = KIND.solve({"x": np.array(x), "w": np.array(w), "b": b, "dout": dout})
    assert_answers_match_finite_differences(KIND, problem)


def test_drilled_neurons_are_worth_doing_by_hand():
    for problem in set_problems(["tanh-neuron"], 300, 1, "easy"):
        assert 0.2 <= abs(problem.forward["z"]) <= 2 and abs(problem.forward["a"]) < SATURATED
        assert abs(problem.inputs["dout"]) not in (0, 1)


def test_an_old_id_near_z_zero_still_builds_and_says_it_is_unsound():
    problem = build("tanh-neuron-m439056893")  # z = -0.010: forgetting tanh' would pass
    assert abs(problem.forward["z"]) < 0.02 and not problem.sound


@pytest.mark.parametrize(("slug", "local"), [("one-minus-a", lambda a: 1 - a), ("sigmoid-derivative", lambda a: a * (1 - a)),
                                              ("one-minus-a-squared", lambda a: (1 - a) ** 2)])
def test_wrong_derivatives_of_tanh_are_named(slug, local):
    problem = next(set_problems(["tanh-neuron"], 1, 5, "medium"))
    a, dout = problem.forward["a"], problem.inputs["dout"]
    graded = grade(problem, "dz", local(a) * dout)
    assert not graded.correct and graded.mistake.slug == slug


def test_a_slip_in_db_is_blamed_on_db_not_dz():
    problem = next(set_problems(["tanh-neuron"], 1, 99, "easy"))
    dz = problem.answers["dz"]
    graded = grade(problem, "db", -dz, earlier=grades_by_name(problem, {"dz": dz, "dw": problem.answers["dw"]}))
    assert not graded.correct
    assert (graded.mistake.step, graded.mistake.slug) == ("db", "sign-flipped")
    assert "(in dz)" not in graded.mistake.description
