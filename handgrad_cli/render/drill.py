"""Rich renderables for the drill: the heading of a problem, feedback, the verdict, the summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from handgrad_cli.attempts import NOT_ANSWERED, RIGHT
from handgrad_cli.grading import ROUNDING_RULE_LINES, Grade
from handgrad_cli.numbers import DEFAULT_DECIMALS
from handgrad_cli.outcomes import DrillSummary
from handgrad_cli.problem import Problem
from handgrad_cli.render.terminal import (carried_words, diagnosis_lines, grades_table, new_table, problem_panel,
                                          steps_view, value_table)

if TYPE_CHECKING:
    from rich.table import Table

COMMANDS = "? or hint, explain, skip, help, quit"  # what a learner can type at a drill prompt besides an answer


def drill_intro(problems: int, about: str, first_run: bool = False, heading: str | None = None,
                command: str = "drill") -> Text:
    """The drill's first lines: what it asks (`about`: its kinds, difficulty and seed, or its source; or a
    `heading` of its own), how to answer. A learner's first drill says how to start in five short lines.
    A code session says how lines are typed instead."""
    if command == "code":
        return Text.assemble((f"Code: {_problems(problems)} ({about}).\n", "bold"), CODE_INTRO,
                             (f"At any prompt: {COMMANDS}.", "dim"))
    head = ((heading or f"Drill: {_problems(problems)} ({about}).") + "\n", "bold")
    if first_run:
        return Text.assemble(head, *((line + "\n", "cyan") for line in FIRST_RUN[:-1]), (FIRST_RUN[-1], "cyan"))
    return Text.assemble(
        head,
        "Type values separated by commas, rows by ';'; arithmetic like 1-0.665 works.\n",
        "\n".join(ROUNDING_RULE_LINES) + "\n",
        (f"At any prompt: {COMMANDS}.", "dim"),
    )


CODE_INTRO = ("Write each gradient as lines of PyTorch or numpy code, as in the notebook; an empty line submits "
              "them.\n")
FIRST_RUN = (
    "To answer, type the gradient's values separated by commas: 0.5, -0.25",
    *ROUNDING_RULE_LINES,
    "Type ? for a hint (help lists everything you can type).",
    "Type quit to stop; your score comes at the end.",
)


def prompt_help(expected: str) -> Text:
    """What `help` at a drill prompt lists."""
    return Text("\n".join([
        f"Type {expected}: numbers or arithmetic such as 1-0.665; matrix rows separated by ';'.",
        *ROUNDING_RULE_LINES,
        "  ? or hint   a hint (three: the rule, the values it needs, then the answer)",
        "  explain     the whole derivation (the problem then counts as not solved)",
        "  skip        show the answer and go on",
        "  help        this list",
        "  quit        end the session (also q or exit); Ctrl-C and Ctrl-D too",
    ]), style="dim")


def _problems(count: int) -> str:
    return f"{count} problem" if count == 1 else f"{count} problems"


def problem_heading(problem: Problem, number: int, total: int, asked: Sequence[str] | None = None) -> Group:
    return Group(Text(), Text(f"Problem {number}/{total}", style="bold"), problem_panel(problem, asked))


def group_heading(heading: str, values: dict, problem: Problem, decimals: int = DEFAULT_DECIMALS) -> Group:
    """Before a group of a long problem's gradients: what the group is, and the values it reads."""
    shown = max(decimals, problem.shown_decimals)
    rows = [("", name, value, None if name in problem.inputs else shown) for name, value in values.items()]
    return Group(Text(), Text(heading, style="bold cyan"), value_table(rows))


def wrong_line(grade: Grade) -> Text:
    """One line after a wrong answer: how many entries are off, and the likely mistake."""
    wrong = sum(not entry.correct for entry in grade.entries)
    line = Text.assemble((f"{grade.gradient}: ", "bold"), ("incorrect", "bold red"))
    line.append(f" ({wrong} of {len(grade.entries)} entries off)." if len(grade.entries) > 1 else ".")
    if grade.carried_forward:
        line.append(f" It {carried_words(grade)}.", style="yellow")
    elif grade.mistake:
        line.append(" Likely mistake: ", style="yellow")
        line.append(grade.mistake.description + ".")
    return line


def verdict(problem: Problem, grades: list[Grade], decimals: int = DEFAULT_DECIMALS,
            wrong_step: str | None = None, steps: bool = True, revealed: Collection[str] = ()) -> Group:
    """After a problem: yours against the reference per entry, the mistakes, the chain-rule steps."""
    parts = [Text(), grades_table(grades, decimals, revealed), *diagnosis_lines(grades)]
    if not any(grade.given for grade in grades):
        parts = []  # nothing typed: the table would only repeat the answers
    if steps:
        parts += [Text(), steps_view(problem, decimals, wrong_step)]
    return Group(*parts)


def duration(seconds: float) -> str:
    """``42s`` or ``3m 05s``."""
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def score_line(summary: DrillSummary) -> Text:
    """e.g. "Score 3/4 answered gradients (2 on the first try); 1 skipped, 1 revealed"."""
    first = sum(outcome.status == RIGHT for outcome in summary.outcomes)
    line = f"Score {summary.score}/{summary.answered} answered gradients"
    if summary.answered:
        line += f" ({first} on the first try)"
    apart = Counter(outcome.status for outcome in summary.outcomes if not outcome.answered)
    if apart:
        line += "; " + ", ".join(f"{apart[status]} {status}" for status in NOT_ANSWERED if apart[status])
    return Text(line, style="bold green")


def summary_view(summary: DrillSummary, session: str = "Drill") -> Group:
    """The score over the answered gradients, by kind, what was not answered, and the time taken."""
    if summary.ended == "finished":
        where = f": {_problems(summary.problems)}"
    else:
        where = f" ({summary.ended}) at problem {summary.problems_seen} of {summary.problems}"
    head = Text(f"{session} over{where}, {duration(summary.seconds)}.", style="bold")
    parts = [Text(), head, score_line(summary)]
    if summary.answered:
        parts.append(_by_kind(summary))
    return Group(*parts)


def review_line(ids) -> str:
    """A review depends on the history, so instead of a replay command: the problem IDs, for `explain`."""
    ids = " ".join(str(problem_id) for problem_id in ids)
    return "Review problems (see `handgrad explain ID`): " + ids


def replay_line(command: str) -> Text:
    """The command that replays the session; print it with soft_wrap so it can be copied whole."""
    return Text.assemble(("Replay: ", "dim"), command)


def _by_kind(summary: DrillSummary) -> Table:
    table = new_table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="cyan")
    table.add_column(justify="right")
    for kind, (solved, answered) in summary.by_kind().items():
        table.add_row(f"  {kind}", f"{solved}/{answered}")
    return table
