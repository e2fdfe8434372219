"""Problem sets as text for stdout, one writer per format. Each streams, problem by problem.

A set is one sheet for the whole class, or a sheet per student (variants). Writers never hold
the whole set: a sheet's problems come from a source, made as they are written, and what must
wait (the answer key after the sheets) waits in a spool that goes to disk past a megabyte.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TextIO

from handgrad_cli.problem import Problem
from handgrad_cli.render.gift import write_gift
from handgrad_cli.render.latex import write_latex
from handgrad_cli.render.markdown import write_markdown
from handgrad_cli.render.moodle_xml import write_moodle_xml
from handgrad_cli.render.qti import write_qti
from handgrad_cli.question import ROUNDING_RULE
from handgrad_cli.render.records import problem_json
from handgrad_cli.render.sheets import (ProblemSet, ProblemSource, Sheet, answer_lines, given_lines, human_title,
                                        write_printed)

__all__ = ["BINARY_FORMATS", "FORMATS", "PRINTED_FORMATS", "ProblemSet", "ProblemSource", "Sheet", "answer_lines"]


def set_json(sheet: Sheet, problem: Problem) -> str:
    """A problem's JSON record, with the student it was issued to when the set has variants (their id and
    e-mail when the roster gives them, and the sheet's fingerprint)."""
    record = problem_json(problem)
    if sheet.student is None:
        return record
    issued = {"student": sheet.student, "student_id": sheet.key, "email": sheet.email or None,
              "sheet": sheet.fingerprint or None}
    return json.dumps({name: value for name, value in issued.items() if value is not None})[:-1] + ", " + record[1:]


def write_jsonl(problem_set: ProblemSet, out: TextIO) -> None:
    for sheet, _, problem in problem_set.items():
        out.write(set_json(sheet, problem) + "\n")


def write_json(problem_set: ProblemSet, out: TextIO) -> None:
    separator = "[\n"
    for sheet, _, problem in problem_set.items():
        out.write(separator + set_json(sheet, problem))
        separator = ",\n"
    out.write("\n]\n" if separator != "[\n" else "[]\n")


class TextLayout:
    def __init__(self, problem_set: ProblemSet) -> None:
        self.problem_set = problem_set

    def begin(self) -> str:
        return ROUNDING_RULE + "\n\n" if self.problem_set.answers != "only" else ""

    def sheet(self, sheet: Sheet) -> str:
        if self.problem_set.shows_ids(sheet):
            return ""
        heading = f"Problem set {self.problem_set.code}".rstrip()
        return heading + (f" for {sheet.marked}" if sheet.student is not None else "") + "\n\n"

    def problem(self, sheet: Sheet, number: int, problem: Problem, inline: bool) -> str:
        question = problem.question
        if self.problem_set.shows_ids(sheet):
            text = f"{number}. {problem.label} ({problem.kind}, {problem.difficulty})\n   {question}\n"
        else:
            text = f"{number}. {human_title(problem)}\n   {question}\n"
        given = given_lines(problem, question)
        if given:
            text += "   Given:\n" + "".join(f"   {line}\n" for line in given)
        if inline:
            text += "".join(f"   Answer: {line}\n" for line in answer_lines(problem))
        return text + "\n"

    def key(self) -> str:
        return self.problem_set.key_title + "\n\n"

    def key_sheet(self, sheet: Sheet) -> str:
        return f"{sheet.student}\n\n" if sheet.student is not None else ""

    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str:
        return f"{number}. {problem.label}\n" + "".join(f"   {line}\n" for line in answer_lines(problem)) + "\n"

    def end(self) -> str:
        return ""


def write_text(problem_set: ProblemSet, out: TextIO) -> None:
    """Numbered problems, then the answer key."""
    write_printed(problem_set, out, TextLayout(problem_set))


PRINTED_FORMATS = ("text", "markdown", "latex")  # the formats `--answers` shapes
FORMATS: dict[str, Callable[[ProblemSet, TextIO], None]] = {
    "text": write_text,
    "json": write_json,
    "jsonl": write_jsonl,
    "markdown": write_markdown,
    "latex": write_latex,
    "gift": write_gift,
    "moodle-xml": write_moodle_xml,
    "qti": write_qti,
    "ipynb": lambda problem_set, out: _notebook(problem_set, out),
}
BINARY_FORMATS = ("qti",)


def _notebook(problem_set: ProblemSet, out: TextIO) -> None:
    from handgrad_cli.render.ipynb import write_ipynb  # the code interpreter loads only for a notebook

    write_ipynb(problem_set, out)  # a zip file: refused on a terminal
