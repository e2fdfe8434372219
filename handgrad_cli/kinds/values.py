"""What a kind's problems are made of, shared by the spec and the machinery derived from it: an input's
schema (`Input`), the batched inputs (`Tensors`), the forward graph (`Graph`), a solved batch (`Batch`),
and small per-problem helpers. Every value has the problem axis first."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node


class Input(NamedTuple):
    """One input of a kind: its name, its shapes (dimension names; alternatives allowed), its meaning."""

    name: str
    shapes: tuple[tuple[str, ...], ...]  # e.g. (("V",), ("n", "V")): a row, or rows
    words: str
    index: bool = False  # whole numbers (a class, a row of a table): not differentiated
    fixed: bool = False  # a number the forward pass reads but that gets no gradient (a label y)
    below: str | None = None  # an index is below this dimension (a class below V)
    upstream: bool = False  # the upstream gradient the problem gives: where the backward pass starts


class Tensors(dict):
    """A forward pass's inputs: ``t.x`` is a node (or an index array) with the problem axis first."""

    def __getattr__(self, name: str):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Graph(NamedTuple):
    root: Node
    seed: np.ndarray
    seed_name: str | None
    nodes: dict[str, Node]  # named nodes by name, inputs first
    t: Tensors  # the inputs, batched
    walk: engine.Plan  # the backward pass's order, made once


class Batch(NamedTuple):
    """Problems of one shape, solved together, as a kind judges them: values have the problem axis first."""

    graph: Graph
    answers: dict[str, np.ndarray]  # asked gradient -> its values
    forward: dict[str, np.ndarray]  # the values the forward pass made from the inputs (what its table shows)
    inputs: list[dict[str, Any]]  # each problem's inputs, as drawn or typed
    difficulty: str
    back: engine.Backward

    @property
    def count(self) -> int:
        return len(self.graph.seed)

    def value(self, name: str) -> np.ndarray:
        """A named value: an input, the upstream gradient given, or a value the forward pass made."""
        if name == self.graph.seed_name:
            return self.graph.seed
        given = self.graph.t.get(name)
        if given is None:
            return self.forward[name]
        return given.value if isinstance(given, Node) else np.asarray(given)


def largest(values: np.ndarray) -> np.ndarray:
    """Per problem (the leading axis), the largest entry."""
    return values.reshape(values.shape[0], -1).max(axis=1) if values.ndim > 1 else values


def smallest(values: np.ndarray) -> np.ndarray:
    """Per problem (the leading axis), the smallest entry."""
    return values.reshape(values.shape[0], -1).min(axis=1) if values.ndim > 1 else values


def every(mask: np.ndarray) -> np.ndarray:
    """Per problem (the leading axis), whether every entry holds."""
    return mask.reshape(mask.shape[0], -1).all(axis=1) if mask.ndim > 1 else mask


def by_node(answers: dict[str, Any] | None) -> dict[str, np.ndarray]:
    """A learner's answers (``dz``) as overrides of the nodes' gradients (``z``), one problem."""
    return {name[1:]: np.asarray(value, dtype=float)[None] for name, value in (answers or {}).items()}


def printed_values(graph: Graph, decimals: np.ndarray) -> engine.Values:
    """Forward values as a learner reads them: inputs as given, values made from them at each problem's decimals."""
    given = set(graph.t)
    scale = 10.0 ** decimals

    def value(node: Node) -> np.ndarray:
        if node.fixed or node.name in given:
            return node.value
        places = scale.reshape((-1,) + (1,) * (node.value.ndim - 1))
        return np.round(node.value * places) / places

    return value


def nearest_answered(graph: Graph, gradient: str, answered) -> set[str]:
    """On each path from `gradient` to the loss, the first node whose gradient is among `answered`: the
    answers a learner computes `gradient` from."""
    found, seen, stack = set(), set(), [graph.nodes[gradient[1:]]]
    while stack:
        node = stack.pop()
        for consumer, _ in graph.walk.consumers.get(id(node), []):
            if id(consumer) in seen:
                continue
            seen.add(id(consumer))
            if consumer.name and f"d{consumer.name}" in answered:
                found.add(f"d{consumer.name}")
            else:
                stack.append(consumer)
    return found
