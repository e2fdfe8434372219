"""Trust, judged per problem of a batch: a problem is sound (no named slip, zeros or a dropped upstream
passes the tolerance), shown values carry the decimals an answer computed from them needs, and each answer
is typed to the decimals a learner carrying their own rounded answers forward needs. A mixin of `Kind`."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip, WhatIf
from handgrad_cli.kinds.values import Graph, largest, nearest_answered, printed_values

SOUND_MARGIN = 5.0  # a slip must miss the default tolerance by this factor, so slip + rounding still fails
SHOWN_DECIMALS = (3, 4, 5, 6)  # shown values get the fewest of these that an answer computed from them needs
ATOL = RTOL = 1e-3  # the default tolerance (grading's), which soundness and shown digits are judged by
ROUNDED_ANSWER = 0.5e-3  # a final answer rounded to 3 decimals moves this far at most
TYPED_DECIMALS = (3, 4, 5, 6)  # an answer is typed to 3 decimals, or more where later ones would amplify it
CARRY_LIMIT = 2.0  # rounding carried forward keeps each later gradient within this many tolerances (grading
                   # allows twice this: CARRY_BOUND)
EVERY_KIND_SLIPS = ("sign-flipped", "upstream-dropped")  # named_slips adds these at each asked gradient


class Trust:
    """What `Kind` derives to judge its problems: sound, and enough digits shown and typed."""

    def named_slips(self, graph: Graph, asked: Sequence[str]) -> list[Slip]:
        """The kind's slips, then 'the upstream gradient dropped' for each asked gradient."""
        slips = list(self.slips(graph.t, graph.nodes))
        flipped_at = {slip.at for slip in slips if slip.slug == "sign-flipped"}
        dropped_at = {slip.at for slip in slips if slip.slug == f"{graph.seed_name}-dropped"}  # tanh's dout, in words
        for name in asked:
            if name[1:] not in flipped_at and name not in self.zero_by_design:  # -0 is no slip
                slips.append(engine.flipped(name[1:], f"the sign of {name} is flipped"))
            # dropping the loss's own 1 is no slip; a kind that says it in its own words (tanh's dout) is not said twice
            if not self._fed_by_loss(graph, graph.nodes[name[1:]]) and name[1:] not in dropped_at:
                slips.append(engine.upstream_dropped(name[1:], "the upstream gradient was dropped: the local "
                                                               "derivative must be multiplied by the gradient from above"))
        return slips

    def _fed_by_loss(self, graph: Graph, node: Node) -> bool:
        """Whether every upstream gradient into `node` is the loss's own gradient of 1 (passed through adds)."""
        if graph.seed_name is not None:
            return False  # a problem that gives an upstream gradient: its values are drawn, not 1
        users = graph.walk.consumers.get(id(node), [])
        return bool(users) and all(user is graph.root or (not user.name and all(
            link.passes for _, link in graph.walk.consumers.get(id(user), [])) and self._fed_by_loss(graph, user))
            for user, _ in users)

    def _sound(self, graph: Graph, answers, asked) -> np.ndarray:
        """Per problem: every slip, the zeros answer and the upstream dropped miss by a margin."""
        count = len(graph.seed)
        sound = np.ones(count, dtype=bool)
        for name, reference in answers.items():
            if name not in self.zero_by_design:  # there zeros is the answer
                sound &= _misses(np.zeros_like(reference), reference)
        for slip in self.named_slips(graph, asked):
            slipped = self.backward(graph, WhatIf(slip=slip), words=False).grads
            sound &= _first_change_misses(slipped, graph, answers, asked)
        return sound

    def _shown_decimals(self, graph: Graph, answers) -> np.ndarray:
        """Per problem, the fewest decimals at which shown values still lead to an accepted answer.

        Two ways a learner computes from what is shown: from the forward values (a = 0.935, so
        1 - a**2), or from a step's local derivative and upstream gradient as printed.
        """
        count = len(graph.seed)
        exact = self.backward(graph, words=False)
        needed = np.full(count, SHOWN_DECIMALS[-1])
        for decimals in reversed(SHOWN_DECIMALS):
            rounded = lambda value, d=decimals: np.round(value, d)  # noqa: E731
            ok = np.ones(count, dtype=bool)
            for carried in (None, rounded):  # a learner's own intermediates kept whole, or rounded as shown
                by_values = self.backward(graph, WhatIf(values=lambda node: rounded(node.value), rounded=carried),
                                          words=False).grads
                for name, reference in answers.items():
                    ok &= _close_enough(by_values[graph.nodes[name[1:]]], reference)
            ok &= _steps_close_enough(exact, graph, answers, rounded)
            needed = np.where(ok, decimals, needed)
        return needed

    def _typed_decimals(self, graph: Graph, answers, asked: Sequence[str], shown: np.ndarray) -> np.ndarray:
        """Per problem and asked gradient, the decimals to type it to: 3, or more where a learner who
        carries their own rounded answers forward would drift more than CARRY_LIMIT tolerances off.

        A learner is simulated in order, reading the forward values printed at `shown` decimals (each
        problem's). Where a gradient drifts too far, the answers it is computed from get one more decimal;
        if it drifts again, every answer on its paths to the loss does.
        """
        count = len(graph.seed)
        decimals = np.full((count, len(asked)), TYPED_DECIMALS[0])
        # a gradient that is 0 by design is typed as 0, whatever a sum of rounded answers gives
        levels = [[] if name in self.zero_by_design else self._levels(graph, name, asked[:i])
                  for i, name in enumerate(asked)]
        reach = np.zeros((count, len(asked)), dtype=int)
        printed = printed_values(graph, shown)  # the forward values as printed, at the decimals judged for them
        for _ in range(len(TYPED_DECIMALS) * len(asked)):
            drift = self._carried_drift(graph, answers, asked, decimals, printed)
            room = (decimals.min(axis=1) < TYPED_DECIMALS[-1])[:, None]  # some answer can still take a decimal
            fixable = (drift > CARRY_LIMIT) & np.array([[bool(level) for level in levels]]) & room
            if not fixable.any():
                break
            first = np.argmax(fixable, axis=1)
            for problem in np.flatnonzero(fixable.any(axis=1)):
                gradient = first[problem]
                reach[problem, gradient] += 1
                # first the answers it is computed from; if that was not enough, every answer before it on its paths
                upto = 1 if reach[problem, gradient] == 1 else len(levels[gradient])
                places = [asked.index(name) for level in levels[gradient][:upto] for name in level]
                decimals[problem, places] = np.minimum(decimals[problem, places] + 1, TYPED_DECIMALS[-1])
        return decimals

    def _levels(self, graph: Graph, gradient: str, before: Sequence[str]) -> list[tuple[str, ...]]:
        """The answers among `before` a gradient is computed from, then the answers those are computed
        from, and so on: each level the first answered nodes on the paths to the loss."""
        levels, seen, frontier = [], set(), [gradient]
        while True:
            level = tuple(name for name in before if name not in seen and any(
                name in nearest_answered(graph, start, before) for start in frontier))
            if not level:
                return levels
            levels.append(level)
            seen.update(level)
            frontier = list(level)

    def _carried_drift(self, graph: Graph, answers, asked: Sequence[str], decimals: np.ndarray,
                       printed: engine.Values) -> np.ndarray:
        """Per problem and asked gradient: how many tolerances a learner who types each answer to its
        decimals, and computes the next from them and the printed forward values, lands from the reference."""
        typed: dict[str, np.ndarray] = {}
        drift = np.zeros(decimals.shape)
        for i, name in enumerate(asked):
            value = self.backward(graph, WhatIf(printed, typed), words=False).grads[graph.nodes[name[1:]]]
            reference = answers[name]
            drift[:, i] = largest(np.abs(value - reference) / (ATOL + RTOL * np.abs(reference)))
            scale = 10.0 ** decimals[:, i].reshape((-1,) + (1,) * (value.ndim - 1))
            typed[name[1:]] = np.round(value * scale) / scale
        return drift


def _misses(wrong: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per problem: some entry of `wrong` is beyond the default tolerance by the sound margin."""
    gap = np.abs(wrong - reference) - SOUND_MARGIN * (ATOL + RTOL * np.abs(reference))
    return largest(gap) > 0


def _first_change_misses(slipped, graph: Graph, answers, asked) -> np.ndarray:
    """The first asked gradient a slip changes must miss by the margin (later ones follow from it); a slip
    that changes none is a coincidence of the inputs (x == w swaps dw and dx unseen): not sound either."""
    result = np.ones(len(next(iter(answers.values()))), dtype=bool)
    undecided = np.ones_like(result)
    for name in asked:
        reference = answers[name]
        wrong = slipped[graph.nodes[name[1:]]]
        changed = largest(np.abs(wrong - reference)) > 1e-12
        deciding = undecided & changed
        if deciding.any():
            result = np.where(deciding, _misses(wrong, reference), result)
            undecided &= ~changed
            if not undecided.any():  # every problem is decided: later gradients cannot change it
                break
    return result & ~undecided


def _close_enough(computed: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Per problem: an answer computed this way, then rounded to 3 decimals, is still accepted."""
    room = ATOL + RTOL * np.abs(reference) - ROUNDED_ANSWER
    return largest(np.abs(computed - reference) - room) <= 0


def _steps_close_enough(back: engine.Backward, graph: Graph, answers, rounded) -> np.ndarray:
    """Per problem: each asked step recomputed from its printed local derivative and upstream."""
    ok = np.ones(len(graph.seed), dtype=bool)
    for name, reference in answers.items():
        node = graph.nodes[name[1:]]
        total = np.zeros_like(reference)
        for link, term in zip(back.links.get(node, []), back.terms.get(node, [])):
            total = total + link.combine(rounded(term.local_value), rounded(term.upstream_value))
        if back.terms.get(node):
            ok &= _close_enough(total, reference)
    return ok
