"""What a person reads at 80 and 120 columns: every kind's derivation with no grid broken across lines,
and the multiplication sign only where the terminal can show it."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from handgrad_cli.kinds import KINDS, get_kind, set_problems
from handgrad_cli.numbers import format_grid, format_input
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.render.terminal import explanation, problem_panel


def rendered(renderable, width: int) -> list[str]:
    console = Console(width=width, file=io.StringIO(), record=True, color_system=None)
    console.print(renderable)
    return console.export_text().splitlines()


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_derivation_keeps_each_row_of_numbers_whole(kind, width):
    for difficulty in DIFFICULTIES:
        problem = next(set_problems([kind], 1, 3, difficulty))
        lines = rendered(explanation(problem, get_kind(kind).extras(problem, 1.0), 3), width)
        assert all(len(line) <= width for line in lines)
        for step in problem.steps:
            assert any(step.formula in line for line in lines), step.formula  # a step's head on one line
            for term in step.terms:
                for row in format_grid(term.value, 3).splitlines():
                    assert any(row.strip() in line for line in lines), (step.quantity, row)


@pytest.mark.parametrize("width", [30, 44, 80])
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_a_problem_shows_every_input_name_whole_with_its_value_wrapped_under_itself(kind, width):
    problem = next(set_problems([kind], 1, 3, "hard"))
    lines = rendered(problem_panel(problem), width)
    assert all(len(line) == width for line in lines)
    lines = [line.strip("│ ") for line in lines]
    if "Forward:" in lines:  # the inputs come after the forward program, a statement a line
        lines = lines[lines.index("", lines.index("Forward:")):]
    for name, value in problem.inputs.items():
        at = next(i for i, line in enumerate(lines) if line == name or line.startswith(name + "  "))
        words = [word for line in lines[at:] for word in line.split()][1:]  # from the value on
        assert " ".join(words).startswith(" ".join(format_input(value).split())), name  # wrapped, nothing lost


def test_an_input_value_wraps_under_itself_not_under_its_name():
    problem = next(set_problems(["batchnorm"], 1, 3, "hard"))
    lines = [line[2:-2] for line in rendered(problem_panel(problem), 44)]
    first = next(i for i, line in enumerate(lines) if line.startswith("hprebn  "))
    value_column = lines[first].index("[")
    assert lines[first + 1][:value_column].strip() == "" and lines[first + 1][value_column] != " "


def test_a_terminal_that_cannot_show_the_times_sign_gets_a_star():
    pexpect = pytest.importorskip("pexpect")
    script = str(Path(sys.executable).with_name("handgrad"))
    env = {**os.environ, "PYTHONIOENCODING": "ascii", "NO_COLOR": "1", "COLUMNS": "80"}
    child = pexpect.spawn(script, ["explain", "softmax-ce", "logits=2,1,0", "target=0", "--no-pager"], env=env,
                          encoding="ascii", codec_errors="replace", timeout=30)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0, child.before
    assert "local derivative * upstream gradient" in child.before and "\ufffd" not in child.before


def test_a_pipe_gets_the_times_sign_in_utf8():
    script = str(Path(sys.executable).with_name("handgrad"))
    result = subprocess.run([script, "explain", "softmax-ce", "logits=2,1,0", "target=0"], capture_output=True,
                            env={**os.environ, "PYTHONIOENCODING": "ascii"})
    assert result.returncode == 0 and "local derivative × upstream".encode() in result.stdout
