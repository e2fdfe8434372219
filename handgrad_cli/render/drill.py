"""Rich renderables for the drill: the heading of a problem, feedback, the verdict, the summary."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from handgrad_cli.attempts import NOT_ANSWERED, RIGHT
from handgrad_cli.grading import ROUNDING_RULE_LINES, Grade
from handgrad_cli.numbers import DEFAULT_DECIMALS
from handgrad_cli.outcomes import DrillSummary
from handgrad_cli.problem import Problem
from handgrad_cli.render.terminal import carried_words, new_table, problem_panel, value_table

if TYPE_CHECKING:
    from rich.table import Table

COMMANDS = "? or hint, values, explain, skip, help, quit"  # what a learner can type at a drill prompt besides an answer


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
        "Type values separated by commas, rows by ';', blocks of rows (3-D) by ';;';\n"
        "arithmetic like 1-0.665 works, and so does a numpy or torch print pasted whole.\n",
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
        "  ? or hint   a hint (three: the rule, where the values it needs are, then the answer)",
        "  values      every value this part of the problem reads (the header above, whole)",
        "  explain     the whole derivation (the problem then counts as not solved)",
        "  skip        show the answer and go on",
        "  help        this list",
        "  quit        end the session (also q or exit); Ctrl-C and Ctrl-D too",
    ]), style="dim")


def _problems(count: int) -> str:
    return f"{count} problem" if count == 1 else f"{count} problems"


def problem_heading(problem: Problem, number: int, total: int, asked: Sequence[str] | None = None) -> Group:
    return Group(Text(), Text(f"Problem {number}/{total}", style="bold"), problem_panel(problem, asked))


def group_heading(heading: str, values: dict, problem: Problem, decimals: int = DEFAULT_DECIMALS,
                  accepted: dict | None = None, lines: int | None = None) -> Group:
    """Before a group of a long problem's gradients: what the group is, and every value it reads: the
    earlier gradients it multiplies by (your own answer where it was accepted), the indices, the forward
    values. `lines`: at most this many rows, the rest left to the `values` word."""
    from handgrad_cli.parts import indices_read, upstream_read

    shown = max(decimals, problem.shown_decimals)
    accepted = accepted or {}
    group = _group_gradients(problem, heading)
    typed = problem.typed_decimals  # an answer carried on is shown with the decimals it is typed to
    rows = [("yours" if name in accepted else "answer", name, accepted.get(name, problem.answers[name]),
             max(decimals, typed[name])) for name in upstream_read(problem, group)]
    rows += [("", name, value, None) for name, value in indices_read(problem, group).items() if name not in values]
    rows += [("", name, value, None if name in problem.inputs else shown) for name, value in values.items()]
    kept, cut = _fitting(rows, None if lines is None else lines - 3)
    parts = [Text(), Text(heading, style="bold cyan"), value_table(kept)]
    if cut:
        parts.append(Text(f"(… {', '.join(row[1] for row in cut)} in the panel above; `values` shows all)",
                          style="dim"))
    return Group(*parts)


def _group_gradients(problem: Problem, heading: str) -> tuple[str, ...]:
    """The gradients of the group that `heading` heads."""
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    first = next(name for name, words in kind.groups.items() if words == heading)
    asked = problem.asked
    start = asked.index(first)
    stop = min([asked.index(name) for name in kind.groups if name in asked and asked.index(name) > start]
               + [len(asked)])
    return asked[start:stop]


def _fitting(rows: list, lines: int | None) -> tuple[list, list]:
    """The rows that fit in `lines` rows of a value table (a matrix takes a row per line, plus one), and the rest."""
    if lines is None:
        return rows, []
    used = 0
    for i, row in enumerate(rows):
        used += _rows_of(row[2], row[3])
        if used > lines:
            return rows[:i], rows[i:]
    return rows, []


def _rows_of(value, places) -> int:
    from handgrad_cli.numbers import format_grid
    from handgrad_cli.render.terminal import WIDE

    grid = format_grid(value, places)
    return 1 + grid.count("\n") + 1 if "\n" in grid or len(grid) > WIDE else 1


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


def duration(seconds: float) -> str:
    """``42s`` or ``3m 05s``."""
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"


def score_line(summary: DrillSummary) -> Text:
    """e.g. "Score 3/5 answered gradients (2 on the first try; 1 wrong was carried forward); 1 skipped".

    A gradient carried forward counts as not solved, but the line says how many were: their working was right."""
    first = sum(outcome.status == RIGHT for outcome in summary.outcomes)
    carried = sum(outcome.carried for outcome in summary.outcomes)
    line = f"Score {summary.score}/{summary.answered} answered gradients"
    if summary.answered:
        line += f" ({first} on the first try"
        if carried:
            line += f"; {carried} wrong {'was' if carried == 1 else 'were'} carried forward"
        line += ")"
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


def replay_line(command: str, width: int = 80) -> Text:
    """The command that replays the session, wrapped between flags with the shell's `\\` so that it is
    still copied whole; print it with soft_wrap (the lines are cut here, never by the console)."""
    import shlex

    try:
        words = [shlex.quote(word) for word in shlex.split(command)]  # a quoted path with a space is one word
    except ValueError:
        words = [command]  # not a shell's words (a path shown with its escapes): kept whole
    lines, line = [], "Replay:"
    for part in _flag_groups(words):
        if len(line) + 1 + len(part) + 2 > width and line not in ("Replay:", ""):
            lines.append(line + " \\")
            line = "   "
        line += " " + part
    text = Text("\n".join([*lines, line]))
    text.stylize("dim", 0, len("Replay:"))
    return text


def _flag_groups(words: list[str]) -> list[str]:
    """The words of a command, each flag with its value: ``--seed 5`` is never split."""
    groups: list[str] = []
    for word in words:
        if groups and groups[-1].startswith("--") and " " not in groups[-1] and not word.startswith("-"):
            groups[-1] += " " + word
        else:
            groups.append(word)
    return groups


def _by_kind(summary: DrillSummary) -> Table:
    table = new_table(box=None, show_header=False, pad_edge=False)
    table.add_column(style="cyan")
    table.add_column(justify="right")
    for kind, (solved, answered) in summary.by_kind().items():
        table.add_row(f"  {kind}", f"{solved}/{answered}")
    return table
