"""A problem's JSON record, written from its batch's template, is exactly what json.dumps writes of the
problem's own values, for every kind and difficulty."""

import json

import numpy as np
import pytest

from handgrad_cli.kinds import KINDS, set_problems
from handgrad_cli.numbers import plain
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.render.records import _json_text, problem_json, problem_record


def own_record(problem):
    """The record made from this problem's own values alone, the way a reader would expect it."""
    return {
        "id": str(problem.id) if problem.id else None,
        "kind": problem.kind,
        "difficulty": problem.difficulty,
        "seed": problem.id.seed if problem.id else None,
        "question": problem.question,
        "inputs": {name: plain(value) for name, value in problem.inputs.items()},
        "answers": {name: plain(value) for name, value in problem.answers.items()},
        "steps": [
            {
                "quantity": step.quantity,
                "formula": step.formula,
                "forward": {"expr": step.forward, "value": plain(step.forward_value)},
                "terms": [
                    {
                        "via": term.via,
                        "formula": term.formula,
                        "local": {"expr": term.local, "value": plain(term.local_value)},
                        "upstream": {"expr": term.upstream, "value": plain(term.upstream_value)},
                        "value": plain(term.value),
                        "rule": term.rule,
                        **({"summed": term.summed} if term.summed else {}),
                    }
                    for term in step.terms
                ],
                "result": plain(step.result),
            }
            for step in problem.steps
        ],
    }


@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_record_is_the_text_json_dumps_writes_of_the_problem_alone(name):
    for difficulty in DIFFICULTIES:
        for problem in set_problems([name], 4 if name == "mlp" else 12, 5, difficulty):
            assert problem_json(problem) == json.dumps(own_record(problem)), problem.id
            assert problem_record(problem) == json.loads(json.dumps(own_record(problem)))


def test_typed_inputs_with_edge_numbers_are_written_as_json_dumps_writes_them():
    kind = KINDS["tanh-neuron"]
    problem = kind.solve({"x": np.array([-0.0, 1e-05, 3.0]), "w": np.array([1e-7, 2.0, -0.5]), "b": -0.0,
                          "dout": 1e300})
    assert problem.id is None
    assert problem_json(problem) == json.dumps(own_record(problem))


@pytest.mark.parametrize("value", [
    float("nan"), float("inf"), -float("inf"), -0.0, 1e-05, 1e300, 0.1, np.float64(0.1), np.int64(3), 5, 2**70,
    True, np.array([1.0, np.nan]), np.array([[1, 2], [3, 4]]), np.array([True, False]),
    np.array([[1e-05, -0.0]]), np.array(2.5), None, "text",
])
def test_an_input_value_is_written_as_json_dumps_writes_it(value):
    expected = int(value) if isinstance(value, np.integer) else plain(value)  # json has no numpy integers
    assert _json_text(value) == json.dumps(expected)
