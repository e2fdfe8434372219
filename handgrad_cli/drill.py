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

import os
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TextIO

from rich.console import Console
from rich.text import Text

from handgrad_cli.answers import describe_shape, read_values, shape_words
from handgrad_cli.attempts import ANSWER_HINT, SOLVED, Attempt, Recorder, Try, settled_status
from handgrad_cli.errors import UserError
from handgrad_cli.grading import Grade, Tolerance, first_wrong_step, grade
from handgrad_cli.kinds import build, get_kind
from handgrad_cli.numbers import DEFAULT_DECIMALS, as_typed
from handgrad_cli.problem import Problem, ProblemId
from handgrad_cli.review import utc_stamp

HINTS = ANSWER_HINT  # the rule, the forward values it needs, the answer itself
COMMANDS = "? or hint, explain, skip, quit"

ReadLine = Callable[[str], str]


# --- what a session produces --------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """How one asked gradient was settled."""

    problem_id: str
    kind: str
    gradient: str
    status: str  # as the history keeps it: right, right after a miss, wrong, revealed, explained or skipped

    @property
    def solved(self) -> bool:
        return self.status in SOLVED

    @property
    def answered(self) -> bool:
        """Counted in the score: solved or got wrong (a skip, a reveal or an explain is counted apart)."""
        return self.solved or self.status == "wrong"


@dataclass
class DrillSummary:
    problems: int  # how many problems the session holds
    outcomes: list[Outcome] = field(default_factory=list)
    problems_seen: int = 0
    seconds: float = 0.0
    ended: str = "finished"  # "finished", "quit", "end of input" or "interrupted"

    @property
    def score(self) -> int:
        return sum(outcome.solved for outcome in self.outcomes)

    @property
    def total(self) -> int:
        """How many gradients were settled (answered, skipped, revealed or explained; not the number of problems)."""
        return len(self.outcomes)

    @property
    def answered(self) -> int:
        """How many gradients were answered: the score's denominator."""
        return sum(outcome.answered for outcome in self.outcomes)

    @property
    def interrupted(self) -> bool:
        return self.ended == "interrupted"

    def by_kind(self) -> dict[str, tuple[int, int]]:
        """kind -> (solved, answered), in the order the kinds were met."""
        solved, answered = Counter(), Counter()
        for outcome in self.outcomes:
            answered[outcome.kind] += outcome.answered
            solved[outcome.kind] += outcome.solved
        return {kind: (solved[kind], answered[kind]) for kind in answered}


@dataclass(frozen=True)
class DrillSettings:
    tolerance: Tolerance = Tolerance()
    tries: int = 2  # answers allowed before the reference is shown
    decimals: int = DEFAULT_DECIMALS


class Quit(Exception):
    """The learner typed quit."""


# --- the loop -----------------------------------------------------------------------------


def run_drill(
    problem_ids: Iterable[ProblemId],
    read_line: ReadLine,
    console: Console,
    *,
    settings: DrillSettings = DrillSettings(),
    recorder: Recorder | None = None,
    session: str = "",
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
    total: int | None = None,
) -> DrillSummary:
    """Ask each problem in turn; return the summary of what was settled, however the session ends.

    `total` is how many problems `problem_ids` yields; give it for a generator, which is then
    read lazily (the first prompt need not wait for a long set's IDs).
    """
    if total is None:
        problem_ids = list(problem_ids)
        total = len(problem_ids)
    summary = DrillSummary(problems=total)
    drill = _Drill(read_line, console, settings, recorder, session, clock, now, summary)
    started = clock()
    try:
        for number, problem_id in enumerate(problem_ids, 1):
            summary.problems_seen = number
            drill.ask_problem(build(problem_id), number)
    except Quit:
        summary.ended = "quit"
    except EOFError:
        summary.ended = "end of input"
    except KeyboardInterrupt:
        summary.ended = "interrupted"
    summary.seconds = clock() - started
    return summary


@dataclass
class _Gradient:
    """The state of one asked gradient while the learner works on it."""

    name: str
    shape: tuple[int, ...]
    tries_left: int
    started: float
    hints: int = 0
    last: Grade | None = None  # the latest graded answer
    tries: list[Try] = field(default_factory=list)  # every graded answer, as the history keeps it
    recorded: bool = False  # its status is written already (by the try that settled it)

    @property
    def revealed(self) -> bool:
        return self.hints >= HINTS


@dataclass
class _Drill:
    read_line: ReadLine
    console: Console
    settings: DrillSettings
    recorder: Recorder | None
    session: str
    clock: Callable[[], float]
    now: Callable[[], datetime]
    summary: DrillSummary

    def ask_problem(self, problem: Problem, number: int) -> None:
        from handgrad_cli.render.drill import problem_heading

        self.console.print(problem_heading(problem, number, self.summary.problems))
        grades: dict[str, Grade | None] = dict.fromkeys(problem.asked)
        for i, name in enumerate(problem.asked):
            self.show_group(problem, name)
            status, grades[name] = self.ask_gradient(problem, name)
            if status == "explained":
                for rest in problem.asked[i + 1:]:  # the derivation showed these answers too
                    self.settle(problem, _Gradient(rest, (), 0, self.clock()), "explained")
                break
        self.show_verdict(problem, grades, explained=status == "explained")

    def show_group(self, problem: Problem, name: str) -> None:
        """A long problem asks its gradients in groups: a heading and the values it reads before each."""
        from handgrad_cli.render.drill import group_heading

        kind = get_kind(problem.kind)
        if name in kind.groups:
            values = kind.group_values(problem, name)
            self.console.print(group_heading(kind.groups[name], values, problem, self.settings.decimals))

    def ask_gradient(self, problem: Problem, name: str) -> tuple[str, Grade | None]:
        """Prompt until this gradient is settled; its status and the latest graded answer."""
        shape = problem.answers[name].shape
        state = _Gradient(name, shape, self.settings.tries, self.clock())
        prompt = f"{name} ({shape_words(shape)}) > "
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
            return "revealed" if state.revealed else "skipped"
        if command == "quit":
            raise Quit
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
        state.last = grade(problem, state.name, yours, self.settings.tolerance)
        self.record_try(problem, state)  # written before its verdict is shown: a kill after it loses nothing
        if state.last.correct:
            return self.answered_right(state)
        return self.answered_wrong(problem, state)

    def answered_right(self, state: _Gradient) -> str:
        if state.revealed:
            self.say(f"{state.name}: correct, but the answer was revealed, so it counts as not solved.", "yellow")
            return "revealed"
        self.say(f"{state.name}: correct.", "bold green")
        return "correct"

    def answered_wrong(self, problem: Problem, state: _Gradient) -> str | None:
        from handgrad_cli.render.drill import wrong_line

        state.tries_left -= 1
        self.console.print(wrong_line(state.last))
        if state.tries_left > 0:
            tries = "1 try" if state.tries_left == 1 else f"{state.tries_left} tries"
            self.say(f"Try again ({tries} left), or type ? for a hint.", "dim")
            return None
        reference = self.typed_answer(problem, state.name)
        self.say(f"The answer: {state.name} = {reference}", "bold")
        return "revealed" if state.revealed else "wrong"

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
        from handgrad_cli.render.terminal import explanation

        extras = get_kind(problem.kind).extras(problem, 1.0)
        self.console.print(explanation(problem, extras, self.settings.decimals))

    def show_verdict(self, problem: Problem, grades: dict[str, Grade | None], explained: bool) -> None:
        from handgrad_cli.render.drill import verdict

        answered = [graded or grade(problem, name, None) for name, graded in grades.items()]
        wrong_step = first_wrong_step(answered)
        self.console.print(verdict(problem, answered, self.settings.decimals, wrong_step, steps=not explained))

    def record_try(self, problem: Problem, state: _Gradient) -> None:
        """Keep the graded answer as a try and write it, with the gradient's status if it settles it."""
        seconds = round(self.clock() - state.started, 3)
        state.tries.append(Try(len(state.tries) + 1, state.last.correct, _slug(state.last), state.hints, seconds))
        ending = _ending(state, self.settings.tries)
        self.record(problem, state, ending and settled_status(state.tries, ending), seconds)
        state.recorded = ending is not None

    def settle(self, problem: Problem, state: _Gradient, ending: str) -> None:
        """Count the gradient and record it at once (unless its last try did), so a later Ctrl-C loses nothing."""
        status = settled_status(state.tries, ending)
        self.summary.outcomes.append(Outcome(problem.label, problem.kind, state.name, status))
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
            )
        )

    def say(self, message: str, style: str = "") -> None:
        self.console.print(Text(message, style=style))


def _slug(graded: Grade | None) -> str | None:
    return graded.mistake.slug if graded and graded.mistake else None


def _ending(state: _Gradient, tries: int) -> str | None:
    """How the latest graded answer ends the gradient, as `answered_right`/`answered_wrong` will say; None
    when the learner may try again."""
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


# --- reading lines ------------------------------------------------------------------------


def terminal_reader() -> ReadLine:
    """Prompts at a terminal, with line editing where the platform has it."""
    try:
        import readline  # noqa: F401  (importing it gives input() editing and history)
    except ImportError:
        pass

    def read_line(prompt: str) -> str:
        try:
            return input(prompt)
        except (EOFError, KeyboardInterrupt):
            print()  # Ctrl-D or Ctrl-C leave the cursor after the prompt
            raise

    return read_line


def piped_reader(stream: TextIO, console: Console) -> ReadLine:
    """One answer a line from a pipe or file, echoed after its prompt so the transcript reads well."""

    def read_line(prompt: str) -> str:
        line = stream.readline()
        if not line:
            raise EOFError
        line = line.rstrip("\r\n")
        console.print(Text(prompt + line), soft_wrap=True)  # the line as typed, unwrapped
        return line

    return read_line


def reader_for(stream: TextIO, console: Console) -> ReadLine:
    return terminal_reader() if stream.isatty() else piped_reader(stream, console)


def session_id(moment: datetime | None = None) -> str:
    """A short id that groups one session's attempts, e.g. 20261125T170005-3fa2."""
    moment = moment or datetime.now(timezone.utc)
    return f"{moment:%Y%m%dT%H%M%S}-{os.urandom(2).hex()}"


def replay_command(kinds: list[str], count: int, seed: int, difficulty: str, settings: DrillSettings) -> str:
    """The command that asks the same problems again; settings at their defaults are left out."""
    words = ["handgrad", "drill", *kinds, "--count", str(count), "--seed", str(seed), "--difficulty", difficulty]
    default = DrillSettings()
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
