"""Moodle XML parsed as Moodle would: a category per kind, a cloze question per problem."""

import re
import xml.etree.ElementTree as ET

import numpy as np
import pytest

from handgrad_cli.grading import Tolerance
from handgrad_cli.kinds import DEFAULT_KINDS, build
from tests.teach_helpers import EVERY_KIND_AND_DIFFICULTY, generate

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
    assert seen == sorted(DEFAULT_KINDS)
    assert len(questions(ET.tostring(root, encoding="unicode"), "cloze")) == 5


def test_names_with_markup_stay_text(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("<b>Zoë</b> & Co\n", encoding="utf-8")
    clozes = questions(generate("-n", "1", "--students", roster, "-f", "moodle-xml"), "cloze")
    assert clozes[0].findtext("name/text").endswith("(<b>Zoë</b> & Co)")
    assert "<p><em>For &lt;b&gt;Zoë&lt;/b&gt; &amp; Co</em></p>" in clozes[0].findtext("questiontext/text")


def test_braces_in_a_name_never_make_a_blank(tmp_path):
    roster = tmp_path / "students.txt"
    roster.write_text("{1:NUMERICAL:=0:1} Zoë\n", encoding="utf-8")
    (cloze,) = questions(generate("softmax-ce", "-n", "1", "-d", "easy", "--students", roster, "-f", "moodle-xml"),
                         "cloze")
    text = cloze.findtext("questiontext/text")
    blanks = re.findall(r"\{\d*:(?:NUMERICAL|NM|SHORTANSWER|SA|MW|MULTICHOICE\w*|MC\w*|MR\w*):", text)
    assert len(blanks) == 3  # Moodle's cloze reader finds the three dlogits entries and nothing else
    assert "<p><em>For &#123;1:NUMERICAL:=0:1} Zoë</em></p>" in text  # a browser shows the brace
