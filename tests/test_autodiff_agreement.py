"""Hundreds of generated problems, recomputed by an independent scalar autodiff to float64 precision."""

import numpy as np
import pytest

from handgrad_cli.kinds import build, set_ids
from tests.autodiff import Value


def softmax_ce_by_autodiff(logits, target):
    rows = np.atleast_2d(logits)
    targets = np.atleast_1d(target)
    grid = [[Value(v) for v in row] for row in rows]
    total = Value(0.0)
    for row, t in zip(grid, targets):
        top = max(v.data for v in row)  # a constant shift: the gradient does not flow through it
        counts = [(v - top).exp() for v in row]
        counts_sum = sum(counts[1:], counts[0])
        total = total + (counts[int(t)] / counts_sum).log()
    loss = -total / len(grid)
    loss.backward()
    return {"dlogits": np.array([[v.grad for v in row] for row in grid]).reshape(np.shape(logits))}


def tanh_neuron_by_autodiff(x, w, b, dout):
    xs, ws, bias = [Value(v) for v in x], [Value(v) for v in w], Value(b)
    z = sum((wi * xi for wi, xi in zip(ws, xs)), bias)
    a = z.tanh()
    (a * dout).backward()  # L = dout * a, so dL/da = dout
    return {"dz": z.grad, "dw": np.array([v.grad for v in ws]), "db": bias.grad, "dx": np.array([v.grad for v in xs])}


def by_autodiff(problem):
    if problem.kind == "softmax-ce":
        return softmax_ce_by_autodiff(problem.inputs["logits"], problem.inputs["target"])
    inputs = problem.inputs
    return tanh_neuron_by_autodiff(inputs["x"], inputs["w"], inputs["b"], inputs["dout"])


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_generated_answers_agree_with_an_independent_autodiff(difficulty):
    for problem_id in set_ids(["softmax-ce", "tanh-neuron"], 200, 2026, difficulty):
        problem = build(problem_id)
        expected = by_autodiff(problem)
        for name, value in problem.answers.items():
            np.testing.assert_allclose(value, expected[name], rtol=1e-12, atol=1e-15, err_msg=f"{problem_id} {name}")


def test_the_autodiff_itself_on_micrograds_neuron():
    grads = tanh_neuron_by_autodiff([2.0, 0.0], [-3.0, 1.0], 6.8813735870195432, 1.0)
    assert grads["dz"] == pytest.approx(0.5) and grads["dx"].tolist() == pytest.approx([-1.5, 0.5])
