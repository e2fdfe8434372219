"""Students' own sets for Canvas: one quiz with a question group per problem slot that picks 1 of the
class's variants, so each student gets one variant a slot, as a Moodle quiz of random questions does.

A group picks whole questions, so each variant is one question holding all its blanks: Canvas's
*fill in multiple blanks* type, whose only way to grade a blank is by its text. Each blank therefore
lists, as its accepted answers, every number within handgrad's grading tolerance written to 3 decimals
(and without trailing zeros: ``0.5``), and where the question asks for more decimals, the reference
rounded to them. The question's point is shared by its blanks, as Canvas splits it.
"""

from __future__ import annotations

import functools
import html
import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from itertools import groupby
from typing import BinaryIO, TextIO

from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import Blank, XmlTemplate, blanks, slot, spooled, stem_html
from handgrad_cli.render.qti_xml import (ASSESSMENT_TAIL, GROUP_TAIL, assessment_head, field, group_head, html_text,
                                         opened_cdata)
from handgrad_cli.render.sheets import ProblemSet, Sheet, copy_spool

TYPED_AT_LEAST = 3  # the rounding rule's decimals: every blank takes them, and more where the question asks


def blank_name(blank: Blank) -> str:
    """``dlogits_0_2``: the blank's name in the question text (``[dlogits_0_2]``), letters, digits and ``_``."""
    return _name(blank.gradient, blank.index)


@functools.lru_cache(maxsize=1 << 14)  # the same few recur in every variant of a kind
def _name(gradient: str, index: tuple[int, ...]) -> str:
    return "_".join([gradient, *map(str, index)])


def written(units: int, places: int) -> str:
    """``-0.335`` for -335 units of 10**-3: a number to `places` decimals, from integers (no float to round)."""
    whole, fraction = divmod(abs(units), 10**places)
    return f"{'-' if units < 0 else ''}{whole}.{fraction:0{places}d}"


@functools.lru_cache(maxsize=1 << 14)
def forms(units: int, places: int) -> tuple[str, ...]:
    """``-0.500`` as a learner may also write it: ``-0.5``; a zero also as ``0`` and ``-0.000``."""
    text = written(units, places)
    if units == 0:
        return text, "-" + text, "0"
    shortest = text.rstrip("0").rstrip(".")
    return (text, shortest) if shortest != text else (text,)


def accepted_texts(blank: Blank, places: int) -> tuple[str, ...]:
    """The texts Canvas accepts in the blank (`texts_within`), its answer asked to `places` decimals."""
    return texts_within(blank.value, blank.tolerance, places)


@functools.lru_cache(maxsize=1 << 14)  # zeros and small integers recur across students' variants
def texts_within(value: float, tolerance: float, places: int) -> tuple[str, ...]:
    """What Canvas accepts in a blank: every number written to 3 decimals that handgrad's check accepts, and
    where the question asks for more `places`, the reference rounded to them (give or take 1 in the last)."""
    scale = 10**TYPED_AT_LEAST
    nearest, reach = round(value * scale), math.ceil(tolerance * scale) + 1
    # the same test as `check`: the text read as a float (units / 10**places is that same float)
    texts = [text for units in range(nearest - reach, nearest + reach + 1)
             if abs(units / scale - value) <= tolerance for text in forms(units, TYPED_AT_LEAST)]
    if places > TYPED_AT_LEAST:
        finer, rounded = 10**places, round(value * 10**places)
        texts += [text for units in (rounded - 1, rounded, rounded + 1)
                  if abs(units / finer - value) <= tolerance for text in forms(units, places)]
    return tuple(dict.fromkeys(texts))


def blanks_html(every: list[Blank]) -> str:
    """A paragraph per row of each gradient: ``dW[0, 0] [dW_0_0] dW[0, 1] [dW_0_1]``, each ``[name]`` a box."""
    rows = groupby(every, key=lambda blank: (blank.gradient, blank.index[:-1]))
    # a label is a gradient's name and its index (``dW[0, 1]``): no markup to escape
    return "".join("<p>" + " ".join(f"{blank.label} = [{blank_name(blank)}]" for blank in row) + "</p>"
                   for _, row in rows)


def variant_html(problem_set: ProblemSet, number: int, problem: Problem, every: list[Blank]) -> str:
    """The question a student sees: no name (a variant is drawn at random) and no ID (it is the solution)."""
    heading = f"Problem {number} of set {problem_set.code}".rstrip()
    how = ("Canvas checks each box by its text: write each number to 3 decimals, as -0.335 (or, where more "
           "decimals are asked, rounded from the exact value).")
    return f"<p>{html.escape(heading)}.</p>{stem_html(problem)}<p><em>{html.escape(how)}</em></p>" + \
        blanks_html(every)


def item_skeleton() -> XmlTemplate:
    """A variant's question with slots: its blanks' boxes and their scoring, written as strings (an mlp has
    hundreds of blanks, each with a handful of accepted texts), and its feedback."""
    item = ET.Element("item", {"ident": slot("ident"), "title": slot("title")})
    metadata = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    field(metadata, "question_type", "fill_in_multiple_blanks_question")
    field(metadata, "points_possible", "1.0")  # shared by its blanks; a group gives each question the same
    field(metadata, "assessment_question_identifierref", slot("question"))
    presentation = ET.SubElement(item, "presentation")
    html_text(presentation, slot("text"))
    presentation[-1].tail = slot("responses")
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar",
                  {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    processing[-1].tail = slot("conditions")
    processing.tail = slot("feedback")
    return XmlTemplate(ET.tostring(item, encoding="unicode"))


ITEM = item_skeleton()


# Written by str.format: they hold only identifiers (letters, digits, "-" and "_") and numbers, nothing to escape.
LABEL = '<response_label ident="{}"><material><mattext texttype="text/plain">{}</mattext></material></response_label>'
RESPONSE = ('<response_lid ident="response_{0}"><material><mattext texttype="text/plain">{0}</mattext></material>'
            '<render_choice>{1}</render_choice></response_lid>')
EQUAL = '<varequal respident="response_{}">{}</varequal>'
CONDITION = ('<respcondition continue="Yes"><conditionvar><or>{}</or></conditionvar>'
             '<setvar action="Add" varname="SCORE">{}</setvar></respcondition>')


def blank_xml(name: str, texts: tuple[str, ...], share: str) -> tuple[str, str]:
    """A blank's box listing the texts it accepts, and its share of the score for any of them. The texts' ids
    need only be unique in the question: Canvas numbers an answer whose id has letters itself (so the
    question carries no ``original_answer_ids``)."""
    ids = [f"{name}-{j}" for j in range(len(texts))]
    box = RESPONSE.format(name, "".join(map(LABEL.format, ids, texts)))
    return box, CONDITION.format("".join(map(EQUAL.format, [name] * len(ids), ids)), share)


def feedback_xml(problem: Problem) -> str:
    return _feedback(tuple(problem.closed_form.values()))


@functools.lru_cache(maxsize=256)  # a kind's closed forms are the same in every variant
def _feedback(formulas: tuple[str, ...]) -> str:
    if not formulas:
        return ""
    general = ET.Element("itemfeedback", {"ident": "general_fb"})
    html_text(ET.SubElement(general, "flow_mat"), "".join(f"<p>{html.escape(formula)}</p>" for formula in formulas))
    return ET.tostring(general, encoding="unicode")


def variant_item(problem_set: ProblemSet, ident: str, sheet: Sheet, number: int, problem: Problem) -> str:
    """One student's variant of a problem as one fill-in-multiple-blanks question."""
    title = f"Problem {number}" + (f" ({sheet.student})" if sheet.student is not None else "")
    every = [blank for gradient in problem.asked for blank in blanks(problem, gradient)]
    typed, share = problem.typed_decimals, f"{100 / len(every):.4f}"
    boxes, scoring = zip(*(blank_xml(blank_name(blank), accepted_texts(blank, typed[blank.gradient]), share)
                           for blank in every))
    return ITEM.fill(
        attributes={"ident": ident, "title": title},
        escaped={"text": opened_cdata(variant_html(problem_set, number, problem, every)) + "]]>",
                 "responses": "".join(boxes), "conditions": "".join(scoring), "feedback": feedback_xml(problem)},
        question=f"{ident}-question")


def write_slot_groups(problem_set: ProblemSet, identifier: str, title: str, package: BinaryIO) -> None:
    """The quiz: a group per problem slot, each holding every student's variant of that slot. The set is
    made once, sheet by sheet; each slot's questions wait in a spool until the last sheet is done."""
    out = io.TextIOWrapper(package, encoding="utf-8", write_through=True)
    write_groups(problem_set, identifier, title, out)
    out.detach()  # the package's stream stays open: the zip closes it


def write_groups(problem_set: ProblemSet, identifier: str, title: str, out: TextIO) -> None:
    out.write(assessment_head(identifier, title))
    with spooled(slot_questions(problem_set, identifier)) as groups:
        for number, waiting in groups:
            out.write(group_head(f"{identifier}-p{number}", f"Problem {number}", 1, "1.0"))
            copy_spool(waiting, out)
            out.write(GROUP_TAIL)
    out.write(ASSESSMENT_TAIL)


def slot_questions(problem_set: ProblemSet, identifier: str) -> Iterator[tuple[str, str]]:
    """(slot, XML) of every student's variant of every problem slot, in the set's order."""
    for variant, (sheet, number, problem) in enumerate(problem_set.items()):
        item = variant_item(problem_set, f"{identifier}-p{number}-{variant}", sheet, number, problem)
        yield str(number), "        " + item + "\n"  # its inside unindented: it is large
