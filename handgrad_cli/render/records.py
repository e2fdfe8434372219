"""Problems and grades as JSON-ready data, with full-precision numbers."""

from __future__ import annotations

from typing import Any

from handgrad_cli.grading import Grade
from handgrad_cli.numbers import plain
from handgrad_cli.problem import Problem, Step


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
    quantity, formula, forward, local, upstream, result = step
    return {
        "quantity": quantity,
        "formula": formula,
        "forward": {"expr": forward.label, "value": plain(forward.value)},
        "local": {"expr": local.label, "value": plain(local.value)},
        "upstream": {"expr": upstream.label, "value": plain(upstream.value)},
        "result": plain(result),
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
                "mistake": (
                    {"slug": grade.mistake.slug, "description": grade.mistake.description, "step": grade.mistake.step}
                    if grade.mistake else None
                ),
            }
            for grade in grades
        ],
    }
