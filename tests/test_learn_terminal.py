"""`handgrad learn` in a real terminal (a pty, through pexpect): an explain screen, a drill, Ctrl-C, resumed."""

from __future__ import annotations

import os
import re
import signal
import sys

import pexpect

from handgrad_cli.learn import step_problems
from handgrad_cli.numbers import as_typed
from handgrad_cli.path import STAGES

SEED = 5


def session() -> pexpect.spawn:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update(TERM="xterm-256color", NO_COLOR="1", HANDGRAD_NOW="2027-01-05T10:00:00Z")
    return pexpect.spawn(sys.executable, ["-m", "handgrad_cli", "learn", "--seed", str(SEED)], env=env,
                         dimensions=(40, 80), timeout=20, encoding="utf-8",
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_a_terminal_learner_reads_drills_stops_with_ctrl_c_and_resumes_at_the_drill():
    stage = STAGES[0]
    first = step_problems(stage, stage.steps[1], SEED)[0]
    child = session()
    child.expect_exact("Stage 1: The worked example")
    child.expect_exact("row sums of dlogits (each is 0)")
    child.expect_exact("Enter goes on (quit stops) > ")
    child.sendline("")
    child.expect_exact(first.label)
    child.expect_exact("dlogits (3 values) > ")
    child.sendline(as_typed(first.answers["dlogits"], 3))
    child.expect_exact("dlogits: correct.")
    child.expect_exact("dlogits (3 values) > ")
    child.sendintr()
    child.expect(pexpect.EOF)
    rest = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", child.before)
    child.close()
    assert "Stopped: `handgrad learn` goes on from here." in rest and "Traceback" not in rest
    assert child.exitstatus == 130

    again = session()  # the explain screen was read: the drill comes first
    again.expect_exact("Stage 1: The worked example")
    again.expect_exact(first.label)
    assert "Forward pass" not in again.before
    again.expect_exact("dlogits (3 values) > ")
    again.sendline("quit")
    again.expect(pexpect.EOF)
    again.close()
    assert again.exitstatus == 0
