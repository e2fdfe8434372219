"""A class: its roster, a set of its own for each student, and grading the answers collected.

Pure: text in, values out. The CLI reads the files and prints what this returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial

from handgrad_cli.errors import UserError
from handgrad_cli.problem import Problem, set_ids

MAX_NAME_CHARS = 200


def read_roster(text: str, source: str = "the students file") -> list[str]:
    """Student names, one a line; blank lines are skipped, a name given twice is refused."""
    names: list[str] = []
    for line_number, line in enumerate(text.splitlines(), 1):
        student = line.strip()
        if not student:
            continue
        if len(student) > MAX_NAME_CHARS:
            raise UserError(f"{source} line {line_number}: a name is longer than {MAX_NAME_CHARS} characters")
        if student in names:
            raise UserError(f"{source} line {line_number}: {student!r} is listed twice; names must be unique")
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
    from handgrad_cli.kinds import build

    return (build(problem_id) for problem_id in set_ids(kinds, count, seed, difficulty, *member))


def problem_source(kinds: list[str], count: int, seed: int, difficulty: str, *member: str):
    """A source for a sheet: called once per pass, it gives the member's problems afresh."""
    return partial(member_problems, kinds, count, seed, difficulty, *member)
