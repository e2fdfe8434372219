r"""LaTeX: a whole document, inputs and answers as math, the key on its own page.

Under pdflatex: T1 font encoding and Latin Modern, so Latin-script names compile (ð, þ, đ, ŋ, ł, ő, ș …),
with the packages of a base TeX install plus Latin Modern (Debian's `texlive-latex-base` and `lmodern`).
Under LuaLaTeX: fontspec's Latin Modern, with fonts that hold other scripts as fallbacks, so any name
prints (Greek, Cyrillic, CJK, Arabic, Vietnamese's stacked accents …). `pdflatex_cannot_set` lists the
names that need LuaLaTeX, for the command to say so once.

Every display may break across pages between its lines, and each block of a 3-D value is a line of its
own, so a problem taller than a page (the mlp) breaks cleanly and nothing runs into a margin.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any, TextIO

import numpy as np

from handgrad_cli.numbers import format_input, format_number
from handgrad_cli.problem import Problem
from handgrad_cli.question import ROUNDING_RULE, render
from handgrad_cli.render.sheets import ProblemSet, Sheet, human_title, write_printed

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{iftex}
\ifPDFTeX
\usepackage[T1]{fontenc}
\usepackage{lmodern}
\else
\usepackage{fontspec}
\ifLuaTeX
\directlua{luaotfload.add_fallback("handgradnames", {"DejaVu Sans:mode=harf;", "Droid Sans Fallback:mode=harf;"})}
\setmainfont{Latin Modern Roman}[RawFeature={fallback=handgradnames}]
\fi
\fi
\usepackage[margin=2.5cm]{geometry}
\usepackage{amsmath}
\setcounter{MaxMatrixCols}{40}
\allowdisplaybreaks
\setlength{\parindent}{0pt}
\setlength{\parskip}{0.5em}
\sloppy
\relpenalty=10000 \binoppenalty=10000
\hyphenpenalty=10000 \exhyphenpenalty=10000
\pagestyle{myheadings}
\begin{document}
"""

# Before each problem (and each answer of the key): a page break here is preferred to one inside
# the problem, so a problem is never split across two pages. Not after a heading: the first
# problem under a heading stays with it.
KEEP_TOGETHER = "\\filbreak\n"
HEAD_CHARS = 40  # a longer name is cut with an ellipsis in the running head, which has one line
LONG_WORD = 16  # a word longer than this (a name without spaces) may break every so many characters
RAGGED_BREAK = r"\hspace{0pt plus 1fil}\allowbreak\hspace{0pt plus -1fil}"  # a break that leaves the line short
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


def pdflatex_cannot_set(names: Iterable[str | None]) -> list[str]:
    """The names with a character pdflatex cannot typeset: their sheets need LuaLaTeX."""
    return [name for name in names
            if name is not None and not all(map(typesettable, unicodedata.normalize("NFC", name)))]


_SPECIAL_CHAR = re.compile("[" + re.escape("".join(_SPECIAL)) + "]")


def escape(text: str) -> str:
    """Plain text that LaTeX prints as typed. Composed first (NFC): pdflatex knows "ü" as one
    character, not "u" followed by a combining diaeresis, as names pasted from a Mac often come."""
    return _SPECIAL_CHAR.sub(lambda special: _SPECIAL[special[0]], unicodedata.normalize("NFC", text))


def breakable(text: str) -> str:
    """Escaped text whose over-long words may break (a heading cannot hyphenate a 60-letter name)."""
    words = unicodedata.normalize("NFC", text).split(" ")
    pieces = [RAGGED_BREAK.join(escape(word[i:i + LONG_WORD]) for i in range(0, len(word), LONG_WORD))
              for word in words]
    return " ".join(pieces)


def cut(text: str, limit: int = HEAD_CHARS) -> str:
    """Text for one line: cut with an ellipsis when longer than `limit` characters."""
    text = unicodedata.normalize("NFC", text)
    return escape(text) if len(text) <= limit else escape(text[:limit - 1].rstrip()) + r"\ldots{}"


def name(text: str) -> str:
    """A variable name in math: upright, as in the lesson (``\\mathrm{dlogits}``)."""
    return r"\mathrm{" + escape(text) + "}"


# --- the question: prose as text, code and stated values as code --------------------------------

def code(text: str) -> str:
    """Code as code, in the typewriter face: it may break at its spaces, never mid-name, nor after a minus
    (a line ending in "-" reads as a hyphenated word to a PDF reader, which would drop it)."""
    return r"\texttt{" + escape(text).replace("- ", "-~") + "}"


def question_text(question: str) -> str:
    """The question's sentence, as the JSON record's ``question`` reads (pdftotext gives it back)."""
    return render(question, escape, code)


# --- inputs, answers and the space to write them ----------------------------------------------

def matrix(value: Any, number) -> str:
    """A number, a row vector or a matrix, each entry written by `number`; text (a program) as typed."""
    if isinstance(value, str):
        return code(value)
    if not isinstance(value, list):
        return number(value)
    rows = value if value and isinstance(value[0], list) else [value]
    body = r" \\ ".join(" & ".join(number(entry) for entry in row) for row in rows)
    return r"\begin{bmatrix} " + body + r" \end{bmatrix}"


def lines_of(key: str, value: Any, number) -> list[str]:
    """A value's display lines: one, or one per block of a 3-D value (``demb[0] = …``), stacked."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if value and isinstance(value, list) and isinstance(value[0], list) and value[0] and isinstance(value[0][0], list):
        return [f"{name(key)}[{i}] = {matrix(block, number)}" for i, block in enumerate(value)]
    return [f"{name(key)} = {matrix(value, number)}"]


def equations(values: dict[str, Any], number) -> str:
    """The values as one display, a line each; a page may break between lines (``\\allowdisplaybreaks``)."""
    lines = [line for key, value in values.items() for line in lines_of(key, value, number)]
    return r"\begin{gather*}" + r" \\".join(f"\n  {line}" for line in lines) + "\n" + r"\end{gather*}" + "\n"


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
        set_code = self.problem_set.code
        title = "Problem set" + (f" {set_code}" if set_code and not self.problem_set.shows_ids(sheet) else "")
        rule = f"\\textit{{{escape(ROUNDING_RULE)}}}\n\n"
        if sheet.student is None:
            return new_part(f"\\section*{{{title}}}", title) + NAME_DATE + rule
        heading = f"\\section*{{{title} for {breakable(sheet.student)}}}"
        marks = (f"\\quad Set {set_code}" if set_code else "") + (f"\\quad Sheet {sheet.fingerprint}" if sheet.fingerprint else "")
        return new_part(heading, cut(sheet.student) + marks) + rule

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
        return f"{KEEP_TOGETHER}\\subsection*{{{breakable(sheet.student)}}}\n\n" if sheet.student is not None else ""

    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str:
        label = f"\\textbf{{{number}.}}~\\texttt{{{escape(problem.label)}}}\n"
        return (KEEP_TOGETHER if number > 1 else "") + label + answers_math(problem) + "\n"

    def end(self) -> str:
        return "\\end{document}\n"


def write_latex(problem_set: ProblemSet, out: TextIO) -> None:
    write_printed(problem_set, out, LatexLayout(problem_set))
