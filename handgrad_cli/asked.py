"""What a drill asks: a seeded set of kinds, problems named by their IDs, or a teacher's set file.

Each choice gives the problems (lazily: a long set is never built before the first prompt; a
seeded set's problems as the set made them, not built again), how many there are, the words of the drill's first line, and the arguments that ask the same
problems again, for the replay line.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from handgrad_cli.errors import UserError, shown, shown_path
from handgrad_cli.problem import Problem, ProblemId


class Asked(NamedTuple):
    problems: Iterable[Problem]
    count: int
    about: str  # after "Drill: N problems", in brackets
    replay: list[str]  # the arguments after `handgrad drill` that ask the same problems


def split_subjects(words: Sequence[str]) -> tuple[list[str], list[ProblemId]]:
    """Kinds and problem IDs as typed: a word that reads as a problem ID is one, any other a kind."""
    from handgrad_cli.kinds import ALL, KINDS

    kinds, ids = [], []
    for word in words:
        problem_id = None if word in KINDS or word == ALL else _as_id(word)
        if problem_id is None:
            kinds.append(word)
        else:
            ids.append(problem_id)
    if kinds and ids:
        raise UserError(f"give kinds or problem IDs, not both: {shown(str(ids[0]))} is an ID, "
                        f"{shown(kinds[0])} a kind")
    return kinds, ids


def _as_id(word: str) -> ProblemId | None:
    try:
        return ProblemId.parse(word)
    except UserError:
        return None  # not an ID's shape: a kind (an unknown one is refused as such)


def seeded_set(kinds: list[str], count: int, seed: int, difficulty: str) -> Asked:
    """The set `generate` prints for these kinds, count, seed and difficulty."""
    from handgrad_cli.kinds import set_problems

    return Asked(set_problems(kinds, count, seed, difficulty), count, f"{', '.join(kinds)}; {difficulty}, seed {seed}",
                 [*kinds, "--count", str(count), "--seed", str(seed), "--difficulty", difficulty])


def given_ids(ids: list[ProblemId]) -> Asked:
    """Problems named by their IDs, in the order given (a repeated ID is asked again)."""
    from handgrad_cli.kinds import build, get_kind

    for problem_id in ids:
        get_kind(problem_id.kind)  # an unknown kind is refused before anything is asked
    labels = [str(problem_id) for problem_id in ids]
    return Asked(map(build, ids), len(ids), ", ".join(labels), labels)


def set_file(path: Path) -> Asked:
    """Every problem of a set `generate -f jsonl` wrote, in its order, read as a stream and kept compact."""
    from handgrad_cli.classroom import read_set
    from handgrad_cli.console import open_lines
    from handgrad_cli.kinds import build

    with open_lines(path) as lines:
        issued = read_set(lines, shown_path(path))
    problems = (build(issued.problem_id(i)) for i in range(len(issued)))
    replay = shlex.quote(str(path)) if str(path).isprintable() else shown_path(path)  # copied into a shell
    return Asked(problems, len(issued), f"from {shown_path(path)}", ["--from", replay])
