"""The contract every kind keeps, tested over the registry, so a new kind inherits every check.

- its reference backward pass matches central finite differences in float64, at every named node;
- each chain-rule step's terms are local derivative times upstream, and sum to the answer;
- every named mistake differs from the answer, is refused and is named when made;
- a sound problem (what sets and drills ask) lets no named slip, zeros or a dropped upstream pass;
- the values shown (forward table, a step's numbers) are enough for an accepted answer;
- a later gradient computed from a learner's wrong earlier one is "error carried forward";
- its first draws are clear and sound often enough (a degenerate kind is named at once, with a draw);
- each closed form, computed as written, gives the answer; the README's catalogue is the registry's.
"""

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handgrad_cli.engine import WhatIf
from handgrad_cli.grading import Tolerance, grade, grade_all, grades_by_name
from handgrad_cli.kinds import KINDS, build, catalogue, get_kind, set_problems
from handgrad_cli.kinds.base import CLEAR, SOUND_MARGIN
from handgrad_cli.problem import DIFFICULTIES, MAX_SEED, Draw, ProblemId
from tests import closed_forms
from tests.helpers import node_differences, run
from tests.learners import from_the_printed_text, read_back

KIND_NAMES = sorted(KINDS)
# the properties over sound sets: 60 examples in the ci profile, 400 in the deep one
SAMPLED = settings(max_examples=settings.default.max_examples * 2 // 5)
SHARE = {"mlp": 1}  # a kind's share of the examples; big problems (26 gradients) get fewer, each checked whole
kinds = st.sampled_from([name for name in KIND_NAMES for _ in range(SHARE.get(name, 5))])
seeds = st.integers(0, MAX_SEED)
ids = st.builds(ProblemId, kinds, st.sampled_from(DIFFICULTIES), seeds)


def named_values(problem):
    """Every named node of the problem's graph that has a gradient: inputs and intermediates."""
    kind = get_kind(problem.kind)
    graph = kind.graph([problem.inputs])
    return kind, graph, [name for name in graph.nodes if not graph.nodes[name].fixed]


def test_each_kind_is_registered_under_its_own_name():
    assert [KINDS[name].name for name in KINDS] == list(KINDS)


FIRST_DRAWS = 16  # seeds 0.. of each kind and difficulty, drawn once each (no redraw)
SOUND_CHECKED = 6  # of the clear ones, the first few judged for soundness (the costly part)


def degenerate_words(kind, difficulty, seed, inputs) -> str:
    """A draw that is not clear, and why: the asked gradients with no entry that shows at 3 decimals."""
    answers = kind.batch([inputs], difficulty).answers
    zeros = [name for name, value in answers.items() if name not in kind.zero_by_design
             and np.max(np.abs(value)) < CLEAR]
    why = f"{', '.join(zeros)} shows no nonzero entry at 3 decimals" if zeros else "the kind's own clear() refuses it"
    shown = {name: np.asarray(value).tolist() if not isinstance(value, str) else value for name, value in inputs.items()}
    return f"seed {seed} draws {shown}: {why}"


@pytest.mark.parametrize("kind,difficulty", [(kind, difficulty) for kind in KIND_NAMES for difficulty in DIFFICULTIES])
def test_first_draws_are_often_clear_and_sound(kind, difficulty):
    """Fast and without shrinking: a kind whose draws are degenerate (every draw redone, no problem sound)
    is named here with a failing draw, in seconds, before the properties below spend minutes on it."""
    k = get_kind(kind)
    draws = [(seed, k.draw(Draw(ProblemId(kind, difficulty, seed)), difficulty)) for seed in range(FIRST_DRAWS)]
    clear = [(seed, inputs) for seed, inputs in draws if k.clear(k.batch([inputs], difficulty))[0]]
    assert clear, (f"{kind} {difficulty}: none of {FIRST_DRAWS} first draws is clear; "
                   + degenerate_words(k, difficulty, *draws[0]))
    judged = [(seed, k.solve(inputs, difficulty)) for seed, inputs in clear[:SOUND_CHECKED]]
    assert any(problem.sound for _, problem in judged), (
        f"{kind} {difficulty}: none of {len(judged)} clear draws is sound (some named slip passes, or the kind's "
        f"worth_doing refuses it): seed {judged[0][0]} draws {judged[0][1].inputs}")


@given(ids)
def test_every_node_matches_finite_differences(problem_id):
    problem = build(problem_id)
    kind, graph, names = named_values(problem)
    grads = kind.backward(graph).grads
    for name in names:
        numeric = node_differences(kind, problem, name)
        np.testing.assert_allclose(grads[graph.nodes[name]][0], numeric, rtol=1e-6, atol=1e-7, err_msg=name)


@given(ids)
def test_the_answers_are_the_named_gradients_and_clear(problem_id):
    problem = build(problem_id)
    kind = get_kind(problem.kind)
    assert problem.asked == kind.asked_for(problem.inputs, problem.difficulty)
    for name, value in problem.answers.items():
        if name in kind.zero_by_design:
            assert np.max(np.abs(value)) < 1e-9, name  # 0 in exact maths: only rounding is left
        else:
            assert np.max(np.abs(value)) >= CLEAR, name


def first_redrawn(kind, difficulty):
    """The first seed whose first draw is not clear, so its problem is made from a redraw (or None)."""
    for seed in range(500):
        problem_id = ProblemId(kind.name, difficulty, seed)
        first = kind.draw(Draw(problem_id), difficulty)
        if not kind.clear(kind.batch([first], difficulty))[0]:
            return problem_id, first
    return None


def test_a_redrawn_problem_is_made_from_its_clear_draw():
    """Alone or among others of its shape, the problem is the clear redraw, never the first draw."""
    redrawn = [(KINDS[name], difficulty, found) for name in KIND_NAMES for difficulty in DIFFICULTIES
               if (found := first_redrawn(KINDS[name], difficulty))]
    assert len({kind.name for kind, _, _ in redrawn}) >= 6  # most kinds redraw now and then
    for kind, difficulty, (problem_id, first) in redrawn:
        neighbours = [ProblemId(kind.name, difficulty, seed) for seed in range(problem_id.seed + 1, problem_id.seed + 9)]
        alone = kind.solve(kind.build(problem_id).inputs, difficulty)
        for problem in (kind.build(problem_id), kind.build_many([problem_id, *neighbours])[0]):
            assert kind.clear(kind.batch([problem.inputs], difficulty))[0], problem_id
            assert any(not np.array_equal(problem.inputs[key], first[key]) for key in first), problem_id
            for gradient, value in alone.answers.items():
                np.testing.assert_array_equal(problem.answers[gradient], value)


@given(ids)
def test_each_step_is_local_times_upstream_one_term_per_path_summed(problem_id):
    problem = build(problem_id)
    kind, graph, _ = named_values(problem)
    back = kind.backward(graph)
    for step in problem.steps:
        node = graph.nodes[step.quantity[1:]]
        assert len(step.terms) == len(back.links[node]) >= 1
        for term, link in zip(step.terms, back.links[node]):
            product = link.combine(np.asarray(term.local_value)[None] if np.ndim(term.local_value) else
                                   np.asarray(term.local_value), np.asarray(term.upstream_value)[None])
            np.testing.assert_allclose(product[0], term.value, rtol=1e-12, atol=1e-15, err_msg=term.formula)
            divides = term.local.startswith("1/") and f"/ {term.local[2:]}" in term.formula  # mean: dm / n
            assert term.local in term.formula or divides or term.local in ("1", "-1", "view back",
                                                                           "(probs - onehot(target)) / n")
        total = sum(term.value for term in step.terms)
        np.testing.assert_allclose(total, step.result, rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(step.result, problem.answers[step.quantity], rtol=1e-12, atol=1e-15)


def no_change(value, reference) -> bool:
    """A slip that changes nothing here but the last bits (an upstream of exactly 1 dropped) is no slip."""
    return bool(np.max(np.abs(np.asarray(value) - reference), initial=0) <= 1e-12)


def sound_problem(data, kind, difficulty):
    seed = data.draw(st.integers(0, 10**9), label="set seed")
    return next(set_problems([kind], 1, seed, difficulty))


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_sets_ask_only_sound_problems_where_no_slip_passes(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    assert problem.sound
    tolerance = Tolerance()
    for name, reference in problem.answers.items():
        zeros_pass = tolerance.accepts(np.zeros_like(reference), reference).all()
        assert zeros_pass == (name in get_kind(kind).zero_by_design), f"zeros and {name}"
    for mistake in get_kind(kind).mistakes(problem):
        if mistake.step != mistake.gradient:
            continue  # made earlier: judged where it is made
        reference = problem.answers[mistake.gradient]
        if no_change(mistake.value, reference):
            continue  # this slip changes nothing in this problem (a dropped upstream of 1)
        gap = np.abs(mistake.value - reference) - SOUND_MARGIN * tolerance.margin(reference)
        assert gap.max() > 0, f"{mistake.slug} passes in {mistake.gradient}"


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_every_named_mistake_is_refused_and_named(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    mistakes = [m for m in get_kind(kind).mistakes(problem) if m.step == m.gradient
                and not no_change(m.value, problem.answers[m.gradient])]
    assert mistakes
    mistake = data.draw(st.sampled_from(mistakes))
    graded = grade(problem, mistake.gradient, mistake.value)
    assert not graded.correct
    assert graded.mistake is not None and mistake.description in graded.mistake.description


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_the_right_answer_is_accepted_and_never_called_a_mistake(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    rounded = {name: np.round(value, 3) for name, value in problem.answers.items()}
    for graded in grade_all(problem, rounded):
        assert graded.correct and graded.mistake is None and not graded.carried_forward


@pytest.mark.parametrize("kind_name", KIND_NAMES)
def test_a_pass_for_one_gradient_gives_it_exactly_as_the_whole_pass_does(kind_name):
    """Grading works out one gradient at a time, from only the nodes it is made from: the same numbers, bit
    for bit, as the whole backward pass, with a learner's earlier answers given, as printed, and each slip."""
    kind = get_kind(kind_name)
    problem = next(set_problems([kind_name], 1, 7, "medium"))
    graph = kind.one_graph(problem)
    slips = kind.named_slips(graph, problem.asked)
    for i, gradient in enumerate(problem.asked):
        earlier = {name[1:]: -problem.answers[name][None] for name in problem.asked[:i:2]}  # some, wrong
        node = graph.nodes[gradient[1:]]
        for what_if in [WhatIf(overrides=earlier), WhatIf(kind.printed(problem), earlier),
                        *(WhatIf(overrides=earlier, slip=slip) for slip in slips)]:
            whole = kind.backward(graph, what_if, words=False).grads[node]
            alone = kind.backward(graph, what_if, words=False, wanted=[gradient[1:]]).grads[node]
            assert np.array_equal(alone, whole), (gradient, what_if.slip)


def chain(problem):
    """The first asked gradient that later asked ones read, with its answer's sign flipped, and
    those later gradients as they follow from it (None when no asked gradient reads another)."""
    kind = get_kind(problem.kind)
    for i, first in enumerate(problem.asked[:-1]):
        wrong = {first: -problem.answers[first]}
        following = kind.following(problem, wrong)
        later = {name: following[name] for name in problem.asked[i + 1:]
                 if not np.allclose(following[name], problem.answers[name], atol=0.01)}
        if later:
            return wrong, later
    return None


def first_draw(kind, difficulty):
    """Seed 0's first draw, solved as it is (no redraw: a degenerate kind is reported, not stuck, here)."""
    return kind.solve(kind.draw(Draw(ProblemId(kind.name, difficulty, 0)), difficulty), difficulty)


# where an asked gradient reads an earlier one (not softmax-ce's one, linear's three that all read dY...)
CHAINED = [(kind, difficulty) for kind in KIND_NAMES for difficulty in DIFFICULTIES
           if chain(first_draw(KINDS[kind], difficulty))]


@SAMPLED
@given(st.data(), st.sampled_from(CHAINED))
def test_a_later_gradient_from_a_wrong_earlier_one_is_error_carried_forward(data, chained):
    problem = sound_problem(data, *chained)
    found = chain(problem)
    assert found, f"{problem.id} asks no gradient that reads another"
    wrong, later = found
    for name, value in later.items():
        graded = grade(problem, name, np.round(value, 3), earlier=grades_by_name(problem, wrong))
        assert not graded.correct and graded.carried == tuple(wrong) and graded.mistake is None


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_answers_computed_from_the_printed_forward_values_are_accepted(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    k = get_kind(kind)
    graph = k.one_graph(problem)
    back = k.backward(graph, WhatIf(values=from_the_printed_text(problem)))
    tolerance = Tolerance()
    for name, reference in problem.answers.items():
        typed = np.round(back.grads[graph.nodes[name[1:]]][0], 3)
        assert tolerance.accepts(typed, reference).all(), (name, typed, reference)


@SAMPLED
@given(st.data(), kinds, st.sampled_from(DIFFICULTIES))
def test_answers_computed_from_a_steps_printed_numbers_are_accepted(data, kind, difficulty):
    problem = sound_problem(data, kind, difficulty)
    shown = problem.shown_decimals
    k, graph, _ = named_values(problem)
    back = k.backward(graph)
    tolerance = Tolerance()
    for step in problem.steps:
        links = back.links[graph.nodes[step.quantity[1:]]]
        total = 0
        for term, link in zip(step.terms, links):
            local = read_back(term.local_value, shown) if np.ndim(term.local_value) else term.local_value
            upstream = read_back(term.upstream_value, shown)
            total = total + link.combine(np.asarray(local)[None] if np.ndim(local) else np.asarray(local),
                                         np.asarray(upstream)[None])[0]
        assert tolerance.accepts(np.round(total, 3), problem.answers[step.quantity]).all(), step.quantity


@pytest.mark.parametrize("kind,difficulty", [(kind, difficulty) for kind in KIND_NAMES for difficulty in DIFFICULTIES])
def test_each_asked_gradient_has_a_closed_form_that_computes_the_answer(kind, difficulty):
    k = get_kind(kind)
    for problem in k.build_many([ProblemId(kind, difficulty, seed) for seed in range(5)]):
        assert list(problem.closed_form) == list(problem.asked), f"{problem.id}: a closed form for each asked gradient"
        namespace = closed_forms.names(k, problem)
        for gradient, formula in problem.closed_form.items():
            answer = problem.answers[gradient]
            for value in closed_forms.computed(formula, gradient, namespace):
                assert np.ndim(value) == 0 or np.shape(value) == np.shape(answer), f"{problem.id}: {formula}"
                np.testing.assert_allclose(value, answer, rtol=1e-9, atol=1e-9, err_msg=f"{problem.id}: {formula}")


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_a_kind_declares_its_words_for_the_catalogue(kind):
    k = get_kind(kind)
    for field in ("title", "summary", "lesson", "asks"):
        assert isinstance(getattr(k, field, None), str) and getattr(k, field).strip(), f"{kind} declares no {field}"


def test_the_readmes_catalogue_is_written_from_the_registry():
    readme = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert catalogue.with_catalogue(readme) == readme, "the README's kinds are out of date: run `make readme`"
    listed = run("kinds")
    assert listed.exit_code == 0 and listed.stdout.splitlines() == catalogue.listing()  # as the README shows it


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_typed_inputs_give_the_same_problem_as_the_id(kind):
    problem = build(ProblemId(kind, "medium", 42))
    typed = {name: value if isinstance(value, str) else
             ";".join(",".join(repr(float(v)) for v in np.atleast_1d(row)) for row in np.atleast_2d(value))
             for name, value in problem.inputs.items()}
    again = get_kind(kind).solve(get_kind(kind).read_inputs(typed))
    for name, value in problem.answers.items():
        np.testing.assert_allclose(again.answers[name], value, rtol=1e-12)
