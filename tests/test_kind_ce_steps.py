"""ce-steps: the lesson's logits worked by hand, softmax-ce's one line, dcounts' two paths, dlogit_maxes = 0."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handgrad_cli.grading import grade, grade_all, grades_by_name
from handgrad_cli.kinds import build, get_kind, set_problems
from handgrad_cli.kinds.ce_steps import one_line_dlogits
from handgrad_cli.problem import DIFFICULTIES, ProblemId

from tests.helpers import central_difference

KIND = get_kind("ce-steps")
SOFTMAX_CE = get_kind("softmax-ce")


def lesson_problem():
    return KIND.solve(KIND.read_inputs({"logits": "2,1,0", "Yb": "0"}))


def test_the_lessons_logits_come_out_step_by_step():
    problem = lesson_problem()
    counts_sum = 1 + math.exp(-1) + math.exp(-2)  # the max is 2: counts are e**0, e**-1, e**-2
    p0 = 1 / counts_sum
    expected = {
        "dlogprobs": [[-1, 0, 0]],
        "dprobs": [[-1 / p0, 0, 0]],
        "dcounts_sum_inv": [[-1 / p0]],  # counts[0] = 1
        "dcounts_sum": [[(-counts_sum**-2) * (-1 / p0)]],
        "dcounts": [[-1 + p0, p0, p0]],  # counts_sum_inv * dprobs, plus dcounts_sum on every entry
        "dnorm_logits": [[-1 + p0, p0 * math.exp(-1), p0 * math.exp(-2)]],
        "dlogit_maxes": [[0]],
        "dlogits": [[-1 + p0, p0 * math.exp(-1), p0 * math.exp(-2)]],
    }
    assert problem.asked == tuple(expected)
    for name, value in expected.items():
        np.testing.assert_allclose(problem.answers[name], value, atol=1e-12, err_msg=name)
    np.testing.assert_allclose(np.round(problem.answers["dlogits"], 3), [[-0.335, 0.245, 0.090]])
    assert round(problem.forward["loss"], 3) == 0.408


@settings(max_examples=60)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(st.lists(st.integers(-30, 30).map(lambda v: v / 10), min_size=4, max_size=4), min_size=n, max_size=n),
    st.lists(st.integers(0, 3), min_size=n, max_size=n))))
def test_dlogits_is_softmax_ces_one_line_and_matches_finite_differences(case):
    logits, target = np.array(case[0]), np.array(case[1])
    problem = KIND.solve({"logits": logits, "Yb": target})
    same = SOFTMAX_CE.solve({"logits": logits, "target": target})
    np.testing.assert_allclose(problem.answers["dlogits"], same.answers["dlogits"], atol=1e-12)
    np.testing.assert_allclose(problem.answers["dlogits"], one_line_dlogits(logits, target), atol=1e-12)
    assert np.abs(problem.answers["dlogit_maxes"]).max() < 1e-12
    f, point = KIND.loss_function(problem, "dlogits")
    np.testing.assert_allclose(problem.answers["dlogits"], central_difference(f, point), rtol=1e-6, atol=1e-7)


def test_explain_checks_the_steps_against_the_one_line():
    problem = build(ProblemId("ce-steps", "hard", 3))
    checks = {extra.label: extra.value for extra in KIND.extras(problem, lr=1.0)}
    one_line = next(value for label, value in checks.items() if "softmax-ce" in label)
    np.testing.assert_allclose(one_line, problem.answers["dlogits"], atol=1e-12)
    assert checks["largest |dlogits - that line| (0: the steps agree)"] < 1e-12
    np.testing.assert_allclose(checks["row sums of dlogits (each is 0)"], 0, atol=1e-12)


def test_dcounts_shows_both_paths_and_their_sum():
    problem = lesson_problem()
    step = next(step for step in problem.steps if step.quantity == "dcounts")
    assert [term.via for term in step.terms] == ["counts_sum = counts.sum(1, keepdim=True)",
                                                 "probs = counts * counts_sum_inv"]
    assert step.formula == "dcounts = dcounts_sum + counts_sum_inv * dprobs"
    np.testing.assert_allclose(sum(term.value for term in step.terms), problem.answers["dcounts"])


def test_dropping_the_path_through_counts_sum_is_named():
    problem = next(set_problems(["ce-steps"], 1, 4, "medium"))
    answers = {name: problem.answers[name] for name in problem.asked[:4]}
    one_path = problem.forward["counts_sum_inv"] * answers["dprobs"]  # dcounts_sum forgotten
    graded = grade(problem, "dcounts", one_path, earlier=grades_by_name(problem, answers))
    assert not graded.correct and graded.mistake.slug == "counts-sum-path-dropped"
    assert "counts_sum" in graded.mistake.description


@pytest.mark.parametrize(("gradient", "slug", "wrong"), [
    ("dprobs", "log-derivative-as-probs", lambda p: p.forward["probs"] * p.answers["dlogprobs"]),
    ("dcounts_sum", "pow-exponent-kept",
     lambda p: -p.forward["counts_sum"] ** -1.0 * p.answers["dcounts_sum_inv"]),
    ("dnorm_logits", "exp-derivative-as-x", lambda p: p.forward["norm_logits"] * p.answers["dcounts"]),
    ("dlogprobs", "mean-forgotten", lambda p: p.answers["dlogprobs"] * len(p.inputs["Yb"])),
])
def test_the_classic_slips_of_each_step_are_named(gradient, slug, wrong):
    problem = next(set_problems(["ce-steps"], 1, 11, "hard"))
    earlier = {name: problem.answers[name] for name in problem.asked[:problem.asked.index(gradient)]}
    graded = grade(problem, gradient, wrong(problem), earlier=grades_by_name(problem, earlier))
    assert not graded.correct and graded.mistake.slug == slug


def test_dlogit_maxes_is_zero_and_zero_is_the_answer():
    problem = next(set_problems(["ce-steps"], 1, 2, "easy"))
    assert problem.sound
    rounded = {name: np.round(value, 3) for name, value in problem.answers.items()}
    assert rounded["dlogit_maxes"].tolist() == [[0.0]] * len(problem.inputs["Yb"])
    assert all(graded.correct for graded in grade_all(problem, rounded))
    assert not grade(problem, "dlogit_maxes", np.full_like(rounded["dlogit_maxes"], 0.01)).correct


def test_the_hint_for_dlogit_maxes_asks_why_it_is_zero():
    rule, values = KIND.hints(lesson_problem(), "dlogit_maxes")
    assert "why?" in rule and "softmax" in rule
    assert values == ("dlogit_maxes = (-dnorm_logits).sum(1, keepdim=True). It reads dnorm_logits [1, 3] "
                      "(your answer above).")  # where it is, not the numbers: the hint is not the answer


def test_every_asked_gradient_but_dlogit_maxes_is_refused_as_zeros():
    problem = next(set_problems(["ce-steps"], 1, 8, "medium"))
    for name, reference in problem.answers.items():
        assert grade(problem, name, np.zeros_like(reference)).correct == (name == "dlogit_maxes"), name


@pytest.mark.parametrize("difficulty", DIFFICULTIES)
def test_draws_have_one_largest_logit_per_row_and_hand_sized_numbers(difficulty):
    for problem in set_problems(["ce-steps"], 40, 5, difficulty):
        logits = problem.inputs["logits"]
        assert logits.ndim == 2 and problem.inputs["Yb"].shape == logits.shape[:1]
        assert all(list(row).count(row.max()) == 1 for row in logits)
        if difficulty == "easy":
            assert logits.shape[1] == 3 and logits.shape[0] <= 2 and np.all(logits == np.round(logits))
