"""Code mode: each asked gradient written as lines of PyTorch or numpy code, run safely and graded.

The lines of an answer run over the problem's tensors, bound by the notebook's names (`logprobs`,
`probs`, ..., `n`, `Xb`, `Yb`), and over the learner's own earlier results. Whatever the lines bind
stays bound for the next gradient, as in a notebook (so `dcounts = counts_sum_inv * dprobs` may be
written before `dcounts_sum` and `dcounts += ...` after it). The value the lines give the asked name
is graded as a typed answer is (shape, tolerance, named slip, carried forward from the learner's own
earlier results), and shown as makemore's `cmp` shows it: exact, approximate, maxdiff.

A fused exercise asks one gradient from a few names alone (exercise 2: `dlogits` from `logits`, `Yb`
and `n`; exercise 3: `dhprebn` from `dhpreact`, `bngain`, `bnvar_inv`, `bnraw` and `n`), and runs
the lines on several problems at once, of other batch sizes too: a formula that fits one batch by
luck fails on another.
"""

from __future__ import annotations

import copy
from typing import Any, NamedTuple

import numpy as np
from rich.text import Text

from handgrad_cli.answers import shape_text
from handgrad_cli.code.interpreter import CodeError, Limits, run_code, shape_of
from handgrad_cli.code.solutions import solution
from handgrad_cli.drill import _Drill, _Gradient
from handgrad_cli.grading import Grade, Tolerance, grade, grades_by_name
from handgrad_cli.problem import Mistake, Problem, ProblemId, derive_seed

# Code runs on the tensors themselves, so a right answer is right to many more digits than one typed by hand.
CODE_TOLERANCE = Tolerance(1e-6, 1e-6)
FUSED_NAMES = {  # a fused exercise's gradient, and the names its one formula may read
    "ce-steps": ("dlogits", ("logits", "Yb", "n")),
    "batchnorm": ("dhprebn", ("dhpreact", "bngain", "bnvar_inv", "bnraw", "n")),
}
FUSED_PROBLEMS = 6  # the fused formula must hold on this many problems, of at least two batch sizes


def batch_size(problem: Problem) -> int | None:
    """The notebook's `n`: the batch's rows (1 for a single row of logits); None where there is no batch."""
    inputs = problem.inputs
    for name in ("Yb", "Xb", "target"):
        if name in inputs:
            return int(np.shape(inputs[name])[0]) if np.ndim(inputs[name]) else 1
    for value in inputs.values():
        if np.ndim(value) == 2 and np.shape(value)[0] > 1:
            return int(np.shape(value)[0])
    return None


def tensors(problem: Problem) -> dict[str, Any]:
    """The names a learner's lines read: the inputs (index tensors as whole numbers), the forward pass's
    values, and `n`."""
    names: dict[str, Any] = {}
    for name, value in {**problem.inputs, **problem.forward}.items():
        if isinstance(value, str):
            continue  # a scalar-graph's program: its lines are in the question
        array = np.asarray(value)
        whole = array.dtype.kind in "iu"
        names[name] = (int(value) if whole else float(value)) if array.ndim == 0 else array.astype(
            np.int64 if whole else float)
    n = batch_size(problem)
    if n is not None:
        names.setdefault("n", n)
    return names


class Result(NamedTuple):
    """One gradient's lines, graded: handgrad's grade, the cmp figures and what the run noticed."""

    grade: Grade
    exact: bool
    approximate: bool
    maxdiff: float | None  # None when the shapes differ
    notes: tuple[str, ...]
    others: tuple[bool, ...] = ()  # a fused exercise: right or not on each other problem


def cmp_line(name: str, result: Result) -> str:
    """makemore's `cmp`: ``dlogprobs       | exact: True  | approximate: True  | maxdiff: 0.0``."""
    maxdiff = "-" if result.maxdiff is None else repr(float(f"{result.maxdiff:.3g}"))  # 2.0, 0.806, 2.78e-17
    return (f"{name:15s} | exact: {str(result.exact):5s} | approximate: {str(result.approximate):5s} | "
            f"maxdiff: {maxdiff}")


def value_of(scope: dict[str, Any], name: str) -> np.ndarray:
    """The value the lines gave `name`, as numbers; CodeError when they gave it none, or not numbers."""
    if name not in scope:
        raise CodeError(f"the lines did not assign {name}: write {name} = ...")
    value = scope[name]
    value = getattr(value, "values", value) if not isinstance(value, np.ndarray) else value
    try:
        return np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise CodeError(f"{name} is not a tensor of numbers") from None


def judge(problem: Problem, name: str, yours: np.ndarray, tolerance: Tolerance, earlier: dict[str, Grade],
          notes: tuple[str, ...] = ()) -> Result:
    """A value computed by code, graded as a typed answer is, with the cmp figures beside."""
    reference = np.asarray(problem.answers[name], dtype=float)
    if yours.shape != reference.shape and _leading_ones_apart(yours.shape, reference.shape):
        notes += (f"{name} is {shape_of(yours)} where {name[1:]} is {shape_of(reference)}: the same numbers, "
                  "which broadcast alike (as the notebook's cmp takes them); keepdim=True keeps the shape",)
        yours = yours.reshape(reference.shape)
    graded = grade(problem, name, yours, tolerance, earlier)
    if yours.shape != reference.shape:
        return Result(graded, False, False, None, notes)
    exact = bool(np.array_equal(yours, reference))
    return Result(graded, exact, bool(np.allclose(yours, reference, rtol=1e-5, atol=1e-8)),
                  float(np.max(np.abs(yours - reference), initial=0.0)), notes)


def _leading_ones_apart(one: tuple[int, ...], other: tuple[int, ...]) -> bool:
    """[2] and [1, 2]: the same entries, told apart only by leading axes of size 1."""
    def core(shape: tuple[int, ...]) -> tuple[int, ...]:
        while shape and shape[0] == 1:
            shape = shape[1:]
        return shape
    return core(one) == core(other)


def run_lines(source: str, scope: dict[str, Any], name: str, limits: Limits = Limits()) -> tuple[dict, np.ndarray, tuple]:
    """Run one answer's lines over `scope`: the names after them, the asked value, the run's notes."""
    after, notes = run_code(source, scope, limits)
    return after, value_of(after, name), tuple(notes)


def check_code(problem: Problem, name: str, source: str, atol: float, rtol: float) -> Result:
    """`check --code`: the lines over the problem's tensors and the answers to the gradients asked before
    `name` (the lines may compute their own instead); `name` graded, judged from those."""
    from handgrad_cli.errors import UserError, shown

    if name not in problem.asked:
        raise UserError(f"{problem.label} does not ask {shown(name)}: it asks {', '.join(problem.asked)}")
    if not source.strip():
        raise UserError(f"give the lines that compute {name}: handgrad check {problem.label} --code {name} "
                        f"'{name} = ...'")
    before = problem.asked[:problem.asked.index(name)]
    given = {earlier: np.array(problem.answers[earlier]) for earlier in before}  # the lines may compute their own
    after, yours, notes = run_lines(source, {**tensors(problem), **given}, name)
    earlier = grades_by_name(problem, {earlier: value_of(after, earlier) for earlier in before}, Tolerance(atol, rtol))
    return judge(problem, name, yours, Tolerance(atol, rtol), earlier, notes)


# --- fused exercises -------------------------------------------------------------------------


def fused_problems(problem: Problem, count: int = FUSED_PROBLEMS) -> list[Problem]:
    """`problem` and others of its kind, of every difficulty and at least two batch sizes, drawn from its ID."""
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    seed = problem.id.seed if problem.id else 0
    ids = [ProblemId(problem.kind, difficulty, derive_seed(seed, "fused", i))
           for i, difficulty in enumerate(("easy", "medium", "hard") * count)]
    chosen = [problem]
    for other in kind.build_many(ids):
        last_place = len(chosen) == count - 1
        if last_place and {batch_size(one) for one in chosen} == {batch_size(other)}:
            continue  # the last place goes to another batch size
        chosen.append(other)
        if len(chosen) == count:
            break
    return chosen


def fused_scope(problem: Problem) -> dict[str, Any]:
    allowed = FUSED_NAMES[problem.kind][1]
    return {name: value for name, value in tensors(problem).items() if name in allowed}


def judge_fused(problems: list[Problem], source: str, tolerance: Tolerance, limits: Limits = Limits()) -> Result:
    """The lines on every problem: the first one's result, with whether each other problem came out right."""
    name = FUSED_NAMES[problems[0].kind][0]
    first: Result | None = None
    others = []
    for problem in problems:
        _, yours, notes = run_lines(source, fused_scope(problem), name, limits)
        result = judge(problem, name, yours, tolerance, {}, notes)
        if first is None:
            first = result
        else:
            others.append(result.grade.correct)
    assert first is not None
    if first.grade.correct and not all(others):
        sizes = sorted({batch_size(problem) for problem, right in zip(problems[1:], others) if not right})
        words = (f"right on this batch only: wrong on {others.count(False)} of the {len(others)} other problems "
                 f"(n = {', '.join(map(str, sizes))}): the formula fits this batch by luck")
        reference = first.grade.reference
        entries = tuple(entry._replace(correct=False) for entry in first.grade.entries)
        mistake = Mistake("fits-one-batch", name, words, None, name)
        return first._replace(grade=first.grade._replace(entries=entries, mistake=mistake, carried=()),
                              others=tuple(others)) if reference is not None else first
    return first._replace(others=tuple(others))


# --- the session -----------------------------------------------------------------------------


CODE_COMMANDS = "? or hint, explain, skip, help, quit"


class CodeDrill(_Drill):
    """The drill's loop, with lines of code for answers: a block of lines, an empty line submits it."""

    def __init__(self, *args: Any, fused: bool = False, limits: Limits = Limits(), **kwargs: Any) -> None:
        super().__init__(*args, mode="code", **kwargs)
        self.fused, self.limits = fused, limits
        self.scope: dict[str, Any] = {}
        self.problems: list[Problem] = []  # a fused exercise's problems, the one shown first
        self.tried: dict[str, Any] = {}  # the names after the latest graded try of the current gradient

    def asked(self, problem: Problem) -> tuple[str, ...]:
        return (FUSED_NAMES[problem.kind][0],) if self.fused else problem.asked

    def ask_problem(self, problem: Problem, number: int) -> None:
        if self.fused:
            self.problems = fused_problems(problem)
        self.scope = fused_scope(problem) if self.fused else tensors(problem)
        super().ask_problem(problem, number)

    def show_group(self, problem: Problem, name: str) -> None:
        """The names the lines may read, before the first gradient; a long problem's group headings (the
        values are bound by name, so none is listed)."""
        from handgrad_cli.kinds import get_kind

        if name == self.asked(problem)[0]:
            self.console.print(bound_line(self.scope, self.fused, len(self.problems)))
        heading = get_kind(problem.kind).groups.get(name)
        if heading and not self.fused:
            self.console.print(Text(heading, style="bold cyan"))

    def ask_gradient(self, problem: Problem, name: str):
        self.tried = {}
        shape = problem.answers[name].shape
        state = _Gradient(name, shape, self.clock())
        prompt = f"{name} {shape_text(shape)} >>> "
        while True:
            first = self.read_line(prompt)
            status = self.respond(problem, state, first.strip()) if _command(first) else self.block(problem, state, first)
            if status:
                self.settle(problem, state, status)
                return status, state.last

    def respond(self, problem: Problem, state: _Gradient, line: str) -> str | None:
        if line.lower() != "help":
            return super().respond(problem, state, line)
        self.console.print(Text("\n".join([
            f"Type the lines that compute {state.name} {shape_text(state.shape)}, in PyTorch or numpy "
            "notation, then an empty line.",
            "  ? or hint   a hint (three: the rule, the values it reads, then the answer's lines)",
            "  explain     the whole derivation (the problem then counts as not solved)",
            "  skip        show the answer's lines and go on (its value stays bound)",
            "  help        this list",
            "  quit        end the session (also q or exit); Ctrl-C and Ctrl-D too",
        ]), style="dim"))
        return None

    def block(self, problem: Problem, state: _Gradient, first: str) -> str | None:
        """Lines until an empty one (or the end of input, which still grades what was typed)."""
        if not first.strip():
            self.say(f"Type the lines that compute {state.name}, then an empty line; or {CODE_COMMANDS}.", "dim")
            return None
        lines = [first]
        try:
            while (line := self.read_line("... ")).strip():
                lines.append(line)
        except EOFError:
            self.answer(problem, state, "\n".join(lines))
            raise
        return self.answer(problem, state, "\n".join(lines))

    def answer(self, problem: Problem, state: _Gradient, text: str) -> str | None:
        try:
            if self.fused:
                result = judge_fused(self.problems, text, self.settings.tolerance, self.limits)
                after = self.scope
            else:
                after, yours, notes = run_lines(text, self.scope, state.name, self.limits)
                result = judge(problem, state.name, yours, self.settings.tolerance, self.earlier, notes)
        except CodeError as error:
            self.say(f"{error}. Type the lines again.", "yellow")
            return None
        state.last = result.grade
        self.tried = after if result.maxdiff is not None else {}  # a value of the wrong shape is not carried on
        ending = self.record_try(problem, state)  # written before its verdict is shown
        self.console.print(Text(cmp_line(state.name, result), style="dim"))
        if result.others and all(result.others) and state.last.correct:
            self.say(f"Right on all {len(result.others) + 1} problems, n = "
                     f"{', '.join(str(n) for n in sorted({batch_size(p) for p in self.problems}))}.", "green")
        for note in result.notes:
            self.say(note, "yellow")
        if state.last.correct:
            self.say_right(state)
        else:
            self.say_wrong(problem, state, text, ending)
        return ending

    def settle(self, problem: Problem, state: _Gradient, ending: str) -> None:
        """Settled: the names its last graded try bound stay bound; else (skipped, revealed, explained, or a
        value of the wrong shape) the answer is bound to its name, so the next lines go on."""
        super().settle(problem, state, ending)
        if self.tried:
            self.scope = self.tried
        else:
            self.scope = {**self.scope, state.name: copy.deepcopy(np.asarray(problem.answers[state.name]))}
        self.tried = {}

    def typed_answer(self, problem: Problem, name: str) -> str:
        """The reference lines, after the drill's `name = ` (each message starts with it)."""
        return solution(problem, name, self.fused).removeprefix(f"{name} = ")


def _command(line: str) -> bool:
    from handgrad_cli.drill import QUIT

    return line.strip().lower() in ("?", "hint", "explain", "skip", "help", *QUIT)


def bound_line(scope: dict[str, Any], fused: bool, problems: int) -> Text:
    """Which names the lines may read, with their shapes."""
    names = ", ".join(f"{name} {shape_of(value)}" if np.ndim(value) else name for name, value in scope.items())
    text = f"Names bound: {names}; torch, F and np (numpy) too."
    if fused:
        text += f" Your lines run on {problems} problems at once (other batches too)."
    return Text(text, style="cyan")
