"""The path's map (`handgrad learn --status`): a row per stage, done, due, open or locked; 80 columns."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Group
from rich.table import Table
from rich.text import Text

from handgrad_cli.path import DONE, DUE, LOCKED, OPEN, StageState, current

STYLES = {DONE: "green", DUE: "bold yellow", OPEN: "bold cyan", LOCKED: "dim"}


def path_map(states: Sequence[StageState]) -> Group:
    done = sum(state.state in (DONE, DUE) for state in states)
    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("", justify="right")
    table.add_column("stage", ratio=1, overflow="fold")
    table.add_column("state")
    table.add_column("next", ratio=1, overflow="fold")
    for number, state in enumerate(states, 1):
        style = STYLES[state.state]
        table.add_row(str(number), Text(state.stage.title, style="dim" if state.state == LOCKED else ""),
                      Text(state.state, style=style), Text(_next(state), style=style))
    heading = Text(f"The path: {done} of {len(states)} stages done", style="bold")
    return Group(heading, table, Text(_footer(states), style="dim"))


def _next(state: StageState) -> str:
    if state.state == DUE:
        return "review " + ", ".join(state.due)
    if state.state != OPEN:
        return ""
    steps = state.stage.step_names()
    left = [name for name in steps if name not in state.steps_done]
    if not left:
        return "practice, then the test-out" if state.stage.levels else "its cards again when due"
    return f"step {steps.index(left[0]) + 1} of {len(steps)}: {left[0].split(' ', 1)[1]}"


def _footer(states: Sequence[StageState]) -> str:
    if current(states) is None:
        return "The whole path is done: `handgrad drill --review` keeps it fresh."
    return "`handgrad learn` goes on from the open stage (a due stage is reviewed first)."


def aim_view(aim) -> Group:
    """Before a problem aimed at a mistake: the mistake in words, how often, and the card that teaches its rule."""
    from rich.panel import Panel

    from handgrad_cli.mistakes import card_of, words_of
    from handgrad_cli.render.progress import from_history

    times = "once" if aim.recent == 1 else f"{aim.recent} times"
    head = Text.assemble(("Your mistake: ", "bold magenta"), from_history(words_of(aim)),
                         (f" ({times} in {aim.kind} in the last 4 weeks). This problem shows it.", "dim"))
    card = card_of(aim)
    if card is None:
        return Group(Text(), head)
    body = Text.assemble((card.front + "\n", "bold"), (card.back, "cyan"))
    return Group(Text(), head, Panel(body, title=Text(f"card {card.id}"), title_align="left"))


def aims_table(rows) -> Group:
    """`stats`' top mistakes of the last 4 weeks, in words, with the weeks before for the trend."""
    from handgrad_cli.render.progress import from_history

    table = Table(box=None, header_style="bold", pad_edge=False)
    table.add_column("mistake", ratio=1, overflow="fold")
    table.add_column("where")
    table.add_column("4 weeks", justify="right")
    table.add_column("before", justify="right")
    table.add_column("trend")
    for row in rows:
        style = {"more often": "bold red", "less often": "green"}.get(row["trend"], "")
        table.add_row(from_history(row["words"]), from_history(row["kind"], row["gradient"]), str(row["last_4_weeks"]),
                      str(row["4_weeks_before"]), Text(row["trend"], style=style))
    return Group(Text(), Text("Your top mistakes of the last 4 weeks (practise them: handgrad drill --mistakes)",
                              style="bold"), table)
