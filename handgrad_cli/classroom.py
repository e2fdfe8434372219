"""A class: its roster, a set of its own for each student, and grading the answers collected.

Pure: text in, values out. The CLI reads the files and prints what this returns.
"""

from __future__ import annotations

import csv
import io
import json
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import Any

from handgrad_cli.errors import UserError, shown
from handgrad_cli.grading import Grade, Tolerance, grade_all
from handgrad_cli.problem import Problem

MAX_NAME_CHARS = 200


def read_roster(text: str, source: str = "the students file") -> list[str]:
    """Student names, one a line; blank lines are skipped, a name given twice is refused."""
    names: list[str] = []
    seen: set[str] = set()  # composed (NFC): "José" typed either way is one name
    for line_number, line in enumerate(text.splitlines(), 1):
        student = line.strip()
        if not student:
            continue
        if any(unicodedata.category(char) == "Cc" for char in student):
            raise UserError(f"{source} line {line_number}: a name holds a control character; write plain text")
        if len(student) > MAX_NAME_CHARS:
            raise UserError(f"{source} line {line_number}: a name is longer than {MAX_NAME_CHARS} characters")
        composed = unicodedata.normalize("NFC", student)
        if composed in seen:
            raise UserError(f"{source} line {line_number}: {shown(student)} is listed twice; names must be unique")
        seen.add(composed)
        names.append(student)
    if not names:
        raise UserError(f"{source} lists no students: write one name a line")
    return names


def variant_names(count: int) -> list[str]:
    """``variant-01`` … ``variant-30``: names for anonymous variants, sorted as they are numbered."""
    width = max(2, len(str(count)))
    return [f"variant-{i:0{width}d}" for i in range(1, count + 1)]


def member_problems(kinds: list[str], count: int, seed: int, difficulty: str, *member: str) -> Iterator[Problem]:
    """One member's set (no member: the set the whole class shares), built problem by problem."""
    from handgrad_cli.kinds import set_problems

    return set_problems(kinds, count, seed, difficulty, *member)


def problem_source(kinds: list[str], count: int, seed: int, difficulty: str, student: str | None):
    """A source for a sheet: called once per pass, it gives the student's problems afresh.

    `student` None gives the set the whole class shares, with the IDs `generate` always gave.
    """
    member = () if student is None else (student,)
    return partial(member_problems, kinds, count, seed, difficulty, *member)


# --- grading a class -------------------------------------------------------------------------

RESPONSE_COLUMNS = ("student", "id", "gradient", "answer")


@dataclass(frozen=True)
class Assigned:
    """A problem of the issued set, and the student it was issued to (None: to everyone)."""

    student: str | None
    problem: Problem


@dataclass(frozen=True)
class IssuedSet:
    problems: tuple[Assigned, ...]

    @property
    def roster(self) -> list[str]:
        """The students the set names, in the order it names them."""
        return list(dict.fromkeys(item.student for item in self.problems if item.student is not None))

    @property
    def shared(self) -> bool:
        """Whether some problems were issued to everyone (then anyone who answers is graded)."""
        return any(item.student is None for item in self.problems)

    @cached_property
    def _spellings(self) -> dict[str, str]:
        return {unicodedata.normalize("NFC", student): student for student in self.roster}

    def spelling(self, student: str) -> str:
        """The set's spelling of a name typed in another Unicode form (é composed, or e + accent)."""
        return self._spellings.get(unicodedata.normalize("NFC", student), student)

    @cached_property
    def _by_id(self) -> dict[str, Assigned]:
        return {item.problem.label: item for item in reversed(self.problems)}  # the first of an ID wins

    def find(self, problem_id: str) -> Assigned | None:
        return self._by_id.get(problem_id)

    @cached_property
    def _sheets(self) -> dict[str | None, list[Problem]]:
        """Each named student's sheet, and (under None) the problems issued to everyone, in set order."""
        sheets: dict[str | None, list[Problem]] = {None: [], **{student: [] for student in self.roster}}
        for item in self.problems:
            for student in (sheets if item.student is None else (item.student,)):
                sheets[student].append(item.problem)
        return sheets

    def sheet(self, student: str) -> list[Problem]:
        """The problems issued to everyone and those issued to `student`, in set order."""
        return list(self._sheets.get(student, self._sheets[None]))


@dataclass(frozen=True)
class Note:
    """A response row reported to the teacher: skipped (unreadable), or a later answer that counts."""

    line: int
    text: str


@dataclass
class Responses:
    answers: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)  # (student, id) -> gradient -> value
    students: dict[str, None] = field(default_factory=dict)  # every name met, in order (an ordered set)
    skipped: list[Note] = field(default_factory=list)
    replaced: list[Note] = field(default_factory=list)


@dataclass(frozen=True)
class ProblemScore:
    student: str
    number: int  # its place on the student's sheet, from 1
    problem: Problem
    grades: tuple[Grade, ...]

    @property
    def asked(self) -> int:
        return len(self.grades)

    @property
    def answered(self) -> int:
        return sum(grade.given for grade in self.grades)

    @property
    def correct(self) -> int:
        return sum(grade.correct for grade in self.grades)

    @property
    def score(self) -> float:
        """The share of its gradients answered right: each problem is worth one point."""
        return self.correct / self.asked


@dataclass(frozen=True)
class ClassResult:
    students: tuple[str, ...]
    scores: tuple[ProblemScore, ...]  # student by student, in sheet order
    responses: Responses

    @cached_property
    def _by_student(self) -> dict[str, tuple[ProblemScore, ...]]:
        grouped: dict[str, list[ProblemScore]] = {}
        for score in self.scores:
            grouped.setdefault(score.student, []).append(score)
        return {student: tuple(scores) for student, scores in grouped.items()}

    def of(self, student: str) -> list[ProblemScore]:
        """The student's scores in sheet order (grouped once: the summary asks for every student twice)."""
        return list(self._by_student.get(student, ()))


def read_set(text: str, source: str = "the set") -> IssuedSet:
    """The set as `generate -f jsonl` wrote it (a `-f json` array is read too); each ID is rebuilt."""
    problems = tuple(_assigned(record, where) for where, record in _set_records(text, source))
    if not problems:
        raise UserError(f"{source} holds no problems: give the jsonl that `handgrad generate -f jsonl` wrote")
    return IssuedSet(problems)


def _set_records(text: str, source: str) -> Iterator[tuple[str, Any]]:
    """(where, record) pairs: ``SET line 3`` for JSONL, ``SET record 3`` for a JSON array."""
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise UserError(f"{source} line {error.lineno} is not JSON: {error.msg}") from None
        yield from ((f"{source} record {number}", record) for number, record in enumerate(records, 1))
        return
    for line, content in enumerate(text.splitlines(), 1):
        if not content.strip():
            continue
        try:
            yield f"{source} line {line}", json.loads(content)
        except json.JSONDecodeError as error:
            raise UserError(f"{source} line {line} is not JSON ({error.msg}): give the jsonl of the set") from None


def _assigned(record: Any, where: str) -> Assigned:
    from handgrad_cli.kinds import build

    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        raise UserError(f"{where} has no problem \"id\": give the jsonl that `handgrad generate -f jsonl` wrote")
    student = record.get("student")
    if student is not None and not isinstance(student, str):
        raise UserError(f"{where}: \"student\" must be a name")
    try:
        return Assigned(student, build(record["id"]))
    except UserError as error:
        raise UserError(f"{where}: {error}") from None


def read_responses(text: str, issued: IssuedSet, source: str = "the responses") -> Responses:
    """Rows ``student,id,gradient,answer``; a row that cannot be used is noted with its line and skipped."""
    reader = csv.reader(io.StringIO(text))
    columns = _columns(next(reader, None), source)
    responses = Responses()
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                _take(row, reader.line_num, columns, issued, responses)
    except csv.Error as error:
        raise UserError(f"{source} line {reader.line_num} is not CSV: {error}") from None
    return responses


def _columns(header: list[str] | None, source: str) -> dict[str, int]:
    if header is None:
        raise UserError(f"{source} is empty: its first line must be the header {','.join(RESPONSE_COLUMNS)}")
    names = [cell.strip().lower() for cell in header]
    missing = [column for column in RESPONSE_COLUMNS if column not in names]
    if missing:
        raise UserError(
            f"{source} has no column {', '.join(missing)}: its header must name {','.join(RESPONSE_COLUMNS)}"
        )
    return {column: names.index(column) for column in RESPONSE_COLUMNS}


def _take(row: list[str], line: int, columns: dict[str, int], issued: IssuedSet, responses: Responses) -> None:
    cells = {column: row[index].strip() if index < len(row) else "" for column, index in columns.items()}
    cells["student"] = issued.spelling(cells["student"])
    student, problem_id, gradient = cells["student"], cells["id"], cells["gradient"]
    if student:
        responses.students[student] = None
    try:
        value = _answer(cells, issued)
    except UserError as error:
        responses.skipped.append(Note(line, str(error)))
        return
    answers = responses.answers.setdefault((student, problem_id), {})
    if gradient in answers:
        responses.replaced.append(Note(line, f"a second answer to {student}'s {gradient} of {problem_id}: it counts"))
    answers[gradient] = value


def _answer(cells: dict[str, str], issued: IssuedSet):
    from handgrad_cli.answers import read_values

    student, problem_id, gradient = cells["student"], cells["id"], cells["gradient"]
    if not student:
        raise UserError("no student named")
    assigned = issued.find(problem_id)
    if assigned is None:
        raise UserError(f"{shown(problem_id) if problem_id else 'an empty id'} is not a problem of the set")
    if assigned.student not in (None, student):
        raise UserError(f"{problem_id} was issued to {assigned.student}, not to {student}")
    problem = assigned.problem
    if gradient not in problem.answers:
        raise UserError(f"{problem_id} does not ask {shown(gradient)}: it asks {', '.join(problem.asked)}")
    return read_values(cells["answer"], problem.answers[gradient].shape, gradient)


def grade_class(issued: IssuedSet, responses: Responses, tolerance: Tolerance = Tolerance()) -> ClassResult:
    """Every student's sheet graded; a problem or gradient without an answer scores nothing."""
    students = issued.roster
    if issued.shared:
        students = list(dict.fromkeys([*students, *responses.students]))
    scores = tuple(
        ProblemScore(student, number, problem, tuple(
            grade_all(problem, responses.answers.get((student, problem.label), {}), tolerance)
        ))
        for student in students
        for number, problem in enumerate(issued.sheet(student), 1)
    )
    return ClassResult(tuple(students), scores, responses)
