"""Practice aimed at a learner's own mistakes, and the slips a problem's backward pass can be made with.

The history keeps the named mistake of every graded try. The most frequent of the last weeks, each
with the kind and gradient it was made in, are the learner's *aims*. A problem suits an aim when
the mistake is discriminating there: the slipped answer of that gradient differs from the right
one by a wide margin (so the answer itself tells whether the slip was made). `drill --mistakes`
asks such problems, each after the card that teaches the rule; a share of every review does too.
`handgrad debug` plants a slip in a problem's backward pass; its gradients come from here as well.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

import numpy as np

from handgrad_cli.attempts import Attempt
from handgrad_cli.engine import Slip, WhatIf
from handgrad_cli.problem import Problem

RECENT_WEEKS = 4
TOP = 3
WIDE = 0.5  # a slipped answer is wide of the right one when some entry is off by half the answer's largest
WIDE_AT_LEAST = 0.05  # ... and never by less than this (an answer near 0)
SEARCH = 40  # candidate problems tried for an aim before taking one that is not discriminating
SHARE = 4  # in a review, every SHARE-th problem is aimed at a mistake

# The card that teaches the rule each slip breaks (deck/slug, see decks.py).
CARDS = {
    "sign-flipped": "micrograd/chain", "upstream-dropped": "micrograd/chain", "dout-dropped": "micrograd/chain",
    "onehot-not-subtracted": "makemore/softmax-ce", "jacobian-diagonal-only": "makemore/softmax-ce",
    "wrong-class": "makemore/softmax-ce", "mean-forgotten": "makemore/softmax-ce-batch",
    "sign-flipped-mean-forgotten": "makemore/softmax-ce-batch",
    "dw-dx-swapped": "micrograd/mul", "not-swapped": "micrograd/mul",
    "one-minus-a": "micrograd/tanh", "one-minus-a-squared": "micrograd/tanh", "sigmoid-derivative": "micrograd/tanh",
    "tanh-not-derivative": "micrograd/tanh", "tanh-skipped": "micrograd/tanh", "z-squared": "micrograd/tanh",
    "tanh-local-of-input": "micrograd/tanh", "path-dropped": "micrograd/reuse", "pow-exponent-kept": "micrograd/pow",
    "dW-averaged": "tensors/linear", "db-averaged": "tensors/linear", "averaged-not-summed": "tensors/linear",
    "bnbias-averaged": "makemore/bngain", "bngain-averaged": "makemore/bngain", "gain-dropped": "makemore/bngain",
    "counts_sum_inv-averaged": "makemore/dcounts-sum-inv", "factor-dropped": "makemore/dcounts-sum-inv",
    "logit_maxes-averaged": "makemore/dlogits-two-paths", "max-path-dropped": "makemore/dlogits-two-paths",
    "assigned-not-added": "tensors/embedding", "scatter-assigned": "tensors/embedding",
    "counts-sum-path-dropped": "makemore/dcounts", "probs-path-dropped": "makemore/dcounts",
    "exp-derivative-as-x": "makemore/dnorm-logits", "log-derivative-as-probs": "makemore/dprobs",
    "bessel-forgotten": "makemore/bessel", "mean-path-dropped": "makemore/dhprebn-two-paths",
    "variance-path-dropped": "makemore/bndiff",
}


class Aim(NamedTuple):
    """A mistake a learner makes: its slug, where (kind, difficulty, gradient), how often lately and before."""

    slug: str
    kind: str
    difficulty: str
    gradient: str
    recent: int  # gradients with this mistake in the last RECENT_WEEKS
    before: int  # in the RECENT_WEEKS before those

    @property
    def trend(self) -> str:
        if not self.before:
            return "new"
        if self.recent > self.before:
            return "more often"
        return "less often" if self.recent < self.before else "as often"


def aims(attempts: Iterable[Attempt], now: datetime, kinds: Sequence[str] | None = None, top: int = TOP) -> list[Aim]:
    """The learner's most frequent named mistakes of the last weeks (most frequent first, ties by name), each
    where it was made most; with the count of the weeks before, for the trend."""
    from handgrad_cli.review import parse_time
    from handgrad_cli.stats import mistakes_of

    window = timedelta(weeks=RECENT_WEEKS)
    recent: Counter[tuple[str, str]] = Counter()
    before: Counter[tuple[str, str]] = Counter()
    where: dict[tuple[str, str], Counter[tuple[str, str]]] = {}
    from handgrad_cli.kinds import KINDS
    from handgrad_cli.problem import DIFFICULTIES

    for attempt in attempts:
        if kinds is not None and attempt.kind not in kinds:
            continue
        if attempt.kind not in KINDS or attempt.difficulty not in DIFFICULTIES:  # a retired kind: no problem to aim
            continue
        age = now - parse_time(attempt.answered_at)
        for slug in mistakes_of(attempt):
            key = (slug, attempt.kind)
            if timedelta(0) <= age < window:
                recent[key] += 1
                where.setdefault(key, Counter())[(attempt.difficulty, attempt.gradient)] += 1
            elif window <= age < 2 * window:
                before[key] += 1
    ranked = sorted(recent, key=lambda key: (-recent[key], key))[:top]
    return [Aim(slug, kind, *where[(slug, kind)].most_common(1)[0][0], recent[(slug, kind)], before[(slug, kind)])
            for slug, kind in ranked]


# --- slips in a problem's backward pass -------------------------------------------------------------


def slips_of(problem: Problem, own: bool = False) -> list[Slip]:
    """The problem's named slips: the kind's own (`own`), or with the ones every kind has."""
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    graph = kind.graph([problem.inputs])
    return list(kind.slips(graph.t, graph.nodes)) if own else kind.named_slips(graph, problem.asked)


def slipped(problem: Problem, slip: Slip) -> dict[str, np.ndarray]:
    """Each asked gradient as the backward pass gives it with `slip` made."""
    from handgrad_cli.kinds import get_kind

    kind = get_kind(problem.kind)
    graph = kind.graph([problem.inputs])
    grads = kind.backward(graph, WhatIf(slip=slip), words=False).grads
    return {name: grads[graph.nodes[name[1:]]][0] for name in problem.asked}


def first_changed(problem: Problem, values: dict[str, np.ndarray]) -> str | None:
    """The first asked gradient a slip changes (the later ones follow from it)."""
    for name in problem.asked:
        if np.max(np.abs(np.asarray(values[name]) - problem.answers[name]), initial=0) > 1e-9:
            return name
    return None


def wide(value, reference) -> bool:
    """A slipped answer far enough from the right one that the answer itself shows the slip."""
    reference = np.asarray(reference, dtype=float)
    gap = np.max(np.abs(np.asarray(value, dtype=float) - reference), initial=0)
    return bool(gap >= max(WIDE_AT_LEAST, WIDE * np.max(np.abs(reference), initial=0)))


def discriminating(problem: Problem, slug: str, gradient: str) -> bool:
    """Whether a slip named `slug` gives `gradient` an answer wide of the right one in this problem."""
    if gradient not in problem.answers:
        return False
    return any(wide(slipped(problem, slip)[gradient], problem.answers[gradient])
               for slip in slips_of(problem) if slip.slug == slug)


# --- problems for aims -------------------------------------------------------------------------------


def aimed_problem(aim: Aim, seed: int, place: int) -> Problem:
    """A sound problem of the aim's kind and difficulty where its mistake is discriminating (the first of
    SEARCH candidates that is; else the first candidate)."""
    from handgrad_cli.kinds import set_problems

    candidates = (next(set_problems([aim.kind], 1, seed, aim.difficulty, "mistakes", aim.slug, place, i))
                  for i in range(SEARCH))
    first = None
    for problem in candidates:
        first = first or problem
        if discriminating(problem, aim.slug, aim.gradient):
            return problem
    return first


def aimed_problems(chosen: Sequence[Aim], count: int, seed: int) -> Iterator[tuple[Aim, Problem]]:
    """`count` problems, the aims in turn, made as they are asked for."""
    for place in range(count):
        aim = chosen[place % len(chosen)]
        yield aim, aimed_problem(aim, seed, place)


def with_aimed(problems: Iterable[Problem], chosen: Sequence[Aim], seed: int, show) -> Iterator[Problem]:
    """A review's problems with every SHARE-th one aimed at a mistake (shown its card first), when there are aims."""
    aimed = aimed_problems(chosen, 1 << 30, seed) if chosen else None
    for place, problem in enumerate(problems, 1):
        if aimed is not None and place % SHARE == 0:
            aim, problem = next(aimed)
            show(aim)
        yield problem


def words_of(aim: Aim) -> str:
    """The mistake in words, from one problem of its kind (numbers of that problem, such as n = 3, left out)."""
    from handgrad_cli.kinds import set_problems

    problem = next(set_problems([aim.kind], 1, 0, aim.difficulty))
    words = next((slip.words for slip in slips_of(problem) if slip.slug == aim.slug), aim.slug.replace("-", " "))
    return re.sub(r" \([^()]*\d[^()]*\)", "", words)


def card_of(aim: Aim):
    """The card that teaches the rule the mistake breaks, or None."""
    from handgrad_cli.decks import DECKS

    wanted = CARDS.get(aim.slug)
    return next((card for cards in DECKS.values() for card in cards if card.id == wanted), None)


def aims_record(attempts: Sequence[Attempt], now: datetime) -> list[dict]:
    """`stats`' top mistakes of the last weeks, in words, with their trend, as JSON-ready data."""
    return [{"mistake": aim.slug, "words": words_of(aim), "kind": aim.kind, "gradient": aim.gradient,
             "last_4_weeks": aim.recent, "4_weeks_before": aim.before, "trend": aim.trend}
            for aim in aims(attempts, now)]
