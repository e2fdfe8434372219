"""Grading a learner can trust, over every kind and difficulty: what a person types is judged fairly.

A simulated learner types each answer to the decimals its prompt asks (3, or more where said) and computes
later gradients from their own typed answers and the printed forward values: never failed. A wrong earlier
answer makes later ones "carried forward", naming only the wrong answers they are computed from. Accepted
means close: never further from the reference than the README's bound.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from handgrad_cli.answers import read_values
from handgrad_cli.cli import app
from handgrad_cli.grading import CARRY_BOUND, ROUNDING_RULE, Tolerance, grade, grade_all, grades_by_name
from handgrad_cli.kinds import build, get_kind, set_problems
from handgrad_cli.problem import DIFFICULTIES
from tests.learners import carrying, exact_rounded
from tests.test_contract import SAMPLED, ids, kinds, sound_problem

TOLERANCE = Tolerance()


def wrong_grades(grades):
    return [(graded.gradient, graded.mistake and graded.mistake.slug) for graded in grades if not graded.correct]


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_every_gradient_worked_exactly_and_typed_to_3_decimals_is_accepted(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    assert wrong_grades(grade_all(problem, exact_rounded(problem))) == []


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_a_learner_who_carries_their_own_rounded_answers_forward_is_accepted(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    assert wrong_grades(grade_all(problem, carrying(problem))) == [], str(problem.id)


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_a_slip_early_makes_later_answers_carried_forward_from_what_they_use_only(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    k = get_kind(kind)
    slipped = data.draw(st.sampled_from(problem.asked), label="slipped")
    reference = problem.answers[slipped]
    typed = carrying(problem, {slipped: reference + 0.5 + np.abs(reference)})  # off by at least 0.5 everywhere
    grades = grades_by_name(problem, typed)
    assert not grades[slipped].correct and not grades[slipped].carried
    for name, graded in grades.items():
        if graded.carried:
            uses = k.depends_on(problem, name, {before: grades[before] for before in problem.asked
                                                if problem.asked.index(before) < problem.asked.index(name)})
            assert set(graded.carried) <= set(uses), (name, graded.carried, uses)
            assert all(not grades[earlier].correct for earlier in graded.carried)
        else:
            assert graded.correct or name == slipped, (name, graded.mistake)


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_accepted_means_close_whatever_the_earlier_answers(data, kind, difficulty):
    """Earlier answers each off by up to the tolerance (all accepted) never buy a later answer more than the
    README's bound: within CARRY_BOUND + 1 tolerances of the reference."""
    problem = sound_problem(data, kind, difficulty)
    k = get_kind(kind)
    typed = {}
    for name in problem.asked:
        nudge = data.draw(st.sampled_from([-1.0, -0.5, 0.5, 1.0]), label=f"nudge {name}")
        following = k.following(problem, typed)[name]
        typed[name] = following + nudge * TOLERANCE.margin(following) * 0.99
        for graded in grade_all(problem, typed):
            if graded.correct:
                gap = np.abs(graded.yours - graded.reference) / TOLERANCE.margin(graded.reference)
                assert gap.max() <= CARRY_BOUND + 1.01, (graded.gradient, gap.max())


def test_the_lesson_neuron_typed_to_3_decimals_is_right_in_every_gradient():
    """dx does not use dw: a rounded dz carried into dw, db and dx is right throughout."""
    result = CliRunner().invoke(app, ["check", "tanh-neuron-m20874428", "dz=-0.248", "dw=0.148,0,0.248", "db=-0.248",
                                      "dx=-0.223,-0.272,0"])
    assert result.exit_code == 0, result.stdout
    assert "8/8 entries correct" in result.stdout and "carried" not in result.stdout


def test_a_wrong_dz_is_carried_into_dw_db_and_dx_each_from_dz_alone():
    problem = build("tanh-neuron-m20874428")
    dz = 2 * problem.answers["dz"]
    x, w = problem.inputs["x"], problem.inputs["w"]
    grades = grades_by_name(problem, {"dz": dz, "dw": dz * x, "db": dz, "dx": dz * w})
    assert [grades[name].carried for name in ("dw", "db", "dx")] == [("dz",)] * 3


def test_a_small_error_does_not_grow_into_an_accepted_far_off_answer():
    """dlogprobs 0.001 where it is 0 is accepted; dprobs = dlogprobs / probs then 0.0565 where it is 0 is not."""
    problem = build("ce-steps-e716077445")
    dlogprobs = problem.answers["dlogprobs"] + np.array([[0.001, 0, 0.001]])
    dprobs = dlogprobs / problem.forward["probs"]
    grades = grades_by_name(problem, {"dlogprobs": dlogprobs, "dprobs": dprobs})
    assert grades["dlogprobs"].correct
    assert not grades["dprobs"].correct and grades["dprobs"].mistake.slug == "rounding-grown"
    assert np.max(np.abs(dprobs)) > 0.05


def test_a_transposed_answer_is_a_wrong_try_named_transposed():
    problem = build("linear-m65419810")
    graded = grade(problem, "dW", problem.answers["dW"].T)
    assert not graded.correct and graded.mistake.slug == "transposed"
    assert "the numbers themselves are right" in graded.mistake.description
    assert "@" not in graded.mistake.description


def test_a_row_for_a_column_is_named_keepdim_missing():
    problem = build("ce-steps-m5")
    reference = problem.answers["dcounts_sum"]
    assert reference.shape[1] == 1
    graded = grade(problem, "dcounts_sum", reference[:, 0])
    assert not graded.correct and graded.mistake.slug == "keepdim-missing"
    assert "transpose" not in graded.mistake.description


def test_typed_decimals_are_3_unless_carrying_needs_more():
    small = build("softmax-ce-m1")
    assert set(small.typed_decimals.values()) == {3}
    assert max(build("mlp-m5").typed_decimals.values()) >= 3


def test_the_rounding_rule_is_stated_where_answers_are_typed():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert ROUNDING_RULE in " ".join(readme.replace("**", "").split())
    help_text = " ".join(CliRunner().invoke(app, ["check", "-h"]).stdout.split())
    assert ROUNDING_RULE in help_text


def test_a_prompt_asks_for_more_decimals_where_carrying_needs_them():
    problem = next(build(f"mlp-m{seed}") for seed in range(50) if max(build(f"mlp-m{seed}").typed_decimals.values()) > 3)
    name, places = next((name, places) for name, places in problem.typed_decimals.items() if places > 3)
    before = problem.asked.index(name)
    result = CliRunner().invoke(app, ["drill", str(problem.id), "--no-history"], input="skip\n" * before + "q\n")
    assert f"{name} (" in result.stdout and f", to {places} decimals) > " in result.stdout


@given(ids)
def test_every_upstream_a_step_reads_has_the_step_that_made_it(problem_id):
    problem = build(problem_id)
    path = problem.path_steps
    made = {step.quantity for step in path}
    seed = {"dL", "dloss", "dout", f"d{get_kind(problem.kind).graph([problem.inputs]).root.name}"}
    assert [step.quantity for step in path if step.asked] == list(problem.asked)
    for step in path:
        for term in step.terms:
            assert term.upstream in made or term.upstream in seed, (step.quantity, term.upstream)


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_every_step_a_diagnosis_names_is_shown(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    shown = {step.quantity for step in problem.path_steps}
    for mistake in get_kind(kind).mistakes(problem):
        assert mistake.step in shown, (mistake.slug, mistake.step)


def test_a_tie_in_a_max_gives_the_gradient_to_the_first_largest_entry_as_torch_does():
    result = CliRunner().invoke(app, ["explain", "broadcast-norm-logits", "logits=1,1,1", "dnorm_logits=1,2,3",
                                      "--json"])
    assert result.exit_code == 0, result.output
    answers = json.loads(result.stdout)["answers"]
    assert answers["dlogits"] == [[-5.0, 2.0, 3.0]]  # torch: logits.max(1, keepdim=True) routes to index 0
    text = CliRunner().invoke(app, ["explain", "broadcast-norm-logits", "logits=1,1,1", "dnorm_logits=1,2,3"]).stdout
    assert "the first, where entries tie, as torch does" in " ".join(text.split())


@pytest.mark.parametrize("inputs", [["ce-steps", "logits=1e4,0,0", "Yb=1"], ["softmax-ce", "logits=1e4,0,-1e4", "target=2"]])
def test_inputs_that_make_a_value_non_finite_get_one_line_and_exit_2(inputs):
    result = CliRunner().invoke(app, ["explain", *inputs])
    if inputs[0] == "softmax-ce":  # the fused, stable softmax: finite however far apart
        assert result.exit_code == 0 and "nan" not in result.stdout and "inf" not in result.stdout
        return
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "infinite" in result.stderr and "Warning" not in result.stderr


def test_a_power_of_0_has_slope_0_even_at_0_as_torch():
    result = CliRunner().invoke(app, ["explain", "scalar-graph", "expr=L = a**0", "a=0", "--json"])
    assert result.exit_code == 0, result.output
    assert list(json.loads(result.stdout)["answers"].values()) == [0.0]


def test_0_is_the_answer_to_an_all_zero_gradient_of_any_shape():
    problem = next(set_problems(["ce-steps"], 1, 3, "medium"))
    assert problem.answers["dlogit_maxes"].shape[0] > 1
    assert grade(problem, "dlogit_maxes", read_values("0", problem.answers["dlogit_maxes"].shape)).correct


def test_a_header_shows_your_carried_answer_with_the_decimals_it_is_typed_to():
    """A learner who typed dhpreact to 4 decimals reads it back with 4 in the batchnorm group's header."""
    import io

    from rich.console import Console

    from handgrad_cli.render.drill import group_heading

    problem = next(set_problems(["mlp"], 1, 5, "medium"))
    assert problem.typed_decimals["dhpreact"] == 4
    kind = get_kind("mlp")
    first = next(name for name in kind.groups if name == "dbngain")
    typed = np.round(problem.answers["dhpreact"], 4)
    console = Console(width=80, file=io.StringIO(), color_system=None)
    console.print(group_heading(kind.groups[first], kind.group_values(problem, first), problem, 3,
                                accepted={"dhpreact": typed}))
    assert f"{typed[0, 0]:.4f}" in console.file.getvalue()


def test_a_question_says_which_answers_to_type_to_more_decimals():
    problem = next(set_problems(["mlp"], 1, 5, "medium"))
    more = sorted({places for places in problem.typed_decimals.values() if places > 3}, reverse=True)
    assert more and f" to {more[0]};" in problem.question and problem.question.endswith(f" to {more[-1]} decimals.")
    sheet = " ".join(CliRunner().invoke(app, ["generate", "mlp", "-n", "1", "--seed", "5", "-d", "medium"]).stdout.split())
    assert problem.question in sheet
    assert "decimals." not in build("softmax-ce-m1").question  # 3 decimals suffice: the rule says it
