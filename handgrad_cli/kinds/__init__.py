"""The problem kinds, by name. Each module holds one kind's forward and backward side by side."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import islice

from handgrad_cli.errors import UserError, shown
from handgrad_cli.kinds.base import Kind
from handgrad_cli.kinds.softmax_ce import SoftmaxCE
from handgrad_cli.kinds.tanh_neuron import TanhNeuron
from handgrad_cli.problem import DEFAULT_DIFFICULTY, Problem, ProblemId

KINDS: dict[str, Kind] = {kind.name: kind for kind in (SoftmaxCE(), TanhNeuron())}
LESSON_KINDS = ("softmax-ce", "tanh-neuron")


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        known = ", ".join(KINDS)
        raise UserError(f"unknown kind {shown(name)}: choose from {known} (see `handgrad kinds`)") from None


BATCH = 256  # problems solved together when a set is built: numpy's per-call cost is shared, memory stays flat


def build_many(problem_ids: Iterable[ProblemId]) -> Iterator[Problem]:
    """The problems these IDs name, in order, solved a batch at a time (the same as `build` one by one)."""
    ids = iter(problem_ids)
    while chunk := list(islice(ids, BATCH)):
        built: list[Problem | None] = [None] * len(chunk)
        by_kind: dict[str, list[int]] = {}
        for i, problem_id in enumerate(chunk):
            by_kind.setdefault(problem_id.kind, []).append(i)
        for name, places in by_kind.items():
            for i, problem in zip(places, get_kind(name).build_many([chunk[i] for i in places])):
                built[i] = problem
        yield from built


def build(problem_id: ProblemId | str) -> Problem:
    """The problem an ID names, the same in every release."""
    if isinstance(problem_id, str):
        problem_id = ProblemId.parse(problem_id)
    return get_kind(problem_id.kind).build(problem_id)


def problem_for(subject: str, given: dict[str, str | None], seed: int | None, difficulty: str | None,
                fresh_seed) -> Problem:
    """What `explain` shows: a problem ID, a kind with typed inputs, or a kind with a random draw.

    `seed` and `difficulty` (None when not given) choose a random draw, so they go with a kind alone.
    """
    typed = {name: value for name, value in given.items() if value is not None}
    drawn = [flag for flag, value in (("--seed", seed), ("--difficulty", difficulty)) if value is not None]
    if subject not in KINDS and "-" in subject and subject[-1].isdigit():
        if typed:
            raise UserError(f"{subject} is a problem ID: its inputs are fixed, drop the input flags")
        if drawn:
            raise UserError(f"{subject} is a problem ID: its seed and difficulty are fixed, drop {' and '.join(drawn)}")
        return build(subject)
    kind = get_kind(subject)
    foreign = [name for name in typed if name not in kind.options]
    if foreign:
        flags = " ".join(f"--{name}" for name in kind.options)
        raise UserError(f"--{foreign[0]} is not an input of {kind.name}: it takes {flags}")
    if typed:
        if drawn:
            raise UserError(f"--seed and --difficulty draw a random problem; with your inputs, drop {' and '.join(drawn)}")
        return kind.from_options(typed)
    difficulty = difficulty or DEFAULT_DIFFICULTY
    return kind.build(ProblemId(kind.name, difficulty, fresh_seed() if seed is None else seed))
