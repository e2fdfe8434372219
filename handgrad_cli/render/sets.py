"""Problem sets as text for stdout, one writer per format. Each streams, problem by problem."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from handgrad_cli.numbers import as_typed
from handgrad_cli.problem import Problem
from handgrad_cli.render.records import problem_record

ProblemSource = Callable[[], Iterator[Problem]]  # called once per pass over the set


def write_jsonl(problems: ProblemSource, out: TextIO) -> None:
    for problem in problems():
        out.write(json.dumps(problem_record(problem)) + "\n")


def write_json(problems: ProblemSource, out: TextIO) -> None:
    separator = "[\n"
    for problem in problems():
        out.write(separator + json.dumps(problem_record(problem)))
        separator = ",\n"
    out.write("\n]\n" if separator != "[\n" else "[]\n")


def answer_lines(problem: Problem) -> Iterable[str]:
    for name, value in problem.answers.items():
        yield f"{name} = {as_typed(value)}"


def write_text(problems: ProblemSource, out: TextIO) -> None:
    """Numbered problems, then the answer key (a second pass, so nothing is kept in memory)."""
    for number, problem in enumerate(problems(), 1):
        out.write(f"{number}. {problem.label} ({problem.kind}, {problem.difficulty})\n")
        out.write(f"   {problem.question}\n\n")
    out.write("Answer key\n\n")
    for number, problem in enumerate(problems(), 1):
        out.write(f"{number}. {problem.label}\n")
        for line in answer_lines(problem):
            out.write(f"   {line}\n")
        out.write("\n")


FORMATS: dict[str, Callable[[ProblemSource, TextIO], None]] = {
    "text": write_text,
    "json": write_json,
    "jsonl": write_jsonl,
}
