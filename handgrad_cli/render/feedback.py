"""What the drill says after a problem, short enough for one screen: a line per gradient that was not
right on the first try (the others in one wrapped line), the entries that were off, and the steps of the
gradients that went wrong. The rest comes on request (`steps`, `steps NAME`, `explain`, `values`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from rich.console import Group
from rich.text import Text

from handgrad_cli.attempts import EXPLAINED, REVEALED, RIGHT, RIGHT_AFTER_A_MISS, SKIPPED, WRONG
from handgrad_cli.grading import Grade
from handgrad_cli.numbers import DEFAULT_DECIMALS, format_difference, format_number
from handgrad_cli.problem import Problem
from handgrad_cli.render.terminal import carried_words, entry_name, new_table, steps_view

CARRIED = "carried forward"
SHORT = 6  # a problem asking at most this many gradients gets a line for each, right ones too
ENTRIES_SHOWN = 3  # of a wrong gradient's entries that are off, this many are listed
MORE_WORDS = "steps, steps NAME, explain, values"  # what the pause after a problem offers


class Result(NamedTuple):
    """How one asked gradient of a problem ended: its status, the last graded answer, the first miss."""

    gradient: str
    status: str  # as the history keeps it (right, right after a miss, wrong, revealed, explained, skipped)
    last: Grade | None
    miss: Grade | None  # the first wrong try, for "right after a miss"

    @property
    def shown_as(self) -> str:
        """The status in the feedback's words: a wrong answer that follows from an earlier one is carried."""
        if self.status == WRONG and self.last is not None and self.last.carried_forward:
            return CARRIED
        return self.status

    @property
    def went_wrong(self) -> bool:
        """A wrong answer of the learner's own (not one carried forward from an earlier answer)."""
        return self.shown_as == WRONG and self.last is not None and self.last.given


def counts_line(problem: Problem, results: Sequence[Result]) -> Text:
    """e.g. "mlp-m5: 23 of 26 right (1 after a miss), 1 carried forward, 2 wrong"."""
    shown = [result.shown_as for result in results]
    right = shown.count(RIGHT) + shown.count(RIGHT_AFTER_A_MISS)
    words = f"{right} of {len(results)} right" if len(results) > 1 else ("right" if right else "not right")
    if shown.count(RIGHT_AFTER_A_MISS):
        words += f" ({shown.count(RIGHT_AFTER_A_MISS)} after a miss)"
    others = [f"{shown.count(status)} {status}" for status in (CARRIED, WRONG, REVEALED, SKIPPED, EXPLAINED)
              if shown.count(status)]
    if len(results) == 1:
        others = []  # the line below says it
    return Text(f"{problem.label}: " + ", ".join([words, *others]), style="bold")


def status_words(result: Result) -> Text:
    """One gradient's status in words, with its named mistake or what it was carried from."""
    style = {RIGHT: "green", RIGHT_AFTER_A_MISS: "green", CARRIED: "yellow", WRONG: "bold red"}.get(
        result.shown_as, "yellow")
    line = Text(result.shown_as, style=style)
    last, miss = result.last, result.miss
    if result.shown_as == CARRIED:
        line.append(f": {carried_words(last)}")
    elif result.went_wrong:
        line.append(_off(last))
        if last.mistake:
            line.append(f"; likely mistake: {last.mistake.description}")
    elif result.shown_as == RIGHT_AFTER_A_MISS and miss is not None:
        line.append(" (first try" + (f": {miss.mistake.description})" if miss.mistake else f"{_off(miss)})"))
    return line


def _off(grade: Grade) -> str:
    wrong = sum(not entry.correct for entry in grade.entries)
    return f", {wrong} of {len(grade.entries)} entries off" if len(grade.entries) > 1 else ""


def status_table(results: Sequence[Result], many: bool, named: bool = True) -> Any:
    """A row per gradient, its words wrapped beside its name; `many`: the gradients right on the first
    try share one row (`named`: by name, else counted), and so do several carried forward (an early slip
    kept makes every later answer carried: one row, not a screen of them)."""
    table = new_table(box=None, show_header=False, pad_edge=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    right = [result.gradient for result in results if result.shown_as == RIGHT]
    carried = [result.gradient for result in results if result.shown_as == CARRIED]
    shared = {RIGHT} | ({CARRIED} if len(carried) > 1 else set()) if many else set()
    if RIGHT in shared and right:
        table.add_row(Text("  right", style="green"), ", ".join(right) if named else f"the {len(right)} others")
    if CARRIED in shared:
        table.add_row(Text("  carried", style="yellow"), f"{', '.join(carried)}: each follows from your own earlier "
                      "answers (error carried forward); the working is right")
    for result in results:
        if result.shown_as not in shared:
            table.add_row(f"  {result.gradient}", status_words(result))
    return table


def entries_table(grade: Grade, decimals: int, listed: int = ENTRIES_SHOWN) -> Any:
    """The entries of a wrong answer that are off: `listed` of them, and how many more."""
    off = [entry for entry in grade.entries if not entry.correct]
    table = new_table(box=None, pad_edge=False, header_style="dim", padding=(0, 2, 0, 0))
    for column, justify in (("    entry", "left"), ("yours", "right"), ("answer", "right"), ("difference", "right")):
        table.add_column(column, justify=justify)
    for entry in off[:listed]:
        table.add_row("    " + entry_name(grade.gradient, entry.index), format_number(entry.yours, decimals),
                      format_number(entry.reference, decimals), format_difference(entry.difference))
    if len(off) > listed:
        table.add_row(f"    … {len(off) - listed} more off", "", "", "")
    return table


def wrong_steps(problem: Problem, results: Sequence[Result]) -> list[str]:
    """The steps to show: each gradient that went wrong, or the step its named slip was made in."""
    names = []
    for result in results:
        if result.went_wrong:
            mistake = result.last.mistake
            names.append(mistake.step if mistake and mistake.step in problem.asked else result.gradient)
    return list(dict.fromkeys(names))


def feedback(problem: Problem, results: Sequence[Result], decimals: int = DEFAULT_DECIMALS,
             compact: bool = False, steps: bool = True, entries: int = ENTRIES_SHOWN, named: bool = True) -> Group:
    """After a problem: the counts, a line per gradient not right on the first try (`named`: the right
    ones by name), the entries off (`entries` of each), then the steps of the gradients that went wrong
    (`compact`: their formulas and rules, no values)."""
    from handgrad_cli.parts import steps_for

    parts: list[Any] = [Text(), counts_line(problem, results), status_table(results, len(results) > SHORT, named)]
    parts += [entries_table(result.last, decimals, entries) for result in results if result.went_wrong and entries]
    marked = wrong_steps(problem, results)
    if marked and steps:
        parts += [Text(), steps_view(problem, decimals, marked, only=steps_for(problem, marked), compact=compact)]
    return Group(*parts)


def shortened(problem: Problem, results: Sequence[Result], decimals: int, steps: bool):
    """The feedback from the fullest to the shortest: the steps with their numbers, then without, then
    fewer entries listed; the drill shows the first that fits the screen."""
    yield feedback(problem, results, decimals, steps=steps)
    for entries, named in ((ENTRIES_SHOWN, True), (1, True), (1, False), (0, False)):
        yield feedback(problem, results, decimals, compact=True, steps=steps, entries=entries, named=named)


def more_prompt(last: bool) -> str:
    """The pause after a problem on a terminal."""
    going = "the summary" if last else "the next problem"
    return f"More: {MORE_WORDS}; Enter for {going} > "


def more_help(choices: str) -> Text:
    return Text("\n".join([
        "  steps         the chain-rule steps of every gradient",
        "  steps NAME    those of a gradient or group (" + choices + ")",
        "  explain       the whole derivation",
        "  values        every forward value",
        "  Enter         go on; quit ends the session",
    ]), style="dim")
