"""The edges of input and output: a terminal that goes away mid-drill, input that is not text at all, and an
`explain` input too long to read."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.console import NUL_ENDS
from handgrad_cli.status import ExitStatus

DRILL = ["drill", "softmax-ce", "-n", "2", "--seed", "3", "--no-history"]


def _read_until(fd: int, marker: bytes, seconds: float = 30) -> bytes:
    seen, deadline = b"", time.monotonic() + seconds
    while marker not in seen and time.monotonic() < deadline:
        if select.select([fd], [], [], 1)[0]:
            seen += os.read(fd, 4096)
    return seen


def test_a_terminal_closed_under_nohup_ends_with_the_output_status_not_120(tmp_path):
    """The terminal goes while SIGHUP is ignored: input ends, the summary cannot be written, and neither can
    the line saying so (stderr is the same dead terminal). The status still says it: 74."""
    controller, terminal = os.openpty()
    process = subprocess.Popen([sys.executable, "-m", "handgrad_cli", *DRILL], stdin=terminal, stdout=terminal,
                               stderr=terminal, start_new_session=True, env={**os.environ, "TERM": "xterm"},
                               preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))
    os.close(terminal)
    try:
        assert b"> " in _read_until(controller, b"> ")
    finally:
        os.close(controller)  # the terminal window closes
    assert process.wait(timeout=60) == ExitStatus.OUTPUT


def _drill(stdin, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "handgrad_cli", *DRILL], stdin=stdin, capture_output=True,
                          timeout=timeout)


def test_a_drill_reading_dev_zero_ends():
    with open("/dev/zero", "rb") as zeros:
        done = _drill(zeros)
    assert done.returncode == 0
    assert NUL_ENDS in done.stdout.decode() and "Drill over (end of input)" in done.stdout.decode()


@pytest.mark.parametrize("command", [DRILL, ["cards", "--no-history"]], ids=" ".join)
def test_a_nul_in_a_piped_line_is_not_text_and_ends_the_input(command):
    result = CliRunner().invoke(app, command, input="skip\n0.1\x00,0.2\nskip\nskip\n")
    assert result.exit_code == 0, result.output
    assert NUL_ENDS in result.stdout
    echoed = [line for line in result.stdout.splitlines() if line.endswith(" skip")]
    assert len(echoed) == 1  # the line before the NUL was read, nothing after it


def test_an_explain_input_too_long_is_named_as_that_input():
    result = CliRunner().invoke(app, ["explain", "softmax-ce", "logits=" + ",".join(["1"] * 3000), "target=0"])
    assert result.exit_code == 2
    assert result.stderr == "handgrad: the input logits is longer than 4000 characters: shorten it\n"
