"""Every kind can be solved in every format: each input value of the JSONL record reaches the student,
in the sheet or in the platform question's stem, read back as the student sees it."""

import io
import re
import xml.etree.ElementTree as ET
import zipfile

import pytest

from handgrad_cli.numbers import format_input
from handgrad_cli.problem import DIFFICULTIES
from handgrad_cli.question import ROUNDING_RULE, Value, parts_of
from tests.teach_helpers import KIND_NAMES, generate, run, the_set, visible
from tests.test_formats_gift import parse as parse_gift

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"


def shown_forms(problem, name) -> set[str]:
    """How an input may read: ``name = value``, or as the sentence states it (``X [2, 3] = value``)."""
    value = format_input(problem.inputs[name])
    stated = {part.text for part in parts_of(problem.question) if isinstance(part, Value) and part.name == name}
    assert all(form.startswith(name) and form.endswith(f" = {value}") for form in stated)
    return {f"{name} = {value}"} | stated


def text_stems(args) -> list[str]:
    sheet = generate(*args, "--answers", "none")
    return re.split(r"\n(?=\d+\. )", sheet)[1:]


def markdown_stems(args) -> list[str]:
    """Each problem's section, its inputs table rows read as ``name = value`` (as the cells show them)."""
    page = generate(*args, "-f", "markdown", "--answers", "none")
    sections = re.split(r"\n(?=## \d+\.)", page)[1:]
    return [re.sub(r"^\| `(.+?)` \| `(.+?)` \|$", r"\1 = \2", section, flags=re.M) for section in sections]


def gift_stems(args) -> list[str]:
    questions = [item for item in parse_gift(generate(*args, "-f", "gift")) if item[0] == "question"]
    return list(dict.fromkeys(text.rsplit(" Give ", 1)[0] for _, _, text, *_ in questions))


def moodle_stems(args) -> list[str]:
    quiz = ET.fromstring(generate(*args, "-f", "moodle-xml"))
    return [visible(question.findtext("questiontext/text")) for question in quiz.iter("question")
            if question.get("type") == "cloze"]


def qti_stems(args) -> list[str]:
    result = run("generate", *args, "-f", "qti")
    assert result.exit_code == 0
    with zipfile.ZipFile(io.BytesIO(result.stdout_bytes)) as package:
        name = next(name for name in package.namelist() if name != "imsmanifest.xml")
        assessment = ET.fromstring(package.read(name))
    stems = [visible(item.findtext(f".//{QTI}mattext")) for item in assessment.iter(f"{QTI}item")]
    return list(dict.fromkeys(stem.split(". ", 1)[1].rsplit(" Give ", 1)[0] for stem in stems))


STEMS = {"text": text_stems, "markdown": markdown_stems, "gift": gift_stems, "moodle-xml": moodle_stems,
         "qti": qti_stems}


@pytest.mark.parametrize("kind", KIND_NAMES)
@pytest.mark.parametrize("output_format", STEMS)
def test_every_input_and_the_rounding_rule_reach_the_student(kind, output_format):
    """(LaTeX is read back from the PDF, by pdftotext, in test_formats_latex.)"""
    for difficulty in DIFFICULTIES[::2]:  # the smallest and the largest problems
        args = (kind, "-n", "1", "-d", difficulty, "--seed", "5")
        (problem,) = the_set(*args)
        (stem,) = STEMS[output_format](args)
        flat = " ".join(stem.split())
        for name in problem.inputs:
            assert any(form in flat for form in shown_forms(problem, name)), (output_format, problem, name)
        if output_format in ("gift", "moodle-xml", "qti"):
            assert ROUNDING_RULE in flat
