"""Markdown: a heading per problem, its inputs in a table, the answers as a learner types them."""

from __future__ import annotations

import re
from typing import TextIO

from handgrad_cli.numbers import format_input
from handgrad_cli.problem import Problem
from handgrad_cli.render.sheets import ProblemSet, Sheet, answer_lines, write_printed

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#$~])")


def escape(text: str) -> str:
    """Plain text that Markdown shows as typed: its punctuation backslash-escaped."""
    return _SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    return f"`{text}`"


def inputs_table(problem: Problem) -> str:
    rows = "".join(
        f"| {code(name)} | {code(format_input(value))} |\n" for name, value in problem.inputs.items()
    )
    return "| input | value |\n| --- | --- |\n" + rows + "\n"


def answer_list(problem: Problem) -> str:
    return "".join(f"- {code(line)}\n" for line in answer_lines(problem)) + "\n"


class MarkdownLayout:
    def begin(self) -> str:
        return ""

    def sheet(self, sheet: Sheet) -> str:
        return "# Problem set" + (f" for {escape(sheet.student)}" if sheet.student is not None else "") + "\n\n"

    def problem(self, sheet: Sheet, number: int, problem: Problem, inline: bool) -> str:
        text = (
            f"## {number}. {escape(problem.label)}\n\n"
            f"*{problem.kind}, {problem.difficulty}*\n\n"
            f"{escape(problem.question)}\n\n"
            f"{inputs_table(problem)}"
        )
        return text + ("**Answer**\n\n" + answer_list(problem) if inline else "")

    def key(self) -> str:
        return "# Answer key\n\n"

    def key_sheet(self, sheet: Sheet) -> str:
        return f"## {escape(sheet.student)}\n\n" if sheet.student is not None else ""

    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str:
        level = "###" if sheet.student is not None else "##"
        return f"{level} {number}. {escape(problem.label)}\n\n" + answer_list(problem)

    def end(self) -> str:
        return ""


def write_markdown(problem_set: ProblemSet, out: TextIO) -> None:
    write_printed(problem_set, out, MarkdownLayout())
