"""Students' own sets for Canvas: one quiz with a question group per problem slot that picks 1 of the
class's variants, so each student gets one variant a slot, as a Moodle quiz of random questions does.

A group picks whole questions, so each variant is one question holding all its blanks: Canvas's
*fill in multiple blanks* type, whose only way to grade a blank is by its text. Each blank therefore
lists, as its accepted answers, every number within handgrad's grading tolerance written to 3 decimals
(and without trailing zeros: ``0.5``), and where the question asks for more decimals, the reference
rounded to them. The question's point is shared by its blanks, as Canvas splits it.
"""

from __future__ import annotations

import html
import io
import math
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from decimal import Decimal
from itertools import groupby
from typing import BinaryIO, TextIO
from xml.sax.saxutils import escape

from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import Blank, XmlTemplate, blanks, slot, spooled, stem_html
from handgrad_cli.render.qti_xml import ASSESSMENT_TAIL, GROUP_TAIL, assessment_head, field, group_head, html_text
from handgrad_cli.render.sheets import ProblemSet, Sheet

TYPED_AT_LEAST = 3  # the rounding rule's decimals: every blank takes them, and more where the question asks


def blank_name(blank: Blank) -> str:
    """``dlogits_0_2``: the blank's name in the question text (``[dlogits_0_2]``), letters, digits and ``_``."""
    return "_".join([blank.gradient, *map(str, blank.index)])


def forms(number: Decimal, places: int) -> list[str]:
    """``-0.500`` as a learner may also write it: ``-0.5``; a zero also as ``0`` and ``-0.000``."""
    text = f"{number:.{places}f}"
    shortest = text.rstrip("0").rstrip(".")
    if shortest in ("0", "-0"):
        return [text, "-" + text, "0"]
    return [text, shortest] if shortest != text else [text]


def accepted_texts(blank: Blank, places: int) -> list[str]:
    """What Canvas accepts in the blank: every number written to 3 decimals that handgrad's check accepts, and
    where the question asks for more `places`, the reference rounded to them (give or take 1 in the last)."""
    step = Decimal(1).scaleb(-TYPED_AT_LEAST)
    nearest = round(blank.value / float(step))
    reach = math.ceil(blank.tolerance / float(step)) + 1
    numbers = [(Decimal(k) * step, TYPED_AT_LEAST) for k in range(nearest - reach, nearest + reach + 1)]
    if places > TYPED_AT_LEAST:
        finer = Decimal(1).scaleb(-places)
        rounded = Decimal(repr(blank.value)).quantize(finer)
        numbers += [(rounded + k * finer, places) for k in (-1, 0, 1)]
    # the same test as `check`, in the same floating point, so an edge case is decided alike
    kept = [(number, decimals) for number, decimals in numbers if abs(float(number) - blank.value) <= blank.tolerance]
    return list(dict.fromkeys(text for number, decimals in kept for text in forms(number, decimals)))


def blanks_html(problem: Problem) -> str:
    """A paragraph per row of each gradient: ``dW[0, 0] [dW_0_0] dW[0, 1] [dW_0_1]``, each ``[name]`` a box."""
    rows = []
    for gradient in problem.asked:
        for _, row in groupby(blanks(problem, gradient), key=lambda blank: blank.index[:-1]):
            rows.append(" ".join(f"{html.escape(blank.label)} = [{blank_name(blank)}]" for blank in row))
    return "".join(f"<p>{row}</p>" for row in rows)


def variant_html(problem_set: ProblemSet, number: int, problem: Problem) -> str:
    """The question a student sees: no name (a variant is drawn at random) and no ID (it is the solution)."""
    heading = f"Problem {number} of set {problem_set.code}".rstrip()
    how = ("Canvas checks each box by its text: write each number to 3 decimals, as -0.335 (or, where more "
           "decimals are asked, rounded from the exact value).")
    return f"<p>{html.escape(heading)}.</p>{stem_html(problem)}<p><em>{html.escape(how)}</em></p>" + \
        blanks_html(problem)


def item_skeleton() -> XmlTemplate:
    """A variant's question with slots: its blanks' boxes and their scoring, written as strings (an mlp has
    hundreds of blanks, each with a handful of accepted texts), and its feedback."""
    item = ET.Element("item", {"ident": slot("ident"), "title": slot("title")})
    metadata = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    field(metadata, "question_type", "fill_in_multiple_blanks_question")
    field(metadata, "points_possible", "1.0")  # shared by its blanks; a group gives each question the same
    field(metadata, "original_answer_ids", slot("answer_ids"))
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
TEXT = '<material><mattext texttype="text/plain">{}</mattext></material>'


def response(name: str, choices: list[tuple[str, str]]) -> str:
    """A blank's box and the texts it accepts, (answer id, text) each."""
    labels = "".join(f'<response_label ident="{escape(ident)}">{TEXT.format(escape(text))}</response_label>'
                     for ident, text in choices)
    return f'<response_lid ident="response_{name}">{TEXT.format(name)}<render_choice>{labels}</render_choice>' \
           "</response_lid>"


def scoring(name: str, choices: list[tuple[str, str]], share: str) -> str:
    """The blank's share of the score for any of its accepted texts."""
    equals = "".join(f'<varequal respident="response_{name}">{escape(ident)}</varequal>' for ident, _ in choices)
    return f'<respcondition continue="Yes"><conditionvar><or>{equals}</or></conditionvar>' \
           f'<setvar action="Add" varname="SCORE">{share}</setvar></respcondition>'


def feedback_xml(problem: Problem) -> str:
    if not problem.closed_form:
        return ""
    general = ET.Element("itemfeedback", {"ident": "general_fb"})
    html_text(ET.SubElement(general, "flow_mat"),
              "".join(f"<p>{html.escape(formula)}</p>" for formula in problem.closed_form.values()))
    return ET.tostring(general, encoding="unicode")


def variant_item(problem_set: ProblemSet, ident: str, sheet: Sheet, number: int, problem: Problem) -> str:
    """One student's variant of a problem as one fill-in-multiple-blanks question."""
    title = f"Problem {number}" + (f" ({sheet.student})" if sheet.student is not None else "")
    every = [blank for gradient in problem.asked for blank in blanks(problem, gradient)]
    typed = problem.typed_decimals
    choices = [(blank_name(blank), [(f"{ident}-{k}-{j}", text) for j, text in
                                    enumerate(accepted_texts(blank, typed[blank.gradient]))])
               for k, blank in enumerate(every, 1)]
    share = f"{100 / len(every):.4f}"
    return ITEM.fill(
        attributes={"ident": ident, "title": title},
        escaped={"responses": "".join(response(name, accepted) for name, accepted in choices),
                 "conditions": "".join(scoring(name, accepted, share) for name, accepted in choices),
                 "feedback": feedback_xml(problem)},
        answer_ids=",".join(answer_id for _, accepted in choices for answer_id, _ in accepted),
        question=f"{ident}-question", text=variant_html(problem_set, number, problem))


def write_slot_groups(problem_set: ProblemSet, identifier: str, title: str, package: BinaryIO) -> None:
    """The quiz: a group per problem slot, each holding every student's variant of that slot. The set is
    made once, sheet by sheet; each slot's questions wait in a spool until the last sheet is done."""
    out = io.TextIOWrapper(package, encoding="utf-8", write_through=True)
    write_groups(problem_set, identifier, title, out)
    out.detach()  # the package's stream stays open: the zip closes it


def write_groups(problem_set: ProblemSet, identifier: str, title: str, out: TextIO) -> None:
    out.write(assessment_head(identifier, title))
    with spooled(slot_questions(problem_set, identifier)) as groups:
        for number, spool in groups:
            out.write(group_head(f"{identifier}-p{number}", f"Problem {number}", 1, "1.0"))
            shutil.copyfileobj(spool, out)
            out.write(GROUP_TAIL)
    out.write(ASSESSMENT_TAIL)


def slot_questions(problem_set: ProblemSet, identifier: str) -> Iterator[tuple[str, str]]:
    """(slot, XML) of every student's variant of every problem slot, in the set's order."""
    for variant, (sheet, number, problem) in enumerate(problem_set.items()):
        item = variant_item(problem_set, f"{identifier}-p{number}-{variant}", sheet, number, problem)
        yield str(number), "        " + item + "\n"  # its inside unindented: it is large
