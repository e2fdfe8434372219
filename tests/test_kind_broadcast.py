"""The three broadcast kinds: worked by hand, exact shapes, generated problems against plain numpy, named slips."""

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.errors import UserError
from handgrad_cli.grading import grade, grades_by_name
from handgrad_cli.kinds import get_kind, set_problems

HPREACT, PROBS, NORM = (get_kind(name) for name in ("broadcast-hpreact", "broadcast-probs", "broadcast-norm-logits"))


def typed(kind, **values):
    return kind.solve(kind.read_inputs(values))


# --- hpreact = bngain * bnraw + bnbias ---------------------------------------------------------


def test_hpreact_worked_by_hand_keeps_the_row_shape():
    problem = typed(HPREACT, bngain="2, -1", bnraw="1, 0; -1, 3", bnbias="0.5, 0", dhpreact="1, 2; 3, -1")
    # dbngain = (bnraw * dhpreact).sum(0): [1*1 + -1*3, 0*2 + 3*-1]; dbnbias = dhpreact.sum(0)
    np.testing.assert_allclose(problem.answers["dbngain"], [[-2, -3]])
    np.testing.assert_allclose(problem.answers["dbnbias"], [[4, 1]])
    np.testing.assert_allclose(problem.answers["dbnraw"], [[2, -2], [6, 1]])
    assert problem.answers["dbngain"].shape == (1, 2) and problem.answers["dbnbias"].shape == (1, 2)
    assert [step.formula for step in problem.steps] == ["dbngain = (bnraw * dhpreact).sum(0, keepdim=True)",
                                                        "dbnbias = dhpreact.sum(0, keepdim=True)",
                                                        "dbnraw = bngain * dhpreact"]
    assert problem.steps[0].terms[0].summed.startswith("summed over the batch")
    assert problem.steps[2].terms[0].summed == ""


def test_a_gain_of_two_rows_is_refused_as_typed():
    with pytest.raises(UserError, match="bngain must be \\[1, n"):
        HPREACT.read_inputs({"bngain": "2, -1; 1, 1", "bnraw": "1, 0; -1, 3", "bnbias": "0.5, 0",
                             "dhpreact": "1, 2; 3, -1"})


def test_averaging_dbngain_over_the_batch_is_named():
    problem = next(set_problems(["broadcast-hpreact"], 1, 4, "medium"))
    bnraw, up = problem.inputs["bnraw"], problem.inputs["dhpreact"]
    graded = grade(problem, "dbngain", (bnraw * up).mean(axis=0, keepdims=True))
    assert not graded.correct and graded.mistake.slug == "bngain-averaged"
    graded = grade(problem, "dbngain", (problem.inputs["bngain"] * up).sum(axis=0, keepdims=True))
    assert not graded.correct and graded.mistake.slug == "not-swapped"


def test_dbnraw_without_the_gain_is_named():
    problem = next(set_problems(["broadcast-hpreact"], 1, 4, "medium"))
    graded = grade(problem, "dbnraw", problem.inputs["dhpreact"])
    assert not graded.correct and graded.mistake.slug == "gain-dropped"


# --- probs = counts * counts_sum_inv --------------------------------------------------------------


def test_probs_worked_by_hand_keeps_the_column_shape():
    problem = typed(PROBS, counts="1, 3; 2, 2", counts_sum_inv="0.25; 0.25", dprobs="2, -1; 1, 1")
    np.testing.assert_allclose(problem.answers["dcounts_sum_inv"], [[-1], [4]])  # 1*2 + 3*-1; 2*1 + 2*1
    np.testing.assert_allclose(problem.answers["dcounts"], [[0.5, -0.25], [0.25, 0.25]])
    np.testing.assert_allclose(problem.forward["probs"], [[0.25, 0.75], [0.5, 0.5]])
    assert problem.steps[0].terms[0].summed.startswith("summed over axis 1")
    assert problem.steps[0].formula == "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)"


def test_counts_sum_inv_is_one_over_each_rows_sum_to_three_decimals():
    for problem in set_problems(["broadcast-probs"], 100, 2, "medium"):
        counts = problem.inputs["counts"]
        np.testing.assert_allclose(problem.inputs["counts_sum_inv"], 1 / counts.sum(axis=1, keepdims=True), atol=5e-4)
        assert counts.min() > 0


def test_averaging_dcounts_sum_inv_along_the_row_is_named():
    problem = next(set_problems(["broadcast-probs"], 1, 9, "hard"))
    counts, up = problem.inputs["counts"], problem.inputs["dprobs"]
    graded = grade(problem, "dcounts_sum_inv", (counts * up).mean(axis=1, keepdims=True))
    assert not graded.correct and graded.mistake.slug == "counts_sum_inv-averaged"
    graded = grade(problem, "dcounts", up)
    assert not graded.correct and graded.mistake.slug == "factor-dropped"


# --- norm_logits = logits - logit_maxes ---------------------------------------------------------


def test_norm_logits_worked_by_hand_with_the_max_path():
    problem = typed(NORM, logits="1, 4, 2; 0, -1, 3", dnorm_logits="1, 2, -1; 2, 0, 1")
    # dlogit_maxes = -dnorm_logits.sum(1): [-2, -3]; the max of row 0 is at 1, of row 1 at 2
    np.testing.assert_allclose(problem.answers["dlogit_maxes"], [[-2], [-3]])
    np.testing.assert_allclose(problem.answers["dlogits"], [[1, 0, -1], [2, 0, -2]])
    (step,) = [step for step in problem.steps if step.quantity == "dlogits"]
    assert len(step.terms) == 2
    assert sorted(term.formula for term in step.terms) == ["dnorm_logits", "onehot(logits.argmax(1)) * dlogit_maxes"]
    assert problem.steps[0].formula == "dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True)"


def test_tied_maxes_are_redrawn():
    for problem in set_problems(["broadcast-norm-logits"], 300, 1, "easy"):
        logits = problem.inputs["logits"]
        assert np.all((logits == logits.max(axis=1, keepdims=True)).sum(axis=1) == 1)


@pytest.mark.parametrize("difficulty", ["easy", "medium", "hard"])
def test_generated_answers_agree_with_plain_numpy(difficulty):
    for problem in set_problems(["broadcast-norm-logits"], 50, 3, difficulty):
        logits, up = problem.inputs["logits"], problem.inputs["dnorm_logits"]
        dmax = -up.sum(axis=1, keepdims=True)
        dlogits = up.copy()
        dlogits[np.arange(len(logits)), logits.argmax(axis=1)] += dmax[:, 0]
        np.testing.assert_allclose(problem.answers["dlogit_maxes"], dmax, atol=1e-12)
        np.testing.assert_allclose(problem.answers["dlogits"], dlogits, atol=1e-12)
    for problem in set_problems(["broadcast-hpreact"], 50, 3, difficulty):
        gain, raw, up = (problem.inputs[name] for name in ("bngain", "bnraw", "dhpreact"))
        np.testing.assert_allclose(problem.answers["dbngain"], (raw * up).sum(0, keepdims=True), atol=1e-12)
        np.testing.assert_allclose(problem.answers["dbnbias"], up.sum(0, keepdims=True), atol=1e-12)
        np.testing.assert_allclose(problem.answers["dbnraw"], gain * up, atol=1e-12)
    for problem in set_problems(["broadcast-probs"], 50, 3, difficulty):
        counts, inv, up = (problem.inputs[name] for name in ("counts", "counts_sum_inv", "dprobs"))
        np.testing.assert_allclose(problem.answers["dcounts_sum_inv"], (counts * up).sum(1, keepdims=True), atol=1e-12)
        np.testing.assert_allclose(problem.answers["dcounts"], inv * up, atol=1e-12)


def test_dropping_the_max_path_and_keeping_the_sign_are_named():
    problem = next(set_problems(["broadcast-norm-logits"], 1, 6, "medium"))
    up = problem.inputs["dnorm_logits"]
    graded = grade(problem, "dlogits", up)
    assert not graded.correct and graded.mistake.slug == "max-path-dropped"
    graded = grade(problem, "dlogit_maxes", up.sum(axis=1, keepdims=True))
    assert not graded.correct and graded.mistake.slug == "sign-flipped"
    assert "kept positive" in graded.mistake.description


def test_dlogits_from_a_wrong_sign_in_dlogit_maxes_is_carried_forward():
    problem = next(set_problems(["broadcast-norm-logits"], 1, 6, "medium"))
    wrong = {"dlogit_maxes": -problem.answers["dlogit_maxes"]}
    following = NORM.following(problem, wrong)["dlogits"]
    graded = grade(problem, "dlogits", np.round(following, 3), earlier=grades_by_name(problem, wrong))
    assert not graded.correct and graded.carried == ("dlogit_maxes",)


def typed_answer(value, flat=False):
    rows = [np.ravel(value)] if flat else np.atleast_2d(value)
    return "; ".join(", ".join(f"{entry:.3f}" for entry in row) for row in rows)


@pytest.mark.parametrize("kind", ["broadcast-hpreact", "broadcast-probs", "broadcast-norm-logits"])
def test_a_summed_gradient_typed_as_one_flat_row(kind):
    problem = next(set_problems([kind], 1, 1, "easy"))
    first = problem.asked[0]
    answers = [f"{name}={typed_answer(value, flat=name == first)}" for name, value in problem.answers.items()]
    result = CliRunner().invoke(app, ["check", str(problem.id), *answers])
    if problem.answers[first].shape[0] == 1:  # a [1, n] row typed as one row is that row
        assert result.exit_code == 0, result.output
    else:  # an [N, 1] column typed as one row of N values is the wrong shape: a wrong answer, named
        assert result.exit_code == 1 and "the numbers themselves are right" in " ".join(result.stdout.split())
        assert f"the shape is [{problem.answers[first].shape[0]}], not {list(problem.answers[first].shape)}" in \
            " ".join(result.stdout.split())
