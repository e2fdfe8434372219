"""What a kind declares: the one interface a kind module writes.

A kind gives its input schema, how to draw inputs per difficulty, its forward pass in engine ops, the
gradients it asks, its named slips, its words (title, summary, lesson, rules, closed forms, groups) and a
few optional judgements (clear, worth doing, extras). Everything else is derived, each in a module of its
own that `Kind` takes in as a mixin: solving (kinds/solving.py), trust (kinds/trust.py), diagnosis
(kinds/diagnosis.py), what a gradient reads (kinds/reads.py) and typed inputs (kinds/typed_inputs.py),
over the shared values of kinds/values.py. Pure: numpy in, values out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.diagnosis import Diagnosis
from handgrad_cli.kinds.reads import Reads
from handgrad_cli.kinds.solving import Solving
from handgrad_cli.kinds.trust import EVERY_KIND_SLIPS, SOUND_MARGIN, Trust
from handgrad_cli.kinds.typed_inputs import TypedInputs
from handgrad_cli.kinds.values import Batch, Graph, Input, Tensors, every, largest, smallest
from handgrad_cli.problem import DIFFICULTIES, Draw, Problem, ProblemId, Quantity

__all__ = ["CLEAR", "EVERY_KIND_SLIPS", "SOUND_MARGIN", "Batch", "Graph", "Input", "Kind", "Tensors", "every",
           "largest", "smallest"]

CLEAR = 0.0005  # an entry rounds to a nonzero value at 3 decimals when at least this large


class Kind(Solving, Trust, Diagnosis, Reads, TypedInputs):
    """A kind of problem: what its module declares (below), and, from the mixins, everything derived from
    it (solving, trust, diagnosis, what a gradient reads, typed inputs)."""

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

    def hint_values(self, problem: Problem, gradient: str) -> dict[str, Any]:
        """The forward values the second hint shows; default: those the local derivatives read."""
        return {}
