"""Writing a class report's files (`grade --report DIR`): the scores as on stdout, a gradebook in three
layouts, the item analysis, the summary as JSON, and a feedback page per student written as they are graded.
The files a spreadsheet opens start with a byte-order mark, so Excel reads their accents as UTF-8."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

from handgrad_cli.classroom import ClassTally, IssuedSet, ProblemScore, Responses
from handgrad_cli.errors import UserError, shown_path
from handgrad_cli.render.classroom import write_scores
from handgrad_cli.render.report import ClassReport, summary_record

SPREADSHEET = "utf-8-sig"  # UTF-8 with a BOM: what Excel needs to read a CSV's accents


class _Both:
    """Text written to two streams (stdout and the report's scores.csv)."""

    def __init__(self, *streams) -> None:
        self.streams = streams

    def write(self, text: str) -> None:
        for stream in self.streams:
            stream.write(text)


def write_report(folder: Path, issued: IssuedSet, graded: Iterable[list[ProblemScore]],
                 responses: Responses) -> ClassTally:
    try:
        return _write(folder, issued, graded, responses)
    except OSError as error:
        raise UserError(f"cannot write the report in {shown_path(folder)}: {error.strerror or error}") from None


def _write(folder: Path, issued: IssuedSet, graded: Iterable[list[ProblemScore]], responses: Responses) -> ClassTally:
    feedback = folder / "feedback"
    feedback.mkdir(parents=True, exist_ok=True)
    report = ClassReport(issued)

    def each_with_its_page() -> Iterator[list[ProblemScore]]:
        for scores in graded:
            name, page = report.add(scores)
            if name:
                (feedback / name).write_text(page, encoding="utf-8")
            yield scores

    with open(folder / "scores.csv", "w", encoding=SPREADSHEET, newline="") as scores_file:
        tally = write_scores(each_with_its_page(), _Both(sys.stdout, scores_file))
    files = {"gradebook.csv": report.gradebook_csv(), "gradebook-canvas.csv": report.canvas_csv(),
             "gradebook-moodle.csv": report.moodle_csv(), "items.csv": report.items_csv()}
    for name, text in files.items():
        (folder / name).write_text(text, encoding=SPREADSHEET, newline="")
    summary = json.dumps(summary_record(tally, responses), ensure_ascii=False, indent=2) + "\n"
    (folder / "summary.json").write_text(summary, encoding="utf-8")
    return tally
