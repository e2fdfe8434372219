"""HANDGRAD_NOW: every command reads one clock, which the variable replaces."""

import json

from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.history import read_attempts
from handgrad_cli.paths import history_path

runner = CliRunner()


def test_a_drill_records_the_time_handgrad_now_gives(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", "2027-01-05T10:00:00Z")
    result = runner.invoke(app, ["drill", "softmax-ce", "-n", "1", "--seed", "7", "-d", "easy"], input="skip\n")
    assert result.exit_code == 0, result.output
    (attempt,) = read_attempts(history_path())
    assert attempt.answered_at == "2027-01-05T10:00:00Z"
    assert attempt.session.startswith("20270105T100000-")


def test_a_time_without_a_zone_is_utc_and_stats_reads_the_same_clock(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", "2027-01-05T10:00:00")
    runner.invoke(app, ["drill", "softmax-ce", "-n", "1", "--seed", "7", "-d", "easy"], input="skip\n")
    monkeypatch.setenv("HANDGRAD_NOW", "2027-01-06T09:00:00+00:00")
    data = json.loads(runner.invoke(app, ["stats", "-f", "json"]).stdout)
    (level,) = [level for level in data["review"] if level["kind"] == "softmax-ce" and level["difficulty"] == "easy"]
    assert level["due"] == "2027-01-05T10:00:00Z" and level["due_now"]


def test_a_time_that_cannot_be_read_is_one_line_and_exit_2(monkeypatch):
    monkeypatch.setenv("HANDGRAD_NOW", "tomorrow")
    result = runner.invoke(app, ["stats"])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        "handgrad: HANDGRAD_NOW=tomorrow is not an ISO time: give one such as 2027-01-05T10:00:00Z, or unset it"]
