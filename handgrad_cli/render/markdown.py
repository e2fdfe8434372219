"""Markdown: a heading per problem, its inputs in a table, the answers as a learner types them."""

from __future__ import annotations

import re
from typing import TextIO

from handgrad_cli.numbers import format_input
from handgrad_cli.problem import Problem
from handgrad_cli.question import ROUNDING_RULE, render
from handgrad_cli.render.sheets import ProblemSet, Sheet, answer_lines, human_title, write_printed

# What CommonMark (and GitHub's tables and math) reads as syntax inside a line: emphasis, code, links and
# images, raw HTML and entities, table cells, headings, strikethrough and math. A hyphen, a period or
# parentheses only mean something at the start of a line, where handgrad never puts user text.
_SPECIAL = re.compile(r"([\\`*_{}\[\]<>|#$~&!^])")


def escape(text: str) -> str:
    """Plain text that Markdown shows as typed: its special characters backslash-escaped
    (``&`` too, so ``A &amp; B`` is not read as an entity)."""
    return _SPECIAL.sub(r"\\\1", text)


def code(text: str) -> str:
    """Inline code: a backtick inside is fenced by two (CommonMark's rule)."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def question_text(question: str) -> str:
    """The question with its code and stated values as inline code."""
    return render(question, escape, code)


def cell(text: str) -> str:
    """A table cell: a "|" would end it, even inside code or math, unless escaped."""
    return text.replace("|", r"\|")


def inputs_table(problem: Problem) -> str:
    """Each input's name and value as typed (``check`` and ``explain`` read them back as they are)."""
    rows = "".join(
        f"| {cell(code(name))} | {cell(code(format_input(value)))} |\n" for name, value in problem.inputs.items()
    )
    return "| input | value |\n| --- | --- |\n" + rows + "\n"


def answer_list(problem: Problem) -> str:
    return "".join(f"- {code(line)}\n" for line in answer_lines(problem)) + "\n"


class MarkdownLayout:
    def __init__(self, problem_set: ProblemSet) -> None:
        self.problem_set = problem_set

    def begin(self) -> str:
        return ""

    def sheet(self, sheet: Sheet) -> str:
        code = "" if self.problem_set.shows_ids(sheet) else f" {self.problem_set.code}".rstrip()
        heading = f"# Problem set{code}" + (f" for {escape(sheet.marked)}" if sheet.student is not None else "")
        return heading + f"\n\n*{escape(ROUNDING_RULE)}*\n\n"

    def problem(self, sheet: Sheet, number: int, problem: Problem, inline: bool) -> str:
        label = f" {escape(problem.label)}" if self.problem_set.shows_ids(sheet) else ""
        text = (
            f"## {number}.{label}\n\n"
            f"*{escape(human_title(problem))}*\n\n"
            f"{question_text(problem.question)}\n\n"
            f"{inputs_table(problem)}"
        )
        return text + ("**Answer**\n\n" + answer_list(problem) if inline else "")

    def key(self) -> str:
        return f"# {self.problem_set.key_title}\n\n"

    def key_sheet(self, sheet: Sheet) -> str:
        return f"## {escape(sheet.student)}\n\n" if sheet.student is not None else ""

    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str:
        level = "###" if sheet.student is not None else "##"
        return f"{level} {number}. {escape(problem.label)}\n\n" + answer_list(problem)

    def end(self) -> str:
        return ""


def write_markdown(problem_set: ProblemSet, out: TextIO) -> None:
    write_printed(problem_set, out, MarkdownLayout(problem_set))
