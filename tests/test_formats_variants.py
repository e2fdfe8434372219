"""A set per student: from the seed and the student, named on the sheet, reproducible from its IDs."""

import json

import pytest

from handgrad_cli.classroom import set_code
from handgrad_cli.kinds import DEFAULT_KINDS, build, set_ids
from handgrad_cli.render.records import problem_record
from tests.teach_helpers import generate, run


def records(*args: str) -> list[dict]:
    return [json.loads(line) for line in generate(*args, "-f", "jsonl").splitlines()]


@pytest.fixture
def roster(tmp_path):
    path = tmp_path / "students.txt"
    path.write_text("Ana Núñez\n\nBo Li\nCy\n", encoding="utf-8")  # a blank line is skipped
    return path


def test_each_student_gets_a_set_of_their_own_from_the_seed_and_their_name(roster):
    issued = records("-n", "3", "--seed", "8", "--students", roster)
    assert [record["student"] for record in issued] == ["Ana Núñez"] * 3 + ["Bo Li"] * 3 + ["Cy"] * 3
    ids = [record["id"] for record in issued]
    assert len(set(ids)) == len(ids)  # variants differ between students
    assert ids[:3] == [str(i) for i in set_ids(list(DEFAULT_KINDS), 3, 8, "medium", "Ana Núñez")]


def test_an_id_alone_reproduces_the_problem_a_student_got():
    for record in records("-n", "2", "--variants", "3"):
        assert {"student": record["student"], "sheet": record["sheet"], **problem_record(build(record["id"]))} == record


def test_variants_are_named_and_the_same_every_time():
    issued = records("-n", "1", "--variants", "12")
    assert [record["student"] for record in issued] == [f"variant-{i:02d}" for i in range(1, 13)]
    assert issued == records("-n", "1", "--variants", "12")


def test_a_shared_set_keeps_the_ids_it_always_had():
    shared = records("-n", "2", "--seed", "8")
    assert "student" not in shared[0]
    assert [record["id"] for record in shared] == [str(i) for i in set_ids(list(DEFAULT_KINDS), 2, 8, "medium")]


@pytest.mark.parametrize("fmt,sheet_heading,key_heading", [
    ("text", "Problem set {code} for {} (sheet ", "\n{}\n\n1. "),
    ("markdown", "# Problem set {code} for {} (sheet ", "\n## {}\n\n### 1. "),
    ("latex", "\\section*{{Problem set {code} for {}}}", "\\subsection*{{{}}}"),
])
def test_sheets_carry_the_name_and_the_key_lists_every_variant(roster, fmt, sheet_heading, key_heading):
    output = generate("-n", "2", "--students", roster, "-f", fmt)
    key = output[output.index("Answer key"):]
    for student in ("Ana Núñez", "Bo Li", "Cy"):
        assert sheet_heading.format(student, code=set_code(list(DEFAULT_KINDS), 2, 0, "medium")) in output
        assert key_heading.format(student) in key
    for record in records("-n", "2", "--students", roster):
        assert record["id"] in key


@pytest.mark.parametrize("content,message", [
    ("Ana\nBo\nAna\n", "line 3: 'Ana' is listed twice; names must be unique"),
    ("Jos\u00e9\nJose\u0301\n", "line 2: 'Jose\u0301' is listed twice; names must be unique"),  # é typed two ways
    ("\n  \n", "lists no students: write one name a line"),
    ("Ana\nB\x01o\n", "line 2: a name holds a control character; write plain text"),
])
def test_a_roster_that_cannot_be_used_is_refused_in_one_line(tmp_path, content, message):
    path = tmp_path / "students.txt"
    path.write_text(content, encoding="utf-8")
    result = run("generate", "--students", path)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"handgrad: {path} {message}\n"


def test_students_and_variants_exclude_each_other(tmp_path):
    result = run("generate", "--students", tmp_path / "missing.txt", "--variants", "2")
    assert (result.exit_code, result.stderr) == (2, "handgrad: give --students or --variants, not both\n")


def test_a_missing_roster_is_named(tmp_path):
    result = run("generate", "--students", tmp_path / "missing.txt")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"handgrad: {tmp_path / 'missing.txt'}: no such file\n"


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex"])
@pytest.mark.parametrize("answers", ["none", "end"])
def test_students_sheets_show_numbers_and_the_set_code_never_ids(roster, fmt, answers):
    output = generate("-n", "2", "--students", roster, "-f", fmt, "--answers", answers)
    key_at = output.find("Answer key")
    sheets = output if key_at < 0 else output[:key_at]
    assert set_code(list(DEFAULT_KINDS), 2, 0, "medium") in sheets
    for record in records("-n", "2", "--students", roster):
        assert record["id"] not in sheets
        assert answers == "none" or record["id"] in output[key_at:]  # the key keeps them


def test_a_million_variants_start_at_once():
    import subprocess
    import sys

    process = subprocess.Popen([sys.executable, "-m", "handgrad_cli", "generate", "-n", "1", "--variants",
                                "1000000", "-f", "jsonl"], stdout=subprocess.PIPE)
    first = process.stdout.readline()
    process.kill()
    process.wait()
    assert json.loads(first)["student"] == "variant-0000001"
