"""The problem kinds, by name: one module each, one line here.

Everything else reads this registry: `handgrad kinds`, `explain KIND NAME=VALUES`, the README's
catalogue and the contract tests. Commands that pick kinds by default use `DEFAULT_KINDS`, frozen,
so adding a kind never changes what an existing command prints.
"""

from __future__ import annotations

import importlib
from collections import deque
from collections.abc import Iterable, Iterator, Mapping, Sequence
from difflib import get_close_matches
from itertools import chain, islice

from handgrad_cli.errors import UserError, shown, visible
from handgrad_cli.kinds.base import Kind
from handgrad_cli.problem import DEFAULT_DIFFICULTY, Problem, ProblemId, candidate_ids


class _Registry(Mapping[str, Kind]):
    """Kinds by name. A kind's module is imported when the kind is first used, so a drill of the
    lesson's two kinds starts without loading the others."""

    def __init__(self, where: dict[str, str]) -> None:
        self._where = where  # name -> "module:Class", in handgrad_cli.kinds
        self._made: dict[str, Kind] = {}

    def __getitem__(self, name: str) -> Kind:
        if name not in self._made:
            module, cls = self._where[name].split(":")
            self._made[name] = getattr(importlib.import_module(f"{__name__}.{module}"), cls)()
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)


KINDS: Mapping[str, Kind] = _Registry({
    "softmax-ce": "softmax_ce:SoftmaxCE",
    "tanh-neuron": "tanh_neuron:TanhNeuron",
    "scalar-graph": "scalar_graph:ScalarGraph",
    "linear": "linear:Linear",
    "broadcast-hpreact": "broadcast:BroadcastHpreact",
    "broadcast-probs": "broadcast:BroadcastProbs",
    "broadcast-norm-logits": "broadcast:BroadcastNormLogits",
    "embedding": "embedding:Embedding",
    "ce-steps": "ce_steps:CESteps",
    "batchnorm": "batchnorm:BatchNorm",
    "mlp": "mlp:MLP",
    "sigmoid-bce": "sigmoid_bce:SigmoidBCE",
})
DEFAULT_KINDS = ("softmax-ce", "tanh-neuron")  # the lesson's two: generate, drill, review and stats by default
ALL = "all"


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        close = get_close_matches(name, list(KINDS), n=1)  # the list itself outgrows one line
        guess = f"did you mean {close[0]}? " if close else ""
        raise UserError(f"unknown kind {shown(name)}: {guess}`handgrad kinds` lists all {len(KINDS)}") from None


def chosen_kinds(names: Sequence[str] | None, all_kinds: bool = False) -> list[str]:
    """The kinds a command asks: as named, every kind for `all` (or --all-kinds), else the defaults."""
    if all_kinds or (names and ALL in names):
        return list(KINDS)
    return [get_kind(name).name for name in names] if names else list(DEFAULT_KINDS)


BATCH = 1024  # problems solved together when a set is built: numpy's per-call cost is shared, memory stays flat
WAITING = 2 * BATCH  # places found but not yet given out, waiting for an earlier one: memory stays flat


def build_many(problem_ids: Iterable[ProblemId]) -> Iterator[Problem]:
    """The problems these IDs name, in order, solved a batch at a time (the same as `build` one by one)."""
    ids = iter(problem_ids)
    while chunk := list(islice(ids, BATCH)):
        yield from _built(chunk)


def _built(problem_ids: list[ProblemId]) -> list[Problem]:
    built: list[Problem | None] = [None] * len(problem_ids)
    by_kind: dict[str, list[int]] = {}
    for i, problem_id in enumerate(problem_ids):
        by_kind.setdefault(problem_id.kind, []).append(i)
    for name, places in by_kind.items():
        for i, problem in zip(places, get_kind(name).build_many([problem_ids[i] for i in places])):
            built[i] = problem
    return built


def build(problem_id: ProblemId | str) -> Problem:
    """The problem an ID names, the same in every release."""
    if isinstance(problem_id, str):
        problem_id = ProblemId.parse(problem_id)
    return get_kind(problem_id.kind).build(problem_id)


class _Place:
    """A place in a set: its candidate IDs, the first sound problem among them once found."""

    __slots__ = ("candidates", "found", "tries")

    def __init__(self, candidates: Iterator[ProblemId]) -> None:
        self.candidates, self.found, self.tries = candidates, None, 1


def set_problems(kinds: Sequence[str], count: int, seed: int, difficulty: str, *member: object) -> Iterator[Problem]:
    """A problem set: kinds in turn, seeds derived from the set's seed, unsound problems skipped.

    Each place takes its first sound candidate, so a set's problems are ones where no named slip
    passes; the IDs themselves keep their meaning. Rounds of BATCH new places are solved together
    with the places still open, each trying twice as many candidates as in its last round: batches
    stay large. The first round takes the first place alone, so the first problem is not kept waiting
    for the rest. New places wait while WAITING found ones wait for an earlier place: memory stays flat.
    """
    return _first_sound(candidate_ids(kinds, count, seed, difficulty, *member))


def member_sets(kinds: Sequence[str], count: int, seed: int, difficulty: str,
                members: Sequence[object]) -> list[list[Problem]]:
    """Several members' sets, each what `set_problems` gives it, their places solved in the same rounds:
    a class of students with a few problems each is solved in batches as large as one long set's."""
    places = chain.from_iterable(candidate_ids(kinds, count, seed, difficulty, member) for member in members)
    found = _first_sound(places)
    return [list(islice(found, count)) for _ in members]


def _first_sound(places: Iterator[Iterator[ProblemId]]) -> Iterator[Problem]:
    """Each place's first sound candidate, in order (see `set_problems`)."""
    in_order: deque[_Place] = deque()
    open_places: list[_Place] = []
    new_places = 1  # the first alone: a drill's first prompt waits for one problem, not for a batch of them
    while True:
        room = new_places if len(in_order) < WAITING else 0  # behind a place still open, at most WAITING wait
        new_places = BATCH
        fresh = [_Place(candidates) for candidates in islice(places, room)]
        if not fresh and not open_places:
            return
        in_order.extend(fresh)
        open_places += fresh
        asked = [(place, next(place.candidates)) for place in open_places for _ in range(place.tries)]
        for (place, _), problem in zip(asked, _built([problem_id for _, problem_id in asked])):
            if place.found is None and problem.sound:
                place.found = problem
        open_places = [place for place in open_places if place.found is None]
        for place in open_places:
            place.tries *= 2
        while in_order and in_order[0].found is not None:
            yield in_order.popleft().found


def set_ids(kinds: Sequence[str], count: int, seed: int, difficulty: str, *member: object) -> Iterator[ProblemId]:
    """The IDs of `set_problems`: exactly what `generate` prints and `drill` asks."""
    return (problem.id for problem in set_problems(kinds, count, seed, difficulty, *member))


def asked_of(problem_id: str) -> tuple[str, ...] | None:
    """What the problem an ID names asks; None for an ID or a kind this release does not know."""
    try:
        parsed = ProblemId.parse(problem_id)
        return get_kind(parsed.kind).asked_of(parsed)
    except UserError:
        return None


def problem_for(subject: str, typed: dict[str, str], seed: int | None, difficulty: str | None, fresh_seed) -> Problem:
    """What `explain` shows: a problem ID, a kind with typed inputs, or a kind with a random draw.

    `seed` and `difficulty` (None when not given) choose a random draw, so they go with a kind alone.
    """
    drawn = [flag for flag, value in (("--seed", seed), ("--difficulty", difficulty)) if value is not None]
    if subject not in KINDS and "-" in subject and subject[-1:].isdigit():
        if typed:
            raise UserError(f"{visible(subject)} is a problem ID: its inputs are fixed, drop {visible(', '.join(typed))}")
        if drawn:
            raise UserError(f"{visible(subject)} is a problem ID: its seed and difficulty are fixed, "
                            f"drop {' and '.join(drawn)}")
        return build(subject)
    kind = get_kind(subject)
    foreign = [name for name in typed if not kind.takes_input(name)]
    if foreign:
        raise UserError(f"{shown(foreign[0])} is not an input of {kind.name}: it takes {kind.input_names()}")
    if typed:
        if drawn:
            raise UserError(f"--seed and --difficulty draw a random problem; with your inputs, drop {' and '.join(drawn)}")
        return kind.solve_typed(kind.read_inputs(typed))
    difficulty = difficulty or DEFAULT_DIFFICULTY
    if seed is None:  # a fresh draw: a sound one, as a drill would ask
        return next(set_problems([kind.name], 1, fresh_seed(), difficulty))
    return kind.build(ProblemId(kind.name, difficulty, seed))
