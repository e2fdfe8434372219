"""Moodle XML parsed as Moodle would: a category per problem slot, a cloze question per problem."""

import re
from pathlib import Path
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from handgrad_cli.classroom import set_code
from handgrad_cli.grading import Tolerance
from handgrad_cli.kinds import DEFAULT_KINDS, build, set_ids
from tests.teach_helpers import DEFAULT_KIND_NAMES, EVERY_KIND_AND_DIFFICULTY, generate, run

BLANK = re.compile(r"\{1:NUMERICAL:=(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)\}")


def questions(xml: str, kind: str):
    root = ET.fromstring(xml)
    assert root.tag == "quiz"
    return [question for question in root if question.get("type") == kind]


@pytest.mark.parametrize("kind,difficulty", EVERY_KIND_AND_DIFFICULTY)
def test_every_entry_is_a_numerical_blank_with_the_grading_tolerance(kind, difficulty):
    xml = generate(kind, "-n", "2", "-d", difficulty, "--seed", "5", "-f", "moodle-xml")
    categories = [question.findtext("category/text") for question in questions(xml, "category")]
    code = set_code([kind], 2, 5, difficulty)
    assert categories == [f"$course$/handgrad/{code}/problem-1", f"$course$/handgrad/{code}/problem-2"]
    clozes = questions(xml, "cloze")
    assert len(clozes) == 2
    for question in clozes:
        problem = build(question.findtext("idnumber"))
        assert question.findtext("name/text") == problem.label
        assert question.find("questiontext").get("format") == "html"
        text = question.findtext("questiontext/text")
        ET.fromstring(f"<div>{text}</div>")  # the HTML inside is well formed too
        blanks = [(float(value), float(tolerance)) for value, tolerance in BLANK.findall(text)]
        references = np.concatenate([np.ravel(value) for value in problem.answers.values()])
        assert len(blanks) == references.size
        for (value, tolerance), reference in zip(blanks, references):
            assert value == pytest.approx(reference, abs=1e-9)
            assert tolerance == pytest.approx(Tolerance().margin(reference), abs=1e-9)


def categories_of(xml: str) -> dict[str, list[str]]:
    """Each category and the IDs of the questions under it, in order."""
    slots, current = {}, None
    for question in ET.fromstring(xml):
        if question.get("type") == "category":
            current = question.findtext("category/text")
            slots[current] = []
        else:
            slots[current].append(question.findtext("idnumber"))
    return slots


def test_a_shared_set_has_a_category_per_problem_slot_or_per_kind_marked_a_point_a_blank():
    ids = [str(problem_id) for problem_id in set_ids(list(DEFAULT_KINDS), 5, 0, "medium")]
    code = set_code(list(DEFAULT_KINDS), 5, 0, "medium")
    assert categories_of(generate("-n", "5", "-f", "moodle-xml")) == {
        f"$course$/handgrad/{code}/problem-{number}": [problem_id] for number, problem_id in enumerate(ids, 1)}
    by_kind = categories_of(generate("-n", "5", "-f", "moodle-xml", "--points", "per-entry"))
    assert by_kind == {f"$course$/handgrad/{kind}": [i for i in ids if build(i).kind == kind]
                       for kind in DEFAULT_KIND_NAMES}


def test_names_with_markup_stay_text_in_the_title_and_never_reach_the_question(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("<b>Zoë</b> & Co\n", encoding="utf-8")
    clozes = questions(generate("-n", "1", "--students", roster, "-f", "moodle-xml"), "cloze")
    assert clozes[0].findtext("name/text").endswith("(<b>Zoë</b> & Co)")
    assert "Zoë" not in clozes[0].findtext("questiontext/text")  # a random slot may give it to anyone


def test_braces_in_a_name_never_make_a_blank(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("{1:NUMERICAL:=0:1} Zoë\n", encoding="utf-8")
    (cloze,) = questions(generate("softmax-ce", "-n", "1", "-d", "easy", "--students", roster, "-f", "moodle-xml"),
                         "cloze")
    text = cloze.findtext("questiontext/text")
    blanks = re.findall(r"\{\d*:(?:NUMERICAL|NM|SHORTANSWER|SA|MW|MULTICHOICE\w*|MC\w*|MR\w*):", text)
    assert len(blanks) == 3  # Moodle's cloze reader finds the three dlogits entries and nothing else
    assert cloze.findtext("name/text").endswith("({1:NUMERICAL:=0:1} Zoë)")  # a question's name is only text


EMOTICONS = (Path(__file__).parent / "fixtures" / "moodle_emoticons.txt").read_text(encoding="utf-8").splitlines()


def filtered_text(html_text: str) -> str:
    """What Moodle's emoticon filter gets to rewrite: the text outside its nolink spans."""
    return re.sub(r'<span class="nolink">.*?</span>', "", html_text, flags=re.DOTALL)


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_no_text_is_left_for_moodles_emoticon_filter(tmp_path, fmt):
    roster = tmp_path / "students.txt"
    roster.write_text("Yan (y) Li :)\nNo (n) 8-) B-)\n", encoding="utf-8")
    students = ["--students", roster] if fmt == "moodle-xml" else []  # gift serves a shared set only
    output = generate("softmax-ce", "-n", "2", "-d", "hard", *students, "-f", fmt)
    if fmt == "moodle-xml":
        root = ET.fromstring(output)
        texts = [question.findtext(part) or "" for question in root.iter("question")
                 for part in ("questiontext/text", "generalfeedback/text")]
        assert "Yan (y) Li :)" in output  # in a question's name, which the filter never sees
    else:
        texts = [re.sub(r"\\(.)", r"\1", block.split("::", 2)[2])  # GIFT's escapes read back
                 for block in output.split("\n\n") if block.startswith("::")]
    assert any("probs[range(N), target]" in text for text in texts)
    for text in texts:  # none of it is where the filter would turn it into an image
        left = filtered_text(text).lower()
        assert [face for face in EMOTICONS if face.lower() in left] == []


MOODLE_BLANK = re.compile(r"\{(\d*):(?:NUMERICAL|NM|MULTICHOICE|MC|SHORTANSWER|SA|MW)\w*:")


def moodle_mark(cloze: ET.Element) -> int:
    """A cloze question's mark as Moodle's import makes it (qtype_multianswer_extract_question): the sum of
    its blanks' weights, a weight left out counting 1. Moodle's XML import does not read `defaultgrade`."""
    return sum(int(weight or 1) for weight in MOODLE_BLANK.findall(cloze.findtext("questiontext/text")))


def test_each_problem_is_worth_one_mark_in_a_quiz_of_random_slots_its_blanks_sharing_it():
    """A random question slot is worth 1 mark in Moodle (mod_quiz structure::add_random_questions), and a cloze
    scores the share of its blanks right when they weigh alike: one category per problem, one question each."""
    xml = generate("mlp", "softmax-ce", "-n", "2", "--seed", "3", "-f", "moodle-xml")
    slots = categories_of(xml)
    assert [len(ids) for ids in slots.values()] == [1, 1]  # a random question from each draws that problem
    for cloze in questions(xml, "cloze"):
        weights = MOODLE_BLANK.findall(cloze.findtext("questiontext/text"))
        problem = build(cloze.findtext("idnumber"))
        assert set(weights) == {"1"} and len(weights) == sum(np.size(v) for v in problem.answers.values())
        assert cloze.findtext("defaultgrade") == str(moodle_mark(cloze))  # the file says what Moodle counts


def test_points_per_entry_is_the_question_itself_a_mark_a_blank():
    xml = generate("mlp", "softmax-ce", "-n", "2", "--seed", "3", "-f", "moodle-xml", "--points", "per-entry")
    for cloze in questions(xml, "cloze"):
        problem = build(cloze.findtext("idnumber"))
        assert moodle_mark(cloze) == sum(np.size(value) for value in problem.answers.values())
    result = run("generate", "-n", "2", "--variants", "3", "-f", "moodle-xml", "--points", "per-entry")
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr == ("handgrad: a Moodle random question is worth the same points whichever variant it "
                             "draws, and variants have different numbers of entries: --points per-entry needs a "
                             "shared set\n")


def test_students_sets_put_every_variant_of_a_problem_slot_in_one_category():
    kinds = list(DEFAULT_KINDS)
    code = set_code(kinds, 2, 9, "medium")
    variants = [f"variant-{n:02d}" for n in (1, 2, 3)]
    assert categories_of(generate("-n", "2", "--variants", "3", "--seed", "9", "-f", "moodle-xml")) == {
        f"$course$/handgrad/{code}/problem-{slot}": [
            str(list(set_ids(kinds, 2, 9, "medium", variant))[slot - 1]) for variant in variants]
        for slot in (1, 2)
    }
