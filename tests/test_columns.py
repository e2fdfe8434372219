"""80 columns: no line of any command's text output is longer, and no word is cut across two lines.

(`generate`'s sheets are files for a printer or a platform, laid out by their formats; not checked here.)

Each command runs twice, at 80 columns and at 1000: every word printed at 80 must be a word printed at
1000 (a word cut in two is two words that the wide output never prints), and no line may pass 80.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.kinds import KINDS, build, set_ids
from handgrad_cli.numbers import as_typed

DRAWING = re.compile(r"[\u2500-\u257f…]")  # a table's or a panel's lines, and the ellipsis of a cut list
DURATION = re.compile(r"^\d+(m|s[.,]?)$")  # "0s." at one run, "1s." at the other


def words(text: str) -> set[str]:
    return {word for word in DRAWING.sub(" ", text).split() if word != "\\" and not DURATION.match(word)}


def run(args: list[str], columns: int, lines: str = "") -> str:
    result = CliRunner(env={"COLUMNS": str(columns), "LINES": "24"}).invoke(app, args, input=lines)
    assert result.exit_code in (0, 1), (args, result.output)
    return result.stdout


def assert_fits(args: list[str], lines: str = "") -> None:
    narrow, wide = run(args, 80, lines), run(args, 1000, lines)
    long = [line for line in narrow.splitlines() if len(line) > 80 and " > " not in line]  # an echo is as typed
    assert not long, (args, long[:3])
    cut = words(narrow) - words(wide)
    assert not cut, (args, sorted(cut)[:10])


def one_id(kind: str) -> str:
    return str(next(iter(set_ids([kind], 1, 3, "easy"))))  # the smallest: the layout is what is tested


def flipped_answers(problem_id: str) -> list[str]:
    """The first two gradients with their sign flipped (0 where it is 0: then a 1), twice each: wrong, with a
    named mistake; the rest skipped (grading all of mlp's 26 would cost seconds and show nothing more)."""
    problem = build(problem_id)
    wrong = [as_typed(np.where(value == 0, 1.0, -value), 6) for value in list(problem.answers.values())[:2]]
    return [line for answer in wrong for line in (answer, answer)] + ["skip"] * (len(problem.asked) - len(wrong))


@pytest.mark.parametrize("kind", list(KINDS))
def test_a_kinds_explain_check_and_drill_fit_80_columns(kind):
    problem_id = one_id(kind)
    answers = flipped_answers(problem_id)
    assert_fits(["explain", problem_id])
    assert_fits(["check", problem_id, f"{build(problem_id).asked[0]}={answers[0]}"])
    assert_fits(["drill", problem_id, "--no-history"], "\n".join(answers) + "\n")


def test_the_listings_and_the_progress_fit_80_columns():
    for kind in KINDS:  # some history of every kind, with mistakes
        problem_id = one_id(kind)
        run(["drill", problem_id], 80, "\n".join(flipped_answers(problem_id)) + "\n")
    assert_fits(["kinds"])
    assert_fits(["stats"])
    assert_fits(["stats", "all"])
    assert_fits(["cards", "--list"])
    assert_fits(["explain", "mlp-m5", "batchnorm"])
