"""A class report (`grade --report DIR`): a gradebook for Canvas and Moodle, an item analysis, a feedback
page per student and the summary as JSON. Gathered as the scores pass, student by student: a student's
feedback page is made when they are graded, and only a row per student and a tally per item are kept.
Pure: text out; the command writes the files.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from handgrad_cli.classroom import ClassTally, IssuedSet, ProblemScore, Responses
from handgrad_cli.csvsafe import safe_row
from handgrad_cli.numbers import as_typed
from handgrad_cli.render.classroom import common_mistakes, distribution, most_missed, points
from handgrad_cli.render.markdown import escape as md

TOP_MISTAKES = 3  # named in items.csv per gradient
FILE_NAME_CHARS = 80


@dataclass
class ItemTally:
    """One gradient of one problem slot across the class."""

    kinds: set[str] = field(default_factory=set)
    students: int = 0
    answered: int = 0
    right: int = 0
    carried: int = 0
    mistakes: Counter = field(default_factory=Counter)


@dataclass
class GradebookRow:
    key: str
    name: str
    email: str
    points: float
    out_of: int

    @property
    def percentage(self) -> str:
        return f"{100 * self.points / self.out_of:.1f}" if self.out_of else "0.0"


@dataclass
class ClassReport:
    issued: IssuedSet
    title: str = "handgrad"  # the assignment's name in a gradebook
    gradebook: list[GradebookRow] = field(default_factory=list)
    items: dict[tuple[int, str], ItemTally] = field(default_factory=dict)
    _files: set[str] = field(default_factory=set)

    def add(self, scores: list[ProblemScore]) -> tuple[str, str]:
        """Record a student's scores; returns their feedback page's file name and text."""
        if not scores:
            return "", ""
        key = scores[0].key
        index = self.issued.student_index(key)
        email = self.issued.emails[index] if index is not None else ""
        self.gradebook.append(GradebookRow(key, scores[0].student, email, sum(s.score for s in scores), len(scores)))
        for score in scores:
            for grade in score.grades:
                item = self.items.setdefault((score.number, grade.gradient), ItemTally())
                item.kinds.add(score.problem.kind)
                item.students += 1
                item.answered += grade.given
                item.right += grade.correct
                item.carried += grade.carried_forward
                if grade.mistake:
                    item.mistakes[grade.mistake.slug] += 1
        return self._file_name(key), feedback_page(scores)

    def _file_name(self, key: str) -> str:
        """``feedback/<student>.md``: the key as a safe file name, made unique."""
        base = re.sub(r"[^\w.-]+", "_", unicodedata.normalize("NFC", key)).strip("._")[:FILE_NAME_CHARS] or "student"
        name, number = base, 1
        while name.casefold() in self._files:
            number += 1
            name = f"{base}-{number}"
        self._files.add(name.casefold())
        return f"{name}.md"

    def gradebook_csv(self) -> str:
        return csv_text(("student_id", "name", "email", "points", "out_of", "percentage"),
                        ([row.key, row.name, row.email, points(row.points), str(row.out_of), row.percentage]
                         for row in self.gradebook))

    def canvas_csv(self) -> str:
        """Canvas's gradebook import: the student by SIS User ID (and SIS Login ID), the points in a column
        named after the assignment (a new one, unless the name matches an existing assignment)."""
        out_of = max((row.out_of for row in self.gradebook), default=0)
        header = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{self.title} ({out_of} points)")
        return csv_text(header, ([row.name, "", row.key, row.email, "", points(row.points)] for row in self.gradebook))

    def moodle_csv(self) -> str:
        """Moodle's grade import (CSV file): map "ID number" or "Email address" to the user, the grade column
        to a grade item whose maximum is the number of problems."""
        header = ("ID number", "Email address", "Full name", self.title)
        return csv_text(header, ([row.key, row.email, row.name, points(row.points)] for row in self.gradebook))

    def items_csv(self) -> str:
        """Per problem slot and gradient: the share right, right or carried forward, and the commonest slips."""
        rows = []
        for (number, gradient), item in sorted(self.items.items(), key=lambda pair: pair[0][0]):  # asked order
            rows.append([str(number), " ".join(sorted(item.kinds)), gradient, str(item.students), str(item.answered),
                         str(item.right), share(item.right, item.students),
                         share(item.right + item.carried, item.students),
                         " ".join(f"{slug}:{count}" for slug, count in item.mistakes.most_common(TOP_MISTAKES))])
        return csv_text(("problem", "kind", "gradient", "students", "answered", "right", "share_right",
                         "share_right_or_carried", "common_mistakes"), rows)


def share(count: int, total: int) -> str:
    return f"{count / total:.3f}" if total else ""


def csv_text(header: Iterable[str], rows: Iterable[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(safe_row(row) for row in rows)
    return out.getvalue()


def feedback_page(scores: list[ProblemScore]) -> str:
    """A student's page: their total, then each problem's gradients not right, with what they wrote,
    the mistake named, and the chain-rule step that makes the right answer."""
    total = sum(score.score for score in scores)
    lines = [f"# {md(scores[0].student)}", "", f"Score: {points(total)} of {len(scores)} problems.", ""]
    for score in scores:
        wrong = [grade for grade in score.grades if not grade.correct]
        lines += [f"## Problem {score.number} ({md(score.problem.kind)}): {points(score.score)} of 1", ""]
        if not wrong:
            lines += ["Every gradient right.", ""]
        steps = {step.quantity: step for step in score.problem.steps}
        for grade in wrong:
            lines += feedback_lines(grade, steps.get(grade.gradient))
    return "\n".join(lines).rstrip("\n") + "\n"


def feedback_lines(grade, step) -> list[str]:
    yours = f"`{as_typed(grade.yours)}`" if grade.given else "no answer"
    lines = [f"- **{md(grade.gradient)}**: you wrote {yours}; it is `{as_typed(grade.reference)}`."]
    if grade.carried_forward:
        lines.append(f"  It follows from your {md(', '.join(grade.carried))} (error carried forward).")
    elif grade.mistake:
        lines.append(f"  Likely mistake: {md(grade.mistake.description)}.")
    if step is not None:
        lines.append(f"  The step: `{step.formula}`.")
    return lines + [""]


def summary_record(tally: ClassTally, responses: Responses) -> dict[str, Any]:
    """The summary on stderr, as JSON: the headline's counts, the distribution, most missed problems and
    the most common mistakes."""
    return {
        "students": tally.students,
        "problems": tally.problems,
        "rows_skipped": responses.skipped_rows,
        "answers_replaced": responses.replaced_rows,
        "distribution": [{"band": label, "students": count} for label, count in distribution(tally)],
        "most_missed": [{"problem": what, "missed_by": count, "students": total, "mean_score": mean}
                        for what, count, total, mean in most_missed(tally)],
        "common_mistakes": [{"mistake": name, "times": count, "description": description}
                            for name, count, description in common_mistakes(tally)],
    }
