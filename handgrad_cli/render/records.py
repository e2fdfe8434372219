"""Problems and grades as JSON-ready data, with full-precision numbers."""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli.grading import Grade
from handgrad_cli.numbers import plain
from handgrad_cli.engine import Step
from handgrad_cli.problem import DIFFICULTIES, Problem


def kind_record(kind) -> dict[str, Any]:
    """A kind as `handgrad kinds --format json` lists it: its inputs and the gradients asked per difficulty."""
    return {
        "name": kind.name,
        "title": kind.title,
        "summary": kind.summary,
        "inputs": [{"name": spec.name, "words": spec.words} for spec in kind.inputs],
        "asks": {difficulty: list(kind.asked_at(difficulty)) for difficulty in DIFFICULTIES},
    }


def problem_record(problem: Problem) -> dict[str, Any]:
    """A problem as JSON-ready data, with full-precision numbers."""
    problem_id = problem.id
    return {
        "id": str(problem_id) if problem_id else None,
        "kind": problem.kind,
        "difficulty": problem.difficulty,
        "seed": problem_id.seed if problem_id else None,
        "question": problem.question,
        "inputs": {name: plain(value) for name, value in problem.inputs.items()},
        "answers": {name: plain(value) for name, value in problem.answers.items()},
        "steps": step_records(problem),
    }


def step_records(problem: Problem) -> list[dict[str, Any]]:
    """The problem's steps as records, from lists made once for its whole batch: a set of 100,000
    problems converts each batch's arrays to lists in one call each, not 30 small calls per problem."""
    cache = problem.solved.cache
    if "step lists" not in cache:
        cache["step lists"] = [_batch_lists(step) for step in problem.solved.steps]
    i = problem.index
    return [_record_at(lists, i) for lists in cache["step lists"]]


def _batch_lists(step: Step) -> dict[str, Any]:
    count = step.result.shape[0]

    def listed(value):  # a batch's array as lists; a value shared by the batch (add's 1) as one value
        value = np.asarray(value)
        return (True, value.tolist()) if value.ndim and value.shape[0] == count else (False, plain(value[0] if value.ndim else value))

    return {
        "quantity": step.quantity, "formula": step.formula, "forward": step.forward,
        "forward_value": listed(step.forward_value), "result": listed(step.result),
        "terms": [(term, listed(term.local_value), listed(term.upstream_value), listed(term.value))
                  for term in step.terms],
    }


def _at(listed, i: int):
    batched, value = listed
    return value[i] if batched else value


def _record_at(lists: dict[str, Any], i: int) -> dict[str, Any]:
    return {
        "quantity": lists["quantity"],
        "formula": lists["formula"],
        "forward": {"expr": lists["forward"], "value": _at(lists["forward_value"], i)},
        "terms": [
            {
                "via": term.via,
                "formula": term.formula,
                "local": {"expr": term.local, "value": _at(local, i)},
                "upstream": {"expr": term.upstream, "value": _at(upstream, i)},
                "value": _at(value, i),
                "rule": term.rule,
                **({"summed": term.summed} if term.summed else {}),
            }
            for term, local, upstream, value in lists["terms"]
        ],
        "result": _at(lists["result"], i),
    }


def grades_record(problem: Problem, grades: list[Grade]) -> dict[str, Any]:
    return {
        "id": str(problem.id) if problem.id else None,
        "correct": all(grade.correct for grade in grades),
        "gradients": [
            {
                "gradient": grade.gradient,
                "given": grade.given,
                "correct": grade.correct,
                "yours": plain(grade.yours) if grade.given else None,
                "reference": plain(grade.reference),
                "entries": [
                    {"index": list(entry.index), "yours": entry.yours, "reference": entry.reference,
                     "difference": entry.difference, "correct": entry.correct}
                    for entry in grade.entries
                ],
                "carried_forward_from": list(grade.carried),
                "mistake": (
                    {"slug": grade.mistake.slug, "description": grade.mistake.description, "step": grade.mistake.step}
                    if grade.mistake else None
                ),
            }
            for grade in grades
        ],
    }
