"""The drill: prompt for each asked gradient, grade it, hint, explain and diagnose.

A pure loop: the lines come from `read_line(prompt)` and the output goes to a Rich console,
both passed in, so tests drive a whole session without a terminal. `read_line` raises EOFError
at the end of input and KeyboardInterrupt on Ctrl-C; either ends the session with the summary
of what was answered. Which problems are asked is the caller's choice (a seeded set, a review).

The score counts gradients, not problems: a problem asks one gradient (softmax-ce) or several
(tanh-neuron), and each is solved or not on its own. A gradient counts once it is settled
(answered, revealed, skipped or explained); one left mid-way by quit, end of input or Ctrl-C
does not count.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import NamedTuple

from rich.console import Console
from rich.text import Text

from handgrad_cli.answers import describe_shape, negative_power_note, read_values, shape_words
from handgrad_cli import clock
from handgrad_cli.attempts import ANSWER_HINT, EXPLAINED, WRONG, Attempt, Recorder, Try, settled_status
from handgrad_cli.errors import UserError
from handgrad_cli.grading import Grade, Tolerance, grade
from handgrad_cli.history import utc_stamp
from handgrad_cli.kinds import get_kind
from handgrad_cli.numbers import DEFAULT_DECIMALS, as_typed
from handgrad_cli.outcomes import DrillSummary, Outcome
from handgrad_cli.problem import Problem
from handgrad_cli.render.drill import COMMANDS, problem_heading, prompt_help, wrong_line
from handgrad_cli.render.feedback import MORE_WORDS, Result, more_help, more_prompt, shortened
from handgrad_cli.render.terminal import explanation, forward_table, steps_view

HINTS = ANSWER_HINT  # the rule, the forward values it needs, the answer itself
QUIT = ("q", "quit", "exit")

ReadLine = Callable[[str], str]  # like input(); the terminal's and a pipe's readers are in console.py


class DrillSettings(NamedTuple):
    tolerance: Tolerance = Tolerance()
    tries: int = 2  # answers allowed before the reference is shown
    decimals: int = DEFAULT_DECIMALS


class Quit(Exception):
    """The learner typed quit."""


# --- the loop -----------------------------------------------------------------------------


def run_drill(
    problems: Iterable[Problem],
    read_line: ReadLine,
    console: Console,
    *,
    settings: DrillSettings = DrillSettings(),
    recorder: Recorder | None = None,
    session: str = "",
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = clock.now,
    total: int | None = None,
    make: Callable[..., _Drill] | None = None,
    pause: bool = False,
    show: Callable[[object], object] | None = None,
) -> DrillSummary:
    """Ask each problem in turn; return the summary of what was settled, however the session ends.

    `total` is how many problems `problems` yields; give it for a generator, which is then read
    lazily (the first prompt need not wait for a long set). `pause` (a terminal): after each problem,
    a prompt offers more (steps, explain, values) until Enter; piped, the feedback shows the wrong
    gradients' steps in full and goes on. `show` prints long output (a pager); default: the console.
    """
    if total is None:
        problems = list(problems)
        total = len(problems)
    summary = DrillSummary(problems=total)
    drill = (make or _Drill)(read_line, console, settings, recorder, session, clock, now, summary)
    drill.pause, drill.show = pause, show or console.print
    started = clock()
    try:
        for number, problem in enumerate(problems, 1):
            summary.problems_seen = number
            drill.ask_problem(problem, number)
    except Quit:
        summary.ended = "quit"
    except EOFError:
        summary.ended = "end of input"
    except KeyboardInterrupt:
        summary.ended = "interrupted"
    summary.seconds = clock() - started
    return summary


class _Gradient:
    """The state of one asked gradient while the learner works on it."""

    def __init__(self, name: str, shape: tuple[int, ...], started: float) -> None:
        self.name, self.shape, self.started = name, shape, started
        self.hints = 0
        self.last: Grade | None = None  # the latest graded answer
        self.miss: Grade | None = None  # the first wrong answer
        self.tries: list[Try] = []  # every graded answer, as the history keeps it
        self.recorded = False  # its status is written already (by the try that settled it)

    @property
    def revealed(self) -> bool:
        return self.hints >= HINTS


class _Drill:
    """A session's loop: the reader and console it uses, its settings, and what it records."""

    def __init__(self, read_line: ReadLine, console: Console, settings: DrillSettings, recorder: Recorder | None,
                 session: str, clock: Callable[[], float], now: Callable[[], datetime], summary: DrillSummary,
                 mode: str = "drill") -> None:
        self.read_line, self.console, self.settings, self.recorder = read_line, console, settings, recorder
        self.session, self.clock, self.now, self.summary = session, clock, now, summary
        self.mode = mode  # as the history keeps it: "drill", "debug" when `handgrad debug` asks the fix, or "code"
        self.earlier: dict[str, Grade] = {}  # this problem's graded answers so far, by gradient
        self.accepted: dict = {}  # of those, the ones accepted: a group's header shows them
        self.group: str | None = None  # the first gradient of the group being asked
        self.pause = False
        self.show: Callable[[object], object] = console.print
        self.settled: dict[str, tuple] = {}  # this problem's gradients as settled: status, last answer, first miss

    def ask_problem(self, problem: Problem, number: int) -> None:
        asked = self.asked(problem)
        self.console.print(problem_heading(problem, number, self.summary.problems, asked))
        self.earlier, self.accepted, self.group = {}, {}, None  # later gradients are judged from earlier answers
        self.settled = {}
        for i, name in enumerate(asked):
            self.show_group(problem, name)
            ending, last = self.ask_gradient(problem, name)
            if last is not None and last.given:
                self.earlier[name] = last
                if last.correct:
                    self.accepted[name] = last.yours
            if ending == EXPLAINED:
                for rest in asked[i + 1:]:  # the derivation showed these answers too
                    self.settle(problem, _Gradient(rest, (), self.clock()), EXPLAINED)
                break
        results = [Result(name, *self.settled[name]) for name in asked if name in self.settled]
        self.show_feedback(problem, results, last=number == self.summary.problems)

    def asked(self, problem: Problem) -> tuple[str, ...]:
        return problem.asked

    def show_group(self, problem: Problem, name: str) -> None:
        """A long problem asks its gradients in groups: a heading and the values it reads before each."""
        kind = get_kind(problem.kind)
        if name in kind.groups:
            self.group = name
            self.console.print(self.group_view(problem, limit=True))

    def group_view(self, problem: Problem, limit: bool):
        """The heading of the group being asked and the values it reads; `limit`: within one screen."""
        from handgrad_cli.render.drill import group_heading

        kind = get_kind(problem.kind)
        values = kind.group_values(problem, self.group)
        lines = max(self.console.height - HEADER_ROOM, 6) if limit else None
        return group_heading(kind.groups[self.group], values, problem, self.settings.decimals, self.accepted, lines)

    def ask_gradient(self, problem: Problem, name: str) -> tuple[str, Grade | None]:
        """Prompt until this gradient is settled; how it ended and the latest graded answer."""
        shape = problem.answers[name].shape
        state = _Gradient(name, shape, self.clock())
        places = problem.typed_decimals[name]
        typing = "; rows by ';', blocks by ';;'" if len(shape) == 3 else ""
        prompt = f"{name} ({shape_words(shape)}{f', to {places} decimals' if places > 3 else ''}{typing}) > "
        while True:
            status = self.respond(problem, state, self.read_line(prompt).strip())
            if status:
                self.settle(problem, state, status)
                return status, state.last

    def respond(self, problem: Problem, state: _Gradient, line: str) -> str | None:
        """Act on one line; the status when it settles the gradient, else None (same prompt)."""
        command = line.lower()
        if command in ("?", "hint"):
            self.hint(problem, state)
            return None
        if command == "explain":
            self.explain(problem)
            return "explained"
        if command == "skip":
            self.say(f"skipped — the answer was {state.name} = {self.typed_answer(problem, state.name)}", "bold")
            return "revealed" if state.revealed else "skipped"
        if command in QUIT:
            raise Quit
        if command == "help":
            self.console.print(prompt_help(describe_shape(state.shape)))
            return None
        if command == "values":
            self.show(self.group_view(problem, limit=False) if self.group else forward_table(problem, self.settings.decimals))
            return None
        if not line:
            self.say(f"Type {describe_shape(state.shape)}, or {COMMANDS}.", "dim")
            return None
        return self.answer(problem, state, line)

    def answer(self, problem: Problem, state: _Gradient, line: str) -> str | None:
        try:
            yours = read_values(line, state.shape, state.name)
        except UserError as error:
            self.say(_unreadable(str(error), state), "yellow")
            return None
        state.last = grade(problem, state.name, yours, self.settings.tolerance, self.earlier)
        ending = self.record_try(problem, state)  # written before its verdict is shown: a kill after it loses nothing
        if state.last.correct:
            self.say_right(state)
        else:
            self.say_wrong(problem, state, line, ending)
        return ending

    def say_right(self, state: _Gradient) -> None:
        if state.revealed:
            self.say(f"{state.name}: correct, but the answer was revealed, so it counts as not solved.", "yellow")
        else:
            self.say(f"{state.name}: correct.", "bold green")

    def say_wrong(self, problem: Problem, state: _Gradient, line: str, ending: str | None) -> None:
        self.console.print(wrong_line(state.last))
        note = negative_power_note(line)
        if note:
            self.say(note, "yellow")
        if ending is None:
            left = self.settings.tries - len(state.tries)
            self.say(f"Try again ({'1 try' if left == 1 else f'{left} tries'} left), or type ? for a hint.", "dim")
        else:
            self.say(f"The answer: {state.name} = {self.typed_answer(problem, state.name)}", "bold")

    def hint(self, problem: Problem, state: _Gradient) -> None:
        if state.revealed:
            self.say("No more hints: type the answer shown above, or skip.", "dim")
            return
        state.hints += 1
        rule, values = get_kind(problem.kind).hints(problem, state.name)
        answer = f"{state.name} = {self.typed_answer(problem, state.name)} (now counts as not solved)"
        text = (rule, values, answer)[state.hints - 1]
        self.console.print(Text.assemble((f"Hint {state.hints}/{HINTS}: ", "bold magenta"), text))

    def typed_answer(self, problem: Problem, name: str) -> str:
        """The answer as it is typed back: with enough decimals to be accepted if it is."""
        decimals = max(self.settings.decimals, self.settings.tolerance.decimals())
        return as_typed(problem.answers[name], decimals)

    def explain(self, problem: Problem) -> None:
        extras = get_kind(problem.kind).extras(problem, 1.0)
        self.show(explanation(problem, extras, self.settings.decimals))

    def show_feedback(self, problem: Problem, results: list[Result], last: bool) -> None:
        """What went wrong, in a screen; on a terminal, then a pause that offers the rest."""
        steps = all(result.status != EXPLAINED for result in results)  # the derivation was just shown
        versions = shortened(problem, results, self.settings.decimals, steps)
        shown = next(versions)
        if self.pause:  # on a terminal: the first version that fits a screen (piped: the fullest)
            for shown in itertools.chain([shown], versions):
                if _height(self.console, shown) <= self.console.height - FEEDBACK_ROOM:
                    break
        self.console.print(shown)
        if self.pause:
            self.more(problem, last)

    def more(self, problem: Problem, last: bool) -> None:
        """The pause after a problem: steps, steps NAME, explain, values, help or quit, until Enter."""
        from handgrad_cli.parts import choices, chosen, steps_for

        decimals = self.settings.decimals
        while line := self.read_line(more_prompt(last)).strip():
            word, _, rest = line.partition(" ")
            word = word.lower()
            if word in QUIT:
                raise Quit
            try:
                if word == "steps":
                    names = chosen(problem, rest.split()) if rest.strip() else problem.asked
                    self.show(steps_view(problem, decimals, only=steps_for(problem, names)))
                elif word == "explain":
                    self.explain(problem)
                elif word == "values":
                    self.show(forward_table(problem, decimals))
                elif word in ("help", "?"):
                    self.console.print(more_help(choices(problem)))
                else:
                    self.say(f"Type {MORE_WORDS} or help, or press Enter to go on.", "dim")
            except UserError as error:
                self.say(str(error), "yellow")

    def record_try(self, problem: Problem, state: _Gradient) -> str | None:
        """Keep the graded answer as a try and write it, with the gradient's status if it settles it;
        how it ends the gradient (None: the learner may try again)."""
        seconds = round(self.clock() - state.started, 3)
        if not state.last.correct and state.miss is None:
            state.miss = state.last
        state.tries.append(Try(len(state.tries) + 1, state.last.correct, _slug(state.last), state.hints, seconds))
        ending = _ending(state, self.settings.tries)
        self.record(problem, state, ending and settled_status(state.tries, ending), seconds)
        state.recorded = ending is not None
        return ending

    def settle(self, problem: Problem, state: _Gradient, ending: str) -> None:
        """Count the gradient and record it at once (unless its last try did), so a later Ctrl-C loses nothing;
        kept for the problem's feedback."""
        status = settled_status(state.tries, ending)
        carried = status == WRONG and state.last is not None and state.last.carried_forward
        self.summary.outcomes.append(Outcome(problem.label, problem.kind, state.name, status, carried))
        self.settled[state.name] = (status, state.last, state.miss)
        if not state.recorded:
            self.record(problem, state, status, round(self.clock() - state.started, 3))

    def record(self, problem: Problem, state: _Gradient, status: str | None, seconds: float) -> None:
        if self.recorder is None:
            return
        self.recorder(
            Attempt(
                answered_at=utc_stamp(self.now()),
                session=self.session,
                problem_id=problem.label,
                kind=problem.kind,
                difficulty=problem.difficulty,
                gradient=state.name,
                status=status,
                mistake=_slug(state.last),
                hints_used=state.hints,
                seconds=seconds,
                tries=tuple(state.tries),
                mode=self.mode,
            )
        )

    def say(self, message: str, style: str = "") -> None:
        self.console.print(Text(message, style=style))


HEADER_ROOM = 4  # rows kept free under a group's header: a prompt and a verdict
FEEDBACK_ROOM = 5  # and under a problem's feedback: the pause's prompt and the last gradient's verdict (a carried
                   # or wrong one takes three or four lines with the answer)


def _height(console: Console, renderable) -> int:
    """How many rows the renderable takes on the console."""
    return len(console.render_lines(renderable, console.options, pad=False))


def _slug(graded: Grade | None) -> str | None:
    return graded.mistake.slug if graded and graded.mistake else None


def _ending(state: _Gradient, tries: int) -> str | None:
    """How the latest graded answer ends the gradient ("correct", "wrong" or "revealed"); None when the
    learner may try again (`tries` answers in all)."""
    if state.last.correct:
        return "revealed" if state.revealed else "correct"
    if len(state.tries) >= tries:
        return "revealed" if state.revealed else "wrong"
    return None


def _unreadable(message: str, state: _Gradient) -> str:
    """Why an answer cannot be read, and the shape expected (unless the reader said it already)."""
    expected = describe_shape(state.shape)
    if expected in message:
        return f"{message}. Try again."
    return f"{message}. {state.name} expects {expected}: try again."


def session_id(moment: datetime | None = None) -> str:
    """A short id that groups one session's attempts, e.g. 20261125T170005-3fa2."""
    moment = moment or clock.now()
    return f"{moment:%Y%m%dT%H%M%S}-{os.urandom(2).hex()}"


def replay_command(arguments: list[str], settings: DrillSettings, command: str = "drill",
                   default: DrillSettings = DrillSettings()) -> str:
    """The command that asks the same problems again; settings at their defaults are left out."""
    words = ["handgrad", command, *arguments]
    changed = {
        "--atol": (settings.tolerance.atol, default.tolerance.atol),
        "--rtol": (settings.tolerance.rtol, default.tolerance.rtol),
        "--tries": (settings.tries, default.tries),
        "--decimals": (settings.decimals, default.decimals),
    }
    for flag, (value, usual) in changed.items():
        if value != usual:
            words += [flag, repr(value)]  # exact: a tolerance of 0.1234567 is not rounded to 0.123457
    return " ".join(words)
