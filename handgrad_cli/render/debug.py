"""What `handgrad debug` shows: the problem, its forward pass, and a backward pass with one bug."""

from __future__ import annotations

from rich.console import Group
from rich.text import Text

from handgrad_cli.problem import Problem
from handgrad_cli.render.drill import problem_heading
from handgrad_cli.render.terminal import forward_table, value_table


def bug_view(problem: Problem, values: dict, number: int, total: int, decimals: int) -> Group:
    """The problem, its forward values, and each asked gradient as a buggy backward pass computed it, numbered,
    with the digits a step needs to be checked from the values above it."""
    shown = max(decimals, problem.shown_decimals)
    rows = [(f"{place}.", problem.formulas[name], values[name], shown)
            for place, name in enumerate(problem.asked, 1)]
    return Group(problem_heading(problem, number, total), forward_table(problem, decimals), Text(),
                 value_table(rows, title="Backward pass: one gradient was computed with a slip"),
                 Text("Check each step against the values it reads: the first that does not hold is the bug.",
                      style="dim"))


def debug_intro(problems: int, about: str) -> Text:
    count = f"{problems} problem" + ("" if problems == 1 else "s")
    return Text.assemble((f"Debug: {count} ({about}).\n", "bold"),
                         "Each backward pass has one gradient computed with a slip: say which, name the slip, "
                         "then type the fix.\n", ("At the fix's prompt: ? or hint, explain, skip, help, quit.", "dim"))


def debug_score(summary) -> Text:
    """How many bugs were found, named and fixed."""
    from handgrad_cli.attempts import SOLVED

    parts = {"found": "which gradient", "named": "which mistake"}
    counts = {word: sum(o.gradient == part and o.status in SOLVED for o in summary.outcomes)
              for word, part in parts.items()}
    fixes = [o for o in summary.outcomes if o.gradient not in parts.values()]
    fixed = sum(o.status == "right" for o in fixes)
    done = len(fixes)
    return Text(f"Bugs found {counts['found']}, named {counts['named']}, fixed on the first try {fixed}, "
                f"of {done} problem{'' if done == 1 else 's'}.", style="bold green")
