"""Rich renderables for the terminal: problems, derivations, grades."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from rich.console import Group
from rich.markup import escape
from rich.padding import Padding
from rich.panel import Panel
from rich.text import Text

from handgrad_cli.answers import shape_words
from handgrad_cli.grading import Grade
from handgrad_cli.numbers import (
    DEFAULT_DECIMALS,
    format_difference,
    format_grid,
    format_input,
    format_number,
    format_value,
)
from handgrad_cli.problem import Problem, Quantity

if TYPE_CHECKING:
    from rich.table import Table


def asked_line(problem: Problem, asked: Sequence[str] | None = None) -> str:
    return ", ".join(f"{name} ({shape_words(problem.answers[name].shape)})" for name in asked or problem.asked)


def title(problem: Problem) -> str:
    if problem.id is None:
        return f"{problem.kind}, your inputs"
    return f"{problem.id} ({problem.kind}, {problem.difficulty})"


def problem_panel(problem: Problem, asked: Sequence[str] | None = None) -> Panel:
    """The problem as a learner first sees it: its ID, the question (its forward program a statement a
    line), the inputs, what is asked (by default all it asks; a line per group of a long problem)."""
    body = Group(question_view(problem), Text(), inputs_grid(problem), Text(), *_asked_lines(problem, asked))
    return Panel(body, title=Text(title(problem), style="bold"), title_align="left")  # Text: no markup to parse


def question_view(problem: Problem) -> Group:
    """The question's prose, then its forward program a statement a line where the kind writes one apart."""
    from handgrad_cli.kinds import get_kind

    prose, program = get_kind(problem.kind).panel_question(problem.inputs)
    parts: list[Any] = [Text(prose)]
    if program:
        parts += [Text(), Text("Forward:", style="bold"), *(Text("  " + line, style="cyan") for line in program)]
    return Group(*parts)


def _asked_lines(problem: Problem, asked: Sequence[str] | None = None) -> list[Any]:
    """"Asked:" with every gradient and its shape, or for a long problem all asked a line per group."""
    from handgrad_cli.parts import groups

    named = groups(problem) if asked is None or tuple(asked) == problem.asked else {}
    if not named:
        return [Text(f"Asked: {asked_line(problem, asked)}", style="bold")]
    table = new_table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0))
    table.add_column(no_wrap=True, style="cyan")
    table.add_column()
    for word, gradients in named.items():  # a line each: a long group by its first and last gradients
        listed = ", ".join(gradients) if len(gradients) <= 4 else (
            f"{gradients[0]}, {gradients[1]} … {gradients[-1]} ({len(gradients)} gradients)")
        table.add_row(f"  {word}", listed)
    return [Text("Asked, in order, by group (each prompt says the shape):", style="bold"), table]


def inputs_grid(problem: Problem) -> Table:
    """Each input's name, never cut, then its value wrapped under itself."""
    from rich.table import Table

    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True)
    grid.add_column()
    for name, value in problem.inputs.items():
        grid.add_row(Text(name, style="cyan"), Text(format_input(value)))  # Text: no markup to parse
    return grid


def new_table(**options) -> Table:
    """A rich Table, its module loaded on first use: the drill's first prompt shows no table."""
    from rich.table import Table

    return Table(**options)


def times_sign() -> str:
    """The multiplication sign, or ``*`` where standard output cannot encode it (a terminal in LANG=C)."""
    import sys

    try:
        "\u00d7".encode(getattr(sys.stdout, "encoding", None) or "utf-8")
    except (UnicodeEncodeError, LookupError):
        return "*"
    return "\u00d7"


def shape_text(value: Any) -> str:
    if isinstance(value, str):
        return "text"  # a program, not a number
    shape = np.shape(value)
    return "[" + ", ".join(map(str, shape)) + "]" if shape else "scalar"


def forward_table(problem: Problem, decimals: int = DEFAULT_DECIMALS) -> Table:
    """Inputs as given, then every forward value, with the decimals an answer computed from them needs."""
    shown = max(decimals, problem.shown_decimals)
    rows = [("", name, value, None) for name, value in problem.inputs.items()]
    rows += [("", name, value, shown) for name, value in problem.forward.items()]
    return value_table(rows, title="Forward pass")


def steps_view(problem: Problem, decimals: int = DEFAULT_DECIMALS, wrong_step: str | Collection[str] | None = None,
               only: Sequence[Any] | None = None, compact: bool = False) -> Group:
    """The backward pass, a block per gradient from the loss down, the steps on the way that the problem does not
    ask among them: each path's local derivative, upstream and product, then the sum.

    Stacked, not side by side, so a matrix step still fits 80 columns. `only`: these steps, not all;
    `compact`: each step's formula and rule without its numbers (feedback that must fit a screen).
    A step not asked (an intermediate on the way) is dimmed.
    """
    shown = max(decimals, problem.shown_decimals)
    times = times_sign()
    marked = {wrong_step} if isinstance(wrong_step, str) else set(wrong_step or ())
    blocks: list[Any] = [Text(f"Backward pass: local derivative {times} upstream gradient, one term per path",
                              style="bold")]
    for step in problem.path_steps if only is None else only:
        blocks.append(_step_block(step, decimals, shown, marked=step.quantity in marked, times=times,
                                  compact=compact))
    return Group(*blocks)


def _step_block(step, decimals: int, shown: int, marked: bool, times: str, compact: bool = False) -> Group:
    head = Text()
    head.append(step.formula, style="bold red" if marked else "bold cyan" if step.asked else "cyan")
    if marked:
        head.append("   <- went wrong here", style="bold red")
    elif not step.asked:
        head.append("   (not asked: on the way)", style="dim")
    parts: list[Any] = [head] if compact else [Text(), head]
    several = len(step.terms) > 1
    for number, term in enumerate(step.terms, 1):
        where = f"path {number} of {len(step.terms)}: " if several else ""
        parts.append(Padding(Text(f"{where}through {term.via}; {term.rule}", style="dim"), (0, 0, 0, 2)))
        if compact:
            continue
        rows = []
        if term.local not in ("1", "-1"):
            rows.append(("local", term.local, term.local_value, shown))
        rows.append((f"{times} upstream", term.upstream, term.upstream_value, shown))
        rows.append(("=", term.formula, term.value, decimals))
        parts.append(value_table(rows))
        if term.summed:
            parts.append(Padding(Text(term.summed, style="dim"), (0, 0, 0, 4)))
    if several and not compact:
        parts.append(value_table([("sum", step.quantity, step.result, decimals)], bold=True))
    return Group(*parts)


WIDE = 28  # a value wider than this goes on the lines below its expression, so a row never wraps


def value_table(rows, bold: bool = False, title: str | None = None) -> _ValueTable:
    """Rows of (role, expression, value, decimals): a short value right-aligned beside its expression,
    a wide one or a matrix on the lines below it, as aligned rows."""
    return _ValueTable(rows, bold, title)


class _ValueTable:
    """A value table laid out for the width it gets: where a matrix's rows would not fit beside the
    short values' column, every value goes below its expression (a number is never cropped)."""

    def __init__(self, rows, bold: bool, title: str | None) -> None:
        self.rows, self.bold, self.title = rows, bold, title

    def __rich_console__(self, console, options):
        yield _value_table(self.rows, self.bold, self.title, WIDE if self._fits(options.max_width) else 0)

    def _fits(self, width: int) -> bool:
        """Whether the widest matrix row fits beside the columns of shapes and short values."""
        grids = [format_grid(value, places) for _, _, value, places in self.rows]
        below = [grid for grid in grids if "\n" in grid or len(grid) > WIDE]
        if not below:
            return True
        role = max([len("* upstream")] + [len(role) for role, *_ in self.rows]) + 1 if any(
            role for role, *_ in self.rows) else 0
        shapes = max(len(shape_text(value)) for _, _, value, _ in self.rows) + 1
        short = max([len(grid) for grid in grids if grid not in below] + [0])
        matrix = max(len(line) for grid in below for line in grid.split("\n")) + 2 + 1
        return role + matrix + shapes + short <= width

    def __rich_measure__(self, console, options):
        return _value_table(self.rows, self.bold, self.title, WIDE).__rich_measure__(console, options)


def _value_table(rows, bold: bool, title: str | None, wide: int) -> Table:
    """The table, each value longer than `wide` on the lines below its expression."""
    table = new_table(box=None, show_header=False, pad_edge=False, padding=(0, 1, 0, 0), title=title,
                      title_justify="left", title_style="bold")
    roles = any(role for role, *_ in rows)
    if roles:
        table.add_column(style="dim", no_wrap=True, justify="right", min_width=len("* upstream"))
    table.add_column(style="bold" if bold else "cyan", overflow="fold")
    table.add_column(style="dim", no_wrap=True)
    table.add_column(justify="right", no_wrap=True, style="bold" if bold else "")
    for role, expression, value, places in rows:
        expression = escape(expression)  # logprobs[range(n), Yb] is an expression, not Rich markup
        grid = format_grid(value, places)
        lead = [role] if roles else []
        if "\n" in grid or len(grid) > wide:
            table.add_row(*lead, expression, shape_text(value), "")
            table.add_row(*([""] if roles else []), Text("  " + grid.replace("\n", "\n  "), no_wrap=True,
                                                         style="bold" if bold else ""), "", "")
        else:
            table.add_row(*lead, expression, shape_text(value), grid)
    return table


def closed_form(problem: Problem, decimals: int = DEFAULT_DECIMALS) -> Table:
    rows = [("", formula, problem.answers[name], decimals) for name, formula in problem.closed_form.items()]
    return value_table(rows, title="Closed form")


def extras_table(extras: list[Quantity], decimals: int = DEFAULT_DECIMALS) -> Table:
    return value_table([("", extra.label, extra.value, decimals) for extra in extras], title="Checks")


def explanation(problem: Problem, extras: list[Quantity], decimals: int = DEFAULT_DECIMALS) -> Group:
    """The whole derivation: forward pass, backward steps, closed form, checks."""
    parts = [
        Text(title(problem), style="bold"),
        question_view(problem),
        forward_table(problem, decimals),
        steps_view(problem, decimals),
        closed_form(problem, decimals),
    ]
    if extras:
        parts.append(extras_table(extras, decimals))
    return Group(*_spaced(parts))


def _spaced(parts: list[Any]) -> list[Any]:
    spaced: list[Any] = []
    for part in parts:
        if spaced:
            spaced.append(Text())
        spaced.append(part)
    return spaced


def entry_name(gradient: str, index: tuple[int, ...]) -> str:
    return gradient + "".join(f"[{i}]" for i in index)


def grades_table(grades: list[Grade], decimals: int = DEFAULT_DECIMALS, revealed: Collection[str] = ()) -> Table:
    """Per entry: yours, the reference, the difference, and the verdict in words.

    A gradient in `revealed` was shown to the learner first: typed back right, it reads "revealed", not "correct".
    """
    table = new_table(header_style="bold")
    for column, justify in (("entry", "left"), ("yours", "right"), ("reference", "right"),
                            ("difference", "right"), ("verdict", "left")):
        table.add_column(column, justify=justify, no_wrap=column == "entry")  # dW[0][1] is never cut
    for grade in grades:
        if not grade.given:
            table.add_row(grade.gradient, "-", format_value(grade.reference, decimals), "-",
                          Text("not given", style="yellow"))
            continue
        right = Text("revealed", style="yellow") if grade.gradient in revealed else Text("correct", style="green")
        for entry in grade.entries:
            verdict = right if entry.correct else (
                Text("carried forward", style="yellow") if grade.carried_forward else Text("incorrect", style="bold red"))
            table.add_row(entry_name(grade.gradient, entry.index), format_number(entry.yours, decimals),
                          format_number(entry.reference, decimals), format_difference(entry.difference, decimals),
                          verdict)
    return table


def carried_words(grade: Grade) -> str:
    earlier = " and ".join(f"your {name}" for name in grade.carried)
    return f"follows from {earlier} (error carried forward): the working here is right"


def diagnosis_lines(grades: list[Grade]) -> list[Text]:
    """The likely mistake behind each wrong gradient, in words; an error carried forward said as such."""
    lines = []
    for grade in grades:
        if grade.carried_forward:
            lines.append(Text.assemble((f"{grade.gradient}: ", "bold"), (carried_words(grade), "yellow")))
        elif grade.mistake:
            lines.append(Text.assemble((f"{grade.gradient}: ", "bold"), ("likely mistake: ", "yellow"),
                                       grade.mistake.description))
    return lines


def check_summary(problem: Problem, grades: list[Grade]) -> Text:
    """How many entries were right, and where to look when some were not."""
    right = sum(entry.correct for grade in grades for entry in grade.entries)
    total = sum(int(np.size(grade.reference)) for grade in grades)  # a gradient not given counts its entries too
    missing = [grade.gradient for grade in grades if not grade.given]
    text = Text(f"{right}/{total} entries correct", style="bold")
    if missing:
        text.append(f"; not given: {', '.join(missing)}")
    if right < total or missing:
        text.append(f". The derivation: handgrad explain {problem.id}")
    return text


def explanation_of(problem: Problem, gradients: Sequence[str], decimals: int = DEFAULT_DECIMALS) -> Group:
    """Only these gradients' steps, after the values they read: the forward values, the indices, and the
    answers of the earlier gradients they multiply by."""
    from handgrad_cli.kinds import get_kind
    from handgrad_cli.parts import indices_read, steps_for, upstream_read

    shown = max(decimals, problem.shown_decimals)
    rows = [("", name, problem.answers[name], decimals) for name in upstream_read(problem, gradients)]
    rows += [("", name, value, None) for name, value in indices_read(problem, gradients).items()]
    rows += [("", name, value, None if name in problem.inputs else shown)
             for name, value in get_kind(problem.kind).values_read(problem, *gradients).items()]
    parts = [Text(title(problem), style="bold")]
    if rows:
        parts.append(value_table(rows, title="What they read"))
    parts.append(steps_view(problem, decimals, only=steps_for(problem, gradients)))
    return Group(*_spaced(parts))


def explain_summary(problem: Problem) -> Group:
    """The end of a long explanation: each group (or gradient) and the command that shows it alone."""
    from handgrad_cli.parts import groups

    named = groups(problem) or {name: (name,) for name in problem.asked}
    lines = [Text(f"Summary of {problem.label}", style="bold")]
    if problem.id:
        lines.append(Text(f"One part at a time: handgrad explain {problem.id} NAME", style="dim"))
    table = new_table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(style="cyan", no_wrap=True)
    table.add_column()
    for word, gradients in named.items():
        table.add_row(f"  {word}", ", ".join(gradients) if gradients != (word,) else problem.closed_form.get(word, ""))
    return Group(Text(), *lines, table)
