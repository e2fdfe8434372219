"""Moodle XML: one cloze (embedded answers) question per problem, in a category per problem slot.

Each gradient entry is a blank ``{1:NUMERICAL:=value:tolerance}`` in the question's HTML, with the
grading tolerance. Moodle makes a cloze question's mark the sum of its blanks' weights (1 each) and a
quiz's random-question slot worth 1 mark: so a quiz of a random question from each slot's category counts
each problem as 1, its blanks sharing it, as `grade` does (Moodle's question/type/multianswer and
mod/quiz structure::add_random_questions). With `points` "per-entry" a shared set is grouped by kind,
for a quiz of the questions themselves, a mark a blank. Elements are built with ElementTree, so the XML is
always well formed.
"""

from __future__ import annotations

import html
import xml.etree.ElementTree as ET
from typing import TextIO

import numpy as np

from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import (Blank, XmlTemplate, blanks, category, decimal, entries, nolink, slot,
                                          slot_name, stem_html, title, write_grouped)
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


CATEGORY = XmlTemplate(_xml(category_question(slot("group"))))  # filled per group: a set may have thousands


def category_xml(group: str) -> str:
    return CATEGORY.fill(group=group)


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


def question_html(problem: Problem) -> str:
    """The question without the student's name: a random slot may give any student's variant."""
    parts = [stem_html(problem, text_html)]
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


def cloze_question(sheet: Sheet, problem: Problem) -> str:
    """A problem as one cloze question, its XML from the template every question shares."""
    feedback = "".join(f"<p>{nolink(html.escape(formula))}</p>" for formula in problem.closed_form.values())
    # Moodle counts a cloze's mark from its blanks and ignores this: written as Moodle will count it
    grade = str(entries(problem))
    return CLOZE.fill(name=title(sheet, problem), text=question_html(problem), feedback=feedback, grade=grade,
                      idnumber=problem.label)


def moodle_group(problem_set: ProblemSet, number: int, problem: Problem) -> str:
    """A category per problem slot (``K7Q2MD/problem-3``), so that a random question from it is worth 1 mark;
    a category per kind for a shared set marked a point a blank."""
    if problem_set.points == "per-entry" and not problem_set.has_variants:
        return problem.kind
    return slot_name(problem_set, number)


def write_moodle_xml(problem_set: ProblemSet, out: TextIO) -> None:
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n')
    if problem_set.has_variants or problem_set.points == "per-entry":
        write_grouped(problem_set, out, category_xml, cloze_question, moodle_group)
    else:  # a category per problem of the one sheet, each holding just it: written as they come, none kept
        for sheet, number, problem in problem_set.items():
            out.write(category_xml(moodle_group(problem_set, number, problem)) + cloze_question(sheet, problem))
    out.write("</quiz>\n")
