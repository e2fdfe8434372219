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
    assert out.expr == "1/2 * bndiff2.sum(0, keepdim=True)"
    assert (out.links[0].local, out.links[0].template) == ("1/2", "{local} * {up}")
    np.testing.assert_allclose(out.value, [[[3.0, 4.5]]])
    ours, numeric = gradient_of(lambda v: engine.total(v, 0, keepdim=True, divisor=2), np.ones((3, 2)))
    np.testing.assert_allclose(ours, np.full((3, 2), 0.5))
    np.testing.assert_allclose(ours, numeric, rtol=1e-6)


def test_a_product_parenthesises_only_a_sum():
    x, y = engine.leaf(np.ones((1, 2, 2)), "x"), engine.leaf(np.ones((1, 2, 2)), "y")
    assert (x.sum(0, keepdim=True) * y).expr == "x.sum(0, keepdim=True) * y"
    assert ((x + y) * y).expr == "(x + y) * y"
    assert ((x - y) / y).expr == "(x - y) / y"


def backward_of(build, value, name="x"):
    """The engine's gradient of sum(build(x)) at `value`, and the same by central differences."""
    x = engine.leaf(np.asarray(value, dtype=float)[None], name)
    out = build(x).sum(0) if build(x).shape else build(x)
    back = engine.backward(out, np.ones(1))
    numeric = central_difference(lambda v: float(np.sum(build(engine.leaf(v[None], name)).value)), value)
    return back, x, numeric


def test_pow_with_an_epsilon_is_one_step_with_its_local_derivative():
    back, x, numeric = backward_of(lambda x: engine.power(x, -0.5, plus=1e-5), [[0.5, 2.0]], "bnvar")
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


def test_a_view_moves_no_numbers_its_step_is_the_upstream_viewed_back():
    emb = engine.leaf(np.arange(8.0).reshape(1, 2, 2, 2), "emb")
    embcat = engine.view(emb, (2, -1)).named("embcat")
    upstream = np.arange(8.0).reshape(1, 2, 4) - 3
    back = engine.backward(embcat, upstream, seed_name="dembcat")
    (step,) = engine.steps(back, ["demb"]).values()
    (term,) = step.terms
    assert term.local == "1" and step.formula == "demb = dembcat.view(2, 2, 2)"
    np.testing.assert_array_equal(back.grads[emb], upstream.reshape(1, 2, 2, 2))


def test_an_embeddings_local_is_its_indices_as_whole_numbers_and_rows_add_up():
    table = engine.leaf(np.zeros((1, 3, 2)), "C")
    rows = engine.named_index([[[2, 0], [2, 2]]], "Xb")
    emb = engine.embed(table, rows).named("emb")
    upstream = np.array([[[[1.0, -1], [2, 0]], [[3, 1], [-2, 4]]]])
    back = engine.backward(emb, upstream, seed_name="demb")
    (term,) = back.terms[table]
    assert np.issubdtype(term.local_value.dtype, np.integer)
    np.testing.assert_array_equal(term.local_value, [[[2, 0], [2, 2]]])
    np.testing.assert_array_equal(back.grads[table], [[[2, 0], [0, 0], [2, 4]]])


def test_a_broadcast_inputs_term_writes_its_sum():
    X = engine.leaf(np.ones((1, 2, 3)), "X")
    b = engine.leaf(np.ones((1, 3)), "b")
    gain = engine.leaf(np.full((1, 1, 3), 2.0), "gain")
    column = engine.leaf(np.ones((1, 2, 1)), "column")
    out = ((gain * X + b) - column).named("out")
    upstream = np.arange(6.0).reshape(1, 2, 3)
    back = engine.backward(out, upstream, seed_name="dout")
    found = engine.steps(back, ["db", "dgain", "dcolumn", "dX"])
    assert found["db"].formula == "db = dout.sum(0)"
    assert found["dgain"].formula == "dgain = (X * dout).sum(0, keepdim=True)"
    assert found["dcolumn"].formula == "dcolumn = (-dout).sum(1, keepdim=True)"
    assert found["dX"].formula == "dX = gain * dout"
    np.testing.assert_array_equal(found["db"].result, [[3, 5, 7]])
    np.testing.assert_array_equal(found["dcolumn"].result, [[[-3], [-12]]])


def test_a_concatenation_hands_each_input_back_its_slice():
    a = engine.leaf(np.array([[[1.0, 2.0]]]), "a")
    b = engine.leaf(np.array([[[3.0]]]), "b")
    out = engine.concat([a, b], 1).named("embcat")
    assert out.expr == "cat([a, b], 1)"
    upstream = np.array([[[10.0, 20.0, 30.0]]])
    back = engine.backward(out, upstream, seed_name="dembcat")
    np.testing.assert_array_equal(back.grads[a], [[[10.0, 20.0]]])
    np.testing.assert_array_equal(back.grads[b], [[[30.0]]])
    assert back.terms[a][0].formula == "dembcat[0:2]" and back.terms[b][0].formula == "dembcat[2:3]"


def test_a_nudge_is_given_to_one_forward_pass_and_moves_only_the_value_it_names():
    def forward(nudges=None):
        x = engine.leaf(np.array([[1.0, 2.0]]), "x", nudges)
        z = (x * 3.0).named("z")
        return z, z.tanh().named("a")

    z, a = forward({"z": np.array([[0.5, 0.0]])})
    np.testing.assert_allclose(z.value, [[3.5, 6.0]])
    np.testing.assert_allclose(a.value, np.tanh([[3.5, 6.0]]))  # later values are made from the nudged one
    plain_z, plain_a = forward()  # nothing of the nudged pass is left behind
    np.testing.assert_allclose(plain_z.value, [[3.0, 6.0]])
    np.testing.assert_allclose(plain_a.value, np.tanh([[3.0, 6.0]]))


def test_a_number_divided_by_a_node_is_a_division():
    x = engine.leaf(np.array([[2.0, 4.0]]), "x")
    out = (1 / x).named("out")
    np.testing.assert_allclose(out.value, [[0.5, 0.25]])
    grads = engine.backward(out, np.ones((1, 2))).grads
    np.testing.assert_allclose(grads[x], [[-0.25, -0.0625]])
    assert out.expr == "1 / x"


def test_sigmoid_is_finite_far_out_and_its_derivative_matches_finite_differences():
    far = engine.leaf(np.array([[-1e4, 0.0, 1e4]]), "z").sigmoid()
    np.testing.assert_allclose(far.value, [[0.0, 0.5, 1.0]])
    analytic, numeric = gradient_of(lambda x: x.sigmoid(), [-2.0, 0.3, 1.5])
    np.testing.assert_allclose(analytic, numeric, rtol=1e-7)
    assert far.links[0].local.format(out="p") == "p * (1 - p)"


def test_a_given_input_is_read_but_gets_no_gradient():
    p = engine.leaf(np.array([0.25]), "p")
    y = engine.given(np.array([1.0]), "y")
    loss = (p - y).named("loss")
    back = engine.backward(loss, np.ones(1))
    assert y not in back.grads and loss.expr == "p - y"
    np.testing.assert_allclose(back.grads[p], [1.0])
