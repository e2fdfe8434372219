"""A graded class: scores as CSV for a spreadsheet, and a summary a teacher reads at a glance."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from handgrad_cli.classroom import ClassTally, ProblemScore, Responses
from handgrad_cli.csvsafe import safe_row

SCORE_COLUMNS = ("student", "problem", "id", "kind", "asked", "answered", "correct", "score", "out_of", "mistakes",
                 "carried_forward", "carried_points")
BANDS = ((1.0, "100%"), (0.8, "80-99%"), (0.6, "60-79%"), (0.4, "40-59%"), (0.2, "20-39%"), (0.0, "0-19%"))
TOP = 5
BAR_WIDTH = 40  # the score distribution's longest bar, so a large class fits in 80 columns


def points(value: float) -> str:
    return f"{value:.3f}"


def mistakes_cell(score: ProblemScore) -> str:
    """``gradient:slug`` for each diagnosed mistake, space-separated."""
    return " ".join(f"{grade.gradient}:{grade.mistake.slug}" for grade in score.grades if grade.mistake)


def carried_cell(score: ProblemScore) -> str:
    """``gradient:earlier`` for each answer that follows from the student's own wrong earlier answers
    (``dw:dz``; ``dx:dz+dw`` when it follows from several), space-separated."""
    return " ".join(f"{grade.gradient}:{'+'.join(grade.carried)}" for grade in score.carried)


def score_rows(scores: list[ProblemScore]) -> Iterable[list[str]]:
    """A row per problem of a student's sheet, then the student's total (problem = ``total``)."""
    for score in scores:
        yield [score.student, str(score.number), score.problem.label, score.problem.kind, str(score.asked),
               str(score.answered), str(score.correct), points(score.score), "1", mistakes_cell(score),
               carried_cell(score), points(score.carried_points)]
    if scores:
        yield [scores[0].student, "total", "", "", *(str(sum(getattr(s, name) for s in scores))
                                                       for name in ("asked", "answered", "correct")),
               points(sum(s.score for s in scores)), str(len(scores)), "", "",
               points(sum(s.carried_points for s in scores))]


def write_scores(sheets: Iterable[list[ProblemScore]], out: TextIO) -> ClassTally:
    """The scores as CSV, student by student as they are graded; returns what the summary needs.
    Every cell goes through safe_cell: a name such as ``=HYPERLINK(…)`` stays text in a spreadsheet."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    tally = ClassTally()
    for scores in sheets:
        writer.writerows(safe_row(row) for row in score_rows(scores))
        tally.add(scores)
    return tally


def bar(count: int, biggest: int) -> str:
    """A '#' a student, scaled down when the biggest band would not fit in BAR_WIDTH (a band with students keeps one)."""
    if biggest <= BAR_WIDTH:
        return "#" * count
    return "#" * max(count > 0, round(count * BAR_WIDTH / biggest))


def distribution(tally: ClassTally) -> list[tuple[str, int]]:
    """How many students scored in each band of their total, best band first."""
    counts = Counter(next(label for low, label in BANDS if share >= low - 1e-9) for share in tally.shares)
    return [(label, counts[label]) for _, label in BANDS]


def most_missed(tally: ClassTally) -> list[tuple[str, int, int, float]]:
    """(problem, students who missed it, students who had it, mean score), the most missed first."""
    rows = [
        (f"{number} ({problem.label or ', '.join(sorted(problem.kinds))})", problem.missed, problem.total,
         problem.points / problem.total)
        for number, problem in tally.by_number.items()
    ]
    rows.sort(key=lambda row: (-row[1], row[3]))
    return [row for row in rows if row[1]][:TOP]


def common_mistakes(tally: ClassTally) -> list[tuple[str, int, str]]:
    """(kind gradient:slug, how often, one description), the most common first."""
    return [(name, count, tally.described[name]) for name, count in tally.mistakes.most_common(TOP)]


def summary(tally: ClassTally, responses: Responses):
    """A Rich renderable: the headline, the score distribution, the most missed problems and mistakes."""
    from rich.console import Group
    from rich.text import Text

    from handgrad_cli.render.progress import plural

    notes = [f"{plural(responses.skipped_rows, 'row')} skipped"]
    if responses.replaced_rows:
        notes.append(f"{plural(responses.replaced_rows, 'answer')} replaced by a later one")
    headline = Text(f"Graded {plural(tally.students, 'student')}, {plural(tally.problems, 'problem')}; "
                    f"{', '.join(notes)}.")
    counts = distribution(tally)
    biggest = max((count for _, count in counts), default=0)
    bands = summary_table("Score distribution", ("total score", ">students", ""), [
        (label, str(count), bar(count, biggest)) for label, count in counts
    ])
    missed = summary_table("Most missed problems", ("problem", ">missed by", ">mean score"), [
        (what, f"{count} of {total}", points(mean)) for what, count, total, mean in most_missed(tally)
    ])
    mistakes = summary_table("Most common diagnosed mistakes", ("mistake", ">times", "for example"), [
        (name, str(count), description) for name, count, description in common_mistakes(tally)
    ])
    return Group(headline, bands, missed, mistakes)


def summary_table(title: str, columns: tuple[str, ...], rows: list[tuple[str, ...]]):
    """A table (a column named ``>name`` is right-aligned), or a line saying "none" when it has no rows."""
    from rich.table import Table
    from rich.text import Text

    if not rows:
        return Text(f"{title}: none")
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column.lstrip(">"), justify="right" if column.startswith(">") else "left")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))  # as written: brackets are not Rich markup
    return table
