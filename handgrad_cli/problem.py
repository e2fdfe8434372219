"""The problem value object, its reproducible ID, and the random draws behind it.

An ID such as ``softmax-ce-m42`` names a kind, a difficulty (its first letter) and a seed.
It is a compatibility promise: the same ID gives the same problem in every later release,
so the draws come from a stream we own (SHA-256 seeding of the standard library's
Mersenne Twister, read through ``getrandbits`` only), never from a library's distributions.
"""

from __future__ import annotations

import functools
import itertools
import random
import re
from hashlib import sha256
from typing import Any, NamedTuple

from handgrad_cli.errors import UserError, shown

DIFFICULTIES = ("easy", "medium", "hard")
DEFAULT_DIFFICULTY = "medium"
MAX_SEED = 2**63 - 1

_ID_PATTERN = re.compile(r"^(?P<kind>[a-z][a-z0-9-]*)-(?P<level>[emh])(?P<seed>\d{1,19})$", re.ASCII)


class _IdFields(NamedTuple):
    kind: str
    difficulty: str
    seed: int


class ProblemId(_IdFields):
    """A problem's name: kind, difficulty and seed, checked when made."""

    __slots__ = ()

    def __new__(cls, kind: str, difficulty: str, seed: int) -> ProblemId:
        if difficulty not in DIFFICULTIES:
            raise UserError(f"unknown difficulty {difficulty!r}: use easy, medium or hard")
        if not 0 <= seed <= MAX_SEED:
            raise UserError(f"seed {seed} is out of range: use a whole number from 0 to {MAX_SEED}")
        return super().__new__(cls, kind, difficulty, seed)

    def __str__(self) -> str:
        return f"{self.kind}-{self.difficulty[0]}{self.seed}"

    @classmethod
    def parse(cls, text: str) -> ProblemId:
        match = _ID_PATTERN.match(text.strip())
        if match is None:
            raise UserError(f"{shown(text)} is not a problem ID: IDs look like softmax-ce-m42 (kind, e/m/h, seed)")
        level = {"e": "easy", "m": "medium", "h": "hard"}[match["level"]]
        return cls(match["kind"], level, int(match["seed"]))


def derive_seed(seed: int, *parts: object) -> int:
    """A seed for one member of a set (problem i, student s): stable, spread out, short."""
    digest = sha256(repr((seed, *parts)).encode()).digest()
    return int.from_bytes(digest[:8], "big") % 1_000_000_000


class Draw:
    """Reproducible random choices for one problem, from one ID."""

    def __init__(self, problem_id: ProblemId) -> None:
        material = f"handgrad|{problem_id.kind}|{problem_id.difficulty}|{problem_id.seed}".encode()
        self._random = random.Random(int.from_bytes(sha256(material).digest(), "big"))

    def below(self, n: int) -> int:
        """A whole number in [0, n), by rejection so every value is equally likely."""
        bits = max(1, (n - 1).bit_length())
        getrandbits = self._random.getrandbits
        while True:
            value = getrandbits(bits)
            if value < n:
                return value

    def integer(self, low: int, high: int) -> int:
        """A whole number in [low, high], both ends included."""
        return low + self.below(high - low + 1)

    def decimal(self, low: float, high: float, places: int) -> float:
        """A number in [low, high] with at most `places` decimals, as a person would write it."""
        return self.decimals(1, low, high, places)[0]

    def decimals(self, count: int, low: float, high: float, places: int) -> list[float]:
        """`count` numbers as `decimal` draws them, one after another (inlined: it is the hot path)."""
        start, n, bits, scale = _span(low, high, places)
        getrandbits = self._random.getrandbits
        values = []
        while len(values) < count:
            value = getrandbits(bits)
            if value < n:
                values.append((start + value) / scale)
        return values

    def rows(self, count: int, width: int, low: float, high: float, places: int):
        """A matrix of `count` rows of `width` numbers, drawn row after row as `decimals` draws them."""
        import numpy as np

        return np.array([self.decimals(width, low, high, places) for _ in range(count)])

    def nonzero(self, count: int, spread: float, places: int) -> list[float]:
        """`count` numbers in [-spread, spread] with no zero (a zero would switch a path off), one at a time."""
        values: list[float] = []
        while len(values) < count:
            values += [value for value in self.decimals(1, -spread, spread, places) if value != 0]
        return values


@functools.cache
def _span(low: float, high: float, places: int) -> tuple[int, int, int, int]:
    """The whole numbers a decimal draw picks from: the first, how many, the bits to draw, the scale."""
    scale = 10**places
    start, stop = round(low * scale), round(high * scale)
    n = stop - start + 1
    return start, n, max(1, (n - 1).bit_length()), scale


class Quantity(NamedTuple):
    """A labelled value in a chain-rule step: the expression as a learner writes it, and its number."""

    label: str
    value: Any  # float or numpy array


class Mistake(NamedTuple):
    """A known wrong answer: what a learner gets by one specific slip."""

    slug: str  # short stable name, e.g. "sign-flipped"
    gradient: str  # the gradient it affects
    description: str  # the slip in words a learner reads
    value: Any  # what the slip gives
    step: str  # the chain-rule step where it happens


class Solved:
    """A batch of problems of one shape, solved in one pass: what they share, and their values with
    the problem axis first. Each problem reads its own slice when asked, so a problem a set skips
    costs next to nothing."""

    def __init__(self, kind: str, difficulty: str, answers: dict[str, Any], forward: dict[str, Any],
                 closed_form: dict[str, str], steps: tuple[Any, ...], judge: dict[str, Any], question: Any,
                 path_steps: tuple[Any, ...] = ()) -> None:
        self.kind, self.difficulty = kind, difficulty
        self.answers = answers  # asked gradient -> the batch's values
        self.closed_form = closed_form  # gradient -> formula, the same for the whole batch
        self.steps = steps  # engine.Step per asked gradient, with the problem axis first
        self.path_steps = path_steps or steps  # every step between the loss and the asked ones
        self.judge = judge  # "sound", "shown", "typed" -> () -> per problem: worked out once, when first asked
        self.question = question  # inputs -> the question's text (made only for the problems a set keeps)
        self.cache: dict[str, Any] = {}
        # the forward values: a batch of numbers as Python floats at once, arrays as they are
        self.columns = {name: value.tolist() if value.ndim == 1 else value for name, value in forward.items()}

    def judged(self, what: str) -> Any:
        if what not in self.cache:
            self.cache[what] = self.judge[what]()
        return self.cache[what]


class Problem:
    """One problem: its ID and inputs, and its place in the batch it was solved in."""

    __slots__ = ("id", "inputs", "solved", "index", "worth_doing", "cache", "_answers", "_forward")

    def __init__(self, problem_id: ProblemId | None, inputs: dict[str, Any], solved: Solved, index: int,
                 worth_doing: bool = True) -> None:
        self.id = problem_id  # None for inputs typed by a person
        self.inputs = inputs  # name -> number, index or numpy array
        self.solved = solved
        self.index = index  # this problem's place in its batch
        self.worth_doing = worth_doing  # the kind finds the inputs worth doing by hand
        self.cache: dict[str, Any] = {}  # what grading works out once per problem (its own forward pass)
        self._answers: dict[str, Any] | None = None
        self._forward: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"<Problem {self.label}>"

    @property
    def kind(self) -> str:
        return self.solved.kind

    @property
    def difficulty(self) -> str:
        return self.solved.difficulty

    @property
    def answers(self) -> dict[str, Any]:
        """Gradient name -> reference value (float or array)."""
        if self._answers is None:
            self._answers = {name: value[self.index] for name, value in self.solved.answers.items()}
        return self._answers

    @property
    def forward(self) -> dict[str, Any]:
        """Forward-pass values by name, e.g. probs, loss."""
        if self._forward is None:
            self._forward = {name: column[self.index] for name, column in self.solved.columns.items()}
        return self._forward

    @property
    def closed_form(self) -> dict[str, str]:
        return self.solved.closed_form

    @property
    def question(self) -> str:
        """The question, with the decimals its answers are typed to where some need more than 3."""
        from handgrad_cli.question import Question, parts_of

        asked, more = self.solved.question(self.inputs), more_decimals(self.typed_decimals)
        return Question(*parts_of(asked), more) if more else asked

    @property
    def asked(self) -> tuple[str, ...]:
        return tuple(self.solved.answers)

    @property
    def label(self) -> str:
        return str(self.id) if self.id else f"{self.kind} (your inputs)"

    @property
    def steps(self) -> tuple[Any, ...]:
        """Each asked gradient's chain-rule step: one term per path into it, and their sum."""
        return tuple(step.of(self.index) for step in self.solved.steps)

    @property
    def path_steps(self) -> tuple[Any, ...]:
        """Every chain-rule step between the loss and the asked gradients: the asked ones in order, each after
        the steps on the way (marked not asked) that make the upstream gradients it reads."""
        return tuple(step.of(self.index) for step in self.solved.path_steps)

    @property
    def formulas(self) -> dict[str, str]:
        """Each asked gradient's step as written (``dW = X.T @ dY``): the same for the whole batch, so read
        from the batch's steps without slicing their numbers."""
        return {step.quantity: step.formula for step in self.solved.steps}

    @property
    def sound(self) -> bool:
        """Every named slip, the zeros answer and the upstream dropped miss the tolerance by a margin."""
        return self.worth_doing and bool(self.solved.judged("sound")[self.index])

    @property
    def typed_decimals(self) -> dict[str, int]:
        """The decimals each answer is typed to: 3, or more where later gradients computed from it need them."""
        return dict(zip(self.asked, self.solved.judged("typed")[self.index].tolist()))

    @property
    def shown_decimals(self) -> int:
        """Values shown with this many decimals lead to accepted answers."""
        return int(self.solved.judged("shown")[self.index])


def more_decimals(typed: dict[str, int]) -> str:
    """" Type dbnvar_inv to 5 decimals; dh and dhpreact to 4." for the answers that need more than 3."""
    by_places: dict[int, list[str]] = {}
    for name, places in typed.items():
        if places > 3:
            by_places.setdefault(places, []).append(name)
    if not by_places:
        return ""
    said = [f"{_listed(names)} to {places}" for places, names in sorted(by_places.items(), reverse=True)]
    return f" Type {'; '.join(said)} decimals."


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def candidate_ids(kinds: list[str] | tuple[str, ...], count: int, seed: int, difficulty: str, *member: object):
    """For each problem of a set, its candidate IDs in turn: kinds in turn, seeds derived from the set's.

    The first candidate is the ID sets have always had; the set takes the first sound one (see
    `kinds.set_problems`). `member` (a student's name, say) gives a set of its own from the same seed.
    """
    for i in range(count):
        yield _candidates(kinds[i % len(kinds)], difficulty, seed, member, i)


def _candidates(kind: str, difficulty: str, seed: int, member: tuple, i: int):
    yield ProblemId(kind, difficulty, derive_seed(seed, *member, i))
    for retry in itertools.count(1):
        yield ProblemId(kind, difficulty, derive_seed(seed, *member, i, retry))
