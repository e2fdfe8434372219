"""A roster with ids: a student's problems come from their id, the name is display only, and each sheet
carries a fingerprint that `grade` checks."""

import csv
import io
import json
import re

import pytest

from tests.teach_helpers import generate, run
from tests.test_grade import typed


def write(path, text: str):
    path.write_text(text, encoding="utf-8")
    return path


def records(*args) -> list[dict]:
    return [json.loads(line) for line in generate(*args, "-f", "jsonl").splitlines()]


def test_a_renamed_student_keeps_their_problems_and_a_plain_list_still_works(tmp_path):
    before = write(tmp_path / "a.csv", "id,name,email\ns1,Nguyễn Văn An,an@example.org\ns2,Bo Li,\n")
    after = write(tmp_path / "b.csv", "ID;Name\ns1;Nguyen Van An\ns2;Bo Li\n")  # ASCII spelling, ; separated
    first, second = records("-n", "2", "--students", before), records("-n", "2", "--students", after)
    assert [r["id"] for r in first] == [r["id"] for r in second]
    assert [(r["student"], r["student_id"], r.get("email")) for r in first[::2]] == [
        ("Nguyễn Văn An", "s1", "an@example.org"), ("Bo Li", "s2", None)]
    assert first[0]["sheet"] == second[0]["sheet"] != first[2]["sheet"]
    plain = records("-n", "2", "--students", write(tmp_path / "c.txt", "Bo Li\n"))
    assert "student_id" not in plain[0] and plain[0]["student"] == "Bo Li"


@pytest.mark.parametrize("content,message", [
    ("id,name\ns1,Ana\ns1,Bo\n", "line 3: the id 's1' is listed twice; ids must be unique"),
    ("id,name\n,Ana\n", "line 2: the id is empty; every student needs one"),
    ("id,name\n", "lists no students: write a row id,name[,email] a student under the header"),
])
def test_a_roster_csv_that_cannot_be_used_is_refused_in_one_line(tmp_path, content, message):
    result = run("generate", "--students", write(tmp_path / "r.csv", content))
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith(f"{message}\n") and result.stderr.count("\n") == 1


@pytest.fixture
def issued(tmp_path):
    roster = write(tmp_path / "class.csv", "id,name,email\ns1,Ana,ana@example.org\ns2,Ana,ana2@example.org\n")
    sheet = generate("softmax-ce", "-n", "1", "--students", roster, "--answers", "none")
    marks = re.findall(r"for Ana \(sheet (\w{4})\)", sheet)
    (tmp_path / "set.jsonl").write_text(generate("softmax-ce", "-n", "1", "--students", roster, "-f", "jsonl"))
    return [json.loads(line) for line in (tmp_path / "set.jsonl").read_text().splitlines()], marks


def grade(tmp_path, rows: str):
    (tmp_path / "r.csv").write_text("student,sheet,id,gradient,answer\n" + rows, encoding="utf-8")
    return run("grade", tmp_path / "set.jsonl", tmp_path / "r.csv")


def test_two_students_of_one_name_are_told_apart_by_id_or_email_and_the_sheet_is_checked(tmp_path, issued):
    (first, second), marks = issued
    assert marks == [first["sheet"], second["sheet"]]  # the sheet prints what the set keeps
    right = typed(first["answers"]["dlogits"])
    result = grade(tmp_path, f's1,{marks[0]},1,dlogits,"{right}"\n'
                             f'ana2@example.org,{marks[0]},1,dlogits,"{typed(second["answers"]["dlogits"])}"\n')
    assert result.exit_code == 0
    rows = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["problem"] == "total"]
    assert [(r["student"], r["score"]) for r in rows] == [("Ana", "1.000"), ("Ana", "0.000")]
    assert (f"line 3 skipped: sheet '{marks[0]}' is 'Ana' ('s1')'s, not 'Ana' ('s2')'s: check who answered it"
            in result.stderr)
