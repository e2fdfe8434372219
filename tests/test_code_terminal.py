"""`handgrad code` in a real terminal (a pty, through pexpect): a block of lines, the continuation prompt, an
empty line that submits, a refusal with the same prompt back, Ctrl-D ending with the summary."""

from __future__ import annotations

import os
import signal
import sys

import pexpect


def session(*args: str) -> pexpect.spawn:
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS")}
    env.update(TERM="xterm-256color", NO_COLOR="1")
    return pexpect.spawn(sys.executable, ["-m", "handgrad_cli", "code", *args, "--no-history"], env=env,
                         dimensions=(40, 80), timeout=20, encoding="utf-8",
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_a_terminal_learner_types_blocks_of_lines():
    child = session("embedding", "-n", "1", "--seed", "7", "-d", "easy")
    child.expect_exact("demb [2, 2, 2] >>> ")
    child.sendline("demb = dembcat.view(emb.shape)")
    child.expect_exact("... ")
    child.sendline("")
    child.expect_exact("demb: correct.")
    child.expect_exact("dC [3, 2] >>> ")
    child.sendline("import os")
    child.expect_exact("... ")
    child.sendline("")
    child.expect_exact("line 1: not allowed here: import")
    child.expect_exact("dC [3, 2] >>> ")  # the same prompt back, nothing counted
    child.sendline("dC = torch.zeros_like(C)")
    child.expect_exact("... ")
    child.sendline("for k in range(Xb.shape[0]):")
    child.expect_exact("... ")
    child.sendline("    for j in range(Xb.shape[1]):")
    child.expect_exact("... ")
    child.sendline("        dC[Xb[k, j]] += demb[k, j]")
    child.expect_exact("... ")
    child.sendline("")
    child.expect_exact("dC: correct.")
    child.expect_exact("Score 2/2 answered gradients (2 on the first try)")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_ctrl_d_mid_block_grades_it_and_ends_with_the_summary():
    child = session("linear", "-n", "2", "--seed", "2")
    child.expect(r"dX \[\d, \d\] >>> ")
    child.sendline("dX = dY @ W.T")
    child.expect_exact("... ")
    child.sendeof()
    child.expect_exact("dX: correct.")
    child.expect_exact("Code session over (end of input) at problem 1 of 2")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
