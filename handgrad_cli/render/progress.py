"""Progress as a learner reads it: stats tables and charts, the history export, flashcards.

Pure functions to Rich renderables or text; nothing in here prints.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TextIO

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from handgrad_cli.attempts import ATTEMPT_FIELDS, Attempt, Try
from handgrad_cli.cards import Card, CardsTally, DeckStatus
from handgrad_cli.csvsafe import safe_cell
from handgrad_cli.errors import visible
from handgrad_cli.history import utc_stamp
from handgrad_cli.review import parse_time

SPARKS = "▁▂▃▄▅▆▇█"
BAR_WIDTH = 20


def local_time(stamp: str) -> str:
    """A UTC time from the history, in the learner's own time zone, to the minute."""
    return parse_time(stamp).astimezone().strftime("%Y-%m-%d %H:%M")


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' * (count != 1)}"


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def signed_points(value: float | None) -> Text:
    """A trend in percentage points: +20 pts in green, -10 pts in red."""
    if value is None:
        return Text("-", style="dim")
    points = round(value * 100)
    style = "green" if points > 0 else "red" if points < 0 else ""
    return Text(f"{points:+d} pts", style=style)


def sparkline(values: Sequence[float | None]) -> str:
    """One block per value in [0, 1], lowest to highest; a space for None (nothing answered)."""
    return "".join(" " if value is None else SPARKS[min(len(SPARKS) - 1, int(value * len(SPARKS)))]
                   for value in values)


def bar(value: float | None, width: int = BAR_WIDTH) -> Text:
    filled = round((value or 0) * width)
    return Text.assemble(("█" * filled, "green"), ("░" * (width - filled), "dim"))


def mistakes_text(mistakes: Sequence[dict[str, Any]], separator: str = ", ") -> str:
    """Each mistake in words (a slug from the history, shown as text, never markup), with how often:
    "sign flipped x2"."""
    from handgrad_cli.mistake_words import mistake_words

    return separator.join(f"{visible(mistake_words(item['mistake']))} x{item['count']}" for item in mistakes) or "-"


def from_history(*lines: str) -> Text:
    """Text read from the history, a line each: plain (never Rich markup) with control characters as escapes,
    so a crafted row cannot write to the terminal (OSC 52 would set the clipboard)."""
    return Text("\n".join(visible(line) for line in lines))


def not_answered_text(counts: dict[str, int], separator: str = ", ") -> str:
    """e.g. "2 skipped, 1 revealed", or "-" when every gradient was answered."""
    return separator.join(f"{count} {status}" for status, count in counts.items() if count) or "-"


def headline(data: dict[str, Any]) -> Text:
    days = data["streak_days"]
    text = Text.assemble((plural(data["answered"], "answer"), "bold"), " graded, ", (percent(data["accuracy"]), "bold"),
                         " right (", (percent(data["first_try_accuracy"]), "bold"), " on the first try)")
    if any(data["not_answered"].values()):
        text.append(f"; not answered: {not_answered_text(data['not_answered'])}")
    text.append(f"; over {plural(data['practice_days'], 'practice day')}; streak: ")
    text.append(plural(days, "day"), style="bold")
    sessions = data["sessions"]
    if sessions:
        text.append(f"\nLast {plural(len(sessions), 'session')}: ")
        text.append(sparkline([row["accuracy"] for row in sessions]), style="cyan")
    return text


def levels_table(rows: Sequence[dict[str, Any]]) -> Table:
    """A row per level: its kind above its difficulty, the gradients answered above those counted apart
    (skipped, revealed, explained), accuracy above first-try accuracy, the recent accuracy above its
    trend, and a mistake a line, so that 80 columns leave the mistakes room to be read whole."""
    table = Table(title="By kind and difficulty", title_justify="left", header_style="bold")
    table.add_column("kind\ndifficulty", no_wrap=True)  # a kind's name is never cut
    for column, justify in (("answered\n+ apart", "right"), ("accuracy\nfirst try", "right"),
                            ("recent\ntrend", "right"), ("common mistakes", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        apart = [f"+{count} {status}" for status, count in row["not_answered"].items() if count]
        table.add_row(from_history(row["kind"], row["difficulty"]), "\n".join([str(row["answered"]), *apart]),
                      f"{percent(row['accuracy'])}\n{percent(row['first_try_accuracy'])}",
                      Text.assemble(percent(row["recent_accuracy"]), "\n", signed_points(row["trend"])),
                      Text(mistakes_text(row["mistakes"], "\n")))
    return table


def sessions_chart(sessions: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Accuracy over the last sessions", title_justify="left", box=None, show_header=False,
                  pad_edge=False)
    table.add_column(style="dim")
    table.add_column()
    table.add_column(justify="right")
    table.add_column(justify="right", style="dim")
    for row in sessions:
        table.add_row(local_time(row["started"]), bar(row["accuracy"]), percent(row["accuracy"]),
                      plural(row["answered"], "answer"))
    return table


def review_table(levels: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Review (Leitner boxes 1-5)", title_justify="left", header_style="bold")
    for column in ("kind", "difficulty", "box", "due"):
        table.add_column(column, no_wrap=column == "kind")
    for level in levels:
        due = "new" if level["new"] else "now" if level["due_now"] else local_time(level["due"])
        table.add_row(from_history(level["kind"]), from_history(level["difficulty"]), str(level["box"]),
                      Text(due, style="bold yellow" if level["due_now"] else ""))
    return table


def stats_view(data: dict[str, Any]) -> RenderableType:
    """The whole `handgrad stats` screen."""
    if not data["attempts"]:
        return Group(Text("No practice recorded yet: start with `handgrad drill`."), cards_line(data["cards"]))
    parts: list[RenderableType] = [headline(data), Text(), levels_table(data["levels"]), Text(),
                                   sessions_chart(data["sessions"])]
    if data["mistakes"]:
        parts += [Text(), Text.assemble(("Most common mistakes: ", "bold"), mistakes_text(data["mistakes"]))]
    parts += [Text(), review_table(data["review"]), *code_lines(data.get("modes", ())), Text(), cards_line(data["cards"])]
    return Group(*parts)


def code_lines(modes: Sequence[dict[str, Any]]) -> list[RenderableType]:
    """Gradients written as code (`handgrad code`): their accuracy, and the levels of code's review due now."""
    lines: list[RenderableType] = []
    for mode in modes:
        if mode["mode"] != "code":
            continue
        due = [f"{level['kind']} {level['difficulty']}" for level in mode["review"] if level["due_now"]]
        lines += [Text(), Text.assemble(("Written as code: ", "bold"), f"{plural(mode['answered'], 'gradient')} "
                                        f"answered, {percent(mode['accuracy'])} right, "
                                        f"{percent(mode['first_try_accuracy'])} on the first try; "
                                        f"due for `handgrad code --review`: {', '.join(due) or 'none'}")]
    return lines


def cards_line(decks: Sequence[dict[str, Any]]) -> Text:
    due = sum(deck["due"] for deck in decks)
    new = sum(deck["new"] for deck in decks)
    return Text.assemble(("Flashcards: ", "bold"), (f"{due} due", "bold yellow" if due else ""),
                         f", {new} new (`handgrad cards`)")


# The history, for export: a record per try, its gradient's fields beside it

TRY_COLUMNS = ("try", "try_outcome", "try_mistake", "try_hints_used", "try_seconds")
EXPORT_COLUMNS = (*ATTEMPT_FIELDS, *TRY_COLUMNS)


def export_records(attempts: Iterable[Attempt]) -> Iterator[dict[str, Any]]:
    """A record per graded try, oldest gradient first; a gradient settled without one (skipped, explained,
    revealed, or kept before tries were) has a single record whose try fields are None."""
    for attempt in attempts:
        gradient = {name: getattr(attempt, name) for name in ATTEMPT_FIELDS}
        for graded in attempt.tries or (None,):
            yield gradient | _try_record(graded)


def _try_record(graded: Try | None) -> dict[str, Any]:
    if graded is None:
        return dict.fromkeys(TRY_COLUMNS)
    return {"try": graded.number, "try_outcome": "right" if graded.correct else "wrong",
            "try_mistake": graded.mistake, "try_hints_used": graded.hints_used, "try_seconds": graded.seconds}


def write_csv(attempts: Iterable[Attempt], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in export_records(attempts):
        writer.writerow({name: "" if value is None else safe_cell(value) for name, value in record.items()})


def write_jsonl(attempts: Iterable[Attempt], out: TextIO) -> None:
    for record in export_records(attempts):
        out.write(json.dumps(record) + "\n")


HISTORY_FORMATS: dict[str, Callable[[Iterable[Attempt], TextIO], None]] = {"csv": write_csv, "jsonl": write_jsonl}


# Flashcards

def decks_table(statuses: Sequence[DeckStatus]) -> Table:
    table = Table(header_style="bold")
    for column, justify in (("deck", "left"), ("cards", "right"), ("new", "right"), ("due now", "right"),
                            ("next due", "left")):
        table.add_column(column, justify=justify, no_wrap=column == "deck")
    for status in statuses:
        next_due = local_time(utc_stamp(status.next_due)) if status.next_due else "-"
        table.add_row(status.deck, str(status.cards), str(status.new),
                      Text(str(status.due), style="bold yellow" if status.due else ""), next_due)
    return table


class Indented:
    """Text indented on every line it wraps to, with no trailing spaces."""

    def __init__(self, text: Text, indent: int = 2) -> None:
        self.text, self.indent = text, indent

    def __rich_console__(self, console, options):
        for line in self.text.wrap(console, max(1, options.max_width - self.indent)):
            line.rstrip()
            yield Text(" " * self.indent) + line


class CardView:
    """What the card loop shows."""

    reveal_prompt = "Enter shows the back (q quits): "
    grade_prompt = "again, good or easy (1/2/3)? "
    grade_help = Text("Type again, good or easy (or 1, 2, 3); q quits.", style="yellow")

    @staticmethod
    def front(card: Card, number: int, total: int) -> Panel:
        return Panel(Text(card.front, style="bold"), title=Text(f"{card.deck} {number}/{total}"), title_align="left")

    @staticmethod
    def back(card: Card) -> Indented:
        return Indented(Text(card.back, style="cyan"))


def cards_done(tally: CardsTally) -> Text:
    graded = tally.again + tally.good + tally.easy
    return Text(f"{plural(graded, 'card')} graded: {tally.again} again, {tally.good} good, {tally.easy} easy.")
