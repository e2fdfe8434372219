"""The standard streams as the real process meets them: odd bytes in, odd encodings out, full disks,
closed streams, Ctrl-C at any instant, and inputs without end."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pexpect
import pytest

from handgrad_cli.console import ECHO_CHARS, NOT_TEXT
from handgrad_cli.status import ExitStatus

NAMES = ["Đorđe Ćosić", "Ŋgũgĩ wa Thiong'o", "Guðrún Þórsdóttir", "李小龙"]


def handgrad(*args: str, stdin: bytes | None = b"", env: dict[str, str] | None = None, shell_suffix: str = ""):
    """The real process, optionally through the shell for redirections such as `> /dev/full`."""
    command = [sys.executable, "-m", "handgrad_cli", *args]
    environment = {**os.environ, **(env or {})}
    if shell_suffix:
        quoted = " ".join(f"'{word}'" for word in command)
        return subprocess.run(f"{quoted} {shell_suffix}", shell=True, input=stdin, capture_output=True,
                              env=environment, timeout=60)
    return subprocess.run(command, input=stdin, capture_output=True, env=environment, timeout=60)


def one_line(stderr: bytes) -> str:
    text = stderr.decode()
    assert "Traceback" not in text
    assert text.count("\n") == 1 and text.startswith("handgrad: "), text
    return text


@pytest.fixture
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("HANDGRAD_HOME", str(tmp_path / "home"))
    return tmp_path


# --- input that is not UTF-8 ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["drill", "-n", "1", "--seed", "1"], ["cards", "-n", "1"]])
def test_a_line_that_is_not_utf8_is_asked_again_on_a_pipe(home, command):
    result = handgrad(*command, "--no-history", stdin=b"0.5 \xe9\xff\nquit\n")
    out = result.stdout.decode()
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert out.count(NOT_TEXT) == 1
    before, after = out.split(NOT_TEXT)
    prompt = before.splitlines()[-1].removesuffix("0.5 \ufffd\ufffd")  # the line echoed after its prompt
    assert prompt and after.lstrip("\n").startswith(prompt + "quit")  # the same prompt again


def test_a_line_that_is_not_utf8_is_asked_again_in_a_terminal(home):
    child = pexpect.spawn(sys.executable, ["-m", "handgrad_cli", "drill", "-n", "1", "--seed", "1", "--no-history"],
                          env={**os.environ, "NO_COLOR": "1"}, dimensions=(40, 120), timeout=20)
    child.expect_exact(b"(3 values) > ")
    child.send(b"0.5\xff\r")  # a byte UTF-8 never uses (readline itself drops a broken sequence's lead byte)
    child.expect_exact(NOT_TEXT.encode())
    child.expect_exact(b"(3 values) > ")
    child.send(b"quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0 and b"Traceback" not in child.before


# --- output in an encoding that cannot hold the text ------------------------------------------


FORMATS = ["text", "json", "jsonl", "markdown", "latex", "moodle-xml"]  # gift takes no roster: it names no one


@pytest.mark.parametrize(("output_format", "encoding"),
                         [(name, "cp1252") for name in FORMATS] + [("text", "ascii"), ("markdown", "ascii")])
def test_redirected_output_is_utf8_whatever_the_locale(tmp_path, encoding, output_format):
    roster = tmp_path / "names.txt"
    roster.write_text("\n".join(NAMES[:3]) + "\n", encoding="utf-8")
    result = handgrad("generate", "-n", "1", "--students", str(roster), "-f", output_format,
                      env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode("utf-8")
    if output_format in ("json", "jsonl"):
        text = json.dumps([json.loads(line) for line in text.splitlines() if line.strip() not in "[]"]
                          if output_format == "jsonl" else json.loads(text), ensure_ascii=False)
    assert "Đorđe" in text or r"\DJ" in text  # LaTeX may spell a letter as its command


@pytest.mark.parametrize("encoding", ["cp1252", "ascii"])
def test_grade_with_names_beyond_the_locale(tmp_path, encoding):
    roster = tmp_path / "names.txt"
    roster.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    issued = handgrad("generate", "softmax-ce", "-n", "1", "--students", str(roster), "-f", "jsonl")
    (tmp_path / "set.jsonl").write_bytes(issued.stdout)
    rows = [json.loads(line) for line in issued.stdout.decode().splitlines()]
    responses = "student,id,gradient,answer\n" + "".join(f'{r["student"]},{r["id"]},dlogits,"0,0,0"\n' for r in rows)
    (tmp_path / "responses.csv").write_text(responses, encoding="utf-8")
    result = handgrad("grade", str(tmp_path / "set.jsonl"), str(tmp_path / "responses.csv"),
                      env={"PYTHONIOENCODING": encoding})
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    assert all(name in result.stdout.decode("utf-8") for name in NAMES)


def test_a_terminal_that_cannot_show_a_name_gets_one_line(tmp_path):
    roster = tmp_path / "names.txt"
    roster.write_text(NAMES[0] + "\n", encoding="utf-8")
    child = pexpect.spawn(sys.executable, ["-m", "handgrad_cli", "generate", "-n", "1", "--students", str(roster)],
                          env={**os.environ, "PYTHONIOENCODING": "ascii", "NO_COLOR": "1"}, timeout=20)
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == ExitStatus.OUTPUT
    assert b"PYTHONIOENCODING" in child.before and b"Traceback" not in child.before


# --- write errors and closed streams ----------------------------------------------------------


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["generate", "-n", "3000", "-f", "jsonl"], ["explain", "softmax-ce", "--seed", "1"]])
def test_a_full_disk_is_one_line_and_the_output_status(args):
    result = handgrad(*args, shell_suffix="> /dev/full")
    assert result.returncode == ExitStatus.OUTPUT
    assert "No space left on device" in one_line(result.stderr)


def test_a_closed_stdout_is_one_line_and_the_output_status():
    result = handgrad("generate", "-n", "3", shell_suffix=">&-")
    assert result.returncode == ExitStatus.OUTPUT
    assert "standard output is closed" in one_line(result.stderr)


@pytest.mark.parametrize("command", [["drill", "-n", "1"], ["cards", "-n", "1"]])
def test_a_closed_stdin_is_one_line_before_anything_is_asked(home, command):
    result = handgrad(*command, "--no-history", stdin=None, shell_suffix="<&-")
    assert result.returncode == ExitStatus.USAGE
    assert "standard input is closed" in one_line(result.stderr)
    assert result.stdout == b""


def test_a_closed_stdin_does_not_matter_to_a_command_that_does_not_read_it():
    result = handgrad("generate", "-n", "2", stdin=None, shell_suffix="<&-")
    assert result.returncode == 0 and result.stderr == b""


# --- Ctrl-C at any instant --------------------------------------------------------------------


def before_handgrad(process: subprocess.Popen, stderr: bytes) -> bool:
    """The interrupt landed before handgrad's first line could run: killed by the signal before Python set
    its own handler, or a traceback from Python's start-up (site, the .pth files, __main__'s loader) with no
    frame of handgrad's in it."""
    return process.returncode == -signal.SIGINT or (
        process.returncode != ExitStatus.INTERRUPTED and b"handgrad_cli" not in stderr)


def test_ctrl_c_at_any_instant_of_start_up_is_130_without_a_traceback(home):
    """20 interrupts at random moments of start-up: imports, parsing, the first prompt.

    One that lands while the interpreter itself is still starting, before handgrad's first line can run,
    is Python's business (see `before_handgrad`) and is tried again at another moment.
    """
    script = str(Path(sys.executable).with_name("handgrad"))  # the console script a learner runs
    rng = random.Random(12)
    landed = 0
    for _ in range(80):
        process = subprocess.Popen([script, "drill", "-n", "1", "--no-history"],
                                   stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        time.sleep(rng.uniform(0.0, 0.5))
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=30)  # stdin stays open until here: the drill waits at its prompt
        if before_handgrad(process, stderr):
            continue
        assert process.returncode == ExitStatus.INTERRUPTED, stderr
        assert b"Traceback" not in stderr, stderr.decode()
        landed += 1
        if landed == 20:
            return
    pytest.fail(f"only {landed} of 80 interrupts landed after the interpreter had started")


# --- inputs without end -----------------------------------------------------------------------


@pytest.mark.parametrize("command", [["generate", "--students", "/dev/zero"],
                                     ["grade", "/dev/zero", "/dev/zero"],
                                     ["grade", "/dev/zero", "RESPONSES"],  # the set, read line by line
                                     ["drill", "--from", "/dev/zero", "--no-history"]])
def test_dev_zero_as_an_input_file_is_one_line(command, tmp_path):
    responses = tmp_path / "responses.csv"
    responses.write_text("student,id,gradient,answer\nAna,softmax-ce-m1,dlogits,\"1, 2, 3, 4\"\n")
    result = handgrad(*[str(responses) if word == "RESPONSES" else word for word in command])
    assert result.returncode == ExitStatus.USAGE
    assert "not a text file" in one_line(result.stderr)


def test_a_huge_piped_answer_line_is_read_with_a_cap_and_echoed_short(home):
    line = b"1," * 5_000_000  # 10 MB on one line
    result = handgrad("drill", "-n", "1", "--seed", "1", "--no-history", stdin=line + b"\nquit\n")
    assert result.returncode == 0 and b"Traceback" not in result.stderr
    out = result.stdout.decode()
    echoed = next(text for text in out.splitlines() if text.startswith("dlogits") and "1,1," in text)
    assert len(echoed) < ECHO_CHARS + 100 and "characters)" in echoed
    assert "longer than" in out  # the answer reader refused it, politely
