"""The drill in a real terminal (a pty, through pexpect) and through a pipe (subprocess)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import pexpect
import pytest

from handgrad_cli.kinds import build, set_ids
from handgrad_cli.numbers import as_typed

pytestmark = pytest.mark.usefixtures("returning_learner")  # drills of a learner with a history

SGR = re.compile(r"\x1b\[([0-9;]*)m")  # a style code (readline's own codes do not end in m)


def colours(text: str) -> list[str]:
    """The colour codes in text (foreground, background, 256 and true colour); bold and dim are not colour."""
    found = []
    for params in SGR.findall(text):
        found += [p for p in params.split(";") if p and (30 <= int(p) <= 49 or 90 <= int(p) <= 107)]
    return found


def plain(text: str) -> str:
    return SGR.sub("", text)
ARGS = ["-m", "handgrad_cli", "drill", "--seed", "1", "--count", "3"]
IDS = list(set_ids(["softmax-ce", "tanh-neuron"], 3, 1, "medium"))  # softmax-ce, tanh-neuron, softmax-ce


def answer(problem_index: int, gradient: str) -> str:
    return as_typed(build(IDS[problem_index]).answers[gradient], 6)


def environment(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update(TERM="xterm-256color", **extra)
    return env


def default_interrupt() -> None:
    """A job started in the background inherits SIGINT ignored, and Python then keeps ignoring it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def spawn(**env: str) -> pexpect.spawn:
    return pexpect.spawn(sys.executable, ARGS, env=environment(**env), dimensions=(50, 140), timeout=20,
                         encoding="utf-8", preexec_fn=default_interrupt)


def finish(child: pexpect.spawn) -> str:
    """Everything left up to the end, with the child reaped."""
    child.expect(pexpect.EOF)
    rest = child.before
    child.close()
    return rest


def test_a_terminal_session_answered_hinted_then_interrupted():
    child = spawn(NO_COLOR="1")
    child.expect_exact("dlogits (")
    child.expect_exact(" > ")
    child.sendline(answer(0, "dlogits"))
    child.expect_exact("dlogits: correct.")
    child.expect_exact("Enter for the next problem > ")  # a terminal pauses after a problem
    child.sendline("steps")
    child.expect_exact("Backward pass: local derivative × upstream gradient")
    child.expect_exact("Enter for the next problem > ")
    child.sendline("")
    child.expect_exact("dz (1 value) > ")
    child.sendline("0.123")  # wrong
    child.expect_exact("incorrect")
    child.expect_exact("dz (1 value) > ")
    child.sendline("garbage")
    child.expect_exact("'garbage' is not a number or arithmetic")
    child.expect_exact("dz (1 value) > ")
    child.sendline("?")
    child.expect_exact("Hint 1/3: ")
    child.expect_exact("tanh's local derivative")
    child.expect_exact("dz (1 value) > ")
    child.sendintr()  # Ctrl-C at the prompt
    styled = finish(child)
    rest = plain(styled)
    assert "Drill over (interrupted) at problem 2 of 3" in rest
    assert "Score 1/1 answered gradients (1 on the first try)" in rest
    assert "Replay: handgrad drill softmax-ce tanh-neuron --count 3 --seed 1 --difficulty medium" in rest
    assert "handgrad: interrupted" in rest
    assert "Traceback" not in rest
    assert colours(styled) == []  # NO_COLOR is honoured at a terminal too (bold is not colour)
    assert child.exitstatus == 130


def test_ctrl_d_at_the_prompt_ends_with_the_summary_and_exit_0():
    child = spawn(NO_COLOR="1")
    child.expect_exact(" > ")
    child.sendeof()
    rest = plain(finish(child))
    assert "Drill over (end of input) at problem 1 of 3" in rest and "Traceback" not in rest
    assert child.exitstatus == 0


def test_a_terminal_gets_colour_unless_no_color_is_set():
    child = spawn()
    child.expect_exact(" > ")
    child.sendline(answer(0, "dlogits"))
    child.expect_exact("correct")
    seen = child.before + child.after
    child.sendline("quit")
    rest = finish(child)
    assert colours(seen + rest)
    assert child.exitstatus == 0


def test_the_same_session_piped_through_stdin():
    lines = [answer(0, "dlogits"), "skip", "1,2", "explain", "quit"]
    done = subprocess.run([sys.executable, *ARGS], input="\n".join(lines) + "\n", capture_output=True,
                          text=True, env=environment(), timeout=30)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert not SGR.search(out)  # not a terminal: no colour
    assert f"dlogits (3 values) > {lines[0]}\n" in out  # each answer echoed after its prompt
    assert "dz (1 value) > skip\n" in out
    assert "dw (3 values) > 1,2\n" in out and "you gave 2 values" in out
    assert "Closed form" in out
    assert "Drill over (quit) at problem 3 of 3" in out
    assert "Score 1/1 answered gradients (1 on the first try); 1 skipped, 3 explained\n" in out


@pytest.mark.parametrize("stop", ["\x04", "\x03"])
def test_no_traceback_for_a_ctrl_character_in_a_pipe(stop):
    done = subprocess.run([sys.executable, *ARGS], input=stop + "\n", capture_output=True, text=True,
                          env=environment(), timeout=30)
    assert done.returncode == 0
    assert "is not a number or arithmetic" in done.stdout and "Traceback" not in done.stderr
