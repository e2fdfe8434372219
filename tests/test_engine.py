"""The engine's ops: each op's local derivative against central differences, and its steps' text."""

import numpy as np

from handgrad_cli import engine
from tests.helpers import central_difference


def gradient_of(build, value, name="x"):
    """The engine's gradient of sum(build(x)) at `value`, and the same by central differences."""
    x = engine.leaf(np.asarray(value, dtype=float)[None], name)
    out = build(x).sum(0) if build(x).shape else build(x)
    back = engine.backward(out, np.ones(1))
    numeric = central_difference(lambda v: float(np.sum(build(engine.leaf(v[None], name)).value)), value)
    return back, x, numeric


def test_pow_with_an_epsilon_is_one_step_with_its_local_derivative():
    back, x, numeric = gradient_of(lambda x: engine.power(x, -0.5, plus=1e-5), [[0.5, 2.0]], "bnvar")
    np.testing.assert_allclose(back.grads[x][0], numeric, rtol=1e-6)
    np.testing.assert_allclose(back.grads[x][0], -0.5 * (np.array([[0.5, 2.0]]) + 1e-5) ** -1.5)
    (term,) = back.terms[x]
    assert term.local == "-0.5 * (bnvar + 1e-05)**-1.5"


def test_a_mean_with_bessels_correction_divides_by_n_minus_1():
    data = [[1.0, 2.0], [3.0, 5.0], [2.0, 8.0]]
    x = engine.leaf(np.array(data)[None], "bndiff2")
    var = engine.mean(x, 0, keepdim=True, ddof=1).named("bnvar")
    np.testing.assert_allclose(var.value[0], np.array(data).sum(0, keepdims=True) / 2)
    assert var.expr == "1/(3-1) * bndiff2.sum(0, keepdim=True)"
    back = engine.backward(var.sum(1).sum(0), np.ones(1))
    np.testing.assert_allclose(back.grads[x][0], np.full((3, 2), 0.5))
    assert back.terms[x][0].formula == "1/2 * dbnvar" and "Bessel" in back.terms[x][0].rule

