"""Canvas's QTI 1.2 package: a zip of ``imsmanifest.xml`` and assessments, each of which Canvas's
"QTI .zip file" import makes into a quiz: one for a shared set, one per student with `per_student`, and
for students' own sets otherwise one quiz whose question groups each pick a student's variant (qti_groups).

An assessment has a question group (a ``section``) per problem, and one ``numerical_question`` per
gradient entry whose accepted range is the reference plus or minus handgrad's grading tolerance; the
group's entries share the problem's one point (or are worth one each, `points` "per-entry").
A zip is bytes: the package goes to the text stream's binary buffer. It streams, problem by
problem, and the same arguments give the same bytes (fixed timestamps, no seekable tricks).
"""

from __future__ import annotations

import functools
import io
import hashlib
import html
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO, TextIO

from handgrad_cli.kinds import get_kind
from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import Blank, XmlTemplate, blanks, decimal, entries, slot, stem_html, xml_attribute
from handgrad_cli.render.qti_groups import write_slot_groups
from handgrad_cli.render.qti_xml import (ASSESSMENT_TAIL, GROUP_TAIL, assessment_head, field, group_head, html_text,
                                         opened_cdata)
from handgrad_cli.render.sheets import ProblemSet, Sheet

MANIFEST_NAMESPACE = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: the same bytes on every run
WRITE_BUFFER = 1 << 16  # bytes handed to the compressor at a time
COMPRESS_LEVEL = 1  # zlib's fastest
RESPONSE = "response1"  # Canvas's name for a numerical question's one answer box


def number(value: float) -> str:
    """A decimal with a decimal point, as Canvas's quiz engines read it (``4.0``, not ``4``)."""
    text = decimal(value)
    return text if "." in text else text + ".0"


def set_identifier(problem_set: ProblemSet) -> str:
    """``handgrad-K7Q2MD``: names the quiz to Canvas, so a second import of the same set updates it,
    and another set (another code, or other students) makes a quiz of its own."""
    students = [sheet.student for sheet in problem_set.sheets if sheet.student is not None]
    if not students:
        return f"handgrad-{problem_set.code}"
    digest = hashlib.sha256("\n".join(students).encode()).hexdigest()[:8]
    return f"handgrad-{problem_set.code}-{digest}"


def quiz_title(problem_set: ProblemSet, sheet: Sheet | None = None) -> str:
    title = f"handgrad problem set {problem_set.code}".rstrip()
    return title if sheet is None or sheet.student is None else f"{title}, {sheet.student}"


def quiz_identifier(problem_set: ProblemSet, sheet: Sheet) -> str:
    """The package's identifier, and a student's beside it for their own quiz."""
    identifier = set_identifier(problem_set)
    if sheet.student is None:
        return identifier
    return f"{identifier}-{hashlib.sha256(sheet.student.encode()).hexdigest()[:8]}"


def item_title(sheet: Sheet, number_on_sheet: int, blank: Blank) -> str:
    """``Problem 3, dlogits[1]``: the teacher's name for the question (Canvas shows students
    "Question 7" instead). Problem numbers, never IDs: an ID is the whole solution."""
    title = f"Problem {number_on_sheet}, {blank.label}"
    return title + (f" ({sheet.student})" if sheet.student is not None else "")


def problem_html(problem_set: ProblemSet, sheet: Sheet, number_on_sheet: int, problem: Problem) -> str:
    """What every entry's question of a problem starts with: its number, the set code, the question."""
    heading = f"Problem {number_on_sheet} of set {problem_set.code}".rstrip()
    if sheet.student is not None:
        heading += f", for {sheet.student}"
    return f"<p>{html.escape(heading)}.</p>{stem_html(problem)}"


@functools.lru_cache(maxsize=256)
def item_template(feedback: str, points: str) -> XmlTemplate:
    """An item's XML for every entry that shares its feedback and points: a line each, its inside unindented
    (a class's quiz holds thousands of items, each with the problem's text: indenting added a third)."""
    text = slot("stem") + slot("give")  # as CDATA: the problem's HTML unescaped is a fifth shorter
    item = numerical_item(slot("ident"), slot("title"), text, slot("value"), slot("low"), slot("high"), feedback, points)
    return XmlTemplate("        " + ET.tostring(item, encoding="unicode") + "\n")


@functools.lru_cache(maxsize=1024)
def give_html(label: str) -> str:
    """The end of an entry's text, which closes the CDATA its problem's text opened (`opened_cdata`; the same
    few labels recur in every problem)."""
    return f"<p>Give {html.escape(label)}.</p>]]>"


def entry_item(template: XmlTemplate, ident: str, title: str, stem: str, blank: Blank) -> str:
    """One entry's item, from its gradient's template. `ident` and `stem` come as XML, made once for all the
    problem's entries; numbers are digits, a sign and a point: nothing in them to escape."""
    value, margin = blank.value, blank.tolerance
    return template.fill(escaped={
        "ident": ident, "title": xml_attribute(title), "stem": stem, "give": give_html(blank.label),
        "value": number(value), "low": number(value - margin), "high": number(value + margin)})


def numerical_item(ident: str, title: str, text_html: str, value: str, low: str, high: str, feedback: str,
                   points: str) -> ET.Element:
    """One entry as Canvas's numerical question: the reference, and the range it accepts."""
    item = ET.Element("item", {"ident": ident, "title": title})
    metadata = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    field(metadata, "question_type", "numerical_question")
    field(metadata, "points_possible", points)
    field(metadata, "original_answer_ids", f"{ident}-answer")
    field(metadata, "assessment_question_identifierref", f"{ident}-question")
    presentation = ET.SubElement(item, "presentation")
    html_text(presentation, text_html)
    response = ET.SubElement(presentation, "response_str", {"ident": RESPONSE, "rcardinality": "Single"})
    ET.SubElement(ET.SubElement(response, "render_fib", {"fibtype": "Decimal"}), "response_label", {"ident": "answer1"})
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar",
                  {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    if feedback:
        shown = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
        ET.SubElement(ET.SubElement(shown, "conditionvar"), "other")
        ET.SubElement(shown, "displayfeedback", {"feedbacktype": "Response", "linkrefid": "general_fb"})
    right = ET.SubElement(processing, "respcondition", {"continue": "No"})
    either = ET.SubElement(ET.SubElement(right, "conditionvar"), "or")
    ET.SubElement(either, "varequal", {"respident": RESPONSE}).text = value
    within = ET.SubElement(either, "and")
    ET.SubElement(within, "vargte", {"respident": RESPONSE}).text = low
    ET.SubElement(within, "varlte", {"respident": RESPONSE}).text = high
    ET.SubElement(right, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    if feedback:
        general = ET.SubElement(item, "itemfeedback", {"ident": "general_fb"})
        html_text(ET.SubElement(general, "flow_mat"), f"<p>{html.escape(feedback)}</p>")
    return item


def item_points(problem_set: ProblemSet, problem: Problem) -> str:
    """What one entry is worth: its share of the problem's point, or a point of its own."""
    return "1.0" if problem_set.points == "per-entry" else repr(1 / entries(problem))


def problem_items(problem_set: ProblemSet, prefix: str, sheet: Sheet, number: int, problem: Problem,
                  out: BinaryIO) -> None:
    """Write a problem's questions, one per gradient entry, as XML: a template per gradient (its feedback),
    the problem's text made XML once for all of them."""
    count, points, items = 0, item_points(problem_set, problem), []
    ident, stem = xml_attribute(prefix), opened_cdata(problem_html(problem_set, sheet, number, problem))
    for gradient in problem.asked:
        template = item_template(problem.closed_form.get(gradient, ""), points)
        for blank in blanks(problem, gradient):
            count += 1
            items.append(entry_item(template, f"{ident}-{count}", item_title(sheet, number, blank), stem, blank))
    out.write("".join(items).encode())


def write_assessment(problem_set: ProblemSet, sheet: Sheet, out: BinaryIO) -> None:
    """A sheet's quiz: a question group per problem, its entries sharing the problem's point."""
    identifier = quiz_identifier(problem_set, sheet)
    out.write(assessment_head(identifier, quiz_title(problem_set, sheet)).encode())
    for number, problem in enumerate(sheet.problems(), 1):
        prefix = f"{identifier}-p{number}"
        title = f"Problem {number}: {get_kind(problem.kind).title}"
        out.write(group_head(prefix, title, entries(problem), item_points(problem_set, problem)).encode())
        problem_items(problem_set, prefix, sheet, number, problem, out)
        out.write(GROUP_TAIL.encode())
    out.write(ASSESSMENT_TAIL.encode())


def manifest(problem_set: ProblemSet, identifier: str, quizzes: Iterable[tuple[str, str]]) -> bytes:
    """The package's table of contents: a resource per quiz, (identifier, file)."""
    root = ET.Element("manifest", {"identifier": f"{identifier}-manifest", "xmlns": MANIFEST_NAMESPACE})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    for quiz, href in quizzes:
        resource = ET.SubElement(resources, "resource", {"identifier": quiz, "type": "imsqti_xmlv1p2", "href": href})
        ET.SubElement(resource, "file", {"href": href})
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


def _entry(name: str) -> zipfile.ZipInfo:
    """A file of the package. The fastest deflate: a quiz's XML repeats itself, so it still shrinks twentyfold,
    at under two thirds of the CPU of the default level. (The level goes on the entry: `ZipFile.open` takes
    it from there, not from the ZipFile's `compresslevel`.)"""
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    # public as `compress_level` from Python 3.13; `_compresslevel` before (a slot, so only one name is settable)
    setattr(info, "compress_level" if hasattr(info, "compress_level") else "_compresslevel", COMPRESS_LEVEL)
    info.external_attr = 0o644 << 16
    return info


class _Unseekable:
    """The output as a stream that cannot seek: zipfile then writes the same bytes to a pipe and to a file."""

    def __init__(self, out: BinaryIO) -> None:
        self.write, self.flush = out.write, out.flush


def quizzes(problem_set: ProblemSet) -> Iterator[tuple[str, Callable[[BinaryIO], None]]]:
    """Each quiz of the package, (identifier, its writer): the shared set's one, a quiz per student's sheet
    (`per_student`), or for students' own sets one quiz of a question group per problem slot."""
    if problem_set.has_variants and not problem_set.per_student:
        identifier = set_identifier(problem_set)
        yield identifier, functools.partial(write_slot_groups, problem_set, identifier, quiz_title(problem_set))
        return
    for sheet in problem_set.sheets:
        yield quiz_identifier(problem_set, sheet), functools.partial(write_assessment, problem_set, sheet)


def write_qti_zip(problem_set: ProblemSet, out: BinaryIO) -> None:
    """The package: its manifest, then each quiz as it is written."""
    contents = [(quiz, f"{quiz}/{quiz}.xml") for quiz, _ in quizzes(problem_set)]
    with zipfile.ZipFile(_Unseekable(out), "w") as package:
        package.writestr(_entry("imsmanifest.xml"), manifest(problem_set, set_identifier(problem_set), contents))
        for (_, write), (_, href) in zip(quizzes(problem_set), contents):
            with package.open(_entry(href), "w") as entry, io.BufferedWriter(entry, WRITE_BUFFER) as assessment:
                write(assessment)


def write_qti(problem_set: ProblemSet, out: TextIO) -> None:
    """The package on the text stream's bytes (what has been written as text goes first)."""
    out.flush()
    write_qti_zip(problem_set, out.buffer)
    out.buffer.flush()
