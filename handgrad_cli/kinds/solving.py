"""Building a kind's problems: draws redone until clear, the forward and backward pass of a batch of
problems of one shape, and the problems made from them (with what is judged of them lazily: soundness,
shown and typed decimals). A mixin of `Kind`: it reads the spec a kind declares."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.errors import UserError
from handgrad_cli.kinds.values import Batch, Graph, Tensors
from handgrad_cli.problem import Draw, Problem, ProblemId, Solved

MAX_REDRAWS = 1000


class Solving:
    """What `Kind` derives to build and solve problems."""

    def build(self, problem_id: ProblemId) -> Problem:
        return self.build_many([problem_id])[0]

    def build_many(self, problem_ids: list[ProblemId]) -> list[Problem]:
        """The problems these IDs name, solved together: one numpy pass per shape.

        Each problem draws from its own stream, redrawing until clear, so every problem is the
        same as when it is built alone. Only then are the problems made, each shape's in one
        batch: a redrawn problem joins its shape's batch rather than making a small one.
        """
        inputs, shapes, whole = self._clear_draws(problem_ids)
        built: list[Problem | None] = [None] * len(problem_ids)
        for key, group in _grouped(range(len(problem_ids)), shapes).items():
            kept, batch = whole.get(key, (None, None))
            batch = batch if kept == group else self.batch([inputs[i] for i in group], key[0])
            for i, problem in zip(group, self._problems(batch, [problem_ids[i] for i in group])):
                built[i] = problem
        return built

    def _clear_draws(self, problem_ids: list[ProblemId]) -> tuple[list[dict[str, Any]], list[tuple], dict]:
        """Each ID's inputs, redrawn until clear, and what problems solved in one pass share (their
        shapes); with the first round's batches in which no problem had to be redrawn."""
        draws = [Draw(problem_id) for problem_id in problem_ids]
        inputs: list[dict[str, Any]] = [{}] * len(problem_ids)
        shapes: list[tuple] = [()] * len(problem_ids)
        whole: dict[tuple, tuple[list[int], Batch]] = {}
        pending: Sequence[int] = range(len(problem_ids))
        for redraw in range(MAX_REDRAWS):
            for i in pending:
                difficulty = problem_ids[i].difficulty
                inputs[i] = self.draw(draws[i], difficulty)
                shapes[i] = (difficulty, *map(_batch_key, inputs[i].values()))
            unclear: list[int] = []
            for key, group in _grouped(pending, shapes).items():
                batch = self.batch([inputs[i] for i in group], key[0])
                redrawn = [i for i, clear in zip(group, self.clear(batch).tolist()) if not clear]
                if not redraw and not redrawn:
                    whole[key] = (group, batch)
                unclear += redrawn
            if not unclear:
                return inputs, shapes, whole
            pending = unclear
        raise RuntimeError(f"no clear {self.name} problem in {MAX_REDRAWS} draws for {problem_ids[pending[0]]}")

    def solve(self, inputs: dict[str, Any], difficulty: str = "custom", problem_id: ProblemId | None = None) -> Problem:
        return self.solve_batch([inputs], difficulty, [problem_id])[0]

    def solve_typed(self, inputs: dict[str, Any]) -> Problem:
        """A problem of inputs a person typed: refused in one line where they make a value inf or nan (a
        probability of 0 under a log), with no numpy warning on the way."""
        with np.errstate(all="ignore"):
            problem = self.solve(inputs)
            values = {**problem.forward, **{step.quantity: step.result for step in problem.path_steps}}
        for name, value in values.items():
            if not np.all(np.isfinite(value)):
                raise UserError(f"these inputs make {name} {_non_finite(value)}: handgrad works the maths in floating "
                                "point, as torch does; choose inputs closer together")
        return problem

    def graph(self, inputs: Sequence[dict[str, Any]], nudges: dict[str, np.ndarray] | None = None) -> Graph:
        """The forward pass of problems of one shape, stacked on a leading problem axis; `nudges` adds to
        named values as they are made (finite differences: ``{"z": delta}``, delta with the problem axis)."""
        t, seed, seed_name = self.tensors(inputs, nudges)
        root = self.forward(t)
        walk = engine.plan(root)
        nodes = {node.name: node for node in walk.order if node.name and not node.fixed}
        return Graph(root, seed, seed_name, nodes, t, walk)

    def tensors(self, inputs: Sequence[dict[str, Any]],
                nudges: dict[str, np.ndarray] | None = None) -> tuple[Tensors, np.ndarray, str | None]:
        """The forward pass's inputs, stacked, and the seed of the backward pass (with its name, if given)."""
        t, seed, seed_name = Tensors(), np.ones(len(inputs)), None
        for spec in self.inputs:
            stacked = np.array([problem[spec.name] for problem in inputs])
            if spec.upstream:
                seed, seed_name = stacked.astype(float), spec.name
            elif spec.index:
                t[spec.name] = engine.named_index(stacked, spec.name)
            elif spec.fixed:
                t[spec.name] = engine.given(stacked, spec.name)
            else:
                t[spec.name] = engine.leaf(stacked, spec.name, nudges)
        return t, seed, seed_name

    def backward(self, graph: Graph, what_if: engine.WhatIf = engine.EXACT, words: bool = True,
                 wanted: Sequence[str] | None = None) -> engine.Backward:
        """The graph's backward pass, supposing `what_if` (default: the exact maths); with `wanted`, only
        what these named nodes' gradients are made from."""
        nodes = None if wanted is None else [graph.nodes[name] for name in wanted]
        return engine.backward(graph.root, graph.seed, seed_name=graph.seed_name, walk=graph.walk, what_if=what_if,
                               words=words, wanted=nodes)

    def solve_batch(self, inputs: list[dict[str, Any]], difficulty: str,
                    problem_ids: list[ProblemId | None]) -> list[Problem]:
        return self._problems(self.batch(inputs, difficulty), problem_ids)

    def batch(self, inputs: list[dict[str, Any]], difficulty: str) -> Batch:
        """Problems of one shape through the forward and backward pass together."""
        graph = self.graph(inputs)
        back = self.backward(graph)
        asked = self.asked_for(inputs[0], difficulty)  # a batch shares its shapes, text and difficulty
        answers = {name: back.grads[graph.nodes[name[1:]]] for name in asked}
        return Batch(graph, answers, self._forward_values(graph), inputs, difficulty, back)

    def _problems(self, batch: Batch, problem_ids: list[ProblemId | None]) -> list[Problem]:
        """A batch's problems, sharing what the batch solved."""
        graph, answers, asked = batch.graph, batch.answers, tuple(batch.answers)
        found = engine.steps(batch.back, asked)
        path = tuple(engine.path_steps(batch.back, asked, graph.walk))
        judge = {"sound": lambda: self._sound(graph, answers, asked),
                 "shown": lambda: self._shown_decimals(graph, answers),
                 "typed": lambda: self._typed_decimals(graph, answers, asked, solved.judged("shown"))}
        solved = Solved(self.name, batch.difficulty, answers, batch.forward, self.closed_forms(graph, asked),
                        tuple(found[name] for name in asked), judge, self.question, path)
        worth = self.worth_doing(batch).tolist()
        return [Problem(problem_id, problem, solved, i, worth[i])
                for i, (problem, problem_id) in enumerate(zip(batch.inputs, problem_ids))]

    def _forward_values(self, graph: Graph) -> dict[str, np.ndarray]:
        """What the forward table shows: every named value made from the inputs (and an op's extras)."""
        given = set(graph.t)
        shown = {}
        for name, node in graph.nodes.items():
            if name in given:
                continue
            shown.update(node.aux)
            shown[name] = node.value
        return shown

    def one_graph(self, problem: Problem) -> Graph:
        """The forward pass of this one problem, made once and kept with it (grading reads it per gradient)."""
        graph = problem.cache.get("graph")
        if graph is None:
            graph = problem.cache["graph"] = self.graph([problem.inputs])
        return graph


def _non_finite(value: Any) -> str:
    flat = np.ravel(value)
    return "nan (not a number)" if np.isnan(flat).any() else "infinite"


def _grouped(places: Sequence[int], keys: list[tuple]) -> dict[tuple, list[int]]:
    """Places by key, in order."""
    groups: dict[tuple, list[int]] = {}
    for i in places:
        groups.setdefault(keys[i], []).append(i)
    return groups


def _batch_key(value: Any) -> Any:
    """What problems solved in one pass share: each number's shape, and any text (a program) itself."""
    if type(value) is np.ndarray:
        return value.shape
    if isinstance(value, (float, int)):
        return ()
    return value if isinstance(value, str) else np.shape(value)
