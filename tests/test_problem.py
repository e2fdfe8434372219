"""Problem IDs: they round-trip, and the IDs pinned here give the same problem in every release."""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from handgrad_cli.errors import UserError
from handgrad_cli.kinds import KINDS, build, set_ids
from handgrad_cli.problem import DIFFICULTIES, MAX_SEED, ProblemId

GOLDEN = json.loads((Path(__file__).parent / "golden" / "ids.json").read_text())


@given(st.sampled_from(sorted(KINDS)), st.sampled_from(DIFFICULTIES), st.integers(0, MAX_SEED))
def test_ids_round_trip(kind, difficulty, seed):
    problem_id = ProblemId(kind, difficulty, seed)
    assert ProblemId.parse(str(problem_id)) == problem_id
    assert build(str(problem_id)).id == problem_id


@pytest.mark.parametrize("problem_id", sorted(GOLDEN))
def test_golden_ids_give_the_same_problem(problem_id):
    problem = build(problem_id)
    pinned = GOLDEN[problem_id]
    for name, value in pinned["inputs"].items():
        assert np.asarray(problem.inputs[name]).tolist() == value, name
    for name, value in pinned["answers"].items():
        np.testing.assert_allclose(problem.answers[name], value, rtol=1e-12, atol=1e-15, err_msg=name)


def test_a_golden_set_keeps_its_ids():
    """A set takes each place's first sound candidate: sound places keep the IDs sets always had."""
    ids = [str(i) for i in set_ids(["softmax-ce", "tanh-neuron"], 4, 0, "medium")]
    assert ids == ["softmax-ce-m404994428", "tanh-neuron-m190345649", "softmax-ce-m802012143", "tanh-neuron-m904405288"]
    assert not build("tanh-neuron-m382340631").sound  # the fourth place's first candidate, skipped


def test_a_member_of_a_set_gets_problems_of_its_own():
    alice = [str(i) for i in set_ids(["softmax-ce"], 3, 7, "easy", "alice")]
    bob = [str(i) for i in set_ids(["softmax-ce"], 3, 7, "easy", "bob")]
    assert alice != bob
    assert alice == [str(i) for i in set_ids(["softmax-ce"], 3, 7, "easy", "alice")]


@pytest.mark.parametrize("text", ["", "softmax-ce", "softmax-ce-x1", "softmax-ce-m", "softmax-ce-m-1",
                                  "SOFTMAX-CE-m1", "softmax-ce-m12345678901234567890", "tanh neuron-m1"])
def test_malformed_ids_are_refused_with_an_example(text):
    with pytest.raises(UserError, match="softmax-ce-m42"):
        ProblemId.parse(text)


def test_an_unknown_kind_in_an_id_points_to_the_list_of_kinds_and_a_close_one():
    with pytest.raises(UserError, match=r"unknown kind 'relu': `handgrad kinds` lists all \d+$"):
        build("relu-m1")
    with pytest.raises(UserError, match="did you mean softmax-ce?"):
        build("softmax-cd-m1")


def test_a_seed_beyond_range_is_refused():
    with pytest.raises(UserError, match="out of range"):
        ProblemId.parse("softmax-ce-m9999999999999999999")


@given(st.lists(st.tuples(st.sampled_from(sorted(KINDS)), st.sampled_from(DIFFICULTIES), st.integers(0, MAX_SEED)),
                min_size=1, max_size=40))
def test_a_set_built_in_batches_is_the_same_as_built_one_by_one(specs):
    from handgrad_cli.kinds import build_many
    from handgrad_cli.render.records import problem_record

    ids = [ProblemId(*spec) for spec in specs]
    assert [problem_record(p) for p in build_many(ids)] == [problem_record(build(i)) for i in ids]


def test_batches_span_chunks_and_redraws():
    from handgrad_cli.kinds import BATCH, build_many

    ids = list(set_ids(["tanh-neuron", "softmax-ce"], BATCH + 7, 3, "easy"))  # easy tanh redraws often
    assert [p.id for p in build_many(ids)] == ids
    assert [p.inputs["x"].tolist() for p in build_many(ids) if p.kind == "tanh-neuron"] == [
        build(i).inputs["x"].tolist() for i in ids if i.kind == "tanh-neuron"]


def test_the_first_problem_of_a_long_set_is_made_before_the_rest(monkeypatch):
    """A drill's first prompt waits for its first problem only: the first round makes one candidate."""
    import handgrad_cli.kinds as kinds

    made = []
    making = kinds._built
    monkeypatch.setattr(kinds, "_built", lambda ids: made.append(len(ids)) or making(ids))
    first = next(kinds.set_problems(["softmax-ce", "tanh-neuron"], 100_000, 0, "medium"))
    assert str(first.id) == "softmax-ce-m404994428"
    assert made == [1]


@pytest.mark.parametrize("batch, waiting", [(1, 1), (3, 2), (5, 64)])
def test_how_a_set_is_solved_in_rounds_does_not_change_it(monkeypatch, batch, waiting):
    """Rounds' sizes and the cap on waiting places are speed only: the same IDs in the same order."""
    import handgrad_cli.kinds as kinds

    usual = list(set_ids(["tanh-neuron", "softmax-ce"], 60, 3, "easy"))  # easy tanh redraws often
    monkeypatch.setattr(kinds, "BATCH", batch)
    monkeypatch.setattr(kinds, "WAITING", waiting)
    assert list(set_ids(["tanh-neuron", "softmax-ce"], 60, 3, "easy")) == usual
