"""Rich renderables for the terminal: problems, derivations, grades."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from handgrad_cli.answers import shape_words
from handgrad_cli.grading import Grade
from handgrad_cli.numbers import DEFAULT_DECIMALS, format_difference, format_input, format_number, format_value
from handgrad_cli.problem import Problem, Quantity


def asked_line(problem: Problem) -> str:
    return ", ".join(f"{name} ({shape_words(value.shape)})" for name, value in problem.answers.items())


def title(problem: Problem) -> str:
    if problem.id is None:
        return f"{problem.kind}, your inputs"
    return f"{problem.id} ({problem.kind}, {problem.difficulty})"


def problem_panel(problem: Problem) -> Panel:
    """The problem as a learner first sees it: its ID, the inputs, what is asked."""
    inputs = Table(box=None, show_header=False, pad_edge=False)
    inputs.add_column(style="cyan")
    inputs.add_column()
    for name, value in problem.inputs.items():
        inputs.add_row(name, format_input(value))
    body = Group(Text(problem.question), Text(), inputs, Text(), Text(f"Asked: {asked_line(problem)}", style="bold"))
    return Panel(body, title=f"[bold]{title(problem)}[/]", title_align="left")


def forward_table(problem: Problem, decimals: int = DEFAULT_DECIMALS) -> Table:
    table = Table(title="Forward pass", title_justify="left", show_header=True, header_style="bold")
    table.add_column("variable", style="cyan")
    table.add_column("value", justify="right")
    for name, value in problem.inputs.items():
        table.add_row(name, format_input(value))
    for name, value in problem.forward.items():
        table.add_row(name, _cell(value, decimals))
    return table


def steps_table(problem: Problem, decimals: int = DEFAULT_DECIMALS, wrong_step: str | None = None) -> Table:
    """The backward pass, one row a step: local derivative x upstream gradient = gradient."""
    table = Table(title="Backward pass: local derivative x upstream gradient", title_justify="left",
                  header_style="bold", show_lines=True)
    for column in ("gradient, through", "local derivative", "x upstream", "= gradient"):
        table.add_column(column, overflow="fold")  # a long formula wraps; never cut to an ellipsis
    for step in problem.steps:
        marked = step.quantity == wrong_step
        name = Text(step.quantity, style="bold red" if marked else "bold cyan")
        if marked:
            name.append("  <- went wrong here", style="bold red")
        name.append("\n" + step.forward.label, style="dim")
        table.add_row(
            name,
            _quantity(step.local, decimals),
            _quantity(step.upstream, decimals),
            Text(_cell(step.result, decimals), style="bold"),
        )
    return table


def _cell(value: Any, decimals: int) -> str:
    """A value for a table cell: a matrix gets a line per row."""
    if getattr(value, "ndim", 0) >= 2:
        return "\n".join(format_value(row, decimals) for row in value)
    return format_value(value, decimals)


def _quantity(quantity: Quantity, decimals: int) -> Text:
    text = Text(quantity.label, style="dim")
    text.append("\n" + _cell(quantity.value, decimals))
    return text


def closed_form(problem: Problem, decimals: int = DEFAULT_DECIMALS) -> Table:
    table = Table(title="Closed form", title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column(style="cyan")
    table.add_column()
    table.add_column(justify="right", style="bold")
    for name, formula in problem.closed_form.items():
        table.add_row(name, formula, format_value(problem.answers[name], decimals))
    return table


def extras_table(extras: list[Quantity], decimals: int = DEFAULT_DECIMALS) -> Table:
    table = Table(title="Checks", title_justify="left", box=None, show_header=False, pad_edge=False)
    table.add_column(style="cyan")
    table.add_column(justify="right")
    for extra in extras:
        table.add_row(extra.label, format_value(extra.value, decimals))
    return table


def explanation(problem: Problem, extras: list[Quantity], decimals: int = DEFAULT_DECIMALS) -> Group:
    """The whole derivation: forward pass, backward steps, closed form, checks."""
    parts = [
        Text(title(problem), style="bold"),
        Text(problem.question),
        forward_table(problem, decimals),
        steps_table(problem, decimals),
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
    table = Table(header_style="bold")
    for column, justify in (("entry", "left"), ("yours", "right"), ("reference", "right"),
                            ("difference", "right"), ("verdict", "left")):
        table.add_column(column, justify=justify)
    for grade in grades:
        if not grade.given:
            table.add_row(grade.gradient, "-", format_value(grade.reference, decimals), "-",
                          Text("not given", style="yellow"))
            continue
        right = Text("revealed", style="yellow") if grade.gradient in revealed else Text("correct", style="green")
        for entry in grade.entries:
            verdict = right if entry.correct else Text("incorrect", style="bold red")
            table.add_row(entry_name(grade.gradient, entry.index), format_number(entry.yours, decimals),
                          format_number(entry.reference, decimals), format_difference(entry.difference, decimals),
                          verdict)
    return table


def diagnosis_lines(grades: list[Grade]) -> list[Text]:
    """The likely mistake behind each wrong gradient, in words."""
    lines = []
    for grade in grades:
        if grade.mistake:
            lines.append(Text.assemble((f"{grade.gradient}: ", "bold"), ("likely mistake: ", "yellow"),
                                       grade.mistake.description))
    return lines


def check_summary(problem: Problem, grades: list[Grade]) -> Text:
    """How many entries were right, and where to look when some were not."""
    entries = [entry for grade in grades for entry in grade.entries]
    right = sum(entry.correct for entry in entries)
    missing = [grade.gradient for grade in grades if not grade.given]
    text = Text(f"{right}/{len(entries)} entries correct", style="bold")
    if missing:
        text.append(f"; not given: {', '.join(missing)}")
    if right < len(entries) or missing:
        text.append(f". The derivation: handgrad explain {problem.id}")
    return text
