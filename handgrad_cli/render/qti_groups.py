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

from handgrad_cli.problem import Problem
from handgrad_cli.render.platform import Blank, blanks, spooled, stem_html
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


def _plain(parent: ET.Element, text: str) -> None:
    ET.SubElement(ET.SubElement(parent, "material"), "mattext", {"texttype": "text/plain"}).text = text


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


def variant_item(problem_set: ProblemSet, ident: str, sheet: Sheet, number: int, problem: Problem) -> ET.Element:
    """One student's variant of a problem as one fill-in-multiple-blanks question."""
    title = f"Problem {number}" + (f" ({sheet.student})" if sheet.student is not None else "")
    item = ET.Element("item", {"ident": ident, "title": title})
    every = [blank for gradient in problem.asked for blank in blanks(problem, gradient)]
    typed = problem.typed_decimals
    accepted = [accepted_texts(blank, typed[blank.gradient]) for blank in every]
    answer_ids = [[f"{ident}-{k}-{j}" for j in range(len(texts))] for k, texts in enumerate(accepted, 1)]
    metadata = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    field(metadata, "question_type", "fill_in_multiple_blanks_question")
    field(metadata, "points_possible", "1.0")  # shared by its blanks; a group gives each question the same
    field(metadata, "original_answer_ids", ",".join(i for ids in answer_ids for i in ids))
    field(metadata, "assessment_question_identifierref", f"{ident}-question")
    presentation = ET.SubElement(item, "presentation")
    html_text(presentation, variant_html(problem_set, number, problem))
    for blank, texts, ids in zip(every, accepted, answer_ids):
        response = ET.SubElement(presentation, "response_lid", {"ident": f"response_{blank_name(blank)}"})
        _plain(response, blank_name(blank))
        choices = ET.SubElement(response, "render_choice")
        for text, answer_id in zip(texts, ids):
            _plain(ET.SubElement(choices, "response_label", {"ident": answer_id}), text)
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar",
                  {"maxvalue": "100", "minvalue": "0", "varname": "SCORE", "vartype": "Decimal"})
    share = f"{100 / len(every):.4f}"
    for blank, ids in zip(every, answer_ids):
        condition = ET.SubElement(processing, "respcondition", {"continue": "Yes"})
        either = ET.SubElement(ET.SubElement(condition, "conditionvar"), "or")
        for answer_id in ids:
            ET.SubElement(either, "varequal", {"respident": f"response_{blank_name(blank)}"}).text = answer_id
        ET.SubElement(condition, "setvar", {"action": "Add", "varname": "SCORE"}).text = share
    feedback = "".join(f"<p>{html.escape(formula)}</p>" for formula in problem.closed_form.values())
    if feedback:
        general = ET.SubElement(item, "itemfeedback", {"ident": "general_fb"})
        html_text(ET.SubElement(general, "flow_mat"), feedback)
    return item


def write_slot_groups(problem_set: ProblemSet, identifier: str, title: str, package: BinaryIO) -> None:
    """The quiz: a group per problem slot, each holding every student's variant of that slot. The set is
    made once, sheet by sheet; each slot's questions wait in a spool until the last sheet is done."""
    out = io.TextIOWrapper(package, encoding="utf-8", write_through=True)
    write_groups(problem_set, identifier, title, out)
    out.detach()  # the package's stream stays open: the zip closes it


def write_groups(problem_set: ProblemSet, identifier: str, title: str, out: TextIO) -> None:
    out.write(assessment_head(identifier, title))
    with spooled(slot_questions(problem_set, identifier)) as groups:
        for slot, spool in groups:
            out.write(group_head(f"{identifier}-p{slot}", f"Problem {slot}", 1, "1.0"))
            shutil.copyfileobj(spool, out)
            out.write(GROUP_TAIL)
    out.write(ASSESSMENT_TAIL)


def slot_questions(problem_set: ProblemSet, identifier: str) -> Iterator[tuple[str, str]]:
    """(slot, XML) of every student's variant of every problem slot, in the set's order."""
    for variant, (sheet, number, problem) in enumerate(problem_set.items()):
        item = variant_item(problem_set, f"{identifier}-p{number}-{variant}", sheet, number, problem)
        ET.indent(item, space="  ", level=4)
        yield str(number), "        " + ET.tostring(item, encoding="unicode") + "\n"
