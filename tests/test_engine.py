"""The engine's ops: values, gradients against finite differences, and the expressions a learner reads."""

import numpy as np

from handgrad_cli import engine
from tests.helpers import central_difference


def gradient_of(build, value):
    """The engine's gradient of sum(build(x)) at `value`, and the same by central differences."""
    x = engine.leaf(np.asarray(value, dtype=float)[None], "x")
    out = build(x)
    grads = engine.backward(out, np.ones_like(out.value)).grads
    numeric = central_difference(lambda v: float(np.sum(build(engine.leaf(v[None], "x")).value)), value)
    return grads[x][0], numeric


def test_a_shifted_power_is_one_step_with_its_derivative_written_out():
    x = engine.leaf(np.array([[[4.0, 9.0]]]), "bnvar")
    out = engine.power(x, -0.5, plus=1e-5)
    assert out.expr == "(bnvar + 1e-05)**-0.5"
    assert out.links[0].local == "-0.5 * (bnvar + 1e-05)**-1.5"
    np.testing.assert_allclose(out.value, [[[(4 + 1e-5) ** -0.5, (9 + 1e-5) ** -0.5]]])
    ours, numeric = gradient_of(lambda v: engine.power(v, -0.5, plus=1e-5), [[4.0, 9.0]])
    np.testing.assert_allclose(ours, numeric, rtol=1e-6)


def test_a_sum_divided_is_one_step_whose_gradient_is_the_upstream_over_the_divisor():
    x = engine.leaf(np.arange(6.0).reshape(1, 3, 2), "bndiff2")
    out = engine.total(x, 0, keepdim=True, divisor=2)
    assert out.expr == "bndiff2.sum(0, keepdim=True) / 2"
    assert (out.links[0].local, out.links[0].template) == ("1/2", "{up} / 2")
    np.testing.assert_allclose(out.value, [[[3.0, 4.5]]])
    ours, numeric = gradient_of(lambda v: engine.total(v, 0, keepdim=True, divisor=2), np.ones((3, 2)))
    np.testing.assert_allclose(ours, np.full((3, 2), 0.5))
    np.testing.assert_allclose(ours, numeric, rtol=1e-6)


def test_a_product_parenthesises_only_a_sum():
    x, y = engine.leaf(np.ones((1, 2, 2)), "x"), engine.leaf(np.ones((1, 2, 2)), "y")
    assert (x.sum(0, keepdim=True) * y).expr == "x.sum(0, keepdim=True) * y"
    assert ((x + y) * y).expr == "(x + y) * y"
    assert ((x - y) / y).expr == "(x - y) / y"
