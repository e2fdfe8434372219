"""Canvas's QTI 1.2 package: a zip of ``imsmanifest.xml`` and one assessment, which Canvas's
"QTI .zip file" import makes into a quiz.

The assessment has a question group (a ``section``) per kind, and one ``numerical_question`` per
gradient entry whose accepted range is the reference plus or minus handgrad's grading tolerance.
A zip is bytes: the package goes to the text stream's binary buffer. It streams, problem by
problem, and the same arguments give the same bytes (fixed timestamps, no seekable tricks).
"""

from __future__ import annotations

import hashlib
import html
import shutil
import tempfile
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterable
from typing import BinaryIO, TextIO
from xml.sax.saxutils import quoteattr

from handgrad_cli.kinds import get_kind
from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import Blank, blanks, by_kind, decimal, stem_html
from handgrad_cli.render.sheets import ProblemSet, Sheet

QTI_NAMESPACE = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
MANIFEST_NAMESPACE = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip can hold: the same bytes on every run
RESPONSE = "response1"  # Canvas's name for a numerical question's one answer box
SPOOL_BYTES = 1 << 20  # a question group kept in memory up to this size, then on disk


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


def quiz_title(problem_set: ProblemSet) -> str:
    return f"handgrad problem set {problem_set.code}".rstrip()


def _field(parent: ET.Element, label: str, entry: str) -> None:
    field = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(field, "fieldlabel").text = label
    ET.SubElement(field, "fieldentry").text = entry


def _html(parent: ET.Element, text_html: str) -> None:
    material = ET.SubElement(parent, "material")
    ET.SubElement(material, "mattext", {"texttype": "text/html"}).text = text_html


def item_title(sheet: Sheet, number_on_sheet: int, blank: Blank) -> str:
    """``Problem 3, dlogits[1]``: the teacher's name for the question (Canvas shows students
    "Question 7" instead). Problem numbers, never IDs: an ID is the whole solution."""
    title = f"Problem {number_on_sheet}, {blank.label}"
    return title + (f" ({sheet.student})" if sheet.student is not None else "")


def question_html(problem_set: ProblemSet, sheet: Sheet, number_on_sheet: int, problem: Problem, blank: Blank) -> str:
    heading = f"Problem {number_on_sheet} of set {problem_set.code}".rstrip()
    if sheet.student is not None:
        heading += f", for {sheet.student}"
    return f"<p>{html.escape(heading)}.</p>{stem_html(problem)}<p>Give {html.escape(blank.label)}.</p>"


def numerical_item(ident: str, title: str, text_html: str, blank: Blank, feedback: str) -> ET.Element:
    """One entry as Canvas's numerical question: the reference, and the range it accepts."""
    item = ET.Element("item", {"ident": ident, "title": title})
    metadata = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    _field(metadata, "question_type", "numerical_question")
    _field(metadata, "points_possible", "1.0")
    _field(metadata, "original_answer_ids", f"{ident}-answer")
    _field(metadata, "assessment_question_identifierref", f"{ident}-question")
    presentation = ET.SubElement(item, "presentation")
    _html(presentation, text_html)
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
    ET.SubElement(either, "varequal", {"respident": RESPONSE}).text = number(blank.value)
    within = ET.SubElement(either, "and")
    ET.SubElement(within, "vargte", {"respident": RESPONSE}).text = number(blank.value - blank.tolerance)
    ET.SubElement(within, "varlte", {"respident": RESPONSE}).text = number(blank.value + blank.tolerance)
    ET.SubElement(right, "setvar", {"action": "Set", "varname": "SCORE"}).text = "100"
    if feedback:
        general = ET.SubElement(item, "itemfeedback", {"ident": "general_fb"})
        _html(ET.SubElement(general, "flow_mat"), f"<p>{html.escape(feedback)}</p>")
    return item


def _xml(element: ET.Element, level: int) -> bytes:
    ET.indent(element, space="  ", level=level)
    return ("  " * level + ET.tostring(element, encoding="unicode") + "\n").encode()


def group_items(problem_set: ProblemSet, prefix: str, items: Iterable[tuple[Sheet, int, Problem]], out: BinaryIO) -> int:
    """Write a kind's questions as XML; returns how many."""
    count = 0
    for sheet, number_on_sheet, problem in items:
        for gradient in problem.asked:
            feedback = problem.closed_form.get(gradient, "")
            for blank in blanks(problem, gradient):
                count += 1
                item = numerical_item(f"{prefix}-{count}", item_title(sheet, number_on_sheet, blank),
                                      question_html(problem_set, sheet, number_on_sheet, problem, blank),
                                      blank, feedback)
                out.write(_xml(item, 4))
    return count


def group_head(ident: str, title: str, count: int) -> bytes:
    """A question group that gives every student all its questions, a point each."""
    section = ET.Element("section", {"ident": ident, "title": title})
    selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
    ET.SubElement(selection, "selection_number").text = str(count)
    ET.SubElement(ET.SubElement(selection, "selection_extension"), "points_per_item").text = "1"
    ET.indent(section, space="  ", level=3)
    text = ET.tostring(section, encoding="unicode")
    return ("      " + text.removesuffix("</section>").rstrip() + "\n").encode()


def write_assessment(problem_set: ProblemSet, identifier: str, out: BinaryIO) -> None:
    out.write(f'''<?xml version="1.0" encoding="UTF-8"?>
<questestinterop xmlns="{QTI_NAMESPACE}">
  <assessment ident={quoteattr(identifier)} title={quoteattr(quiz_title(problem_set))}>
    <section ident="root_section">
'''.encode())
    for kind, items in by_kind(problem_set):
        prefix = f"{identifier}-{kind}"
        # A group's head says how many questions it holds, so they wait in a spool until counted.
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            count = group_items(problem_set, prefix, items, spool)
            out.write(group_head(prefix, get_kind(kind).title, count))
            spool.seek(0)
            shutil.copyfileobj(spool, out)
        out.write(b"      </section>\n")
    out.write(b"    </section>\n  </assessment>\n</questestinterop>\n")


def manifest(problem_set: ProblemSet, identifier: str, href: str) -> bytes:
    root = ET.Element("manifest", {"identifier": f"{identifier}-manifest", "xmlns": MANIFEST_NAMESPACE})
    metadata = ET.SubElement(root, "metadata")
    ET.SubElement(metadata, "schema").text = "IMS Content"
    ET.SubElement(metadata, "schemaversion").text = "1.1.3"
    ET.SubElement(root, "organizations")
    resource = ET.SubElement(ET.SubElement(root, "resources"), "resource",
                             {"identifier": identifier, "type": "imsqti_xmlv1p2", "href": href})
    ET.SubElement(resource, "file", {"href": href})
    ET.indent(root, space="  ")
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode").encode() + b"\n"


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class _Unseekable:
    """The output as a stream that cannot seek: zipfile then writes the same bytes to a pipe and to a file."""

    def __init__(self, out: BinaryIO) -> None:
        self.write, self.flush = out.write, out.flush


def write_qti_zip(problem_set: ProblemSet, out: BinaryIO) -> None:
    identifier = set_identifier(problem_set)
    href = f"{identifier}/{identifier}.xml"
    with zipfile.ZipFile(_Unseekable(out), "w") as package:
        package.writestr(_entry("imsmanifest.xml"), manifest(problem_set, identifier, href))
        with package.open(_entry(href), "w") as assessment:
            write_assessment(problem_set, identifier, assessment)


def write_qti(problem_set: ProblemSet, out: TextIO) -> None:
    """The package on the text stream's bytes (what has been written as text goes first)."""
    out.flush()
    write_qti_zip(problem_set, out.buffer)
    out.buffer.flush()
