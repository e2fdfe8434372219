"""A graded class: scores as CSV for a spreadsheet, and a summary a teacher reads at a glance."""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from handgrad_cli.classroom import ClassResult, ProblemScore

SCORE_COLUMNS = ("student", "problem", "id", "kind", "asked", "answered", "correct", "score", "out_of", "mistakes")
BANDS = ((1.0, "100%"), (0.8, "80-99%"), (0.6, "60-79%"), (0.4, "40-59%"), (0.2, "20-39%"), (0.0, "0-19%"))
TOP = 5
BAR_WIDTH = 40  # the score distribution's longest bar, so a large class fits in 80 columns


def points(value: float) -> str:
    return f"{value:.3f}"


def mistakes_cell(score: ProblemScore) -> str:
    """``gradient:slug`` for each diagnosed mistake, space-separated."""
    return " ".join(f"{grade.gradient}:{grade.mistake.slug}" for grade in score.grades if grade.mistake)


def score_rows(result: ClassResult) -> Iterable[list[str]]:
    """A row per student per problem, then the student's total (problem = ``total``)."""
    for student in result.students:
        scores = result.of(student)
        for score in scores:
            yield [student, str(score.number), score.problem.label, score.problem.kind, str(score.asked),
                   str(score.answered), str(score.correct), points(score.score), "1", mistakes_cell(score)]
        yield [student, "total", "", "", *(str(sum(getattr(s, name) for s in scores))
                                             for name in ("asked", "answered", "correct")),
               points(sum(s.score for s in scores)), str(len(scores)), ""]


def write_scores(result: ClassResult, out: TextIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SCORE_COLUMNS)
    writer.writerows(score_rows(result))


def bar(count: int, biggest: int) -> str:
    """A '#' a student, scaled down when the biggest band would not fit in BAR_WIDTH (a band with students keeps one)."""
    if biggest <= BAR_WIDTH:
        return "#" * count
    return "#" * max(count > 0, round(count * BAR_WIDTH / biggest))


def share(result: ClassResult, student: str) -> float:
    scores = result.of(student)
    return sum(score.score for score in scores) / len(scores) if scores else 0.0


def distribution(result: ClassResult) -> list[tuple[str, int]]:
    """How many students scored in each band of their total, best band first."""
    counts = Counter(next(label for low, label in BANDS if share(result, student) >= low - 1e-9)
                     for student in result.students)
    return [(label, counts[label]) for _, label in BANDS]


def most_missed(result: ClassResult) -> list[tuple[str, int, int, float]]:
    """(problem, students who missed it, students who had it, mean score), the most missed first."""
    by_number: dict[int, list[ProblemScore]] = {}
    for score in result.scores:
        by_number.setdefault(score.number, []).append(score)
    rows = []
    for number, scores in by_number.items():
        labels = sorted({s.problem.label for s in scores})
        what = labels[0] if len(labels) == 1 else ", ".join(sorted({s.problem.kind for s in scores}))
        missed = sum(s.score < 1 for s in scores)
        rows.append((f"{number} ({what})", missed, len(scores), sum(s.score for s in scores) / len(scores)))
    rows.sort(key=lambda row: (-row[1], row[3]))
    return [row for row in rows if row[1]][:TOP]


def common_mistakes(result: ClassResult) -> list[tuple[str, int, str]]:
    """(kind gradient:slug, how often, one description), the most common first."""
    counts: Counter[str] = Counter()
    described: dict[str, str] = {}
    for score in result.scores:
        for grade in score.grades:
            if grade.mistake:
                name = f"{score.problem.kind} {grade.gradient}:{grade.mistake.slug}"
                counts[name] += 1
                described.setdefault(name, grade.mistake.description)
    return [(name, count, described[name]) for name, count in counts.most_common(TOP)]


def summary(result: ClassResult):
    """A Rich renderable: the headline, the score distribution, the most missed problems and mistakes."""
    from rich.console import Group
    from rich.text import Text

    from handgrad_cli.render.progress import plural

    responses = result.responses
    notes = [f"{plural(len(responses.skipped), 'row')} skipped"]
    if responses.replaced:
        notes.append(f"{plural(len(responses.replaced), 'answer')} replaced by a later one")
    headline = Text(f"Graded {plural(len(result.students), 'student')}, {plural(len(result.scores), 'problem')}; "
                    f"{', '.join(notes)}.")
    counts = distribution(result)
    biggest = max((count for _, count in counts), default=0)
    bands = summary_table("Score distribution", ("total score", ">students", ""), [
        (label, str(count), bar(count, biggest)) for label, count in counts
    ])
    missed = summary_table("Most missed problems", ("problem", ">missed by", ">mean score"), [
        (what, f"{count} of {total}", points(mean)) for what, count, total, mean in most_missed(result)
    ])
    mistakes = summary_table("Most common diagnosed mistakes", ("mistake", ">times", "for example"), [
        (name, str(count), description) for name, count, description in common_mistakes(result)
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
