"""The path: the lesson's arc as ordered stages, from its first worked example to the whole MLP.

Each stage is a short mix of steps (an explain screen, a drill, a few cards) and the levels
(kind, difficulty) it teaches. A stage opens when the one before is mastered, by the review's
rule: every level of it right on two separate days since its last miss (Leitner box 3), or a
"test out" problem of the stage right on the first try, with no hint. A stage of cards is
mastered when each of its cards reached box 2 (good on two days, or easy once).

Where a learner stands is worked out from the history (the drills' attempts, the cards' grades
and the steps of the path done), so `handgrad learn` resumes at the first step not done.
A mastered stage stays done; when one of its levels comes due for review it is marked "due",
and the next `handgrad learn` reviews it before going on. Pure: the history and a clock in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from handgrad_cli.attempts import Attempt, CardReview, PathStep
from handgrad_cli.review import MASTERED_BOX, Level, levels

CARDS_MASTERED_BOX = 2
TEST_OUT, MASTERED = "test-out", "mastered"  # the steps every stage records besides its own
DONE, DUE, OPEN, LOCKED = "done", "due", "open", "locked"


@dataclass(frozen=True)
class Explain:
    """An explain screen: a problem's derivation step by step (`subject`: a kind or a problem ID)."""

    subject: str
    inputs: tuple[tuple[str, str], ...] = ()  # typed as for `handgrad explain KIND NAME=VALUES`

    @property
    def name(self) -> str:
        return f"explain {self.subject}"


@dataclass(frozen=True)
class Drill:
    """A short drill of one level."""

    kind: str
    difficulty: str
    count: int

    @property
    def name(self) -> str:
        return f"drill {self.kind} {self.difficulty}"


@dataclass(frozen=True)
class Cards:
    """A few cards of a deck: due or new ones, `count` at most."""

    deck: str
    count: int

    @property
    def name(self) -> str:
        return f"cards {self.deck}"


Step = Explain | Drill | Cards


@dataclass(frozen=True)
class Stage:
    name: str  # kept in the history: stable across releases
    title: str
    intro: str  # a few sentences shown when the stage starts
    steps: tuple[Step, ...]
    levels: tuple[tuple[str, str], ...] = ()  # what mastering the stage means; a test-out asks the last one
    decks: tuple[str, ...] = ()  # a stage of cards: mastered when each of their cards reached box 2

    def step_names(self) -> list[str]:
        """Each step's name in the history, numbered so two alike stay apart."""
        return [f"{number} {step.name}" for number, step in enumerate(self.steps, 1)]


STAGES: tuple[Stage, ...] = (
    Stage("worked-example", "The worked example",
          "The lesson starts with one row of logits, [2, 1, 0], and class 0. Softmax turns them into "
          "probabilities p; the loss is -log p[0]; its gradient is p minus the one-hot label. Read the "
          "derivation (each row of dlogits sums to 0, and a step against the gradient lowers the loss), "
          "then do two like it.",
          (Explain("softmax-ce", (("logits", "2,1,0"), ("target", "0"))), Drill("softmax-ce", "easy", 2)),
          levels=(("softmax-ce", "easy"),)),
    Stage("softmax-ce", "Softmax cross-entropy on a batch",
          "The same gradient over a batch of rows: the loss is their mean, so dlogits = (p - y) / n.",
          (Drill("softmax-ce", "medium", 1), Drill("softmax-ce", "hard", 2)),
          levels=(("softmax-ce", "hard"),)),
    Stage("neuron", "The tanh neuron and micrograd's scalar graphs",
          "micrograd's rules: add passes the gradient through, mul swaps its inputs, tanh gives 1 - tanh². "
          "First the lecture's neuron, then small graphs where a value used twice adds both paths.",
          (Explain("tanh-neuron", (("x", "2,0"), ("w", "-3,1"), ("b", "6.8813735870195432"), ("dout", "1"))),
           Drill("tanh-neuron", "easy", 2),
           Explain("scalar-graph", (("expr", "e = a * b; d = e + c; L = d * f"), ("a", "2"), ("b", "-3"),
                                    ("c", "10"), ("f", "-2"))),
           Drill("scalar-graph", "easy", 2)),
          levels=(("tanh-neuron", "easy"), ("scalar-graph", "easy"))),
    Stage("cards", "The local derivatives, as cards",
          "Each op's local derivative, to know by heart: the rest of the lesson is these times the upstream "
          "gradient. Grade yourself honestly; a card comes back until it is good on two days (or easy).",
          (Cards("micrograd", 12),), decks=("micrograd",)),
    Stage("ce-steps", "Cross-entropy, step by step",
          "Exercise 1 of the notebook starts here: the loss split into its atomic steps, each gradient from "
          "the one before. counts is used twice, so dcounts adds two paths.",
          (Explain("ce-steps-e1"), Cards("makemore", 4), Drill("ce-steps", "easy", 2)),
          levels=(("ce-steps", "easy"),)),
    Stage("broadcasts", "The three broadcasts",
          "A value spread over a batch or a row in the forward pass is a sum in the backward pass, and its "
          "gradient keeps the value's own shape ([1, n], [N, 1]).",
          (Cards("tensors", 3), Drill("broadcast-hpreact", "easy", 1), Drill("broadcast-probs", "easy", 1),
           Drill("broadcast-norm-logits", "easy", 1)),
          levels=(("broadcast-hpreact", "easy"), ("broadcast-probs", "easy"), ("broadcast-norm-logits", "easy"))),
    Stage("linear", "The linear layer",
          "logits = h @ W2 + b2: matmul backward is a transpose, and the bias broadcast over the batch is summed.",
          (Drill("linear", "easy", 2),), levels=(("linear", "easy"),)),
    Stage("batchnorm", "Batchnorm",
          "The notebook's batchnorm, with Bessel's 1/(n-1) in the variance: hprebn and bndiff are each used "
          "twice, so their gradients add two paths.",
          (Explain("batchnorm-e1"), Drill("batchnorm", "easy", 2)), levels=(("batchnorm", "easy"),)),
    Stage("embedding", "The embedding",
          "emb = C[Xb]: the view goes back by a view, and dC is a scatter-add (repeated indices accumulate).",
          (Drill("embedding", "easy", 2),), levels=(("embedding", "easy"),)),
    Stage("mlp", "The whole MLP",
          "Exercise 1 whole: all 26 gradients of makemore Part 4's forward pass, dlogprobs to dC.",
          (Explain("mlp-e1"), Drill("mlp", "easy", 1)), levels=(("mlp", "easy"),)),
)


def stage_kinds(stages: Sequence[Stage] = STAGES) -> list[str]:
    """Every kind the path drills, in the path's order."""
    return list(dict.fromkeys(kind for stage in stages for kind, _ in stage.levels))


@dataclass
class StageState:
    stage: Stage
    state: str  # done, due, open or locked
    steps_done: set[str] = field(default_factory=set)
    due: list[str] = field(default_factory=list)  # a done stage's levels due for review, "kind difficulty"

    @property
    def next_steps(self) -> list[str]:
        return [name for name in self.stage.step_names() if name not in self.steps_done]


def stage_states(attempts: Sequence[Attempt], reviews: Sequence[CardReview], steps: Sequence[PathStep],
                 now: datetime, stages: Sequence[Stage] = STAGES) -> list[StageState]:
    """Each stage's state: done (or due, when a level of it is due for review), the first one not done
    open, the rest locked."""
    schedule = levels(attempts, stage_kinds(stages))
    boxes = _card_boxes(reviews)
    open_seen = False
    states = []
    for stage in stages:
        done = {step.step for step in steps if step.stage == stage.name}
        if not open_seen and (MASTERED in done or mastered(stage, schedule, boxes, steps)):
            due = [f"{kind} {difficulty}" for kind, difficulty in stage.levels
                   if _is_due(schedule.get((kind, difficulty)), now)]
            states.append(StageState(stage, DUE if due else DONE, done, due))
        else:
            states.append(StageState(stage, LOCKED if open_seen else OPEN, done))
            open_seen = True
    return states


def mastered(stage: Stage, schedule: dict[tuple[str, str], Level], boxes: dict[str, int],
             steps: Sequence[PathStep]) -> bool:
    """The review's rule for every level of the stage, a test-out passed, or its cards learnt."""
    if any(step.stage == stage.name and step.step == TEST_OUT and step.passed for step in steps):
        return True
    if stage.decks:
        from handgrad_cli.decks import DECKS

        return all(boxes.get(card.id, 0) >= CARDS_MASTERED_BOX for deck in stage.decks for card in DECKS[deck])
    return all((key in schedule and schedule[key].box >= MASTERED_BOX) for key in stage.levels)


def _is_due(level: Level | None, now: datetime) -> bool:
    return level is not None and level.results > 0 and level.is_due(now)


def _card_boxes(reviews: Sequence[CardReview]) -> dict[str, int]:
    from handgrad_cli.cards import card_states

    return {card: state.box for card, state in card_states(reviews).items()}


def current(states: Sequence[StageState]) -> StageState | None:
    """The open stage; None once the whole path is done."""
    return next((state for state in states if state.state == OPEN), None)


def on_the_path(steps: Sequence[PathStep], states: Sequence[StageState]) -> bool:
    """Whether a learner follows the path: started it and not yet at its end."""
    return bool(steps) and current(states) is not None
