"""softmax-ce: the lesson's worked example, stability at extreme logits, and its own invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.kinds import build, get_kind
from handgrad_cli.kinds.softmax_ce import loss, softmax
from handgrad_cli.problem import DIFFICULTIES, ProblemId
from tests.helpers import central_difference

KIND = get_kind("softmax-ce")


def typed(**inputs):
    return KIND.solve(KIND.read_inputs(inputs))


def test_the_lesson_example_comes_out_exactly():
    problem = typed(logits="2,1,0", target="0")
    assert np.round(problem.forward["probs"], 3).tolist() == [0.665, 0.245, 0.090]
    assert round(problem.forward["loss"], 3) == 0.408
    assert np.round(problem.answers["dlogits"], 3).tolist() == [-0.335, 0.245, 0.090]
    (step,) = problem.steps
    assert step.formula == "dlogits = (probs - onehot(target)) / n"
    extras = {q.label: q.value for q in KIND.extras(problem, 0.5)}
    assert extras["loss after that step"] < extras["loss before"]


finite = st.floats(min_value=-30, max_value=30, allow_nan=False, allow_infinity=False)


@given(st.integers(1, 4).flatmap(lambda n: st.integers(2, 6).flatmap(lambda k: st.tuples(
    st.lists(st.lists(finite, min_size=k, max_size=k), min_size=n, max_size=n),
    st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))))
def test_any_inputs_match_finite_differences_and_rows_sum_to_zero(case):
    rows, targets = case
    inputs = {"logits": np.array(rows), "target": np.array(targets)}
    if len(rows) == 1:
        inputs = {"logits": np.array(rows[0]), "target": targets[0]}
    problem = KIND.solve(inputs)
    f, point = KIND.loss_function(problem, "dlogits")
    np.testing.assert_allclose(problem.answers["dlogits"], central_difference(f, point), rtol=1e-6, atol=1e-8)
    assert np.allclose(np.atleast_2d(problem.answers["dlogits"]).sum(axis=1), 0, atol=1e-12)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_stable_at_extreme_logits(scale):
    logits = np.array([[scale, -scale, 0.0], [-scale, scale, 1.0]])
    problem = KIND.solve({"logits": logits, "target": np.array([1, 1])})
    dlogits = problem.answers["dlogits"]
    assert np.all(np.isfinite(dlogits)) and np.isfinite(problem.forward["loss"])
    np.testing.assert_allclose(dlogits, (softmax(logits) - np.eye(3)[[1, 1]]) / 2)
    assert loss(logits, np.array([1, 1])) == pytest.approx(problem.forward["loss"])
    for step in problem.steps:
        for term in step.terms:
            assert np.all(np.isfinite(term.local_value)) and np.all(np.isfinite(term.value))


def test_hard_problems_are_batches_and_easy_ones_whole_numbers():
    shapes = {build(ProblemId("softmax-ce", "hard", seed)).answers["dlogits"].shape for seed in range(50)}
    assert all(len(shape) == 2 and shape[0] >= 2 and shape[1] >= 4 for shape in shapes)
    for seed in range(100):
        logits = build(ProblemId("softmax-ce", "easy", seed)).inputs["logits"]
        assert logits.shape == (3,) and all(float(v).is_integer() for v in logits)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_slips_of_a_batch_include_the_forgotten_mean(difficulty):
    problem = build(ProblemId("softmax-ce", "hard", 7))
    slugs = {m.slug for m in KIND.mistakes(problem)}
    assert {"sign-flipped", "onehot-not-subtracted", "jacobian-diagonal-only", "mean-forgotten",
            "sign-flipped-mean-forgotten", "wrong-class"} <= slugs
