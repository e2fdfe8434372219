"""Problems and grades as JSON-ready data, with full-precision numbers."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from handgrad_cli.engine import is_batched, one_of
from handgrad_cli.grading import Grade
from handgrad_cli.numbers import plain
from handgrad_cli.problem import DIFFICULTIES, Problem, Solved


def kind_record(kind) -> dict[str, Any]:
    """A kind as `handgrad kinds --format json` lists it: its inputs and the gradients asked per difficulty."""
    return {
        "name": kind.name,
        "title": kind.title,
        "summary": kind.summary,
        "inputs": [{"name": spec.name, "words": spec.words} for spec in kind.inputs],
        "asks": {difficulty: list(kind.asked_at(difficulty)) for difficulty in DIFFICULTIES},
    }


def problem_record(problem: Problem) -> dict[str, Any]:
    """A problem as JSON-ready data, with full-precision numbers."""
    return json.loads(problem_json(problem))


def problem_json(problem: Problem) -> str:
    """A problem's record as JSON text, as `json.dumps` writes it.

    A batch's problems share their keys, formulas and rules: those are encoded once, into a
    template, and each problem fills in only its own numbers and text. Sets of 100,000 problems
    are written this way, at a fraction of what encoding each record whole would cost.
    """
    cache = problem.solved.cache
    if "json" not in cache:
        cache["json"] = _Template(_layout(problem.solved))
    return cache["json"].fill(problem)


def _layout(solved: Solved) -> dict[str, Any]:
    """The record of the batch's problems, a `_Fill` where each problem has its own value."""
    lists = _BatchLists(len(next(iter(solved.answers.values()))))
    return {
        "id": _Fill(lambda problem: json.dumps(str(problem.id)) if problem.id else "null"),
        "kind": solved.kind,
        "difficulty": solved.difficulty,
        "seed": _Fill(lambda problem: str(problem.id.seed) if problem.id else "null"),
        "question": _Fill(lambda problem: json.dumps(problem.question)),
        "inputs": _Fill(lambda problem: "{" + ", ".join([f"{_key(name)}: {_json_text(value)}"
                                                          for name, value in problem.inputs.items()]) + "}"),
        "answers": {name: lists.of(value) for name, value in solved.answers.items()},
        "steps": [
            {
                "quantity": step.quantity,
                "formula": step.formula,
                "forward": {"expr": step.forward, "value": lists.of(step.forward_value)},
                "terms": [
                    {
                        "via": term.via,
                        "formula": term.formula,
                        "local": {"expr": term.local, "value": lists.of(term.local_value)},
                        "upstream": {"expr": term.upstream, "value": lists.of(term.upstream_value)},
                        "value": lists.of(term.value),
                        "rule": term.rule,
                        **({"summed": term.summed} if term.summed else {}),
                    }
                    for term in step.terms
                ],
                "result": lists.of(step.result),
            }
            for step in solved.steps
        ],
    }


class _Fill:
    """A place in a batch's template that each problem fills with its own JSON text."""

    def __init__(self, text: Callable[[Problem], str]) -> None:
        self.text = text


class _BatchLists:
    """A batch's arrays as places to fill: a problem's row of each is written as JSON text when the
    problem is. A value the whole batch shares (add's local 1) is a constant."""

    def __init__(self, count: int) -> None:
        self.count = count
        self.made: dict[int, tuple[np.ndarray, _Fill]] = {}  # by the array's id (kept alive with it): an
        # array met twice is one place

    def of(self, value: Any) -> Any:
        value = np.asarray(value)
        if not is_batched(value, self.count):
            return plain(one_of(value, 0, self.count))  # the batch's one value
        if id(value) not in self.made:
            write = _writer(value)  # no list of the whole batch is kept: memory stays flat
            self.made[id(value)] = (value, _Fill(lambda problem: write(value[problem.index].tolist())))
        return self.made[id(value)][1]


def _writer(batch: np.ndarray) -> Callable[[Any], str]:
    """How one problem's row of a batch array (a number or nested lists) is written as json.dumps
    would: for finite numbers that is Python's repr, done in C; anything else by json.dumps itself."""
    return repr if _repr_is_json(batch) else json.dumps


def _repr_is_json(array: np.ndarray) -> bool:
    """Whether repr of the array's list writes what json.dumps would: ints, or floats none of them NaN or inf."""
    return array.dtype.kind in "iu" or (array.dtype.kind == "f" and bool(np.isfinite(array).all()))


def _json_text(value: Any) -> str:
    """An input (a number or an array) as json.dumps writes it. Python's repr is the same text, unless
    a NaN or an infinity is in it (json writes NaN, Infinity: an "n" tells), or the value is a bool."""
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiu":
        text = repr(value.tolist())
    elif isinstance(value, float):
        text = float.__repr__(value)  # numpy's float64 too, which repr would write as np.float64(...)
    elif isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        text = str(int(value))
    else:
        return json.dumps(plain(value))
    return text if "n" not in text else json.dumps(plain(value))


@functools.cache
def _key(name: str) -> str:
    return json.dumps(name)


class _Template:
    """A record as one %-template: constant JSON text, with a slot wherever a `_Fill` goes."""

    def __init__(self, layout: Any) -> None:
        self.fills: list[_Fill] = []
        self.slots: list[int] = []  # which fill each slot takes, in order: a fill can come back
        self.text = "".join(self._text(layout))

    def _text(self, value: Any) -> Iterator[str]:
        if isinstance(value, _Fill):
            if value not in self.fills:
                self.fills.append(value)
            self.slots.append(self.fills.index(value))
            yield "%s"
        elif isinstance(value, dict):
            yield "{"
            for k, (key, item) in enumerate(value.items()):
                yield (", " if k else "") + _key(key).replace("%", "%%") + ": "
                yield from self._text(item)
            yield "}"
        elif isinstance(value, list):
            yield "["
            for k, item in enumerate(value):
                yield ", " if k else ""
                yield from self._text(item)
            yield "]"
        else:
            yield json.dumps(value).replace("%", "%%")

    def fill(self, problem: Problem) -> str:
        texts = [fill.text(problem) for fill in self.fills]
        return self.text % tuple([texts[slot] for slot in self.slots])


def grades_record(problem: Problem, grades: list[Grade]) -> dict[str, Any]:
    return {
        "id": str(problem.id) if problem.id else None,
        "correct": all(grade.correct for grade in grades),
        "gradients": [
            {
                "gradient": grade.gradient,
                "given": grade.given,
                "correct": grade.correct,
                "yours": plain(grade.yours) if grade.given else None,
                "reference": plain(grade.reference),
                "entries": [
                    {"index": list(entry.index), "yours": entry.yours, "reference": entry.reference,
                     "difference": entry.difference, "correct": entry.correct}
                    for entry in grade.entries
                ],
                "carried_forward_from": list(grade.carried),
                "mistake": (
                    {"slug": grade.mistake.slug, "description": grade.mistake.description, "step": grade.mistake.step}
                    if grade.mistake else None
                ),
            }
            for grade in grades
        ],
    }
