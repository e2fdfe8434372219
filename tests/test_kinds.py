"""Every kind's reference backward pass against central differences, and the lesson's worked examples."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.kinds import KINDS, build, get_kind
from handgrad_cli.kinds.base import CLEAR
from handgrad_cli.kinds.softmax_ce import loss, softmax
from handgrad_cli.kinds.tanh_neuron import SATURATED
from handgrad_cli.problem import DIFFICULTIES, ProblemId
from tests.helpers import central_difference

seeds = st.integers(min_value=0, max_value=2**63 - 1)
kind_names = st.sampled_from(sorted(KINDS))
difficulties = st.sampled_from(DIFFICULTIES)


def assert_matches_finite_differences(problem):
    functions = get_kind(problem.kind).functions(problem)
    assert set(functions) == set(problem.asked)
    for name, (f, point) in functions.items():
        numeric = central_difference(f, point)
        np.testing.assert_allclose(problem.answers[name], numeric, rtol=1e-6, atol=1e-8, err_msg=name)


@given(kind_names, difficulties, seeds)
def test_reference_matches_finite_differences_for_every_kind_and_difficulty(kind, difficulty, seed):
    assert_matches_finite_differences(build(ProblemId(kind, difficulty, seed)))


finite = st.floats(min_value=-30, max_value=30, allow_nan=False, allow_infinity=False)


@given(st.integers(1, 4).flatmap(lambda n: st.integers(2, 6).flatmap(lambda k: st.tuples(
    st.lists(st.lists(finite, min_size=k, max_size=k), min_size=n, max_size=n),
    st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))))
def test_softmax_ce_on_any_inputs_matches_finite_differences(case):
    rows, targets = case
    inputs = {"logits": np.array(rows), "target": np.array(targets)}
    if len(rows) == 1:
        inputs = {"logits": np.array(rows[0]), "target": targets[0]}
    problem = get_kind("softmax-ce").solve(inputs, "custom", None)
    assert_matches_finite_differences(problem)
    assert np.allclose(np.atleast_2d(problem.answers["dlogits"]).sum(axis=1), 0, atol=1e-12)


@given(st.integers(1, 6).flatmap(lambda n: st.tuples(
    st.lists(st.floats(-3, 3), min_size=n, max_size=n), st.lists(st.floats(-3, 3), min_size=n, max_size=n),
    st.floats(-3, 3), st.floats(-5, 5))))
def test_tanh_neuron_on_any_inputs_matches_finite_differences(case):
    x, w, b, dout = case
    inputs = {"x": np.array(x), "w": np.array(w), "b": b, "dout": dout}
    assert_matches_finite_differences(get_kind("tanh-neuron").solve(inputs, "custom", None))


@given(difficulties, seeds)
def test_each_row_of_dlogits_sums_to_zero(difficulty, seed):
    dlogits = build(ProblemId("softmax-ce", difficulty, seed)).answers["dlogits"]
    assert np.allclose(np.atleast_2d(dlogits).sum(axis=1), 0, atol=1e-12)


@given(kind_names, difficulties, seeds)
def test_no_problem_is_degenerate(kind, difficulty, seed):
    problem = build(ProblemId(kind, difficulty, seed))
    for name, value in problem.answers.items():
        assert np.max(np.abs(value)) >= CLEAR, name
    if kind == "tanh-neuron":
        assert abs(problem.forward["a"]) < SATURATED


@given(kind_names, difficulties, seeds)
def test_the_chain_rule_steps_end_in_the_reference_answers(kind, difficulty, seed):
    problem = build(ProblemId(kind, difficulty, seed))
    results = {step.quantity: step.result for step in problem.steps}
    for name in problem.asked:
        np.testing.assert_allclose(results[name], problem.answers[name], rtol=1e-12, atol=1e-15)


@given(difficulties, seeds)
def test_softmax_steps_chain_local_times_upstream(difficulty, seed):
    problem = build(ProblemId("softmax-ce", difficulty, seed))
    dlogprobs, dprobs, dlogits = problem.steps
    np.testing.assert_allclose(dprobs.result, dprobs.local.value * dprobs.upstream.value)
    classes = np.shape(dlogits.result)[-1]
    jacobians = dlogits.local.value.reshape(-1, classes, classes)  # one per row
    chained = np.einsum("nij,nj->ni", jacobians, np.atleast_2d(dlogits.upstream.value))
    np.testing.assert_allclose(chained.reshape(np.shape(dlogits.result)), dlogits.result, atol=1e-12)


@given(difficulties, seeds)
def test_tanh_steps_chain_local_times_upstream(difficulty, seed):
    for step in build(ProblemId("tanh-neuron", difficulty, seed)).steps:
        np.testing.assert_allclose(step.result, np.multiply(step.local.value, step.upstream.value))


def test_easy_problems_use_numbers_a_person_can_work_with():
    for seed in range(200):
        softmax_ce = build(ProblemId("softmax-ce", "easy", seed))
        assert softmax_ce.inputs["logits"].shape == (3,)
        assert all(float(v).is_integer() for v in softmax_ce.inputs["logits"])
        neuron = build(ProblemId("tanh-neuron", "easy", seed))
        assert neuron.inputs["x"].shape == (2,)
        for value in [*neuron.inputs["x"], *neuron.inputs["w"], neuron.inputs["b"], neuron.inputs["dout"]]:
            assert round(value, 1) == value


def test_hard_problems_have_batches_and_more_inputs():
    shapes = {build(ProblemId("softmax-ce", "hard", seed)).answers["dlogits"].shape for seed in range(50)}
    assert all(len(shape) == 2 and shape[0] >= 2 and shape[1] >= 4 for shape in shapes)
    sizes = {build(ProblemId("tanh-neuron", "hard", seed)).inputs["x"].size for seed in range(50)}
    assert sizes <= {4, 5} and len(sizes) == 2


def test_lesson_softmax_example_comes_out_exactly():
    problem = get_kind("softmax-ce").from_options({"logits": "2,1,0", "target": "0"})
    assert np.round(problem.forward["probs"], 3).tolist() == [0.665, 0.245, 0.090]
    assert round(problem.forward["loss"], 3) == 0.408
    assert np.round(problem.answers["dlogits"], 3).tolist() == [-0.335, 0.245, 0.090]
    extras = {q.label: q.value for q in get_kind("softmax-ce").extras(problem, 0.5)}
    assert extras["loss after that step"] < extras["loss before"]


def test_micrograd_neuron_comes_out_exactly():
    problem = get_kind("tanh-neuron").from_options({"x": "2,0", "w": "-3,1", "b": "6.8813735870195432", "dout": "1"})
    assert round(problem.forward["a"], 4) == 0.7071
    assert problem.answers["dz"] == pytest.approx(0.5, abs=1e-12)
    np.testing.assert_allclose(problem.answers["dw"], [1, 0], atol=1e-12)
    np.testing.assert_allclose(problem.answers["dx"], [-1.5, 0.5], atol=1e-12)
    assert problem.answers["db"] == pytest.approx(0.5, abs=1e-12)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_softmax_is_stable_at_extreme_logits(scale):
    logits = np.array([[scale, -scale, 0.0], [-scale, scale, 1.0]])
    problem = get_kind("softmax-ce").solve({"logits": logits, "target": np.array([1, 1])}, "custom", None)
    dlogits = problem.answers["dlogits"]
    assert np.all(np.isfinite(dlogits)) and np.isfinite(problem.forward["loss"])
    expected = (softmax(logits) - np.eye(3)[[1, 1]]) / 2
    np.testing.assert_allclose(dlogits, expected)
    assert loss(logits, np.array([1, 1])) == pytest.approx(problem.forward["loss"])


@given(kind_names, difficulties, seeds)
def test_known_mistakes_differ_from_the_right_answer_somewhere(kind, difficulty, seed):
    problem = build(ProblemId(kind, difficulty, seed))
    mistakes = get_kind(kind).mistakes(problem)
    assert {m.gradient for m in mistakes} <= set(problem.asked)
    assert any(not np.allclose(m.value, problem.answers[m.gradient]) for m in mistakes)


@given(kind_names, difficulties, seeds)
def test_every_problem_asks_its_kinds_gradients_in_order(kind, difficulty, seed):
    assert build(ProblemId(kind, difficulty, seed)).asked == get_kind(kind).gradients


def test_the_steps_at_extreme_logits_have_no_nan():
    """Off the target dprobs is 0 even where a probability underflows to 0 (inf * 0 would say nan)."""
    problem = get_kind("softmax-ce").solve({"logits": np.array([1e4, -1e4, 0.0]), "target": 1}, "custom", None)
    for step in problem.steps:
        for value in (step.local.value, step.upstream.value, step.result):
            assert not np.any(np.isnan(value)), step.quantity
    dprobs = next(step.result for step in problem.steps if step.quantity == "dprobs")
    assert dprobs[0] == 0 and dprobs[2] == 0
