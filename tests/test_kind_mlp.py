"""mlp: the 26 gradients against makemore's backward pass written by hand, and as the smaller kinds compose."""

from functools import cache

import numpy as np
import pytest

from handgrad_cli.grading import grade, grades_by_name
from handgrad_cli.kinds import get_kind, set_problems
from handgrad_cli.kinds.batchnorm import EPS
from handgrad_cli.kinds.mlp import MLP
from handgrad_cli.kinds.softmax_ce import softmax
from handgrad_cli.problem import DIFFICULTIES, ProblemId

KIND = get_kind("mlp")


def notebook_backward(C, Xb, Yb, W1, b1, bngain, bnbias, W2, b2):
    """makemore Part 4's forward pass and exercise 1's backward pass, written out in numpy float64."""
    n = Xb.shape[0]
    emb = C[Xb]
    embcat = emb.reshape(n, -1)
    hprebn = embcat @ W1 + b1
    bnmeani = 1 / n * hprebn.sum(0, keepdims=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = 1 / (n - 1) * bndiff2.sum(0, keepdims=True)
    bnvar_inv = (bnvar + EPS) ** -0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias
    h = np.tanh(hpreact)
    logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdims=True)
    norm_logits = logits - logit_maxes
    counts = np.exp(norm_logits)
    counts_sum = counts.sum(1, keepdims=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = np.log(probs)

    g = {}
    g["dlogprobs"] = np.zeros_like(logprobs)
    g["dlogprobs"][range(n), Yb] = -1.0 / n
    g["dprobs"] = 1.0 / probs * g["dlogprobs"]
    g["dcounts_sum_inv"] = (counts * g["dprobs"]).sum(1, keepdims=True)
    g["dcounts_sum"] = -counts_sum**-2 * g["dcounts_sum_inv"]
    g["dcounts"] = counts_sum_inv * g["dprobs"] + np.ones_like(counts) * g["dcounts_sum"]
    g["dnorm_logits"] = counts * g["dcounts"]
    g["dlogit_maxes"] = -g["dnorm_logits"].sum(1, keepdims=True)
    onehot_max = (logits == logit_maxes).astype(float)
    g["dlogits"] = g["dnorm_logits"].copy() + onehot_max * g["dlogit_maxes"]
    g["dh"] = g["dlogits"] @ W2.T
    g["dW2"] = h.T @ g["dlogits"]
    g["db2"] = g["dlogits"].sum(0)
    g["dhpreact"] = (1.0 - h**2) * g["dh"]
    g["dbngain"] = (bnraw * g["dhpreact"]).sum(0, keepdims=True)
    g["dbnbias"] = g["dhpreact"].sum(0, keepdims=True)
    g["dbnraw"] = bngain * g["dhpreact"]
    g["dbnvar_inv"] = (bndiff * g["dbnraw"]).sum(0, keepdims=True)
    g["dbnvar"] = -0.5 * (bnvar + EPS) ** -1.5 * g["dbnvar_inv"]
    g["dbndiff2"] = 1.0 / (n - 1) * np.ones_like(bndiff2) * g["dbnvar"]
    g["dbndiff"] = bnvar_inv * g["dbnraw"] + 2 * bndiff * g["dbndiff2"]
    g["dbnmeani"] = -g["dbndiff"].sum(0, keepdims=True)
    g["dhprebn"] = g["dbndiff"].copy() + 1.0 / n * np.ones_like(hprebn) * g["dbnmeani"]
    g["dembcat"] = g["dhprebn"] @ W1.T
    g["dW1"] = embcat.T @ g["dhprebn"]
    g["db1"] = g["dhprebn"].sum(0)
    g["demb"] = g["dembcat"].reshape(emb.shape)
    g["dC"] = np.zeros_like(C)
    for k in range(Xb.shape[0]):
        for j in range(Xb.shape[1]):
            g["dC"][Xb[k, j]] += g["demb"][k, j]
    return g, {"h": h, "logits": logits, "probs": probs, "bnraw": bnraw, "bnvar_inv": bnvar_inv, "embcat": embcat}


@cache
def sound_problems(difficulty, count=20):
    return tuple(set_problems(["mlp"], count, 3, difficulty))


def test_asks_the_26_gradients_of_exercise_1_in_the_notebooks_order():
    problem = KIND.build(ProblemId("mlp", "medium", 1))
    assert problem.asked == MLP.gradients and len(problem.asked) == 26
    assert problem.asked[0] == "dlogprobs" and problem.asked[-1] == "dC"


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_every_answer_equals_the_notebooks_backward_pass_by_hand(difficulty):
    for problem in sound_problems(difficulty):
        mine, _ = notebook_backward(**problem.inputs)
        assert set(mine) == set(problem.asked)
        for name in problem.asked:
            assert problem.answers[name].shape == mine[name].shape, name
            np.testing.assert_allclose(problem.answers[name], mine[name], rtol=1e-10, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_the_answers_compose_from_the_smaller_kinds_formulas(difficulty):
    for problem in sound_problems(difficulty)[:10]:
        a, inputs, f = problem.answers, problem.inputs, problem.forward
        n, vocab = len(inputs["Yb"]), inputs["C"].shape[0]
        onehot = np.eye(vocab)[inputs["Yb"]]
        np.testing.assert_allclose(a["dlogits"], (softmax(f["logits"]) - onehot) / n, atol=1e-12)  # softmax-ce
        np.testing.assert_allclose(a["dhpreact"], (1 - f["h"] ** 2) * a["dh"], atol=1e-12)  # tanh
        np.testing.assert_allclose(a["dW2"], f["h"].T @ a["dlogits"], atol=1e-12)  # linear
        np.testing.assert_allclose(a["dh"], a["dlogits"] @ inputs["W2"].T, atol=1e-12)
        np.testing.assert_allclose(a["db2"], a["dlogits"].sum(0), atol=1e-12)
        np.testing.assert_allclose(a["dW1"], f["embcat"].T @ a["dhprebn"], atol=1e-12)
        np.testing.assert_allclose(a["demb"], a["dembcat"].reshape(a["demb"].shape), atol=1e-15)  # embedding
        scattered = np.zeros_like(inputs["C"])
        np.add.at(scattered, inputs["Xb"], a["demb"])
        np.testing.assert_allclose(a["dC"], scattered, atol=1e-12)
        raw, gain, dh = f["bnraw"], inputs["bngain"], a["dhpreact"]  # batchnorm in one line (exercise 3)
        one_line = gain * f["bnvar_inv"] / n * (n * dh - dh.sum(0) - n / (n - 1) * raw * (dh * raw).sum(0))
        np.testing.assert_allclose(a["dhprebn"], one_line, rtol=1e-6, atol=1e-9)


def test_db1_and_dlogit_maxes_are_zero_and_the_columns_of_dhprebn_sum_to_zero():
    for problem in sound_problems("hard"):
        assert np.abs(problem.answers["db1"]).max() < 1e-12
        assert np.abs(problem.answers["dlogit_maxes"]).max() < 1e-12
        np.testing.assert_allclose(problem.answers["dhprebn"].sum(0), 0, atol=1e-12)
        np.testing.assert_allclose(problem.answers["dlogits"].sum(1), 0, atol=1e-12)
        assert grade(problem, "db1", np.zeros(problem.answers["db1"].shape)).correct


def test_the_shapes_are_the_notebooks():
    problem = KIND.build(ProblemId("mlp", "medium", 7))
    shapes = {name: value.shape for name, value in problem.answers.items()}
    assert shapes["demb"] == (3, 2, 2) and shapes["dC"] == (4, 2) and shapes["dembcat"] == (3, 4)
    assert shapes["dbngain"] == shapes["dbnvar"] == shapes["dbnmeani"] == (1, 3)
    assert shapes["db1"] == (3,) and shapes["db2"] == (4,) and shapes["dlogit_maxes"] == (3, 1)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_draws_are_hand_sized_with_a_repeated_index(difficulty):
    for problem in sound_problems(difficulty):
        xb = problem.inputs["Xb"]
        assert len(np.unique(xb)) < xb.size  # a row of C is used twice: dC adds up
        assert np.abs(problem.forward["h"]).max() < 0.9995
        places = {"easy": 0, "medium": 1, "hard": 2}[difficulty]
        for name in ("C", "W1", "W2", "b2", "bngain"):
            assert np.allclose(problem.inputs[name], np.round(problem.inputs[name], places)), name


def test_a_scatter_assigned_dC_is_named():
    problem = next(p for p in sound_problems("medium") if any(m.slug == "scatter-assigned" for m in KIND.mistakes(p)))
    xb, demb = problem.inputs["Xb"], problem.answers["demb"]
    assigned = np.zeros_like(problem.inputs["C"])
    assigned[xb.ravel()] = demb.reshape(-1, demb.shape[-1])  # numpy keeps the last write
    graded = grade(problem, "dC", assigned, earlier=grades_by_name(problem, {"demb": demb}))
    assert not graded.correct and graded.mistake.slug == "scatter-assigned"


def test_a_wrong_dlogits_carries_forward_to_dW2():
    problem = sound_problems("medium")[0]
    wrong = -problem.answers["dlogits"]
    earlier = {name: problem.answers[name] for name in problem.asked[:7]} | {"dlogits": wrong}
    following = KIND.following(problem, earlier)
    graded = grade(problem, "dW2", following["dW2"], earlier=grades_by_name(problem, earlier))
    assert not graded.correct and graded.carried == ("dlogits",)


def test_each_group_starts_at_an_asked_gradient_in_order():
    starts = [MLP.gradients.index(name) for name in MLP.groups]
    assert starts == sorted(starts) and starts[0] == 0
