r"""LaTeX: a whole document for pdflatex, inputs and answers as math, the key on its own page.

T1 font encoding and Latin Modern, so Latin-script names compile (ð, þ, đ, ŋ, ł, ő, ș …); the packages
are those of a base TeX install plus Latin Modern (Debian's `texlive-latex-base` and `lmodern`).
A name pdflatex cannot typeset (Greek, Cyrillic, CJK, Arabic, Vietnamese's stacked accents …) is refused
in one line before anything is written.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any, TextIO

import numpy as np

from handgrad_cli.errors import UserError, shown
from handgrad_cli.numbers import format_input, format_number
from handgrad_cli.problem import Problem
from handgrad_cli.render.sheets import ProblemSet, Sheet, human_title, write_printed

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath}
\setcounter{MaxMatrixCols}{40}
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\sloppy
\relpenalty=10000 \binoppenalty=10000
\pagestyle{myheadings}
\begin{document}
"""

# Before each problem (and each answer of the key): a page break here is preferred to one inside
# the problem, so a problem is never split across two pages. Not after a heading: the first
# problem under a heading stays with it.
KEEP_TOGETHER = "\\filbreak\n"
HEAD_CHARS = 60  # a longer name is cut with an ellipsis in the running head, which has one line
WORKING_SPACE = "4cm"

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
    '"': r"\textquotedbl{}",  # a straight quote, not the closing quote TeX's " would print
    "'": "'{}",  # an apostrophe; {} keeps two of them from joining into a closing double quote
    "`": r"\textasciigrave{}",
}

# What pdflatex with T1 and Latin Modern typesets beyond ASCII (found by asking LaTeX which characters
# it defines): Latin-1, most of Latin Extended-A and the Latin letters with accents it composes.
TYPESET = (
    (0x00A0, 0x0125), (0x0128, 0x0137), (0x0139, 0x013E), (0x0141, 0x0148), (0x014A, 0x0165),
    (0x0168, 0x017E), (0x0192, 0x0192), (0x01C4, 0x01D4), (0x01E2, 0x01E3), (0x01E6, 0x01EB),
    (0x01F0, 0x01F0), (0x01F4, 0x01F5), (0x0218, 0x021B), (0x0232, 0x0233), (0x1E02, 0x1E03),
    (0x1E0D, 0x1E0D), (0x1E1E, 0x1E21), (0x1E25, 0x1E25), (0x1E30, 0x1E31), (0x1E37, 0x1E37),
    (0x1E43, 0x1E43), (0x1E45, 0x1E45), (0x1E47, 0x1E47), (0x1E5B, 0x1E5B), (0x1E63, 0x1E63),
    (0x1E6D, 0x1E6D), (0x1E8E, 0x1E91), (0x1E9E, 0x1E9E), (0x1EF2, 0x1EF3), (0x2013, 0x2014),
    (0x2018, 0x2019), (0x201C, 0x201D), (0x2026, 0x2026), (0x20AC, 0x20AC),
)


def typesettable(char: str) -> bool:
    code = ord(char)
    return 0x20 <= code < 0x7F or any(low <= code <= high for low, high in TYPESET)


def check_name(name: str) -> None:
    """Refuse, in one line, a name pdflatex would stop on: better now than a TeX error page later."""
    for char in unicodedata.normalize("NFC", name):
        if not typesettable(char):
            raise UserError(
                f"{shown(name)}: pdflatex cannot typeset {char!r} (U+{ord(char):04X}); the latex format takes "
                "Latin-script names: write the name in Latin letters, or use --format markdown"
            )


def escape(text: str) -> str:
    """Plain text that LaTeX prints as typed. Composed first (NFC): pdflatex knows "ü" as one
    character, not "u" followed by a combining diaeresis, as names pasted from a Mac often come."""
    return "".join(_SPECIAL.get(char, char) for char in unicodedata.normalize("NFC", text))


def cut(text: str, limit: int = HEAD_CHARS) -> str:
    """Text for one line: cut with an ellipsis when longer than `limit` characters."""
    text = unicodedata.normalize("NFC", text)
    return escape(text) if len(text) <= limit else escape(text[:limit - 1].rstrip()) + r"\ldots{}"


def name(text: str) -> str:
    """A variable name in math: upright, as in the lesson (``\\mathrm{dlogits}``)."""
    return r"\mathrm{" + escape(text) + "}"


# --- formulas in the question, as math ------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<number>\d+(?:\.\d+)?)|(?P<word>[A-Za-z_][A-Za-z0-9_]*)|(?P<other>\S))")
_MATH_SYMBOLS = {"*": r"\cdot ", "[": "[", "]": "]", ",": r",\,\allowbreak ", "-": "-", "+": "+", "=": "=", "/": "/"}


def formula(text: str) -> str:
    """``loss = -log(probs[target])`` as inline math. The preamble forbids line breaks at signs and
    relations (none after a minus or an equals sign); a long list may break after a comma."""
    parts, previous = [], ""
    for match in _TOKEN.finditer(text):
        if match["number"]:
            token = match["number"]
        elif match["word"]:
            token = name(match["word"])
        elif match["other"] == "." and previous == "word":
            token = r"\cdot "  # w.x: the dot product
        else:
            token = _MATH_SYMBOLS.get(match["other"], escape(match["other"]))
        previous = match.lastgroup
        parts.append(token)
    return "$" + "".join(parts) + "$"


def _formula_end(tokens: list[str], start: int) -> int:
    """Where the formula starting at tokens[start] (``NAME = ...``) ends: over operators and open brackets."""
    end = start + 3
    depth = sum(map(_opened, tokens[start:end]))
    while end < len(tokens) and (depth > 0 or tokens[end] in _OPERATORS):
        depth += _opened(tokens[end])
        if tokens[end] in _OPERATORS and end + 1 < len(tokens):
            end += 1
            depth += _opened(tokens[end])
        end += 1
    return end


_OPERATORS = ("=", "+", "-", "*", "/")


def _opened(token: str) -> int:
    """How many brackets a token leaves open (negative: closes)."""
    return token.count("[") + token.count("(") - token.count("]") - token.count(")")


def question_parts(question: str) -> list[tuple[bool, str]]:
    """The question cut into (is a formula, text): each ``NAME = expression`` apart from the prose."""
    tokens, parts, i = question.split(" "), [], 0
    while i < len(tokens):
        if i + 2 < len(tokens) and tokens[i + 1] == "=":
            end = _formula_end(tokens, i)
            text = " ".join(tokens[i:end])
            trail = re.search(r"[.,;)]*$", text).group()
            kept = text[:len(text) - len(trail)]
            while trail.startswith(")") and kept.count("(") > kept.count(")"):  # a formula's own parenthesis
                kept, trail = kept + ")", trail[1:]
            parts += [(True, kept), (False, trail)]
            i = end
        else:
            parts.append((False, tokens[i]))
            i += 1
    return parts


def typeset_question(question: str, as_formula, as_text) -> str:
    """The question with each ``NAME = expression`` set by `as_formula` and the prose around it by `as_text`
    (LaTeX here, Markdown's math there), spaced as the sentence reads."""
    out = ""
    for is_formula, text in question_parts(question):
        if out and text and not (not is_formula and text[0] in ".,;)"):
            out += " "
        out += as_formula(text) if is_formula else as_text(text)
    return out


def question_text(question: str) -> str:
    return typeset_question(question, formula, escape)


# --- inputs, answers and the space to write them ----------------------------------------------

def matrix(value: Any, number) -> str:
    """A number, a row vector, a matrix or blocks of matrices, each entry written by `number`; text (a
    program) as typed."""
    if isinstance(value, str):
        return r"\texttt{" + escape(value) + "}"
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


def answer_box(_: Any) -> str:
    """An empty box for one entry, wide enough for a signed number to three decimals."""
    return r"\fbox{\rule{0pt}{1.1em}\hspace{1.6cm}}"


def answer_boxes(problem: Problem) -> str:
    """A box per entry of each asked gradient, laid out in the gradient's shape."""
    boxes = equations({gradient: np.zeros(np.shape(value)) if np.shape(value) else 0.0
                       for gradient, value in problem.answers.items()}, answer_box)
    return "\\begingroup\\renewcommand{\\arraystretch}{1.8}\n" + boxes + "\\endgroup\n"


def new_part(heading: str, header: str) -> str:
    """A new page under `heading`, numbered from 1, with `header` at the top of each of its pages
    (upright: the running head of `myheadings` is slanted otherwise)."""
    return f"\\clearpage\n{heading}\n\\setcounter{{page}}{{1}}\\markright{{\\textup{{{header}}}}}\n\n"


NAME_DATE = "Name: \\rule{8cm}{0.4pt}\\hfill Date: \\rule{4cm}{0.4pt}\n\n"


class LatexLayout:
    def __init__(self, problem_set: ProblemSet) -> None:
        self.problem_set = problem_set

    def begin(self) -> str:
        return PREAMBLE

    def sheet(self, sheet: Sheet) -> str:
        """A student's sheet starts at page 1, and each of its pages carries the name in its header;
        a sheet the whole class shares has a line for the name and the date instead."""
        code = self.problem_set.code
        title = "Problem set" + (f" {code}" if code and not self.problem_set.shows_ids(sheet) else "")
        if sheet.student is None:
            return new_part(f"\\section*{{{title}}}", title) + NAME_DATE
        heading = f"\\section*{{{title} for {escape(sheet.student)}}}"
        return new_part(heading, cut(sheet.student) + (f"\\quad Set {code}" if code else ""))

    def problem(self, sheet: Sheet, number: int, problem: Problem, inline: bool) -> str:
        label = f"\\quad \\texttt{{{escape(problem.label)}}}" if self.problem_set.shows_ids(sheet) else ""
        text = (
            (KEEP_TOGETHER if number > 1 else "")
            + f"\\subsection*{{Problem {number}{label}}}\n"
            f"\\textit{{{escape(human_title(problem))}}}\n\n"
            f"{question_text(problem.question)}\n"
            f"{equations(problem.inputs, format_input)}\n"
        )
        if inline:
            return text + f"\\textbf{{Answer}}\n{answers_math(problem)}\n"
        return text + f"\\textbf{{Working}}\n\n\\vspace{{{WORKING_SPACE}}}\n\n\\textbf{{Your gradients}}\n{answer_boxes(problem)}\n"

    def key(self) -> str:
        title = self.problem_set.key_title
        return new_part(f"\\section*{{{title}}}", title)

    def key_sheet(self, sheet: Sheet) -> str:
        return f"{KEEP_TOGETHER}\\subsection*{{{escape(sheet.student)}}}\n\n" if sheet.student is not None else ""

    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str:
        label = f"\\textbf{{{number}.}}~\\texttt{{{escape(problem.label)}}}\n"
        return (KEEP_TOGETHER if number > 1 else "") + label + answers_math(problem) + "\n"

    def end(self) -> str:
        return "\\end{document}\n"


def write_latex(problem_set: ProblemSet, out: TextIO) -> None:
    for sheet in problem_set.sheets:
        if sheet.student is not None:
            check_name(sheet.student)
    write_printed(problem_set, out, LatexLayout(problem_set))
