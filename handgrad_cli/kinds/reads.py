"""What a gradient reads: the forward values its local derivatives read, for the hint ladder (whose
words are handgrad_cli/hints.py's), a group's header and `explain ID NAME`. A mixin of `Kind`."""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli.engine import Node
from handgrad_cli.problem import Problem


class Reads:
    """What `Kind` derives to hint and to head a group of gradients."""

    def hints(self, problem: Problem, gradient: str, decimals: int = 3) -> tuple[str, str]:
        """The rule for this gradient, then what it reads and where, with its first entry worked (the
        answer is the third hint): see `hints.py`."""
        from handgrad_cli.hints import rule_hint, values_hint

        named = {name: value for name, value in self.hint_values(problem, gradient).items()}
        return (self.rules.get(gradient) or rule_hint(problem, gradient),
                values_hint(problem, gradient, max(decimals, problem.shown_decimals), named))

    def group_values(self, problem: Problem, first: str) -> dict[str, Any]:
        """The values the gradients of the group starting at `first` read (it runs to the next group)."""
        asked = problem.asked
        start = asked.index(first)
        stop = min([asked.index(name) for name in self.groups if asked.index(name) > start] + [len(asked)])
        return self._values_read(problem, *asked[start:stop])

    def values_read(self, problem: Problem, *gradients: str) -> dict[str, Any]:
        """The forward values the local derivatives of these gradients read (what `explain ID NAME` shows)."""
        return self._values_read(problem, *gradients)

    def _values_read(self, problem: Problem, *gradients: str) -> dict[str, Any]:
        """The forward values the local derivatives of these gradients read, in order (one pass for all)."""
        graph = self.one_graph(problem)
        back = self.backward(graph, words=False)
        read: dict[str, Any] = {}

        def recording(node: Node) -> np.ndarray:
            if node.name in problem.inputs:  # an input as given (2, not 2.0000), a label y included
                read[node.label] = problem.inputs[node.name]
            elif not node.fixed:  # a value made from them as shown; a number written in the formula is not read
                read[node.label] = node.value[0]
            return node.value

        for gradient in gradients:
            for link in back.links.get(graph.nodes[gradient[1:]], []):
                link.local_value(recording)
        return read
