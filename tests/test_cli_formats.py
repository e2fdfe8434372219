"""Help as -h everywhere, and machine output as --format on every command that prints data."""

import csv
import io
import json

import pytest
import typer

from handgrad_cli.cli import app
from handgrad_cli.kinds import KINDS
from tests.helpers import run

COMMANDS = sorted(typer.main.get_command(app).commands)


@pytest.mark.parametrize("command", [[], *([name] for name in COMMANDS)], ids=["handgrad", *COMMANDS])
def test_h_is_help_on_the_app_and_every_command(command):
    short, long = run(*command, "-h"), run(*command, "--help")
    assert short.exit_code == 0 and long.exit_code == 0, short.output
    assert short.stdout == long.stdout
    assert short.stdout.startswith("Usage: ") and "-h, --help" in short.stdout


def test_kinds_as_json_lists_every_kind_with_what_it_asks():
    result = run("kinds", "--format", "json")
    assert result.exit_code == 0
    records = json.loads(result.stdout)
    assert [record["name"] for record in records] == list(KINDS)
    softmax = records[0]
    assert [spec["name"] for spec in softmax["inputs"]] == ["logits", "target"]
    assert softmax["asks"]["easy"] == ["dlogits"]


def test_kinds_as_text_by_default_and_with_format_text():
    assert run("kinds").stdout == run("kinds", "-f", "text").stdout
    assert run("kinds").stdout.startswith("softmax-ce ")


LESSON = ("explain", "softmax-ce", "logits=2,1,0", "target=0")


@pytest.mark.parametrize("flags", [["--format", "json"], ["-f", "json"], ["--json"], ["--json", "-f", "json"]])
def test_explain_json_by_format_or_by_the_json_alias(flags):
    result = run(*LESSON, *flags)
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert record["answers"]["dlogits"] == pytest.approx([-0.33476, 0.24473, 0.09003], abs=1e-5)


@pytest.mark.parametrize("flags", [["--format", "json"], ["--json"]])
def test_check_json_by_format_or_alias_keeps_the_exit_status(flags):
    wrong = run("check", "softmax-ce-e1", "dlogits=1,1,1", *flags)
    assert wrong.exit_code == 1
    record = json.loads(wrong.stdout)
    assert record["correct"] is False
    answer = ",".join(f"{value:.6f}" for value in record["gradients"][0]["reference"])
    right = run("check", "softmax-ce-e1", f"dlogits={answer}", *flags)
    assert right.exit_code == 0, right.output
    assert json.loads(right.stdout)["gradients"][0]["correct"] is True


@pytest.mark.parametrize("command", [LESSON, ("check", "softmax-ce-e1", "dlogits=1,2,3")])
def test_json_and_format_text_together_is_one_line_error(command):
    result = run(*command, "--json", "--format", "text")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.strip() == "handgrad: give --json or --format text, not both"


def test_a_format_a_command_does_not_have_is_a_usage_error():
    result = run("kinds", "--format", "csv")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr.startswith("handgrad: ") and len(result.stderr.strip().splitlines()) == 1


def test_stats_json_and_history_formats(tmp_path):
    drilled = run("drill", "softmax-ce", "-n", "1", "--seed", "3", "-d", "easy", input="skip\n")
    assert drilled.exit_code == 0, drilled.output
    stats = json.loads(run("stats", "-f", "json").stdout)
    assert "cards" in stats
    rows = list(csv.DictReader(io.StringIO(run("history", "-f", "csv").stdout)))
    lines = [json.loads(line) for line in run("history", "-f", "jsonl").stdout.splitlines()]
    assert len(rows) == len(lines) == 1
    assert rows[0]["status"] == lines[0]["status"] == "skipped"


def test_generate_takes_format_json():
    records = json.loads(run("generate", "softmax-ce", "-n", "2", "-f", "json").stdout)
    assert len(records) == 2 and all(record["kind"] == "softmax-ce" for record in records)
