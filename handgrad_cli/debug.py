"""`handgrad debug`: spot the bug. The reverse of the drill: a problem's backward pass is shown with one
gradient computed with a named slip (from the kind's own list); the gradients after it follow from it
correctly. The learner says which gradient is wrong, which mistake it is (a short menu), then types
the fix, which the drill's own prompt grades (hints, skip, explain and tries as in a drill).

Each of the three parts is kept in the history in the mode "debug": "which gradient" and "which
mistake" right or wrong, and the fix under the gradient's own name. A miss counts for the review like
a drill's. Input and output are passed in, as for the drill.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

import numpy as np
from rich.console import Console
from rich.text import Text

from handgrad_cli import clock
from handgrad_cli.attempts import RIGHT, WRONG, Recorder, Try
from handgrad_cli.drill import QUIT, DrillSettings, Quit, ReadLine, _Drill, _Gradient
from handgrad_cli.engine import Slip
from handgrad_cli.errors import UserError
from handgrad_cli.mistakes import first_changed, slipped, slips_of, wide
from handgrad_cli.outcomes import DrillSummary, Outcome
from handgrad_cli.problem import Problem

MENU = 4  # mistakes offered, the planted one among them
WHICH_GRADIENT, WHICH_MISTAKE = "which gradient", "which mistake"  # the parts' names in the history


class Planted(NamedTuple):
    slip: Slip
    gradient: str  # the first asked gradient the slip changes: the one to find
    values: dict[str, np.ndarray]  # every asked gradient as the buggy backward pass gives it
    menu: tuple[str, ...]  # mistakes in words, the slip's among them
    answer: int  # the slip's place in the menu


def plant(problem: Problem) -> Planted:
    """A slip of the kind's own list (or, for a kind with none here, one every kind has) that makes its
    gradient wide of the right answer; chosen by the problem's seed, so an ID always plants the same."""
    seed = problem.id.seed if problem.id else 0
    shown = []  # slips that change some gradient, wide or not: the last resort of a problem of small numbers
    for slips in (slips_of(problem, own=True), slips_of(problem)):
        for slip in _rotated(slips, seed):
            values = slipped(problem, slip)
            gradient = first_changed(problem, values)
            if gradient and wide(values[gradient], problem.answers[gradient]):
                return _planted(problem, slip, gradient, values, seed)
            if gradient:
                shown.append((slip, gradient, values))
    if not shown:
        raise UserError(f"no slip changes {problem.label}'s gradients: debug another problem")
    return _planted(problem, *shown[0], seed)


def _planted(problem: Problem, slip: Slip, gradient: str, values: dict[str, np.ndarray], seed: int) -> Planted:
    menu, answer = _menu(problem, slip, seed)
    return Planted(slip, gradient, values, menu, answer)


def _rotated(items: list, seed: int) -> list:
    start = seed % len(items) if items else 0
    return items[start:] + items[:start]


def _menu(problem: Problem, slip: Slip, seed: int) -> tuple[tuple[str, ...], int]:
    """The slip's words and up to MENU - 1 other slips' of the problem (another slug each), the slip's place
    chosen by the seed."""
    others: dict[str, str] = {}
    for other in _rotated(slips_of(problem), seed // 7):
        if other.slug != slip.slug and other.words not in others.values():
            others.setdefault(other.slug, other.words)
    menu = list(others.values())[:MENU - 1]
    answer = seed % (len(menu) + 1)
    menu.insert(answer, slip.words)
    return tuple(menu), answer


class DebugSession:
    """The debug loop: the drill's own machinery (its prompt for the fix, its recording) in the mode "debug"."""

    def __init__(self, read_line: ReadLine, console: Console, settings: DrillSettings, recorder: Recorder | None,
                 session: str, now: Callable[[], datetime] = clock.now, timer: Callable[[], float] = time.monotonic,
                 total: int = 0) -> None:
        self.summary = DrillSummary(total)
        self.drill = _Drill(read_line, console, settings, recorder, session, timer, now, self.summary, mode="debug")
        self.console, self.read_line, self.settings = console, read_line, settings

    def run(self, problems: Iterable[Problem]) -> DrillSummary:
        started = self.drill.clock()
        try:
            for number, problem in enumerate(problems, 1):
                self.summary.problems_seen = number
                self.ask(problem, number)
        except Quit:
            self.summary.ended = "quit"
        except EOFError:
            self.summary.ended = "end of input"
        except KeyboardInterrupt:
            self.summary.ended = "interrupted"
        self.summary.seconds = self.drill.clock() - started
        return self.summary

    def ask(self, problem: Problem, number: int) -> None:
        from handgrad_cli.render.debug import bug_view

        planted = plant(problem)
        self.console.print(bug_view(problem, planted.values, number, self.summary.problems, self.settings.decimals))
        names = list(problem.asked)
        found = self.choose(problem, WHICH_GRADIENT, "Which gradient is wrong? (its number or name) > ", names,
                            names.index(planted.gradient))
        self.say(f"{'Right' if found else 'No'}: the bug is in {planted.gradient}; the gradients after it follow "
                 "from it correctly.", "bold green" if found else "yellow")
        menu = "\n".join(f"  {place}. {words}" for place, words in enumerate(planted.menu, 1))
        self.console.print(Text(f"Which mistake was made in {planted.gradient}?\n{menu}"))
        named = self.choose(problem, WHICH_MISTAKE, f"Which mistake? (1-{len(planted.menu)}) > ", [],
                            planted.answer, choices=len(planted.menu))
        self.say(f"{'Right' if named else 'No'}: {planted.slip.words}.", "bold green" if named else "yellow")
        self.say(f"Now type the right {planted.gradient}.", "bold")
        self.drill.earlier = {}
        self.drill.ask_gradient(problem, planted.gradient)

    def choose(self, problem: Problem, part: str, prompt: str, names: list[str], right: int,
               choices: int = 0) -> bool:
        """Ask until a choice can be read (a number, or one of `names`); record it as a part right or wrong."""
        state = _Gradient(part, (), self.drill.clock())
        count = choices or len(names)
        while True:
            line = self.read_line(prompt).strip()
            if line.lower() in QUIT:
                raise Quit
            picked = names.index(line) if line in names else int(line) - 1 if line.isdigit() else -1
            if 0 <= picked < count:
                break
            options = f"a number from 1 to {count}" + (" or a gradient's name" if names else "")
            self.say(f"Type {options} (quit stops).", "yellow")
        correct = picked == right
        seconds = round(self.drill.clock() - state.started, 3)
        state.tries.append(Try(1, correct, None, 0, seconds))
        status = RIGHT if correct else WRONG
        self.summary.outcomes.append(Outcome(problem.label, problem.kind, part, status))
        self.drill.record(problem, state, status, seconds)
        return correct

    def say(self, message: str, style: str = "") -> None:
        self.console.print(Text(message, style=style))
