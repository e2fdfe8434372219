r"""LaTeX: a whole document for pdflatex, inputs and answers as math, the key on its own page.

Only packages of a base TeX install are used (amsmath, geometry), so `texlive-latex-base` compiles it.
"""

from __future__ import annotations

import unicodedata
from typing import Any, TextIO

from handgrad_cli.numbers import format_input, format_number
from handgrad_cli.problem import Problem
from handgrad_cli.render.sheets import ProblemSet, Sheet, write_printed

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath}
\setcounter{MaxMatrixCols}{40}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\sloppy
\pagestyle{myheadings}
\begin{document}
"""

# Before each problem (and each answer of the key): a page break here is preferred to one inside
# the problem, so a problem is never split across two pages. Not after a heading: the first
# problem under a heading stays with it.
KEEP_TOGETHER = "\\filbreak\n"

_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\ensuremath{<}",
    ">": r"\ensuremath{>}",
}


def escape(text: str) -> str:
    """Plain text that LaTeX prints as typed. Composed first (NFC): pdflatex knows "ü" as one
    character, not "u" followed by a combining diaeresis, as names pasted from a Mac often come."""
    return "".join(_SPECIAL.get(char, char) for char in unicodedata.normalize("NFC", text))


def name(text: str) -> str:
    """A variable name in math: upright, as in the lesson (``\\mathrm{dlogits}``)."""
    return r"\mathrm{" + escape(text) + "}"


def matrix(value: Any, number) -> str:
    """A number, a row vector, a matrix or blocks of matrices, each entry written by `number`."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if not isinstance(value, list):
        return number(value)
    if value and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list):
        return r"\left[\," + r",\; ".join(matrix(block, number) for block in value) + r"\,\right]"  # blocks
    rows = value if value and isinstance(value[0], list) else [value]
    body = r" \\ ".join(" & ".join(number(entry) for entry in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def equations(values: dict[str, Any], number) -> str:
    lines = r" \\".join(f"\n  {name(key)} = {matrix(value, number)}" for key, value in values.items())
    return r"\begin{gather*}" + lines + "\n" + r"\end{gather*}" + "\n"


def answers_math(problem: Problem) -> str:
    return equations(problem.answers, format_number)


def new_part(heading: str, header: str) -> str:
    """A new page under `heading`, numbered from 1, with `header` at the top of each of its pages
    (upright: a base TeX install has no slanted font for symbols such as the backslash)."""
    return f"\\clearpage\n{heading}\n\\setcounter{{page}}{{1}}\\markright{{\\textup{{{header}}}}}\n\n"


class LatexLayout:
    def begin(self) -> str:
        return PREAMBLE

    def sheet(self, sheet: Sheet) -> str:
        """A student's sheet starts at page 1, and each of its pages carries the name in its header."""
        student = escape(sheet.student) if sheet.student is not None else ""
        return new_part("\\section*{Problem set" + (f" for {student}" if student else "") + "}", student)

    def problem(self, sheet: Sheet, number: int, problem: Problem, inline: bool) -> str:
        text = (
            (KEEP_TOGETHER if number > 1 else "")
            + f"\\subsection*{{{number}.\\quad \\texttt{{{escape(problem.label)}}}}}\n"
            f"\\textit{{{escape(problem.kind)}, {escape(problem.difficulty)}}}\n\n"
            f"{escape(problem.question)}\n"
            f"{equations(problem.inputs, format_input)}\n"
        )
        return text + (f"\\textbf{{Answer}}\n{answers_math(problem)}\n" if inline else "")

    def key(self) -> str:
        return new_part("\\section*{Answer key}", "Answer key")

    def key_sheet(self, sheet: Sheet) -> str:
        return f"{KEEP_TOGETHER}\\subsection*{{{escape(sheet.student)}}}\n\n" if sheet.student is not None else ""

    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str:
        label = f"\\textbf{{{number}.}}~\\texttt{{{escape(problem.label)}}}\n"
        return (KEEP_TOGETHER if number > 1 else "") + label + answers_math(problem) + "\n"

    def end(self) -> str:
        return "\\end{document}\n"


def write_latex(problem_set: ProblemSet, out: TextIO) -> None:
    write_printed(problem_set, out, LatexLayout())
