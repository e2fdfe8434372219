"""QTI 1.2 for Canvas, read back as Canvas's importer reads it: the zip, its manifest, and each
numerical question's accepted range."""

import io
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
import zlib

import numpy as np
import pexpect
import pytest

from handgrad_cli.classroom import set_code
from handgrad_cli.grading import Tolerance
from handgrad_cli.kinds import DEFAULT_KINDS, build, get_kind, set_ids
from handgrad_cli.question import ROUNDING_RULE
from tests.teach_helpers import EVERY_KIND_AND_DIFFICULTY, run

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
MANIFEST = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
TITLE = re.compile(r"^Problem (\d+), (\w+)(?:\[([\d, ]+)\])?(?: \((.+)\))?$")


def package(*args: str) -> bytes:
    result = run("generate", *args, "-f", "qti")
    assert (result.exit_code, result.stderr) == (0, "")
    return result.stdout_bytes


def read_all(data: bytes) -> tuple[ET.Element, list[ET.Element]]:
    """The manifest and the assessments it names, in its order; every file of the zip must be XML."""
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        assert zipped.testzip() is None
        files = {name: ET.fromstring(zipped.read(name)) for name in zipped.namelist()}
    manifest = files.pop("imsmanifest.xml")
    resources = list(manifest.iter(f"{MANIFEST}resource"))
    for resource in resources:
        assert resource.get("type") == "imsqti_xmlv1p2"
        assert [file.get("href") for file in resource.iter(f"{MANIFEST}file")] == [resource.get("href")]
    assert list(files) == [resource.get("href") for resource in resources]  # the files the manifest references
    return manifest, [files[resource.get("href")] for resource in resources]


def read(data: bytes) -> tuple[ET.Element, ET.Element]:
    """The manifest and the package's one assessment."""
    manifest, (assessment,) = read_all(data)
    return manifest, assessment


def metadata(item: ET.Element) -> dict[str, str]:
    return {field.findtext(f"{QTI}fieldlabel"): field.findtext(f"{QTI}fieldentry")
            for field in item.iter(f"{QTI}qtimetadatafield")}


def accepted_range(item: ET.Element) -> tuple[float, float]:
    (condition,) = [c for c in item.iter(f"{QTI}respcondition") if c.findtext(f"{QTI}setvar") == "100"]
    return float(condition.findtext(f".//{QTI}vargte")), float(condition.findtext(f".//{QTI}varlte"))


def groups(assessment: ET.Element) -> list[ET.Element]:
    """The question groups: the sections inside the assessment's one root section."""
    (root_section,) = assessment.find(f"{QTI}assessment").findall(f"{QTI}section")
    return root_section.findall(f"{QTI}section")


@pytest.mark.parametrize(("kind", "difficulty"), EVERY_KIND_AND_DIFFICULTY)
def test_each_range_holds_the_reference_and_not_its_sign_flipped(kind, difficulty):
    _, assessment = read(package(kind, "-n", "3", "-d", difficulty, "--seed", "4"))
    problems = [build(problem_id) for problem_id in set_ids([kind], 3, 4, difficulty)]
    entries, points = 0, [0.0] * len(problems)
    for item in assessment.iter(f"{QTI}item"):
        assert metadata(item)["question_type"] == "numerical_question"
        number, gradient, index, student = TITLE.match(item.get("title")).groups()
        points[int(number) - 1] += float(metadata(item)["points_possible"])
        reference = float(np.asarray(problems[int(number) - 1].answers[gradient])[
            tuple(int(i) for i in index.split(",")) if index else ()])
        low, high = accepted_range(item)
        margin = float(Tolerance().margin(reference))
        assert low <= reference <= high
        assert (low, high) == pytest.approx((reference - margin, reference + margin), abs=1e-9)
        if not Tolerance().accepts(-reference, reference):
            assert not low <= -reference <= high  # a flipped sign scores nothing, as in `check`
        entries += 1
    assert entries == sum(np.size(value) for problem in problems for value in problem.answers.values())
    assert points == pytest.approx([1.0] * len(problems))  # each problem is worth one point, as in `grade`


@pytest.mark.parametrize("points", ["per-problem", "per-entry"])
def test_a_question_group_per_problem_worth_one_point_or_a_point_an_entry(points):
    _, assessment = read(package("-n", "5", "--seed", "2", "--points", points))
    sections = groups(assessment)
    kinds = [problem_id.kind for problem_id in set_ids(list(DEFAULT_KINDS), 5, 2, "medium")]
    assert [section.get("title") for section in sections] == [
        f"Problem {number}: {get_kind(kind).title}" for number, kind in enumerate(kinds, 1)]
    for section in sections:
        items = section.findall(f"{QTI}item")
        assert section.findtext(f".//{QTI}selection_number") == str(len(items)) != "0"
        each = float(section.findtext(f".//{QTI}points_per_item"))
        assert {float(metadata(item)["points_possible"]) for item in items} == {each}
        assert each * len(items) == pytest.approx(1.0) if points == "per-problem" else each == 1.0


def test_question_texts_show_problem_numbers_and_the_set_code_never_ids(tmp_path):
    roster = tmp_path / "class.txt"
    roster.write_text("Ana <b>&amp;</b>\nBo Li\n", encoding="utf-8")
    data = package("-n", "2", "--students", roster, "--per-student")
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        everything = b"".join(zipped.read(name) for name in zipped.namelist()).decode()
    for student in ("Ana <b>&amp;</b>", "Bo Li"):
        for problem_id in set_ids(list(DEFAULT_KINDS), 2, 0, "medium", student):
            assert str(problem_id) not in everything
    _, (ana, bo) = read_all(data)  # a quiz per student, each with their own problems only
    code = set_code(list(DEFAULT_KINDS), 2, 0, "medium")
    for assessment, student in ((ana, "Ana <b>&amp;</b>"), (bo, "Bo Li")):
        assert assessment.find(f"{QTI}assessment").get("title") == f"handgrad problem set {code}, {student}"
        assert {TITLE.match(item.get("title")).group(4) for item in assessment.iter(f"{QTI}item")} == {student}
    texts = [ET.fromstring(f"<div>{item.findtext(f'.//{QTI}mattext')}</div>") for item in ana.iter(f"{QTI}item")]
    first = ["".join(p.itertext()) for p in texts[0]]
    assert first[0] == f"Problem 1 of set {code}, for Ana <b>&amp;</b>."
    assert first[2:] == [ROUNDING_RULE, "Give dlogits[0]."]


def test_the_same_arguments_give_the_same_bytes_to_a_file_and_a_pipe(tmp_path):
    args = [sys.executable, "-m", "handgrad_cli", "generate", "-n", "3", "--seed", "5", "-f", "qti"]
    piped = subprocess.run(args, capture_output=True, check=True).stdout
    with open(tmp_path / "quiz.zip", "wb") as file:
        subprocess.run(args, stdout=file, check=True)
    assert (tmp_path / "quiz.zip").read_bytes() == piped == package("-n", "3", "--seed", "5")
    assert package("-n", "3", "--seed", "6") != piped
    with zipfile.ZipFile(io.BytesIO(piped)) as zipped:
        assert {info.date_time for info in zipped.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_each_file_is_deflated_at_the_fastest_level():
    """A class's package is large XML that repeats itself: the fastest deflate still shrinks it many times."""
    with zipfile.ZipFile(io.BytesIO(package("-n", "40", "--seed", "2"))) as zipped:
        for info in zipped.infolist():
            deflate = zlib.compressobj(1, zlib.DEFLATED, -zlib.MAX_WBITS)
            fastest = deflate.compress(zipped.read(info)) + deflate.flush()
            assert (info.compress_type, info.compress_size) == (zipfile.ZIP_DEFLATED, len(fastest))
            assert info.compress_size < info.file_size / 10 or info.filename == "imsmanifest.xml"


def test_a_terminal_is_refused_with_the_command_that_writes_a_file():
    child = pexpect.spawn(sys.executable, ["-m", "handgrad_cli", "generate", "-f", "qti"], encoding="utf-8",
                          timeout=20)
    child.expect(pexpect.EOF)
    child.close()
    assert child.before.strip() == ("handgrad: a qti package is a zip file, not text for a terminal: "
                                    "redirect it to a file: handgrad generate -f qti > quiz.zip")
    assert child.exitstatus == 2


def test_answers_is_refused_as_for_the_other_platform_formats():
    result = run("generate", "-f", "qti", "--answers", "none")
    assert (result.exit_code, result.stderr) == (
        2, "handgrad: --answers shapes text, markdown and latex; qti always carries its answers\n")


def test_a_name_that_would_end_the_texts_cdata_reads_back_whole(tmp_path):
    """A problem's text goes in CDATA: a ``]]>`` in a student's name (HTML there: ``]]&gt;``) never ends it."""
    roster = tmp_path / "class.txt"
    roster.write_text("Bo's ]]> <b>Li</b>\n", encoding="utf-8")
    _, (quiz,) = read_all(package("-n", "1", "--students", roster, "--per-student"))
    texts = [item.findtext(f".//{QTI}mattext") for item in quiz.iter(f"{QTI}item")]
    assert texts and all(text.startswith("<p>Problem 1 of set ") and ", for Bo&#x27;s ]]&gt; &lt;b&gt;Li&lt;/b&gt;.</p>"
                         in text and text.endswith(".</p>") for text in texts)
