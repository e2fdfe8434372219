"""Moodle XML parsed as Moodle would: a category per kind, a cloze question per problem."""

import re
from pathlib import Path
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from handgrad_cli.grading import Tolerance
from handgrad_cli.kinds import build
from tests.teach_helpers import DEFAULT_KIND_NAMES, EVERY_KIND_AND_DIFFICULTY, generate

BLANK = re.compile(r"\{1:NUMERICAL:=(-?\d+(?:\.\d+)?):(\d+(?:\.\d+)?)\}")


def questions(xml: str, kind: str):
    root = ET.fromstring(xml)
    assert root.tag == "quiz"
    return [question for question in root if question.get("type") == kind]


@pytest.mark.parametrize("kind,difficulty", EVERY_KIND_AND_DIFFICULTY)
def test_every_entry_is_a_numerical_blank_with_the_grading_tolerance(kind, difficulty):
    xml = generate(kind, "-n", "2", "-d", difficulty, "--seed", "5", "-f", "moodle-xml")
    categories = [question.findtext("category/text") for question in questions(xml, "category")]
    assert categories == [f"$course$/handgrad/{kind}"]
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


def test_a_mixed_set_has_one_category_per_kind_before_its_questions():
    root = ET.fromstring(generate("-n", "5", "-f", "moodle-xml"))
    current, seen = None, []
    for question in root:
        if question.get("type") == "category":
            current = question.findtext("category/text").rsplit("/", 1)[1]
            seen.append(current)
        else:
            assert build(question.findtext("idnumber")).kind == current
    assert seen == DEFAULT_KIND_NAMES
    assert len(questions(ET.tostring(root, encoding="unicode"), "cloze")) == 5


def test_names_with_markup_stay_text(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("<b>Zoë</b> & Co\n", encoding="utf-8")
    clozes = questions(generate("-n", "1", "--students", roster, "-f", "moodle-xml"), "cloze")
    assert clozes[0].findtext("name/text").endswith("(<b>Zoë</b> & Co)")
    assert '<p><em>For <span class="nolink">&lt;b&gt;Zoë&lt;/b&gt; &amp; Co</span></em></p>' in clozes[0].findtext("questiontext/text")


def test_braces_in_a_name_never_make_a_blank(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("{1:NUMERICAL:=0:1} Zoë\n", encoding="utf-8")
    (cloze,) = questions(generate("softmax-ce", "-n", "1", "-d", "easy", "--students", roster, "-f", "moodle-xml"),
                         "cloze")
    text = cloze.findtext("questiontext/text")
    blanks = re.findall(r"\{\d*:(?:NUMERICAL|NM|SHORTANSWER|SA|MW|MULTICHOICE\w*|MC\w*|MR\w*):", text)
    assert len(blanks) == 3  # Moodle's cloze reader finds the three dlogits entries and nothing else
    assert '<p><em>For <span class="nolink">&#123;1:NUMERICAL:=0:1} Zoë</span></em></p>' in text  # a browser shows the brace


EMOTICONS = (Path(__file__).parent / "fixtures" / "moodle_emoticons.txt").read_text(encoding="utf-8").splitlines()


def filtered_text(html_text: str) -> str:
    """What Moodle's emoticon filter gets to rewrite: the text outside its nolink spans."""
    return re.sub(r'<span class="nolink">.*?</span>', "", html_text, flags=re.DOTALL)


@pytest.mark.parametrize("fmt", ["gift", "moodle-xml"])
def test_no_text_is_left_for_moodles_emoticon_filter(tmp_path, fmt):
    roster = tmp_path / "students.txt"
    roster.write_text("Yan (y) Li :)\nNo (n) 8-) B-)\n", encoding="utf-8")
    output = generate("softmax-ce", "-n", "2", "-d", "hard", "--students", roster, "-f", fmt)
    if fmt == "moodle-xml":
        root = ET.fromstring(output)
        texts = [question.findtext(part) or "" for question in root.iter("question")
                 for part in ("questiontext/text", "generalfeedback/text")]
    else:
        texts = [re.sub(r"\\(.)", r"\1", block.split("::", 2)[2])  # GIFT's escapes read back
                 for block in output.split("\n\n") if block.startswith("::")]
    # the name as written (GIFT puts it in the title, escaped; Moodle XML in the text too)...
    assert "Yan (y) Li \\:)" in output if fmt == "gift" else any("Yan (y) Li :)" in text for text in texts)
    for text in texts:  # ...but none of it is where the filter would turn it into an image
        left = filtered_text(text).lower()
        assert [face for face in EMOTICONS if face.lower() in left] == []


@pytest.mark.parametrize("points", ["per-problem", "per-entry"])
def test_each_problem_is_worth_one_mark_or_one_a_blank(points):
    xml = generate("mlp", "softmax-ce", "-n", "2", "--seed", "3", "-f", "moodle-xml", "--points", points)
    for question in questions(xml, "cloze"):
        blanks = len(BLANK.findall(question.findtext("questiontext/text")))
        assert question.findtext("defaultgrade") == ("1" if points == "per-problem" else str(blanks))


def test_students_sets_put_every_variant_of_a_problem_slot_in_one_category():
    from handgrad_cli.classroom import set_code
    from handgrad_cli.kinds import DEFAULT_KINDS, set_ids

    root = ET.fromstring(generate("-n", "2", "--variants", "3", "--seed", "9", "-f", "moodle-xml"))
    kinds = list(DEFAULT_KINDS)
    code = set_code(kinds, 2, 9, "medium")
    slots, current = {}, None
    for question in root:
        if question.get("type") == "category":
            current = question.findtext("category/text")
            slots[current] = []
        else:
            slots[current].append(question.findtext("idnumber"))
    variants = [f"variant-{n:02d}" for n in (1, 2, 3)]
    assert slots == {
        f"$course$/handgrad/{code}/problem-{slot}": [
            str(list(set_ids(kinds, 2, 9, "medium", variant))[slot - 1]) for variant in variants]
        for slot in (1, 2)
    }
