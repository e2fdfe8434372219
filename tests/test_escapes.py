"""Text from outside handgrad never reaches a terminal raw: an ESC byte comes out as the four characters \\x1b."""

import io
import json
import re
import tokenize
from pathlib import Path

import pytest

import handgrad_cli
from handgrad_cli.errors import shown, shown_path, visible
from tests.helpers import run as run_handgrad

CLEAR = "\x1b[2J\x1b]0;pwned\x07"  # clears the screen and sets the window title

# Variables that carry text a user (or a file, or another program) supplied: in a message they go
# through shown(), visible() or shown_path(), never straight into an f-string.
# (Names that mean other things elsewhere, such as a ProblemSet called problem_set, are left out.)
USER_TEXT = ("student", "students", "deck", "subject", "typed", "path", "folder", "from_set", "cells", "line_text")
RAW_FIELD = re.compile(r"\{(?:" + "|".join(USER_TEXT) + r")\b(?:\.\w+|\[[^]]*\])*(?::[^}]*)?\}")


def raw_user_text_in_fstrings(source: str) -> list[tuple[int, str]]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING and re.match(r"(?i)[rb]*f", token.string):
            found += [(token.start[0], match.group(0)) for match in RAW_FIELD.finditer(token.string)]
    return found


def test_the_sources_never_put_user_text_raw_into_an_fstring():
    package = Path(handgrad_cli.__file__).parent
    found = [f"{file.relative_to(package)}:{line}: {field}"
             for file in sorted(package.rglob("*.py"))
             for line, field in raw_user_text_in_fstrings(file.read_text(encoding="utf-8"))]
    assert found == []


def test_the_grep_finds_what_it_looks_for():
    assert raw_user_text_in_fstrings('x = f"unknown deck {deck}: choose"\n') == [(1, "{deck}")]
    assert raw_user_text_in_fstrings('x = f"{student.strip()!r}"\n') == []  # repr is safe
    assert raw_user_text_in_fstrings('x = f"from {shown(student)}"\n') == []
    assert raw_user_text_in_fstrings('x = "{student}"\n') == []  # not an f-string


def test_the_helpers_escape_control_and_format_characters():
    assert shown(CLEAR) == repr(CLEAR) and "\x1b" not in shown(CLEAR)
    assert visible(f"0.5{CLEAR}") == "0.5\\x1b[2J\\x1b]0;pwned\\x07"
    assert visible("right\u202eleft") == "right\\u202eleft"
    assert shown_path("set.jsonl") == "set.jsonl" and "\x1b" not in shown_path(f"set{CLEAR}.jsonl")


def run(*args, input=None):
    result = run_handgrad(*args, input=input)
    return result, result.stdout + result.stderr


def assert_escaped(out: str) -> None:
    assert "\x1b" not in out and "\x07" not in out, out
    assert "\\x1b" in out, out


def test_a_student_name_in_a_students_file(tmp_path):
    roster = tmp_path / "class.txt"
    roster.write_text(f"Ada\nMallory{CLEAR}\n", encoding="utf-8")
    result, out = run("generate", "-n", "1", "--students", str(roster))
    assert result.exit_code == 2 and "control character" in out
    assert "\x1b" not in out


def test_a_student_name_in_the_responses_of_a_shared_set(tmp_path):
    issued = tmp_path / "set.jsonl"
    issued.write_text(run("generate", "softmax-ce", "-n", "1", "-d", "easy", "-f", "jsonl")[0].stdout, encoding="utf-8")
    problem_id = json.loads(issued.read_text())["id"]
    responses = tmp_path / "responses.csv"
    responses.write_text(f"student,id,gradient,answer\nMallory{CLEAR},{problem_id},dlogits,\"0,0,0\"\n"
                         f"Ada,{problem_id},dlogits,\"0,0,0\"\n", encoding="utf-8")
    result, out = run("grade", str(issued), str(responses))
    assert result.exit_code == 0
    assert "line 2 skipped: student 'Mallory\\x1b[2J" in result.stderr and "control character" in result.stderr
    assert_escaped(out)
    assert "Mallory" not in result.stdout  # the row was not graded, so the name is not in the scores


def test_a_deck_name():
    result, out = run("cards", "--deck", f"bn{CLEAR}", "--no-history")
    assert result.exit_code == 2 and "unknown deck" in out
    assert_escaped(out)


@pytest.mark.parametrize("command", [["drill", "--no-history"], ["generate"], ["explain"]])
def test_a_kind_name(command):
    result, out = run(*command, f"softmax{CLEAR}")
    assert result.exit_code == 2
    assert_escaped(out)


@pytest.mark.parametrize("args", [
    [f"softmax-ce-e1{CLEAR}"],  # not an ID's shape
    [f"soft{CLEAR}max-ce-e1", "logits=1"],  # an ID's shape, with inputs it cannot take
    ["softmax-ce", f"logits{CLEAR}=1", f"logits{CLEAR}=2"],  # an input given twice
])
def test_an_id_or_an_input_name_in_explain(args):
    result, out = run("explain", *args)
    assert result.exit_code == 2
    assert_escaped(out)


def test_an_answer_line_piped_into_a_drill():
    result, out = run("drill", "softmax-ce-e1", "--no-history", input=f"0.5{CLEAR}\nquit\n")
    assert result.exit_code == 0
    assert "dlogits (3 values) > 0.5\\x1b[2J\\x1b]0;pwned\\x07" in result.stdout  # the echo
    assert "'0.5\\x1b[2J\\x1b]0' is not a number" in result.stdout  # the error (';' ends a row)
    assert_escaped(out)


def test_an_answer_given_to_check():
    result, out = run("check", "softmax-ce-e1", f"dlogits=0.1,{CLEAR}")
    assert result.exit_code == 2
    assert_escaped(out)


def test_a_file_name(tmp_path):
    result, out = run("drill", "--no-history", "--from", str(tmp_path / f"set{CLEAR}.jsonl"))
    assert result.exit_code == 2 and "no such file" in out
    assert_escaped(out)
