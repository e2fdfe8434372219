"""Moodle XML: a category per kind, then one cloze (embedded answers) question per problem.

Each gradient entry is a blank ``{1:NUMERICAL:=value:tolerance}`` in the question's HTML,
with the grading tolerance. Elements are built with ElementTree, so the XML is always well formed.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import TextIO

import numpy as np

from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import (Blank, XmlTemplate, blanks, category, decimal, entries, nolink, slot,
                                          stem_html, title, write_grouped)
from handgrad_cli.render.sheets import ProblemSet, Sheet

PENALTY = "0.3333333"  # Moodle's default penalty for each wrong try


def _text(parent: ET.Element, tag: str, text: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attributes)
    ET.SubElement(element, "text").text = text
    return element


def _xml(element: ET.Element) -> str:
    ET.indent(element, space="  ", level=1)
    return "  " + ET.tostring(element, encoding="unicode") + "\n"


def category_question(group: str) -> ET.Element:
    question = ET.Element("question", {"type": "category"})
    _text(question, "category", category(group))
    return question


def cloze(blank: Blank) -> str:
    return f"{{1:NUMERICAL:={decimal(blank.value)}:{decimal(blank.tolerance)}}}"


def gradient_lines(problem: Problem, gradient: str) -> list[str]:
    """A line of blanks per row: ``dz = {…}``, ``dw = [{…}, {…}]``, ``dlogits[0] = [{…}, …]``."""
    entries = list(blanks(problem, gradient))
    shape = np.shape(problem.answers[gradient])
    if not shape:
        return [f"{gradient} = {cloze(entries[0])}"]
    width = shape[-1]
    rows = [entries[start:start + width] for start in range(0, len(entries), width)]
    lines = []
    for row in rows:
        name = gradient if len(shape) == 1 else f"{gradient}[{', '.join(str(i) for i in row[0].index[:-1])}]"
        lines.append(f"{name} = [{', '.join(cloze(entry) for entry in row)}]")
    return lines


def text_html(text: str) -> str:
    """Text in the cloze's HTML: markup escaped, and "{" as an entity, so that nothing but our blanks
    reads as one to Moodle (a name such as "{1:SA:=x}" would otherwise become a question)."""
    return html.escape(text).replace("{", "&#123;")


def question_html(sheet: Sheet, problem: Problem) -> str:
    parts = [stem_html(problem, text_html)]
    if sheet.student is not None:
        parts.insert(0, f"<p><em>For {nolink(text_html(sheet.student))}</em></p>")
    for gradient in problem.asked:
        parts.extend(f"<p>{nolink(html.escape(line, quote=False))}</p>" for line in gradient_lines(problem, gradient))
    return "\n".join(parts)


def cloze_element(name: str, text: str, feedback: str, grade: str, idnumber: str) -> ET.Element:
    question = ET.Element("question", {"type": "cloze"})
    _text(question, "name", name)
    _text(question, "questiontext", text, format="html")
    _text(question, "generalfeedback", feedback, format="html")
    ET.SubElement(question, "defaultgrade").text = grade
    ET.SubElement(question, "penalty").text = PENALTY
    ET.SubElement(question, "hidden").text = "0"
    ET.SubElement(question, "idnumber").text = idnumber
    return question


CLOZE = XmlTemplate(_xml(cloze_element(*map(slot, ("name", "text", "feedback", "grade", "idnumber")))))


def cloze_question(sheet: Sheet, problem: Problem, points: str) -> str:
    """A problem as one cloze question, its XML from the template every question shares."""
    feedback = "".join(f"<p>{nolink(html.escape(formula))}</p>" for formula in problem.closed_form.values())
    # the question's mark: 1 for the problem, its blanks sharing it (their weights are relative), or 1 a blank
    grade = "1" if points == "per-problem" else str(entries(problem))
    return CLOZE.fill(name=title(sheet, problem), text=question_html(sheet, problem), feedback=feedback, grade=grade,
                      idnumber=problem.label)




def write_moodle_xml(problem_set: ProblemSet, out: TextIO) -> None:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    write_grouped(problem_set, out, lambda group: _xml(category_question(group)),
                  lambda sheet, problem: cloze_question(sheet, problem, problem_set.points))
    out.write("</quiz>\n")
