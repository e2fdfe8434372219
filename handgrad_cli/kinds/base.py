"""What a kind writes, and everything the engine derives from it.

A kind gives its input schema, how to draw inputs per difficulty, its forward pass in engine ops,
the gradients it asks, its named slips and its hints' words. From these come, for every kind alike:
the answers and chain-rule steps (one generic backward pass), the forward values shown, the named
mistakes' values, the diagnosis of an answer from the learner's own earlier answers, whether a
problem is sound (no slip passes), how many decimals shown values need, the finite-difference
function the tests check, and inputs typed on the command line. Pure: numpy in, values out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip, WhatIf
from handgrad_cli.errors import UserError
from handgrad_cli.problem import DIFFICULTIES, Draw, Mistake, Problem, ProblemId, Quantity, Solved

CLEAR = 0.0005  # an entry rounds to a nonzero value at 3 decimals when at least this large
MAX_REDRAWS = 1000
SOUND_MARGIN = 5.0  # a slip must miss the default tolerance by this factor, so slip + rounding still fails
SHOWN_DECIMALS = (3, 4, 5, 6)  # shown values get the fewest of these that an answer computed from them needs
ATOL = RTOL = 1e-3  # the default tolerance (grading's), which soundness and shown digits are judged by
ROUNDED_ANSWER = 0.5e-3  # a final answer rounded to 3 decimals moves this far at most
TYPED_DECIMALS = (3, 4, 5, 6)  # an answer is typed to 3 decimals, or more where later ones would amplify it
CARRY_LIMIT = 2.0  # rounding carried forward keeps each later gradient within this many tolerances (grading
                   # allows twice this: CARRY_BOUND)
MAX_TYPED = 32  # entries along any axis of an input typed for `explain`
EVERY_KIND_SLIPS = ("sign-flipped", "upstream-dropped")  # named_slips adds these at each asked gradient


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
    shown: dict[str, np.ndarray]  # what the forward table shows: values made from the inputs
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
            return self.shown[name]
        return given.value if isinstance(given, Node) else np.asarray(given)


class Kind:
    name: str  # as typed: "softmax-ce"
    title: str  # as a sheet heads it: "Softmax cross-entropy"
    summary: str  # one line for `handgrad kinds`
    lesson: str  # the lesson's lines it drills, for the README's catalogue
    asks: str  # what it asks, in words, for the README's catalogue (`kinds --format json` lists the gradients)
    inputs: tuple[Input, ...]
    gradients: tuple[str, ...]  # asked, in order (at every difficulty unless `asked_at` says otherwise)
    rules: dict[str, str] = {}  # hint 1 per gradient; default: the rules of the ops it goes through
    closed_form: dict[str, str] = {}  # gradient -> its formula in one line, computable as written
    slip_names: tuple[str, ...] = ()  # every slip its `slips` can name (besides EVERY_KIND_SLIPS)
    zero_by_design: tuple[str, ...] = ()  # gradients that are 0 by the maths (dlogit_maxes, db1): 0 is their answer
    groups: dict[str, str] = {}  # a long problem's parts: first gradient of a group -> its heading (the drill's)
    group_words: dict[str, str] = {}  # first gradient of a group -> its short name (`explain ID NAME`, `steps NAME`)

    # --- what a kind writes ------------------------------------------------------------------

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        raise NotImplementedError

    def forward(self, t: Tensors) -> Node:
        """The forward pass in engine ops; returns the output the backward pass starts from."""
        raise NotImplementedError

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        """The named mistakes, for problems of the shapes in `t` (the inputs) and `nodes` (the graph)."""
        return []

    def question(self, inputs: dict[str, Any]) -> str:
        raise NotImplementedError

    def asked_at(self, difficulty: str) -> tuple[str, ...]:
        return self.gradients

    def asked_for(self, inputs: dict[str, Any], difficulty: str) -> tuple[str, ...]:
        """The gradients one problem asks: by default they depend on its difficulty only."""
        return self.asked_at(difficulty) if difficulty in DIFFICULTIES else self.gradients

    def asked_of(self, problem_id: ProblemId) -> tuple[str, ...]:
        """What the problem an ID names asks: by default its difficulty tells, with nothing built."""
        return self.asked_at(problem_id.difficulty)

    def closed_forms(self, graph: Graph, asked: Sequence[str]) -> dict[str, str]:
        """Each asked gradient's formula in one line, for problems of this graph (default: the kind's)."""
        return {name: formula for name, formula in self.closed_form.items() if name in asked}

    def panel_question(self, inputs: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        """The question as the terminal's panel shows it: its prose, and its forward program a statement a
        line (default: the question whole, no program apart)."""
        return self.question(inputs), ()

    def takes_input(self, name: str) -> bool:
        """Whether `name` may be typed as an input (`explain KIND NAME=VALUES`)."""
        return name in {spec.name for spec in self.inputs}

    def clear(self, batch: Batch) -> np.ndarray:
        """Per problem of a batch: every asked gradient shows a nonzero entry at 3 decimals.

        Draws are redone until clear. Part of what an ID means: changing it changes old IDs'
        problems. Soundness is judged apart. A gradient that is 0 by design is exempt.
        """
        clear = np.ones(batch.count, dtype=bool)
        for name, value in batch.answers.items():
            if name not in self.zero_by_design:
                clear &= largest(np.abs(value)) >= CLEAR
        return clear

    def worth_doing(self, batch: Batch) -> np.ndarray:
        """Per problem of a batch: the inputs make maths worth doing by hand; sets and drills skip the rest."""
        return np.ones(batch.count, dtype=bool)

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        """Further checks `explain` shows, such as a gradient step."""
        return []

    # --- building problems -------------------------------------------------------------------

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

    def backward(self, graph: Graph, what_if: engine.WhatIf = engine.EXACT, words: bool = True) -> engine.Backward:
        """The graph's backward pass, supposing `what_if` (default: the exact maths)."""
        return engine.backward(graph.root, graph.seed, seed_name=graph.seed_name, walk=graph.walk, what_if=what_if,
                               words=words)

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
                 "typed": lambda: self._typed_decimals(graph, answers, asked)}
        solved = Solved(self.name, batch.difficulty, answers, batch.shown, self.closed_forms(graph, asked),
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

    # --- trust: sound problems, enough digits, the right step blamed ---------------------------

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

    def one_graph(self, problem: Problem) -> Graph:
        """The forward pass of this one problem, made once and kept with it (grading reads it per gradient)."""
        graph = problem.cache.get("graph")
        if graph is None:
            graph = problem.cache["graph"] = self.graph([problem.inputs])
        return graph

    def _typed_decimals(self, graph: Graph, answers, asked: Sequence[str]) -> np.ndarray:
        """Per problem and asked gradient, the decimals to type it to: 3, or more where a learner who
        carries their own rounded answers forward would drift more than CARRY_LIMIT tolerances off.

        A learner is simulated in order. Where a gradient drifts too far, the answers it is computed
        from get one more decimal; if it drifts again, every answer on its paths to the loss does.
        """
        count = len(graph.seed)
        decimals = np.full((count, len(asked)), TYPED_DECIMALS[0])
        # a gradient that is 0 by design is typed as 0, whatever a sum of rounded answers gives
        levels = [[] if name in self.zero_by_design else self._levels(graph, name, asked[:i])
                  for i, name in enumerate(asked)]
        reach = np.zeros((count, len(asked)), dtype=int)
        printed = _printed(graph, self._shown_decimals(graph, answers))
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
                name in self._nearest(graph, start, before) for start in frontier))
            if not level:
                return levels
            levels.append(level)
            seen.update(level)
            frontier = list(level)

    def _nearest(self, graph: Graph, gradient: str, answered) -> set[str]:
        """On each path from `gradient` to the loss, the first node whose gradient is among `answered`."""
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

    def mistakes(self, problem: Problem, earlier: dict[str, np.ndarray] | None = None) -> list[Mistake]:
        """Each named slip's answers for this problem, given the learner's earlier answers if any."""
        graph = self.one_graph(problem)
        overrides = _by_node(earlier)
        found = []
        for slip in self.named_slips(graph, problem.asked):
            grads = self.backward(graph, WhatIf(overrides=overrides, slip=slip), words=False).grads
            for name in problem.asked:
                if earlier and name in earlier:
                    continue
                value = grads[graph.nodes[name[1:]]][0]
                words = slip.words if slip.at == name[1:] else f"{slip.words} (in d{slip.at})"
                found.append(Mistake(slip.slug, name, words, value, f"d{slip.at}"))
        return found

    def following(self, problem: Problem, earlier: dict[str, np.ndarray],
                  values: engine.Values | None = None) -> dict[str, np.ndarray]:
        """Each asked gradient as it follows from the learner's own earlier answers (and from `values`,
        the forward values a learner reads: exact by default)."""
        graph = self.one_graph(problem)
        grads = self.backward(graph, WhatIf(values, _by_node(earlier)), words=False).grads
        return {name: grads[graph.nodes[name[1:]]][0] for name in problem.asked}

    def printed(self, problem: Problem) -> engine.Values:
        """The forward values of this problem as printed: what a learner computes from."""
        return _printed(self.one_graph(problem), np.array([problem.shown_decimals]))

    def depends_on(self, problem: Problem, gradient: str, answered) -> tuple[str, ...]:
        """The answered gradients a learner computes `gradient` from: on each path from it to the loss,
        the first node whose gradient was answered (in the order asked)."""
        found = self._nearest(self.one_graph(problem), gradient, answered)
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

    def hint_values(self, problem: Problem, gradient: str) -> dict[str, Any]:
        """The forward values the second hint shows; default: those the local derivatives read."""
        return {}

    def _values_read(self, problem: Problem, *gradients: str) -> dict[str, Any]:
        """The forward values the local derivatives of these gradients read, in order (one pass for all)."""
        graph = self.graph([problem.inputs])
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

    # --- inputs a person types -----------------------------------------------------------------

    def read_inputs(self, typed: dict[str, str]) -> dict[str, Any]:
        """Inputs from text (``{"logits": "2,1,0", "target": "0"}``), checked against the schema."""
        from handgrad_cli.answers import read_rows

        missing = [spec.name for spec in self.inputs if spec.name not in typed]
        if missing:
            raise UserError(f"{self.name} needs {' '.join(f'{name}=...' for name in missing)} as well "
                            f"(it takes {self.input_names()})")
        sizes: dict[str, int] = {}
        values = {spec.name: _shaped(spec, read_rows(typed[spec.name], f"the input {spec.name}"), sizes)
                  for spec in self.inputs}
        for spec in self.inputs:
            if spec.index:
                _check_index(spec, values[spec.name], sizes)
        return values

    def input_names(self) -> str:
        return " ".join(f"{spec.name}=..." for spec in self.inputs)


# --- helpers -----------------------------------------------------------------------------------


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


def _by_node(answers: dict[str, Any] | None) -> dict[str, np.ndarray]:
    """A learner's answers (``dz``) as overrides of the nodes' gradients (``z``), one problem."""
    return {name[1:]: np.asarray(value, dtype=float)[None] for name, value in (answers or {}).items()}


def largest(values: np.ndarray) -> np.ndarray:
    """Per problem (the leading axis), the largest entry."""
    return values.reshape(values.shape[0], -1).max(axis=1) if values.ndim > 1 else values


def smallest(values: np.ndarray) -> np.ndarray:
    """Per problem (the leading axis), the smallest entry."""
    return values.reshape(values.shape[0], -1).min(axis=1) if values.ndim > 1 else values


def every(mask: np.ndarray) -> np.ndarray:
    """Per problem (the leading axis), whether every entry holds."""
    return mask.reshape(mask.shape[0], -1).all(axis=1) if mask.ndim > 1 else mask


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


def _printed(graph: Graph, decimals: np.ndarray) -> engine.Values:
    """Forward values as a learner reads them: inputs as given, values made from them at each problem's decimals."""
    given = set(graph.t)
    scale = 10.0 ** decimals

    def value(node: Node) -> np.ndarray:
        if node.fixed or node.name in given:
            return node.value
        places = scale.reshape((-1,) + (1,) * (node.value.ndim - 1))
        return np.round(node.value * places) / places

    return value


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


def _shaped(spec: Input, rows: list[list[float]], sizes: dict[str, int]) -> Any:
    """A typed input in the first of its shapes that fits the rows and the sizes already known."""
    if len(rows) > MAX_TYPED or max(len(row) for row in rows) > MAX_TYPED:
        raise UserError(f"{spec.name} takes at most {MAX_TYPED} rows of {MAX_TYPED} values; you gave {_given_text(rows)}")
    candidates = {2: np.array(rows) if len({len(row) for row in rows}) == 1 else None}
    if len(rows) == 1:
        candidates[1] = np.array(rows[0])
        if len(rows[0]) == 1:
            candidates[0] = np.array(rows[0][0])
    for shape in spec.shapes:
        value = candidates.get(len(shape))
        if value is not None and _binds(shape, value.shape, sizes):
            if spec.index and not all(float(v).is_integer() for v in np.ravel(value)):
                raise UserError(f"{spec.name} takes whole numbers ({spec.words})")
            return value.astype(int) if spec.index else (float(value) if value.ndim == 0 else value)
    wanted = " or ".join(_shape_text(shape, sizes) for shape in spec.shapes)
    raise UserError(f"{spec.name} must be {wanted}; you gave {_given_text(rows)}")


def _binds(shape: tuple[str, ...], actual: tuple[int, ...], sizes: dict[str, int]) -> bool:
    trial = dict(sizes)
    for dim, size in zip(shape, actual):
        known = _size(dim, trial)
        if (known is not None and known != size) or not 1 <= size <= MAX_TYPED:
            return False
        trial[dim] = size
    sizes.update(trial)
    return True


def _shape_text(shape: tuple[str, ...], sizes: dict[str, int]) -> str:
    if not shape:
        return "one number"
    return "[" + ", ".join(_dim_text(dim, sizes) for dim in shape) + "]"


def _dim_text(dim: str, sizes: dict[str, int]) -> str:
    size = _size(dim, sizes)
    return dim if size is None or dim.isdigit() else f"{dim}={size}"


def _size(dim: str, sizes: dict[str, int]) -> int | None:
    """A dimension's size if known: a number (the 1 of a [1, n] row), a name bound already (N), or a
    product of those (T*d)."""
    parts = dim.split("*")
    if not all(part.isdigit() or part in sizes for part in parts):
        return None
    return int(np.prod([int(part) if part.isdigit() else sizes[part] for part in parts]))


def _given_text(rows: list[list[float]]) -> str:
    if len(rows) == 1:
        return f"{len(rows[0])} value(s)"
    return f"{len(rows)} rows of " + "/".join(sorted({str(len(row)) for row in rows})) + " value(s)"


def _check_index(spec: Input, value: np.ndarray, sizes: dict[str, int]) -> None:
    limit = sizes.get(spec.below or "", None)
    flat = np.atleast_1d(value).ravel()
    if limit is not None and not np.all((flat >= 0) & (flat < limit)):
        raise UserError(f"{spec.name} takes whole numbers from 0 to {limit - 1} ({spec.words})")
