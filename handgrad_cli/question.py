"""A problem's question as parts: prose, code and named values, each rendered by a format as it should be.

A `Question` is the plain text a learner reads (it *is* that string: JSON records and the terminal use it
as it is) and keeps the parts it was made of, so a sheet sets the code as code and a platform marks it up,
without converting the text back. Pure: no format knows about another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from handgrad_cli.numbers import format_input

# How a learner types answers, said in the drill, on every sheet and platform: every property of grading is
# proved for a learner who does this (tests/test_trust.py).
ROUNDING_RULE_LINES = ("Type each answer to 3 decimals (more where asked);",
                       "you may compute later gradients from your own typed answers.")  # each fits 80 columns
ROUNDING_RULE = " ".join(ROUNDING_RULE_LINES)


class Prose(NamedTuple):
    """Words, shown as they are (escaped by each format)."""

    text: str


class Code(NamedTuple):
    """A line of the lesson's code (``bndiff2 = bndiff**2``) or a name: shown as code, never as maths."""

    text: str


class Value(NamedTuple):
    """An input stated in the sentence: ``X [2, 3] = [[...]]`` (`note` goes between the name and ``=``)."""

    name: str
    value: Any
    note: str = ""

    @property
    def text(self) -> str:
        return f"{self.name}{self.note} = {format_input(self.value)}"


Part = Prose | Code | Value


class Question(str):
    """The question's text, carrying the parts it was made of (``str`` parts are prose) and their texts."""

    parts: tuple[Part, ...]
    texts: tuple[str, ...]  # each part's text, written once (a value's numbers are formatted once)

    def __new__(cls, *parts: Part | str) -> Question:
        made = tuple(Prose(part) if isinstance(part, str) else part for part in parts)
        texts = tuple(part.text for part in made)
        question = super().__new__(cls, "".join(texts))
        question.parts, question.texts = made, texts
        return question


def parts_of(question: str) -> tuple[Part, ...]:
    """A question's parts (text made elsewhere is one piece of prose)."""
    return getattr(question, "parts", (Prose(question),))


def stated(question: str) -> set[str]:
    """The inputs the question's sentence states with their values."""
    return {part.name for part in parts_of(question) if isinstance(part, Value)}


def unstated(question: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs a format must show beside the sentence, as the sentence does not give them."""
    said = stated(question)
    return {name: value for name, value in inputs.items() if name not in said}


def render(question: str, prose: Callable[[str], str], code: Callable[[str], str]) -> str:
    """The question in a format: prose through `prose`, code and stated values through `code`."""
    texts = getattr(question, "texts", (question,))
    return "".join(prose(text) if isinstance(part, Prose) else code(text)
                   for part, text in zip(parts_of(question), texts))



