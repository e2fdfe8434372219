"""Progress as a learner reads it: stats tables and charts, the history export, flashcards.

Pure functions to Rich renderables or text; nothing in here prints.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict
from typing import Any, TextIO

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from handgrad_cli.attempts import ATTEMPT_FIELDS, Attempt
from handgrad_cli.cards import Card, CardsTally, DeckStatus
from handgrad_cli.csvsafe import safe_cell
from handgrad_cli.review import parse_time, utc_stamp

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


def sparkline(values: Sequence[float]) -> str:
    """One block per value in [0, 1], lowest to highest."""
    return "".join(SPARKS[min(len(SPARKS) - 1, int(value * len(SPARKS)))] for value in values)


def bar(value: float, width: int = BAR_WIDTH) -> Text:
    filled = round(value * width)
    return Text.assemble(("█" * filled, "green"), ("░" * (width - filled), "dim"))


def mistakes_text(mistakes: Sequence[dict[str, Any]], separator: str = ", ") -> str:
    return separator.join(f"{item['mistake']} x{item['count']}" for item in mistakes) or "-"


def headline(data: dict[str, Any]) -> Text:
    days = data["streak_days"]
    text = Text.assemble((plural(data["attempts"], "answer"), "bold"), " graded, ", (percent(data["accuracy"]), "bold"),
                         " right, over ", plural(data["practice_days"], "practice day"), "; streak: ",
                         (plural(days, "day"), "bold"))
    sessions = data["sessions"]
    if sessions:
        text.append(f"\nLast {plural(len(sessions), 'session')}: ")
        text.append(sparkline([row["accuracy"] for row in sessions]), style="cyan")
    return text


def levels_table(rows: Sequence[dict[str, Any]]) -> Table:
    """A row per level: its kind above its difficulty and a mistake a line, so that 80 columns
    leave the mistakes room to be read whole."""
    table = Table(title="By kind and difficulty", title_justify="left", header_style="bold")
    for column, justify in (("kind\ndifficulty", "left"), ("answers", "right"), ("accuracy", "right"),
                            ("recent", "right"), ("trend", "right"), ("common mistakes", "left")):
        table.add_column(column, justify=justify, overflow="fold")
    for row in rows:
        table.add_row(f"{row['kind']}\n{row['difficulty']}", str(row["attempts"]), percent(row["accuracy"]),
                      percent(row["recent_accuracy"]), signed_points(row["trend"]),
                      mistakes_text(row["mistakes"], "\n"))
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
                      plural(row["attempts"], "answer"))
    return table


def review_table(levels: Sequence[dict[str, Any]]) -> Table:
    table = Table(title="Review (Leitner boxes 1-5)", title_justify="left", header_style="bold")
    for column in ("kind", "difficulty", "box", "due"):
        table.add_column(column)
    for level in levels:
        due = "new" if level["new"] else "now" if level["due_now"] else local_time(level["due"])
        table.add_row(level["kind"], level["difficulty"], str(level["box"]),
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
    parts += [Text(), review_table(data["review"]), Text(), cards_line(data["cards"])]
    return Group(*parts)


def cards_line(decks: Sequence[dict[str, Any]]) -> Text:
    due = sum(deck["due"] for deck in decks)
    new = sum(deck["new"] for deck in decks)
    return Text.assemble(("Flashcards: ", "bold"), (f"{due} due", "bold yellow" if due else ""),
                         f", {new} new (`handgrad cards`)")


# The history, for export

EXPORT_COLUMNS = ATTEMPT_FIELDS  # every field of an attempt, in the order Attempt declares them


def write_csv(attempts: Iterable[Attempt], out: TextIO) -> None:
    writer = csv.DictWriter(out, fieldnames=EXPORT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for attempt in attempts:
        row = asdict(attempt) | {"correct": int(attempt.correct), "mistake": attempt.mistake or ""}
        writer.writerow({column: safe_cell(value) for column, value in row.items()})


def write_jsonl(attempts: Iterable[Attempt], out: TextIO) -> None:
    for attempt in attempts:
        out.write(json.dumps({name: getattr(attempt, name) for name in EXPORT_COLUMNS}) + "\n")


HISTORY_FORMATS: dict[str, Callable[[Iterable[Attempt], TextIO], None]] = {"csv": write_csv, "jsonl": write_jsonl}


# Flashcards

def decks_table(statuses: Sequence[DeckStatus]) -> Table:
    table = Table(header_style="bold")
    for column, justify in (("deck", "left"), ("cards", "right"), ("new", "right"), ("due now", "right"),
                            ("next due", "left")):
        table.add_column(column, justify=justify)
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
        return Panel(Text(card.front, style="bold"), title=f"{card.deck} {number}/{total}", title_align="left")

    @staticmethod
    def back(card: Card) -> Indented:
        return Indented(Text(card.back, style="cyan"))


def cards_done(tally: CardsTally) -> Text:
    graded = tally.again + tally.good + tally.easy
    return Text(f"{plural(graded, 'card')} graded: {tally.again} again, {tally.good} good, {tally.easy} easy.")
