"""Problems and grades as JSON-ready data, with full-precision numbers."""

from __future__ import annotations

from typing import Any

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
        "steps": [_step_record(step) for step in problem.steps],
    }


def _step_record(step: Step) -> dict[str, Any]:
    """A chain-rule step: one term per path into the gradient (local derivative, upstream, product), their sum."""
    return {
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
