"""Moodle GIFT: one numerical question per gradient entry, ``::title::text{#value:tolerance}``.

Moodle's reader treats ``~ = # { } :`` as syntax and ``\\`` as the escape, so every text
we write has them escaped; a category line per kind comes first (``$CATEGORY:``).
"""

from __future__ import annotations

import html
from typing import TextIO

from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import Blank, blanks, category, decimal, nolink, stem_html, title, write_grouped
from handgrad_cli.render.sheets import ProblemSet, Sheet

# The backslash first: the others put backslashes in. (A `str.replace` each: `str.translate` with a table
# of strings costs ten times as much on a question's text.)
_ESCAPES = (("\\", "\\\\"), *((char, "\\" + char) for char in "~=#{}:"), ("\n", "\\n"), ("\r", ""))


def escape(text: str) -> str:
    for char, escaped in _ESCAPES:
        text = text.replace(char, escaped)
    return text


def html_text(text: str) -> str:
    """Text as HTML that Moodle's filters leave as typed (see platform.nolink), escaped for GIFT."""
    return escape(nolink(html.escape(text, quote=False)))


def question(sheet: Sheet, problem: Problem, blank: Blank, stem: str, feedback: str) -> str:
    """One entry's question; `stem` (the problem's text) and `feedback` are escaped once for all its entries."""
    text = stem + escape(f"<p>Give {html.escape(blank.label)}.</p>")
    answer = f"#{decimal(blank.value)}:{decimal(blank.tolerance)}"
    if feedback:
        answer += f"####{feedback}"
    return f"::{escape(title(sheet, problem, blank.label))}::[html]{text}{{{answer}}}\n\n"


def write_gift(problem_set: ProblemSet, out: TextIO) -> None:
    out.write("// handgrad problem set: one numerical question per gradient entry.\n")
    out.write("// Each tolerance is handgrad's grading tolerance, atol + rtol * |answer|.\n\n")
    write_grouped(problem_set, out, lambda group: f"$CATEGORY: {category(group)}\n\n", problem_questions)


def problem_questions(sheet: Sheet, problem: Problem) -> str:
    stem = escape(stem_html(problem))
    feedback = {gradient: html_text(problem.closed_form.get(gradient, "")) for gradient in problem.asked}
    return "".join(question(sheet, problem, blank, stem, feedback[gradient]) for gradient in problem.asked
                   for blank in blanks(problem, gradient))
