"""The pager (as git pages), `explain ID GRADIENT|GROUP`, pasted answers, and review and stats over every
kind practised: through CliRunner, and in a real terminal (a pty, through pexpect) at 80x24."""

from __future__ import annotations

import io
import json
import os
import re
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pexpect
import pytest
from typer.testing import CliRunner

from handgrad_cli import pager
from handgrad_cli.cli import app
from handgrad_cli.console import numpy_rows, pasted
from handgrad_cli.history import open_history
from handgrad_cli.kinds import build
from handgrad_cli.numbers import as_typed
from tests.progress_helpers import make_attempt

runner = CliRunner(env={"COLUMNS": "80"})
HANDGRAD = str(Path(sys.executable).with_name("handgrad"))


def terminal(*args: str, **env: str) -> pexpect.spawn:
    """handgrad in a pty of 24 rows and 80 columns."""
    environment = {key: value for key, value in os.environ.items() if key not in ("PAGER", "HANDGRAD_PAGER", "LESS")}
    environment.update(NO_COLOR="1", TERM="xterm", **env)
    return pexpect.spawn(HANDGRAD, list(args), env=environment, dimensions=(24, 80), timeout=30, encoding="utf-8",
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # as a shell's job has it


def ended(child: pexpect.spawn) -> str:
    """Everything to the end, without its style codes (bold, dim: NO_COLOR keeps those)."""
    child.expect(pexpect.EOF)
    child.close()
    return re.sub(r"\x1b\[[0-9;]*m", "", child.before)


# --- the pager ------------------------------------------------------------------------------


def test_the_pager_is_handgrads_own_then_the_users_then_less(monkeypatch):
    monkeypatch.delenv("HANDGRAD_PAGER", raising=False)
    monkeypatch.delenv("PAGER", raising=False)
    assert pager.command() == "less -FRX"
    monkeypatch.setenv("PAGER", "more")
    assert pager.command() == "more"
    monkeypatch.setenv("HANDGRAD_PAGER", "most")
    assert pager.command() == "most"
    for none in ("", "cat"):
        monkeypatch.setenv("HANDGRAD_PAGER", none)
        assert pager.command() is None  # as git: no pager at all


def test_tall_text_goes_through_the_pager_short_text_and_a_missing_pager_print_plainly(tmp_path):
    paged, out = tmp_path / "paged.txt", io.StringIO()
    tall = "".join(f"line {i}\n" for i in range(30))
    assert pager.page_text(tall, f"cat > {paged}", 24, out) and paged.read_text() == tall and out.getvalue() == ""
    assert not pager.page_text("short\n", f"cat > {paged}", 24, out) and out.getvalue() == "short\n"
    out = io.StringIO()
    assert not pager.page_text(tall, "no-such-pager-on-this-machine 2>/dev/null", 24, out)
    assert out.getvalue() == tall  # nothing lost


def test_explain_pages_in_a_terminal_through_handgrad_pager():
    out = ended(terminal("explain", "ce-steps-h5", HANDGRAD_PAGER="tr a-z A-Z"))
    assert "CE-STEPS-H5 (CE-STEPS, HARD)" in out and "SUMMARY OF" not in out  # paged whole: no summary needed


def test_no_pager_and_a_pager_of_cat_print_plainly_and_end_with_a_summary():
    for child in (terminal("explain", "ce-steps-h5", "--no-pager", HANDGRAD_PAGER="tr a-z A-Z"),
                  terminal("explain", "ce-steps-h5", PAGER="cat")):
        out = ended(child)
        assert "ce-steps-h5 (ce-steps, hard)" in out
        assert "Summary of ce-steps-h5\r\nOne part at a time: handgrad explain ce-steps-h5 NAME" in out


def test_a_pipe_is_never_paged():
    result = subprocess.run([HANDGRAD, "explain", "ce-steps-h5"], capture_output=True, text=True,
                            env={**os.environ, "HANDGRAD_PAGER": "tr a-z A-Z"})
    assert result.returncode == 0 and "ce-steps-h5 (ce-steps, hard)" in result.stdout
    summary = result.stdout[result.stdout.index("Summary of ce-steps-h5"):].splitlines()
    assert len(summary) <= 24 and any(line.split()[:1] == ["normalise"] for line in summary)


def test_the_drills_explain_goes_through_the_pager(tmp_path):
    child = terminal("drill", "softmax-ce-m3", "--no-history", HANDGRAD_PAGER="tr a-z A-Z")
    child.expect_exact("dlogits (3 values) > ")
    child.sendline("explain")
    child.expect_exact("FORWARD PASS")
    child.expect_exact("Enter for the summary > ")
    child.sendline("")
    assert "Drill over" in ended(child)


# --- explain ID GRADIENT|GROUP --------------------------------------------------------------


def test_explain_a_group_shows_only_its_steps_and_the_values_they_read():
    result = runner.invoke(app, ["explain", "mlp-m5", "batchnorm"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "What they read" in out and "dhpreact" in out
    steps = [line.split(" = ")[0] for line in out.splitlines() if line.startswith("d") and " = " in line]
    assert steps == ["dbngain", "dbnbias", "dbnraw", "dbnvar_inv", "dbnvar", "dbndiff2", "dbndiff", "dbnmeani",
                     "dhprebn"]


def test_explain_a_gradient_by_name_with_its_reads():
    result = runner.invoke(app, ["explain", "ce-steps-e5", "dcounts"])
    assert result.exit_code == 0
    assert "dcounts = dcounts_sum + counts_sum_inv * dprobs" in result.stdout
    assert "dlogits =" not in result.stdout and "Closed form" not in result.stdout
    embedding = runner.invoke(app, ["explain", "mlp-m5", "embedding"]).stdout
    assert "\nXb " in embedding and "dC = " in embedding  # the index it scatters by, though no number is read from it


def test_explain_an_unknown_part_is_one_line_and_exit_2():
    result = runner.invoke(app, ["explain", "mlp-m5", "bnorm"])
    assert result.exit_code == 2
    assert result.stderr == ("handgrad: mlp-m5 has no gradient or group 'bnorm': groups loss, layer2, tanh, "
                             "batchnorm, layer1, embedding; gradients " + ", ".join(build("mlp-m5").asked) + "\n")


def test_explain_typed_inputs_and_a_gradient():
    result = runner.invoke(app, ["explain", "tanh-neuron", "x=2,0", "w=-3,1", "b=6.8813735870195432", "dout=1", "dw"])
    assert result.exit_code == 0
    assert "dw = x * dz" in result.stdout and "dx = " not in result.stdout


# --- answers pasted over several lines ------------------------------------------------------


def test_a_numpy_or_torch_print_over_several_lines_is_read_as_one_answer():
    lines = iter(["[[ 0.1  0.2]", " [-0.3  0.4]]"])
    assert pasted(lambda prompt: next(lines))("> ") == "[[ 0.1, 0.2], [-0.3, 0.4]]"
    lines = iter(["tensor([[ 0.1000,  0.2000],", "        [ 0.3000,  0.4000]])"])
    assert pasted(lambda prompt: next(lines))("> ") == "tensor([[ 0.1000,  0.2000], [ 0.3000,  0.4000]])"
    lines, prompts = iter(["[[1 2", ""]), []
    assert pasted(lambda prompt: prompts.append(prompt) or next(lines))("> ") == "[[1, 2"  # an empty line ends it
    assert prompts == ["> ", "... "]
    assert numpy_rows("1 2") == "1 2" and numpy_rows("[1, 2]") == "[1, 2]"  # only numpy's own print is changed


def test_a_pasted_matrix_is_graded_in_a_piped_drill():
    problem = build("linear-m3")
    printed = str(problem.answers["dX"].round(6))  # numpy's print: rows on lines, no commas
    assert "\n" in printed
    rest = [as_typed(problem.answers[name], 6) for name in problem.asked[1:]]
    result = CliRunner(env={"COLUMNS": "200"}).invoke(app, ["drill", "linear-m3", "--no-history"],
                                                      input=printed + "\n" + "\n".join(rest) + "\n")
    assert "dX: correct." in result.stdout and "... " in result.stdout


def test_a_paste_in_a_terminal_gets_a_continuation_prompt():
    problem = build("linear-m3")
    child = terminal("drill", "linear-m3", "--no-history")
    child.expect_exact("dX (")
    child.expect_exact(" > ")
    first, *more = str(problem.answers["dX"].round(6)).splitlines()
    child.sendline(first)
    for line in more:
        child.expect_exact("... ")
        child.sendline(line)
    child.expect_exact("dX: correct.")
    child.expect_exact("dW (")
    child.sendintr()
    assert "Score 1/1 answered gradients" in ended(child)


# --- review and stats over every kind ---------------------------------------------------------


def practised(home: Path) -> None:
    """Misses yesterday in three kinds, one of them not among the lesson's two."""
    yesterday = datetime.now(timezone.utc) - timedelta(days=1)
    with open_history(home / "history.sqlite3") as history:
        for i, kind in enumerate(("softmax-ce", "embedding", "mlp")):
            history.record(make_attempt(yesterday + timedelta(minutes=i), kind=kind, correct=False,
                                        mistake="sign-flipped", gradient="dC" if kind != "softmax-ce" else "dlogits"))


def test_review_and_stats_cover_every_kind_practised(tmp_path):
    practised(tmp_path)
    env = {"HANDGRAD_HOME": str(tmp_path), "COLUMNS": "200"}
    review = runner.invoke(app, ["drill", "--review", "-n", "3", "--seed", "1"], input="quit\n", env=env)
    assert review.exit_code == 0, review.output
    assert "(softmax-ce medium, embedding medium, mlp medium; review, seed 1)" in review.stdout
    data = json.loads(runner.invoke(app, ["stats", "-f", "json"], env=env).stdout)
    assert {level["kind"] for level in data["review"]} >= {"softmax-ce", "tanh-neuron", "embedding", "mlp"}
    only = json.loads(runner.invoke(app, ["stats", "mlp", "-f", "json"], env=env).stdout)
    assert [level["kind"] for level in only["levels"]] == ["mlp"] and only["answered"] == 1
    assert runner.invoke(app, ["stats", "all"], env=env).exit_code == 0
    unknown = runner.invoke(app, ["stats", "mpl"], env=env)
    assert unknown.exit_code == 2 and unknown.stderr.startswith("handgrad: ")


def test_history_at_a_terminal_is_paged_and_piped_is_not(tmp_path):
    with open_history(tmp_path / "history.sqlite3") as history:
        for minute in range(30):  # taller than the screen
            history.record(make_attempt(datetime(2026, 11, 16, 9, minute, tzinfo=timezone.utc)))
    paged = ended(terminal("history", HANDGRAD_HOME=str(tmp_path), HANDGRAD_PAGER="tr a-z A-Z"))
    assert "ANSWERED_AT,SESSION,PROBLEM_ID" in paged
    piped = subprocess.run([HANDGRAD, "history"], capture_output=True, text=True,
                           env={**os.environ, "HANDGRAD_HOME": str(tmp_path), "HANDGRAD_PAGER": "tr a-z A-Z"})
    assert piped.stdout.startswith("answered_at,session,problem_id") and piped.stdout.count("\n") == 31
