"""batchnorm: a batch worked by hand, the notebook's one-line dhprebn, column sums of 0, the named slips."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handgrad_cli.errors import UserError
from handgrad_cli.grading import grade, grades_by_name
from handgrad_cli.kinds import build, get_kind, set_problems
from handgrad_cli.problem import DIFFICULTIES, ProblemId

from tests.helpers import central_difference

KIND = get_kind("batchnorm")
EPS = 1e-5


def by_hand():
    """Columns with mean 1 and 0, Bessel variances 1 and 4: bnvar_inv is 1 and 1/2 (up to eps)."""
    return KIND.solve(KIND.read_inputs({"hprebn": "0, -2; 1, 0; 2, 2", "bngain": "2, 1", "bnbias": "0.5, -0.5",
                                        "dhpreact": "1, 0; 0, 1; 0, 0"}))


def independent(hprebn, bngain, dhpreact):
    """Every gradient, written out as the notebook's exercise 1 does it, in float64."""
    n = hprebn.shape[0]
    bnmeani = hprebn.sum(0, keepdims=True) / n
    bndiff = hprebn - bnmeani
    bnvar = (bndiff**2).sum(0, keepdims=True) / (n - 1)
    bnvar_inv = (bnvar + EPS) ** -0.5
    bnraw = bndiff * bnvar_inv
    dbnraw = bngain * dhpreact
    dbnvar_inv = (bndiff * dbnraw).sum(0, keepdims=True)
    dbnvar = -0.5 * (bnvar + EPS) ** -1.5 * dbnvar_inv
    dbndiff2 = np.ones_like(bndiff) * dbnvar / (n - 1)
    dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2
    dbnmeani = -dbndiff.sum(0, keepdims=True)
    return {
        "dbngain": (bnraw * dhpreact).sum(0, keepdims=True), "dbnbias": dhpreact.sum(0, keepdims=True),
        "dbnraw": dbnraw, "dbnvar_inv": dbnvar_inv, "dbnvar": dbnvar, "dbndiff2": dbndiff2, "dbndiff": dbndiff,
        "dbnmeani": dbnmeani, "dhprebn": dbndiff + dbnmeani / n,
        "one line": bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) - n / (n - 1) * bnraw
                                              * (dhpreact * bnraw).sum(0)),
    }


def test_a_batch_worked_by_hand():
    problem = by_hand()
    assert problem.forward["bnmeani"].tolist() == [[1, 0]]
    np.testing.assert_allclose(problem.forward["bnvar"], [[1, 4]])  # Bessel: squares summed over n - 1 = 2
    np.testing.assert_allclose(problem.forward["bnvar_inv"], [[1, 0.5]], atol=1e-5)
    # bnraw = [[-1, -1], [0, 0], [1, 1]]: dbngain sums bnraw * dhpreact down each column
    np.testing.assert_allclose(problem.answers["dbngain"], [[-1, 0]], atol=1e-5)
    np.testing.assert_allclose(problem.answers["dbnbias"], [[1, 1]])
    # column 0: gain 2, bnvar_inv 1, dhpreact [1, 0, 0]: 2/3 * (3*[1,0,0] - 1 - 1.5*[-1,0,1]*(-1)) = [1/3, -2/3, 1/3]
    np.testing.assert_allclose(problem.answers["dhprebn"][:, 0], [1 / 3, -2 / 3, 1 / 3], atol=1e-4)  # eps: 1e-5
    # column 1: gain 1, bnvar_inv 1/2, dhpreact [0, 1, 0], dbnraw column sum 0 and bnraw there 0: 1/2*(dh - 1/3)
    np.testing.assert_allclose(problem.answers["dhprebn"][:, 1], [-1 / 6, 1 / 3, -1 / 6], atol=1e-4)


@settings(max_examples=30)
@given(st.integers(2, 5).flatmap(lambda n: st.tuples(*(
    st.lists(st.lists(st.integers(-30, 30).map(lambda v: v / 10), min_size=3, max_size=3), min_size=rows,
             max_size=rows) for rows in (n, 1, n)))))
def test_any_batch_matches_the_notebooks_formulas_and_finite_differences(case):
    hprebn, bngain, dhpreact = (np.array(part) for part in case)
    problem = KIND.solve({"hprebn": hprebn, "bngain": bngain, "bnbias": np.zeros_like(bngain), "dhpreact": dhpreact})
    expected = independent(hprebn, bngain, dhpreact)
    for name in problem.asked:
        np.testing.assert_allclose(problem.answers[name], expected[name], rtol=1e-9, atol=1e-9, err_msg=name)
        assert problem.answers[name].shape == expected[name].shape  # [1, n_hidden] stays [1, n_hidden]
    np.testing.assert_allclose(problem.answers["dhprebn"], expected["one line"], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(problem.answers["dhprebn"].sum(0), 0, atol=1e-9)  # each column sums to 0
    if np.all(np.ptp(hprebn, axis=0) > 0.5):  # away from a zero variance, where eps makes it stiff
        f, point = KIND.loss_function(problem, "dhprebn")
        np.testing.assert_allclose(problem.answers["dhprebn"], central_difference(f, point), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_draws_have_whole_means_and_variances_in_a_small_batch(difficulty):
    for problem in set_problems(["batchnorm"], 40, 3, difficulty):
        hprebn = problem.inputs["hprebn"]
        assert hprebn.shape[0] in (3, 4) and hprebn.shape[1] in (2, 3)
        mean, var = problem.forward["bnmeani"], problem.forward["bnvar"]
        assert np.array_equal(mean, np.round(mean)) and np.allclose(var, np.round(var), atol=1e-12)
        np.testing.assert_allclose(var, hprebn.var(axis=0, ddof=1, keepdims=True))
        if difficulty == "easy":
            assert set(np.ravel(var).tolist()) <= {1, 4, 9}  # bnvar_inv is 1, 1/2 or 1/3


def test_easy_asks_three_gradients_and_hard_every_step_in_the_notebooks_order():
    assert build(ProblemId("batchnorm", "easy", 1)).asked == ("dbngain", "dbnbias", "dhprebn")
    assert build(ProblemId("batchnorm", "hard", 1)).asked == (
        "dbngain", "dbnbias", "dbnraw", "dbnvar_inv", "dbnvar", "dbndiff2", "dbndiff", "dbnmeani", "dhprebn")
    assert set(build(ProblemId("batchnorm", "easy", 1)).closed_form) == {"dbngain", "dbnbias", "dhprebn"}


def test_two_paths_show_both_terms_and_their_sum():
    problem = build(ProblemId("batchnorm", "hard", 1))
    steps = {step.quantity: step for step in problem.steps}
    assert steps["dbndiff"].formula == "dbndiff = (2 * bndiff) * dbndiff2 + bnvar_inv * dbnraw"
    assert steps["dhprebn"].formula == "dhprebn = 1/4 * dbnmeani + dbndiff"
    assert steps["dbndiff2"].formula == "dbndiff2 = 1/3 * dbnvar"  # Bessel's 1/(n-1), in the step itself
    assert steps["dbnvar"].formula == "dbnvar = (-0.5 * (bnvar + 1e-05)**-1.5) * dbnvar_inv"
    for name in ("dbndiff", "dhprebn"):
        np.testing.assert_allclose(sum(term.value for term in steps[name].terms), problem.answers[name])


@pytest.mark.parametrize(("slug", "wrong"), [
    ("mean-path-dropped", lambda p, e: e["dbndiff"]),
    ("sign-flipped", lambda p, e: -p.answers["dhprebn"]),
])
def test_slips_in_dhprebn_are_named(slug, wrong):
    problem = next(set_problems(["batchnorm"], 1, 6, "hard"))
    earlier = {name: problem.answers[name] for name in problem.asked[:-1]}
    graded = grade(problem, "dhprebn", wrong(problem, earlier), earlier=grades_by_name(problem, earlier))
    assert not graded.correct and graded.mistake.slug == slug


def test_the_variance_path_and_bessel_are_named_in_dbndiff_and_dbndiff2():
    problem = next(set_problems(["batchnorm"], 1, 9, "hard"))
    answers, n = problem.answers, problem.inputs["hprebn"].shape[0]
    before = {name: answers[name] for name in problem.asked[:5]}
    graded = grade(problem, "dbndiff2", answers["dbndiff2"] * (n - 1) / n, earlier=grades_by_name(problem, before))
    assert graded.mistake.slug == "bessel-forgotten" and f"n = {n}" in graded.mistake.description
    before = {name: answers[name] for name in problem.asked[:6]}
    one_path = problem.forward["bnvar_inv"] * answers["dbnraw"]
    assert grade(problem, "dbndiff", one_path, earlier=grades_by_name(problem, before)).mistake.slug == "variance-path-dropped"


def test_slips_made_early_show_in_dhprebn_at_easy():
    problem = next(set_problems(["batchnorm"], 1, 2, "easy"))
    slugs = {m.slug for m in KIND.mistakes(problem) if m.gradient == "dhprebn" and not np.allclose(
        m.value, problem.answers["dhprebn"], atol=1e-3)}
    assert {"mean-path-dropped", "variance-path-dropped", "bessel-forgotten", "sign-flipped"} <= slugs


def test_explain_checks_the_column_sums():
    problem = build(ProblemId("batchnorm", "medium", 5))
    (check,) = KIND.extras(problem, lr=1.0)
    assert check.label == "column sums of dhprebn (each is 0)" and check.value.shape == (1, 2)
    np.testing.assert_allclose(check.value, 0, atol=1e-12)


def test_typed_inputs_are_checked_for_shape_and_a_batch_of_two():
    with pytest.raises(UserError, match=r"bngain must be \[1, n_hidden=2\]"):
        KIND.read_inputs({"hprebn": "1, 2; 3, 4", "bngain": "1, 1; 1, 1", "bnbias": "0, 0", "dhpreact": "1, 0; 0, 1"})
    with pytest.raises(UserError, match="at least 2 rows"):
        KIND.read_inputs({"hprebn": "1, 2", "bngain": "1, 1", "bnbias": "0, 0", "dhpreact": "1, 0"})
