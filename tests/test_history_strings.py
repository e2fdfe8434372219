"""Text read from the history is outside text: a shared or crafted history cannot write escape sequences to
the terminal (set the clipboard with OSC 52, clear the screen) or be read as Rich markup."""

from __future__ import annotations

import sqlite3

import pytest
from typer.testing import CliRunner

from handgrad_cli.cli import app
from handgrad_cli.history import open_history
from progress_helpers import day, make_attempt

runner = CliRunner()
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x07"  # OSC 52: "pwned" into the clipboard
CLEAR = "\x1b[2J\x1b[H"


@pytest.fixture
def crafted_history(tmp_path):
    db = tmp_path / "history.sqlite3"
    with open_history(db) as history:
        history.record(make_attempt(day(0), correct=False, mistake="sign-flipped"))
        history.record(make_attempt(day(0, minute=1), correct=False, mistake="sign-flipped",
                                    problem="softmax-ce-m77"))
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE attempts SET mistake = ? WHERE id = 1", (CLIPBOARD + "slip",))
        connection.execute("UPDATE attempts SET kind = ?, difficulty = ? WHERE id = 2", (CLEAR + "kind", "[/]"))
    connection.close()
    return tmp_path


@pytest.mark.parametrize("width", ["200", "80"])
def test_stats_shows_the_historys_text_with_its_escapes_visible(crafted_history, width):
    result = runner.invoke(app, ["stats"], env={"HANDGRAD_HOME": str(crafted_history), "COLUMNS": width})
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    text = "".join(result.stdout.split())  # whatever the wrapping
    assert "\\x1b]52;c;cHduZWQ=\\x07slip" in text and "\\x1b[2J\\x1b[Hkind" in text
    assert "[/]" in text  # shown as typed, not read as markup


def test_stats_json_keeps_the_historys_text_as_it_is(crafted_history):
    import json

    result = runner.invoke(app, ["stats", "--format", "json"], env={"HANDGRAD_HOME": str(crafted_history)})
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert {level["kind"] for level in data["levels"]} == {"softmax-ce", CLEAR + "kind"}
    assert CLIPBOARD + "slip" in {item["mistake"] for item in data["mistakes"]}
