"""What the learning-platform formats (GIFT, Moodle XML, QTI) share: one blank per gradient entry,
its tolerance equal to the grading tolerance, and the set grouped into categories: per kind, or per problem
slot holding every student's variant (a quiz of "random question from category" slots then gives each
student one variant a slot).
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import IO, NamedTuple, TextIO

import numpy as np

from handgrad_cli.grading import Tolerance
from handgrad_cli.problem import Problem
from handgrad_cli.question import ROUNDING_RULE, render
from handgrad_cli.render.sheets import ProblemSet, Sheet, copy_spool, given_lines, spool

CATEGORY_ROOT = "$course$/handgrad"
PLACES = 10  # decimals written for values and tolerances: far finer than any tolerance
PLACES_FORMAT = f".{PLACES}f"


class Blank(NamedTuple):
    """One gradient entry a learner fills in."""

    gradient: str
    index: tuple[int, ...]  # () for a scalar gradient
    value: float
    tolerance: float
    label: str  # ``dz``, ``dlogits[1]`` or ``dlogits[0, 2]``, as numpy indexes it


@functools.lru_cache(maxsize=1024)
def entry_places(gradient: str, shape: tuple[int, ...]) -> tuple[tuple[tuple[int, ...], str], ...]:
    """Each entry's index in numpy's order and its label: the same for every problem of a kind."""
    return tuple((index, f"{gradient}[{', '.join(map(str, index))}]" if index else gradient)
                 for index in itertools.product(*map(range, shape)))


def blanks(problem: Problem, gradient: str, tolerance: Tolerance = Tolerance()) -> list[Blank]:
    """The gradient's entries in numpy's order, their values and margins read out of numpy at once."""
    reference = problem.answers[gradient]
    if isinstance(reference, np.ndarray):
        reference = np.asarray(reference, dtype=float)
        shape, values = reference.shape, reference.ravel().tolist()
        margins = tolerance.margin(reference).ravel().tolist()
    else:  # a number: no array to make
        shape, values, margins = (), [float(reference)], [float(tolerance.margin(reference))]
    return [Blank(gradient, index, value, margin, label)
            for (index, label), value, margin in zip(entry_places(gradient, shape), values, margins)]


def decimal(value: float) -> str:
    """A number as platforms parse it: plain decimals, no exponent, no negative zero."""
    text = format(value, PLACES_FORMAT).rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def nolink(html_text: str) -> str:
    """HTML that Moodle's filters leave alone: its emoticon filter, on by default, would turn the ``(n)`` of
    ``probs[range(n), target]`` into a "no" icon, and ``(y)``, ``:)`` or ``8-)`` in a name into others."""
    return f'<span class="nolink">{html_text}</span>'


def xml_text(text: str) -> str:
    """Text as ElementTree escapes it in an element (and as ``html.escape(text, quote=False)`` does)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_attribute(text: str) -> str:
    """Text as ElementTree escapes it in an attribute's value."""
    return (xml_text(text).replace('"', "&quot;").replace("\n", "&#10;").replace("\r", "&#13;")
            .replace("\t", "&#09;"))


def stem_html(problem: Problem, escape: Callable[[str], str] = xml_text) -> str:
    """The question as HTML paragraphs: its sentence with code as ``<code>``, each input the sentence does not
    state, and the rounding rule; `escape` makes text safe for the format (a cloze also hides its braces)."""
    code = lambda text: f"<code>{escape(text)}</code>"  # noqa: E731
    question = problem.question
    paragraphs = [render(question, escape, code), *map(code, given_lines(problem, question)),
                  f"<em>{escape(ROUNDING_RULE)}</em>"]
    return "".join(f"<p>{nolink(paragraph)}</p>" for paragraph in paragraphs)


def category(group: str) -> str:
    return f"{CATEGORY_ROOT}/{group}"


def title(sheet: Sheet, problem: Problem, entry: str | None = None) -> str:
    """The problem ID (it reproduces the problem), the entry asked, and the student it is for."""
    parts = [problem.label] + ([entry] if entry else [])
    if sheet.student is not None:
        parts.append(f"({sheet.student})")
    return " ".join(parts)


def slot(name: str) -> str:
    """A place in an XML template that each use fills (NUL never occurs in text handgrad writes)."""
    return f"\0{name}\0"


class XmlTemplate:
    """XML that ElementTree serialized once, with slots for what each use has of its own: thousands of
    questions of one shape cost a string join each, not a tree. Values are escaped as ElementTree would."""

    def __init__(self, serialized: str) -> None:
        self.parts = serialized.split("\0")  # literal, slot name, literal, …
        self.names = self.parts[1::2]

    def fill(self, attributes: dict[str, str] = {}, escaped: dict[str, str] = {},  # noqa: B006 (read only)
             **texts: str) -> str:
        """The XML with each slot filled: `attributes` and `texts` escaped here, `escaped` as they are."""
        values = dict(escaped)
        for name, value in attributes.items():
            values[name] = xml_attribute(value)
        for name, value in texts.items():
            values[name] = xml_text(value)
        filled = self.parts.copy()
        filled[1::2] = [values[name] for name in self.names]
        return "".join(filled)


def slot_name(problem_set: ProblemSet, number: int) -> str:
    """``K7Q2MD/problem-3``: the group of a problem slot, which holds every student's variant of it."""
    return f"{problem_set.code}/problem-{number}" if problem_set.code else f"problem-{number}"


def slot_group(problem_set: ProblemSet, number: int, problem: Problem) -> str:
    """A problem's group: a category per kind for a shared set, per problem slot when students have sets of
    their own."""
    return slot_name(problem_set, number) if problem_set.has_variants else problem.kind


@contextmanager
def spooled(texts: Iterable[tuple[str, str]]) -> Iterator[Iterator[tuple[str, IO[str]]]]:
    """(group, text) pairs gathered by group in one pass: yields each group, in the order groups first came,
    with a spool of its texts (for `copy_spool`). A group waits in memory up to a megabyte, then on disk."""
    spools: dict[str, IO[str]] = {}
    try:
        for group, text in texts:
            if group not in spools:
                spools[group] = spool()
            spools[group].write(text)
        yield iter(spools.items())
    finally:
        for spooled_texts in spools.values():
            spooled_texts.close()


def write_grouped(problem_set: ProblemSet, out: TextIO, head: Callable[[str], str],
                  body: Callable[[Sheet, Problem], str],
                  group_of: Callable[[ProblemSet, int, Problem], str] = slot_group) -> None:
    """The set in groups, each `head(group)` then its problems' `body`, in one pass over the set."""
    texts = ((group_of(problem_set, number, problem), body(sheet, problem))
             for sheet, number, problem in problem_set.items())
    with spooled(texts) as groups:
        for group, waiting in groups:
            out.write(head(group))
            copy_spool(waiting, out)


def entries(problem: Problem) -> int:
    """How many blanks a problem has: its gradients' entries."""
    return sum(value.size if isinstance(value, np.ndarray) else 1 for value in problem.answers.values())
