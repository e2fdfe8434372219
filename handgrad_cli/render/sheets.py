"""What every set writer shares: a set of sheets (one per student, or one for the class) and
the layout of the printed formats (text, markdown, LaTeX) with the key placed per `--answers`.

Writers never hold the whole set: what must wait for the end of a pass (the key after the sheets, a
platform's group of questions) waits in a spool, kept on disk once past a megabyte.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import IO, Protocol, TextIO

from handgrad_cli.numbers import as_typed, format_input
from handgrad_cli.problem import Problem
from handgrad_cli.question import unstated

ProblemSource = Callable[[], Iterator[Problem]]  # called once per pass over the set

ANSWER_MODES = ("none", "inline", "end", "only")  # no key, after each problem, at the end, the key alone
DEFAULT_ANSWERS = "end"
POINTS = ("per-problem", "per-entry")  # a problem is worth 1 (its blanks share it), or each blank 1
SPOOL_BYTES = 1 << 20  # text that waits for the end of a pass is kept in memory up to this size, then on disk


@dataclass(frozen=True)
class Sheet:
    """The problems one student gets; `student` (the name shown) is None for a set the whole class shares.

    A roster with ids draws each set from the student's `key` (their id), never from the name, and each
    student's sheet carries a short `fingerprint` that grading checks."""

    student: str | None
    problems: ProblemSource
    key: str | None = None  # the roster's id, when it is not the name
    email: str = ""
    fingerprint: str = ""

    @property
    def marked(self) -> str:
        """``Ana (sheet 7KQ2)``: the name with the sheet's fingerprint, as a sheet heads itself."""
        return f"{self.student} (sheet {self.fingerprint})" if self.fingerprint else str(self.student)


@dataclass(frozen=True)
class ProblemSet:
    sheets: Sequence[Sheet]  # a tuple, or sheets made one by one when asked for (a million variants)
    answers: str = DEFAULT_ANSWERS  # one of ANSWER_MODES; only the printed formats use it
    code: str = ""  # the set's short code, printed on students' sheets in place of problem IDs
    points: str = POINTS[0]  # the learning platforms' marks: one of POINTS
    per_student: bool = False  # QTI: a quiz per student, in one package

    def __post_init__(self) -> None:
        if self.answers not in ANSWER_MODES:
            raise ValueError(f"answers must be one of {', '.join(ANSWER_MODES)}, not {self.answers!r}")
        if self.points not in POINTS:
            raise ValueError(f"points must be one of {', '.join(POINTS)}, not {self.points!r}")

    @property
    def has_variants(self) -> bool:
        """Whether each student has a sheet of their own."""
        return bool(self.sheets) and self.sheets[0].student is not None

    @classmethod
    def single(cls, problems: ProblemSource, answers: str = DEFAULT_ANSWERS, code: str = "") -> ProblemSet:
        return cls((Sheet(None, problems),), answers, code)

    def shows_ids(self, sheet: Sheet) -> bool:
        """Whether a sheet may print problem IDs: only a teacher's copy of a shared set does. An ID is the
        whole solution (`handgrad explain ID`), so a students' sheet shows problem numbers and the set code."""
        return sheet.student is None and self.answers != "none"

    @property
    def key_title(self) -> str:
        """``Answer key``, with the set code when the sheets carry it (students' sets) to match them up."""
        coded = self.code and self.has_variants
        return f"Answer key {self.code}" if coded else "Answer key"

    def items(self) -> Iterator[tuple[Sheet, int, Problem]]:
        """Every problem of every sheet, with its number on that sheet (from 1)."""
        for sheet in self.sheets:
            for number, problem in enumerate(sheet.problems(), 1):
                yield sheet, number, problem


def human_title(problem: Problem) -> str:
    """``Softmax cross-entropy, hard``: the kind's title and the difficulty, as a sheet heads a problem."""
    from handgrad_cli.kinds import get_kind

    return f"{get_kind(problem.kind).title}, {problem.difficulty}"


def given_lines(problem: Problem, question: str | None = None) -> list[str]:
    """``C = [[...]]`` for each input the question's sentence does not state: every input is shown somewhere.
    (`question`: the problem's, when the caller has made it already.)"""
    question = problem.question if question is None else question
    return [f"{name} = {format_input(value)}" for name, value in unstated(question, problem.inputs).items()]


def answer_lines(problem: Problem) -> Iterable[str]:
    for name, value in problem.answers.items():
        yield f"{name} = {as_typed(value)}"


class Layout(Protocol):
    """How a printed format (text, markdown, LaTeX) lays out sheets and the key; each part is a string."""

    def begin(self) -> str: ...
    def sheet(self, sheet: Sheet) -> str: ...
    def problem(self, sheet: Sheet, number: int, problem: Problem, inline: bool) -> str: ...
    def key(self) -> str: ...
    def key_sheet(self, sheet: Sheet) -> str: ...
    def answer(self, sheet: Sheet, number: int, problem: Problem) -> str: ...
    def end(self) -> str: ...


def spool() -> IO[str]:
    """A place for text that must wait: in memory up to SPOOL_BYTES, then on disk."""
    return tempfile.SpooledTemporaryFile(SPOOL_BYTES, mode="w+", encoding="utf-8")


def copy_spool(spooled: IO[str], out: TextIO) -> None:
    spooled.seek(0)
    shutil.copyfileobj(spooled, out)


def write_printed(problem_set: ProblemSet, out: TextIO, layout: Layout) -> None:
    """Sheets, then the key per `answers`: none, inline (after each problem), end, or only the key.
    One pass over the set: a key at the end waits in a spool while the sheets are written."""
    answers = problem_set.answers
    printed, keyed = answers != "only", answers in ("end", "only")
    out.write(layout.begin())
    with spool() as waiting:
        key = waiting if printed else out
        if keyed:
            key.write(layout.key())
        for sheet in problem_set.sheets:
            if printed:
                out.write(layout.sheet(sheet))
            if keyed:
                key.write(layout.key_sheet(sheet))
            for number, problem in enumerate(sheet.problems(), 1):
                if printed:
                    out.write(layout.problem(sheet, number, problem, inline=answers == "inline"))
                if keyed:
                    key.write(layout.answer(sheet, number, problem))
        copy_spool(waiting, out)
    out.write(layout.end())
