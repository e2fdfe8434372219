"""A learner's answers seen through the graph: each named slip's answers, what follows from the learner's
own earlier answers (from the exact forward values or as printed), which earlier answers a gradient is
computed from, and the loss as a function of one value (what finite differences check). A mixin of `Kind`."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import WhatIf
from handgrad_cli.kinds.values import by_node, nearest_answered, printed_values
from handgrad_cli.problem import Mistake, Problem


def slips_reaching(graph, gradient: str, answered) -> set[str]:
    """The nodes whose slip can change `gradient`: its own, and those on its paths to the loss up to the
    learner's answered gradients (which replace whatever a slip made there)."""
    names, seen, stack = {gradient[1:]}, set(), [graph.nodes[gradient[1:]]]
    while stack:
        for consumer, _ in graph.walk.consumers.get(id(stack.pop()), []):
            if id(consumer) in seen or (consumer.name and f"d{consumer.name}" in answered):
                continue
            seen.add(id(consumer))
            stack.append(consumer)
            if consumer.name:
                names.add(consumer.name)
    return names


class Diagnosis:
    """What `Kind` derives to judge a learner's answers."""

    def mistakes(self, problem: Problem, earlier: dict[str, np.ndarray] | None = None,
                 gradient: str | None = None) -> list[Mistake]:
        """Each named slip's answers for this problem, given the learner's earlier answers if any; for one
        `gradient`, only the slips that can change it (one backward pass a slip: an mlp has forty)."""
        graph = self.one_graph(problem)
        overrides = by_node(earlier)
        slips = self.problem_slips(problem)
        if gradient is not None:
            reach = slips_reaching(graph, gradient, earlier or {})
            slips = [slip for slip in slips if slip.at in reach]
        found, names = [], problem.asked if gradient is None else (gradient,)
        for slip in slips:
            grads = self.backward(graph, WhatIf(overrides=overrides, slip=slip), words=False,
                                  wanted=[name[1:] for name in names]).grads
            for name in names:
                if earlier and name in earlier:
                    continue
                value = grads[graph.nodes[name[1:]]][0]
                words = slip.words if slip.at == name[1:] else f"{slip.words} (in d{slip.at})"
                found.append(Mistake(slip.slug, name, words, value, f"d{slip.at}"))
        return found

    def problem_slips(self, problem: Problem) -> list[engine.Slip]:
        """The problem's named slips, made once and kept with it (grading reads them per wrong gradient)."""
        slips = problem.cache.get("slips")
        if slips is None:
            slips = problem.cache["slips"] = self.named_slips(self.one_graph(problem), problem.asked)
        return slips

    def following(self, problem: Problem, earlier: dict[str, np.ndarray], values: engine.Values | None = None,
                  gradient: str | None = None) -> dict[str, np.ndarray]:
        """Each asked gradient (or only `gradient`) as it follows from the learner's own earlier answers (and
        from `values`, the forward values a learner reads: exact by default)."""
        graph = self.one_graph(problem)
        names = problem.asked if gradient is None else (gradient,)
        grads = self.backward(graph, WhatIf(values, by_node(earlier)), words=False,
                              wanted=[name[1:] for name in names]).grads
        return {name: grads[graph.nodes[name[1:]]][0] for name in names}

    def printed(self, problem: Problem) -> engine.Values:
        """The forward values of this problem as printed: what a learner computes from."""
        return printed_values(self.one_graph(problem), np.array([problem.shown_decimals]))

    def depends_on(self, problem: Problem, gradient: str, answered) -> tuple[str, ...]:
        """The answered gradients a learner computes `gradient` from: on each path from it to the loss,
        the first node whose gradient was answered (in the order asked)."""
        found = nearest_answered(self.one_graph(problem), gradient, answered)
        return tuple(name for name in problem.asked if name in found)

    def loss_function(self, problem: Problem, gradient: str) -> tuple[Callable[[np.ndarray], float], np.ndarray]:
        """The loss as a function of one named value (input or intermediate), and the point to take it at.

        Its gradient there is the reference answer: tests check it with central finite differences.
        """
        name = gradient[1:]
        graph = self.graph([problem.inputs])
        at = graph.nodes[name].value[0]

        def loss(value: np.ndarray) -> float:
            nudge = np.asarray(value, dtype=float)[None] - graph.nodes[name].value
            nudged = self.graph([problem.inputs], {name: nudge})
            return float(np.sum(nudged.root.value * graph.seed))

        return loss, at
