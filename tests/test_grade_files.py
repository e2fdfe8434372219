"""`handgrad grade` reads the files teachers have: `;` and tab separators, UTF-16, a decimal comma, names as
people type them, and rows no cell of which can crash the class."""

import csv
import io

import pytest

from tests.teach_helpers import run
from tests.test_grade import issue, typed


@pytest.fixture
def pair(tmp_path):
    """Zoë and O'Brien, one softmax-ce problem each."""
    (tmp_path / "class.txt").write_text("Zoë\nO'Brien\n", encoding="utf-8")
    return issue(tmp_path, "softmax-ce", "-n", "1", "--students", tmp_path / "class.txt", "--seed", "4")


def totals(result) -> dict[str, str]:
    return {r["student"]: r["score"] for r in csv.DictReader(io.StringIO(result.stdout)) if r["problem"] == "total"}


def grade_bytes(tmp_path, data: bytes):
    (tmp_path / "responses.csv").write_bytes(data)
    return run("grade", tmp_path / "set.jsonl", tmp_path / "responses.csv")


@pytest.mark.parametrize("separator,encoding", [(";", "utf-16"), ("\t", "utf-8-sig"), (";", "utf-8")])
def test_semicolons_tabs_utf16_and_a_decimal_comma_grade_as_a_plain_csv(tmp_path, pair, separator, encoding):
    zoe, obrien = pair
    right = typed(zoe["answers"]["dlogits"]).replace(".", ",")  # "0,123, -0,456": decimal commas
    text = separator.join(["Timestamp", "Student", "ID", "Gradient", "Answer"]) + "\n"
    text += separator.join(["2026-12-01 10:00", "Zoë", "1", "dlogits", f'"{right}"']) + "\n"
    text += separator.join(["2026-12-01 10:01", "O'Brien", "1", "dlogits", '"0,5"']) + "\n"  # one value: skipped
    result = grade_bytes(tmp_path, text.encode(encoding))
    assert result.exit_code == 0, result.stderr
    assert totals(result) == {"Zoë": "1.000", "O'Brien": "0.000"}
    assert "line 3 skipped: dlogits expects" in result.stderr


def test_names_match_ignoring_case_accents_apostrophes_and_spacing_and_unknown_ones_are_said_once(tmp_path, pair):
    zoe, obrien = pair
    rows = ["student,id,gradient,answer",
            f'zoe ,1,dlogits,"{typed(zoe["answers"]["dlogits"])}"',
            f'O’BRIEN,1,dlogits,"{typed(obrien["answers"]["dlogits"])}"']
    rows += [f"Zoey Q,{n},dlogits,1" for n in (1, 1, 2)]  # not in the class: one message for three rows
    result = grade_bytes(tmp_path, ("\n".join(rows) + "\n").encode())
    assert result.exit_code == 0
    assert totals(result) == {"Zoë": "1.000", "O'Brien": "1.000"}
    lines = [line for line in result.stderr.splitlines() if "skipped:" in line]
    assert len(lines) == 1 and lines[0].endswith(
        "line 4 skipped: 'Zoey Q' is not a student of the set (and 2 more rows for the same reason)")
    assert "Graded 2 students, 2 problems; 3 rows skipped." in result.stderr  # rows, not messages


def test_a_close_name_gets_did_you_mean(tmp_path, pair):
    result = grade_bytes(tmp_path, "student,id,gradient,answer\nZoé X,1,dlogits,1\n".encode())
    assert "'Zoé X' is not a student of the set (did you mean 'Zoë'?)" in result.stderr


def test_a_name_composed_or_decomposed_is_one_student_of_a_shared_set(tmp_path):
    (record,) = issue(tmp_path, "softmax-ce", "-n", "1")
    answer = typed(record["answers"]["dlogits"])
    rows = f'student,id,gradient,answer\nJos\u00e9,1,dlogits,"{answer}"\nJose\u0301,1,dlogits,"{answer}"\n'
    result = grade_bytes(tmp_path, rows.encode())
    assert result.exit_code == 0
    assert totals(result) == {"Jos\u00e9": "1.000"}


@pytest.mark.parametrize("bad_row,note", [
    (f'Zoë,{"9" * 5000},dlogits,1', "'Zoë''s sheet has no problem 9999999999…: it has 1 to 1"),  # a monster cell
    (f'Zoë,1,dlogits,"{"1, " * 400_000}1"', "longer than a row can be"),  # a line of 1.2 MB
])
def test_a_monster_row_is_a_skipped_row_not_a_crash(tmp_path, pair, bad_row, note):
    zoe, _ = pair
    rows = f'student,id,gradient,answer\n{bad_row}\nZoë,1,dlogits,"{typed(zoe["answers"]["dlogits"])}"\n'
    result = grade_bytes(tmp_path, rows.encode())
    assert result.exit_code == 0
    assert totals(result)["Zoë"] == "1.000"
    assert f"line 2 skipped: {note}" in result.stderr


def test_the_wide_layout_of_a_form_in_timestamp_order(tmp_path, pair):
    zoe, obrien = pair
    right, wrong = typed(zoe["answers"]["dlogits"]), typed(zoe["answers"]["dlogits"], sign=-1)
    rows = ["Timestamp;Student;1 dlogits",
            f'2026/12/01 10:05:00;Zoë;"{right.replace(".", ",")}"',  # the later answer, though earlier in the file
            f'2026/12/01 10:00:00;Zoë;"{wrong.replace(".", ",")}"',
            f'2026/12/01 10:01:00;O\'Brien;"{typed(obrien["answers"]["dlogits"]).replace(".", ",")}"']
    result = grade_bytes(tmp_path, ("\n".join(rows) + "\n").encode("utf-16"))
    assert result.exit_code == 0, result.stderr
    assert totals(result) == {"Zoë": "1.000", "O'Brien": "1.000"}
    assert "line 2: a second answer from 'Zoë' to 'dlogits' of" in result.stderr  # the later in time, line 2


def test_a_timestamp_that_cannot_be_read_keeps_the_file_order_with_one_warning(tmp_path, pair):
    zoe, _ = pair
    rows = ["timestamp,student,id,gradient,answer", f'12/1/2026 10:00,Zoë,1,dlogits,"{typed(zoe["answers"]["dlogits"])}"']
    result = grade_bytes(tmp_path, ("\n".join(rows) + "\n").encode())
    assert result.exit_code == 0 and totals(result)["Zoë"] == "1.000"
    assert "line 2: the timestamp '12/1/2026 10:00' cannot be read (write it as 2026-12-01 14:05:00)" in result.stderr


def test_variants_are_graded_as_the_students_a_mapping_gives_them_to(tmp_path):
    records = issue(tmp_path, "softmax-ce", "-n", "1", "--variants", "2", "--seed", "3")
    (tmp_path / "who.csv").write_text("student;variant\nAna;variant-02\nBo;variant-01\n", encoding="utf-8")
    rows = f'student,id,gradient,answer\nana,1,dlogits,"{typed(records[1]["answers"]["dlogits"])}"\n'
    (tmp_path / "responses.csv").write_text(rows, encoding="utf-8")
    result = run("grade", tmp_path / "set.jsonl", tmp_path / "responses.csv", "--assignments", tmp_path / "who.csv")
    assert result.exit_code == 0, result.stderr
    assert totals(result) == {"Bo": "0.000", "Ana": "1.000"}
    (tmp_path / "who.csv").write_text("student,variant\nAna,variant-02\nBo,variant-02\n", encoding="utf-8")
    result = run("grade", tmp_path / "set.jsonl", tmp_path / "responses.csv", "--assignments", tmp_path / "who.csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.endswith("who.csv line 3: 'variant-02' is given to 'Ana' already\n")
