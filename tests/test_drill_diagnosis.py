"""What the drill's feedback rests on: each known mistake is named, and typed text never crashes."""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from handgrad_cli.answers import MAX_ANSWER_CHARS, read_values
from handgrad_cli.errors import UserError
from handgrad_cli.grading import Tolerance, grade
from handgrad_cli.kinds import KINDS, build, get_kind
from handgrad_cli.kinds.base import EVERY_KIND_SLIPS
from handgrad_cli.numbers import as_typed
from handgrad_cli.problem import DIFFICULTIES, MAX_SEED, ProblemId

TOLERANCE = Tolerance()
problem_ids = st.builds(
    ProblemId, st.sampled_from(sorted(KINDS)), st.sampled_from(DIFFICULTIES), st.integers(0, MAX_SEED)
)


def telling(problem, mistake) -> bool:
    """A slip tells itself apart only when its answer is not the right one for this problem."""
    return not np.all(TOLERANCE.accepts(mistake.value, problem.answers[mistake.gradient]))


def same_answer(one, other) -> bool:
    return np.shape(one.value) == np.shape(other.value) and bool(np.all(TOLERANCE.accepts(one.value, other.value)))


def slugs_named(kind, problem) -> set[str]:
    return {mistake.slug for mistake in kind.mistakes(problem)}


@given(problem_ids)
def test_each_problem_names_only_the_slips_its_kind_declares(problem_id):
    problem = build(problem_id)
    kind = get_kind(problem.kind)
    slugs = slugs_named(kind, problem)
    undeclared = slugs - set(kind.slip_names) - set(EVERY_KIND_SLIPS)
    assert not undeclared, f"{problem.id} names {sorted(undeclared)}: declare them in {kind.name}'s slip_names"
    if problem.kind == "softmax-ce" and np.ndim(problem.answers["dlogits"]) == 2:
        assert "mean-forgotten" in slugs  # a batch has a 1/n to forget
    if problem.kind == "linear" and len(problem.inputs["X"]) > 1:
        assert {"db-averaged", "dW-averaged"} <= slugs  # a batch has a sum to take for a mean


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_slip_a_kind_declares_is_named_in_its_problems(kind):
    k = get_kind(kind)
    assert k.slip_names, f"{kind} declares no slips of its own (slip_names)"
    seen: set[str] = set()
    for difficulty in DIFFICULTIES:  # six seeds a difficulty meet every slip of today's kinds
        for problem in k.build_many([ProblemId(kind, difficulty, seed) for seed in range(6)]):
            seen |= slugs_named(k, problem)
    assert set(k.slip_names) <= seen, f"{kind} declares slips none of its problems names: {set(k.slip_names) - seen}"


@given(problem_ids, st.data())
def test_a_mistake_is_named_when_made(problem_id, data):
    problem = build(problem_id)
    mistake = data.draw(st.sampled_from(get_kind(problem.kind).mistakes(problem)))
    assume(telling(problem, mistake))
    graded = grade(problem, mistake.gradient, mistake.value, TOLERANCE)
    assert not graded.correct
    assert graded.mistake is not None
    # the same slip, or another whose answer is the same here (the first listed is named)
    assert graded.mistake.slug == mistake.slug or same_answer(graded.mistake, mistake)


@given(problem_ids, st.data())
def test_a_mistake_typed_to_three_decimals_is_still_named(problem_id, data):
    problem = build(problem_id)
    mistake = data.draw(st.sampled_from(get_kind(problem.kind).mistakes(problem)))
    assume(telling(problem, mistake))
    shape = np.shape(problem.answers[mistake.gradient])
    yours = read_values(as_typed(mistake.value), shape, mistake.gradient)
    graded = grade(problem, mistake.gradient, yours, TOLERANCE)
    assume(not graded.correct)  # rounding can bring a slip within the tolerance of the answer
    assert graded.mistake is not None


@given(problem_ids)
def test_the_right_answer_is_never_diagnosed(problem_id):
    problem = build(problem_id)
    for gradient, reference in problem.answers.items():
        for yours in (reference, read_values(as_typed(reference), np.shape(reference), gradient)):
            graded = grade(problem, gradient, yours, TOLERANCE)
            assert graded.correct and graded.mistake is None


@given(problem_ids, st.data())
def test_an_unrelated_wrong_answer_is_not_diagnosed_as_a_slip_it_is_not(problem_id, data):
    problem = build(problem_id)
    gradient = data.draw(st.sampled_from(problem.asked))
    reference = np.asarray(problem.answers[gradient], dtype=float)
    yours = reference + data.draw(st.floats(5, 50)) * (1 + np.arange(reference.size).reshape(reference.shape))
    graded = grade(problem, gradient, yours, TOLERANCE)
    assert not graded.correct
    if graded.mistake is not None:
        assert np.all(TOLERANCE.accepts(yours, graded.mistake.value))


# --- the answer reader as the drill calls it (test_answers.py fuzzes read_rows) -----------

shapes = st.sampled_from([(), (1,), (3,), (2, 3)])
arithmetic = st.text(alphabet="0123456789.,;+-*/^()[] eEpixtanhsqrlogdf−×", max_size=80)  # "1if", "1and"...
anything = st.text(max_size=200)


@contextmanager
def quiet():
    """Fails if a warning is raised: it would be printed on the learner's terminal."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    assert not caught, [str(warning.message) for warning in caught]


def read_or_refuse(text: str, shape: tuple[int, ...]) -> None:
    """Any text is either read to finite values of the right shape or refused with one clear line."""
    try:
        with quiet():
            value = read_values(text, shape, "dw")
    except UserError as error:
        message = str(error)
        assert message and "\n" not in message and len(message) < 400
        return
    assert np.shape(value) == shape
    assert np.all(np.isfinite(value))


@given(st.one_of(anything, arithmetic), shapes)
def test_any_text_is_read_to_the_asked_shape_or_refused_clearly(text, shape):
    """As the drill reads it: against the gradient's shape, and without a Python warning."""
    read_or_refuse(text, shape)


HOSTILE = [
    "9**9**9", "1e308*1e308", "(" * 300 + "1" + ")" * 300, "-" * 150 + "1", "exp(exp(exp(9)))", "1/0", "log(0)",
    "sqrt(-1)", "(-8)**(1/3)", "0**-1", "__import__('os')", "x.y", "[1, 2]", "1" * (MAX_ANSWER_CHARS + 1), "1;;2",
    "nan", "inf", "1if 2 else 3", "1and 2", "0x",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_refused_without_a_warning(text):
    with quiet(), pytest.raises(UserError):
        read_values(text, (), "db")


def test_a_sign_flip_with_dout_minus_one_is_named_with_the_sign():
    """Dropping dout = -1 and flipping the sign give the same dz: the learner is told of the sign too."""
    problem = get_kind("tanh-neuron").solve(
        {"x": np.array([2.0, 0.0]), "w": np.array([-3.0, 1.0]), "b": 6.8813735870195432, "dout": -1.0}, "custom", None)
    graded = grade(problem, "dz", -problem.answers["dz"], TOLERANCE)
    assert "sign" in graded.mistake.description


def test_a_dropped_dout_is_said_once_not_again_as_the_generic_upstream_dropped():
    from handgrad_cli.grading import grade
    from handgrad_cli.kinds import build, get_kind

    problem = build("tanh-neuron-m5")
    slip = next(m for m in get_kind("tanh-neuron").mistakes(problem) if m.slug == "dout-dropped" and m.gradient == "dz")
    mistake = grade(problem, "dz", slip.value).mistake
    assert mistake.slug == "dout-dropped" and "; or " not in mistake.description
