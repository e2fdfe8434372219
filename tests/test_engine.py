"""The engine's ops, one at a time: the local derivative each link writes and the gradient it gives."""

import numpy as np

from handgrad_cli import engine


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
