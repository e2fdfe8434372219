"""`handgrad grade SET RESPONSES.csv` on made-up classes: right, wrong, missing and unreadable rows."""

import csv
import io
import json
import re

import numpy as np
import pytest

from handgrad_cli.numbers import as_typed
from tests.teach_helpers import generate, run

HEADER = "student,id,gradient,answer\n"


def issue(tmp_path, *args: str) -> list[dict]:
    """Writes the set `generate ARGS -f jsonl` issues to set.jsonl; returns its records."""
    text = generate(*args, "-f", "jsonl")
    (tmp_path / "set.jsonl").write_text(text, encoding="utf-8")
    return [json.loads(line) for line in text.splitlines()]


def typed(value, shift: float = 0.0, sign: float = 1.0) -> str:
    return as_typed(sign * np.asarray(value) + shift)


def row(student: str, problem_id: str, gradient: str, answer: str) -> str:
    return f'{student},{problem_id},{gradient},"{answer}"\n'


def grade(tmp_path, responses: str, *options: str):
    (tmp_path / "responses.csv").write_text(responses, encoding="utf-8")
    return run("grade", tmp_path / "set.jsonl", tmp_path / "responses.csv", *options)


def scores(result) -> dict[tuple[str, str], dict]:
    return {(r["student"], r["problem"]): r for r in csv.DictReader(io.StringIO(result.stdout))}


@pytest.fixture
def variants(tmp_path):
    """Two students, a softmax-ce and a tanh-neuron problem each."""
    return issue(tmp_path, "softmax-ce", "tanh-neuron", "-n", "2", "--variants", "2", "--seed", "11")


def test_a_class_with_right_wrong_missing_and_unreadable_rows(tmp_path, variants):
    ana_soft, ana_tanh, bo_soft, bo_tanh = variants
    a = ana_tanh["answers"]
    responses = HEADER + "".join([
        row("variant-01", ana_soft["id"], "dlogits", typed(ana_soft["answers"]["dlogits"])),  # right
        row("variant-01", ana_tanh["id"], "dz", typed(a["dz"], sign=-1)),  # wrong: the sign is flipped
        row("variant-01", ana_tanh["id"], "dw", typed(a["dw"])),  # right
        row("variant-01", ana_tanh["id"], "db", typed(a["db"], shift=0.5)),  # wrong, no known slip
        # dx: missing
        row("variant-02", bo_soft["id"], "dlogits", "0.1, 0.2"),  # line 6: wrong shape
        row("variant-02", bo_tanh["id"], "dq", "1"),  # line 7: not asked
        row("variant-02", ana_soft["id"], "dlogits", "1, 2, 3"),  # line 8: someone else's problem
        row("variant-02", "softmax-ce-m1", "dlogits", "1"),  # line 9: not in the set
        row("variant-02", bo_tanh["id"], "dz", "exp("),  # line 10: not a number
        row("", bo_tanh["id"], "dz", "1"),  # line 11: nobody
        row("variant-02", bo_tanh["id"], "dz", typed(bo_tanh["answers"]["dz"])),  # right
    ])
    result = grade(tmp_path, responses)
    assert result.exit_code == 0
    table = scores(result)
    assert list(table) == [("variant-01", "1"), ("variant-01", "2"), ("variant-01", "total"),
                           ("variant-02", "1"), ("variant-02", "2"), ("variant-02", "total")]
    assert table["variant-01", "1"] == {
        "student": "variant-01", "problem": "1", "id": ana_soft["id"], "kind": "softmax-ce",
        "asked": "1", "answered": "1", "correct": "1", "score": "1.000", "out_of": "1", "mistakes": "",
        "carried_forward": "", "carried_points": "0.000",
    }
    ana = table["variant-01", "2"]
    assert (ana["asked"], ana["answered"], ana["correct"], ana["score"]) == ("4", "3", "1", "0.250")
    assert ana["mistakes"] == "dz:sign-flipped"
    assert {k: v for k, v in table["variant-01", "total"].items() if k != "student"} == {
        "problem": "total", "id": "", "kind": "", "asked": "5", "answered": "4", "correct": "2",
        "score": "1.250", "out_of": "2", "mistakes": "", "carried_forward": "", "carried_points": "0.000",
    }
    assert table["variant-02", "1"]["answered"] == "0"
    assert table["variant-02", "total"]["score"] == "0.250"
    skipped = [line for line in result.stderr.splitlines() if " skipped: " in line]
    assert [line.split(" skipped: ")[0].rsplit(" ", 1)[1] for line in skipped] == ["6", "7", "8", "9", "10", "11"]
    assert f"line 8 skipped: {ana_soft['id']} was issued to 'variant-01', not to 'variant-02'" in result.stderr
    assert "line 9 skipped: 'softmax-ce-m1' is not a problem of the set" in result.stderr
    assert "Graded 2 students, 4 problems; 6 rows skipped." in result.stderr
    assert "tanh-neuron dz:sign-flipped" in result.stderr


def test_a_shared_set_grades_everyone_who_answered_and_a_later_answer_counts(tmp_path):
    (problem,) = issue(tmp_path, "softmax-ce", "-n", "1", "--seed", "3")
    right, wrong = typed(problem["answers"]["dlogits"]), typed(problem["answers"]["dlogits"], sign=-1)
    responses = HEADER + row("Zoë", problem["id"], "dlogits", wrong) + row("Zoë", problem["id"], "dlogits", right) \
        + row("Max", problem["id"], "dlogits", "nonsense")
    result = grade(tmp_path, responses)
    assert result.exit_code == 0
    table = scores(result)
    assert table["Zoë", "1"]["correct"] == "1"
    assert table["Max", "total"]["score"] == "0.000"  # unreadable, so graded as not answered: nobody is lost
    assert "responses.csv line 3: a second answer from 'Zoë' to 'dlogits' of" in result.stderr


def test_a_json_set_and_extra_columns_are_read(tmp_path):
    records = json.loads(generate("softmax-ce", "-n", "2", "--variants", "2", "-f", "json"))
    (tmp_path / "set.jsonl").write_text(json.dumps(records), encoding="utf-8")
    first = records[0]
    responses = "submitted_at,Student,ID,Gradient,Answer\n" + \
        f'2026-11-25T09:00,{first["student"]},{first["id"]},dlogits,"{typed(first["answers"]["dlogits"])}"\n'
    result = grade(tmp_path, responses)
    assert result.exit_code == 0
    assert scores(result)["variant-01", "1"]["correct"] == "1"
    assert scores(result)["variant-02", "total"]["score"] == "0.000"  # on the roster, so graded though silent


def test_the_summary_prints_brackets_as_written():
    from rich.console import Console

    from handgrad_cli.render.classroom import summary_table

    console = Console(width=100, record=True)
    console.print(summary_table("t", ("a",), [("probs[range(n), target] [bold]x",)]))
    assert "probs[range(n), target] [bold]x" in console.export_text()


def test_tolerances_can_be_widened(tmp_path):
    (problem,) = issue(tmp_path, "softmax-ce", "-n", "1", "--seed", "3")
    close = row("Zoë", problem["id"], "dlogits", typed(problem["answers"]["dlogits"], shift=0.004))
    assert scores(grade(tmp_path, HEADER + close))["Zoë", "1"]["correct"] == "0"
    assert scores(grade(tmp_path, HEADER + close, "--atol", "0.01"))["Zoë", "1"]["correct"] == "1"


def test_thirty_variants_graded_from_a_csv(tmp_path):
    records = issue(tmp_path, "-n", "4", "--variants", "30")
    rows = [row(r["student"], r["id"], name, typed(value)) for r in records for name, value in r["answers"].items()]
    result = grade(tmp_path, HEADER + "".join(rows))
    assert result.exit_code == 0
    totals = [r for r in csv.DictReader(io.StringIO(result.stdout)) if r["problem"] == "total"]
    assert [r["student"] for r in totals] == [f"variant-{i:02d}" for i in range(1, 31)]
    assert {r["score"] for r in totals} == {"4.000"}
    assert "Graded 30 students, 120 problems; 0 rows skipped." in result.stderr
    assert "│ 100%        │       30 │" in result.stderr
    assert "Most missed problems: none\nMost common diagnosed mistakes: none\n" in result.stderr


@pytest.mark.parametrize("set_text,responses,message", [
    ("not json\n", HEADER, "set.jsonl line 1 is not JSON (Expecting value): give the jsonl of the set"),
    ('{"kind": "softmax-ce"}\n', HEADER,
     'set.jsonl line 1 has no problem "id": give the jsonl that `handgrad generate -f jsonl` wrote'),
    ('{"id": "nonsense"}\n', HEADER, "set.jsonl line 1: 'nonsense' is not a problem ID"),
    ('[{"id": "softmax-ce-m1"}, 3]', HEADER, 'set.jsonl record 2 has no problem "id"'),
    ("\n", HEADER, "set.jsonl holds no problems: give the jsonl that `handgrad generate -f jsonl` wrote"),
    (None, "student,id,answer\n", "responses.csv has no column gradient: its header must name "
                                  "student,id,gradient,answer"),
    (None, "", "responses.csv is empty: its first line must be the header student,id,gradient,answer"),
])
def test_a_set_or_responses_that_cannot_be_read_exit_2_in_one_line(tmp_path, set_text, responses, message):
    if set_text is None:
        issue(tmp_path, "-n", "1")
    else:
        (tmp_path / "set.jsonl").write_text(set_text, encoding="utf-8")
    result = grade(tmp_path, responses)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1
    assert result.stderr.startswith("handgrad: ") and message in result.stderr


def test_a_missing_file_is_named(tmp_path):
    result = run("grade", tmp_path / "set.jsonl", tmp_path / "responses.csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == f"handgrad: {tmp_path / 'set.jsonl'}: no such file\n"


def test_the_summary_counts_one_row_and_one_student_in_the_singular(tmp_path):
    (record,) = issue(tmp_path, "softmax-ce", "-n", "1")
    right = typed(record["answers"]["dlogits"])
    responses = HEADER + row("Ana", record["id"], "dlogits", "x") + row("Ana", record["id"], "dlogits", right) \
        + row("Ana", record["id"], "dlogits", right)
    result = grade(tmp_path, responses)
    assert result.exit_code == 0
    assert "Graded 1 student, 1 problem; 1 row skipped, 1 answer replaced by a later one." in result.stderr


def test_responses_saved_in_a_legacy_encoding_are_refused_with_a_hint(tmp_path):
    (record,) = issue(tmp_path, "softmax-ce", "-n", "1")
    (tmp_path / "responses.csv").write_bytes(f"{HEADER}Jos\xe9,{record['id']},dlogits,1\n".encode("cp1252"))
    result = run("grade", tmp_path / "set.jsonl", tmp_path / "responses.csv")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == (f"handgrad: {tmp_path / 'responses.csv'} line 2 is not UTF-8 text: save the file as "
                             "UTF-8 ('CSV UTF-8' in a spreadsheet)\n")


def test_the_score_distribution_of_a_large_class_fits_80_columns(tmp_path):
    records = issue(tmp_path, "softmax-ce", "-n", "1", "--variants", "60")
    right = "".join(row(r["student"], r["id"], "dlogits", typed(r["answers"]["dlogits"])) for r in records[:15])
    result = grade(tmp_path, HEADER + right)
    assert result.exit_code == 0
    bars = dict(re.findall(r"│ (100%|0-19%) +│ +\d+ │ (#+) +│", result.stderr))
    assert (len(bars["100%"]), len(bars["0-19%"])) == (13, 40)  # 15 and 45 students: 45 scaled to 40
    assert "…" not in result.stderr


def test_a_name_typed_in_another_unicode_form_is_the_same_student(tmp_path):
    (tmp_path / "class.txt").write_text("Jose\u0301\n", encoding="utf-8")  # the roster, as a Mac wrote it
    (record,) = issue(tmp_path, "softmax-ce", "-n", "1", "--students", tmp_path / "class.txt")
    result = grade(tmp_path, HEADER + row("Jos\u00e9", record["id"], "dlogits", typed(record["answers"]["dlogits"])))
    assert result.exit_code == 0
    assert "skipped:" not in result.stderr
    assert scores(result)[("Jose\u0301", "total")]["correct"] == "1"


# --- hostile and malformed input ---------------------------------------------------------------

def test_a_name_a_spreadsheet_would_run_stays_text_and_numbers_stay_numbers(tmp_path):
    from handgrad_cli.csvsafe import safe_cell

    assert [safe_cell(cell) for cell in ("=HYPERLINK(1)", "+1+1", "@SUM(A1)", "\t=1", "\r=1", "-0.5", "-cmd")] == [
        "'=HYPERLINK(1)", "'+1+1", "'@SUM(A1)", "'\t=1", "'\r=1", "-0.5", "'-cmd"]
    (problem,) = issue(tmp_path, "softmax-ce", "-n", "1", "--seed", "3")
    answer = typed(problem["answers"]["dlogits"])
    result = grade(tmp_path, HEADER + row("=cmd|' /C calc'!A0", problem["id"], "dlogits", answer))
    assert result.exit_code == 0
    assert list(scores(result))[0][0] == "'=cmd|' /C calc'!A0"


def test_a_name_with_terminal_escapes_is_shown_escaped(tmp_path):
    (problem,) = issue(tmp_path, "softmax-ce", "-n", "1", "--seed", "3")
    evil = "Eve\x1b]0;pwned\x07\x1b[2J"
    result = grade(tmp_path, HEADER + row(evil, problem["id"], "dlogits", typed(problem["answers"]["dlogits"])) * 2)
    assert "\x1b" not in result.stderr
    assert "'Eve\\x1b]0;pwned\\x07\\x1b[2J'" in result.stderr


def test_no_message_interpolates_a_student_name_raw():
    """Names reach a terminal only through shown(): no f-string puts {student} (or the like) in as it is."""
    from pathlib import Path

    source = (Path(__file__).parent.parent / "handgrad_cli" / "classroom.py").read_text(encoding="utf-8")
    raw = re.findall(r'f"[^"\n]*\{(?:student|owner|reference|gradient)\}[^"\n]*"', source)
    assert raw == []


def test_problem_numbers_as_the_students_sheets_show_them_are_accepted(tmp_path, variants):
    ana_soft, ana_tanh, *_ = variants
    responses = HEADER + row("variant-01", "1", "dlogits", typed(ana_soft["answers"]["dlogits"])) \
        + row("variant-01", "2", "dz", typed(ana_tanh["answers"]["dz"])) + row("variant-01", "3", "dz", "1")
    result = grade(tmp_path, responses)
    assert result.exit_code == 0
    table = scores(result)
    assert (table["variant-01", "1"]["correct"], table["variant-01", "2"]["correct"]) == ("1", "1")
    assert "line 4 skipped: 'variant-01''s sheet has no problem 3: it has 1 to 2" in result.stderr


@pytest.mark.parametrize("line,message", [
    ("[" * 100_000 + "]" * 100_000, "line 2 is not a problem record (too deep or too large)"),
    ('{"id": "softmax-ce-m1", "x": ' + "9" * 5000 + "}", "line 2 is not a problem record (too deep or too large)"),
    ('{"id": "softmax-ce-m1", "student": ""}', "line 2: a student's name is empty"),
    ('{"id": "softmax-ce-m1", "student": "A\\u001bB"}', "line 2: a name holds a control character"),
    ('{"id": "softmax-ce-e\u0661"}', "line 2: 'softmax-ce-e\u0661' is not a problem ID"),
    ("{nope", "line 2 is not JSON"),
])
def test_every_malformed_set_line_is_exit_2_with_its_line_number(tmp_path, line, message):
    (tmp_path / "set.jsonl").write_text('{"id": "softmax-ce-m2"}\n' + line + "\n", encoding="utf-8")
    result = grade(tmp_path, HEADER)
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith(f"handgrad: {tmp_path / 'set.jsonl'} {message}"[:len("handgrad: ") + 200])
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr


def test_an_oversized_field_skips_its_row_not_the_class(tmp_path):
    (problem,) = issue(tmp_path, "softmax-ce", "-n", "1", "--seed", "3")
    answer = typed(problem["answers"]["dlogits"])
    responses = HEADER + row("Ana", problem["id"], "dlogits", "1" * 200_000) + row("Bo", problem["id"], "dlogits", answer)
    result = grade(tmp_path, responses)
    assert result.exit_code == 0
    assert "line 2 skipped: not CSV (field larger than field limit" in result.stderr
    assert scores(result)["Bo", "1"]["correct"] == "1"


@pytest.fixture
def carried_class(tmp_path):
    """Ana flips dz's sign and computes dw = dz * x from her own dz; db is right; dx is not answered.
    Bo answers all four right."""
    (problem,) = issue(tmp_path, "tanh-neuron", "-n", "1", "--seed", "5")
    answers, x = problem["answers"], np.asarray(problem["inputs"]["x"])
    wrong_dz = -np.asarray(answers["dz"])
    responses = HEADER + "".join([
        row("Ana", "1", "dz", typed(wrong_dz)),
        row("Ana", "1", "dw", typed(wrong_dz * x)),  # follows from her dz: error carried forward
        row("Ana", "1", "db", typed(answers["db"])),
        *(row("Bo", "1", name, typed(answers[name])) for name in ("dz", "dw", "db", "dx")),
    ])
    return lambda *options: grade(tmp_path, responses, *options)


@pytest.mark.parametrize(("credit", "score", "carried_points"), [
    ("full", "0.500", "0.250"), ("half", "0.375", "0.125"), ("none", "0.250", "0.000"),
])
def test_an_answer_that_follows_from_the_students_own_wrong_one_earns_the_carry_forward_credit(
        carried_class, credit, score, carried_points):
    result = carried_class("--carry-forward", credit)
    assert result.exit_code == 0, result.stderr
    table = scores(result)
    ana = table["Ana", "1"]
    assert (ana["correct"], ana["score"], ana["mistakes"]) == ("1", score, "dz:sign-flipped")
    assert (ana["carried_forward"], ana["carried_points"]) == ("dw:dz", carried_points)
    assert (table["Ana", "total"]["score"], table["Ana", "total"]["carried_points"]) == (score, carried_points)
    assert (table["Bo", "1"]["score"], table["Bo", "1"]["carried_forward"]) == ("1.000", "")


def test_carry_forward_is_half_by_default_and_names_its_choices(carried_class):
    assert scores(carried_class())["Ana", "1"]["score"] == "0.375"
    result = carried_class("--carry-forward", "some")
    assert (result.exit_code, result.stderr) == (2, "handgrad: Invalid value for '--carry-forward': 'some' is not "
                                                 "one of 'full', 'half', 'none'. (see `handgrad grade --help`)\n")
