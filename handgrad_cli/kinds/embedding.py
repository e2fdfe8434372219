"""An embedding lookup: ``emb = C[Xb]``, ``embcat = emb.view(N, -1)``, upstream ``dembcat`` given.

Backward, as makemore Part 4 ends: the view moves no numbers, so ``demb = dembcat.view(N, T, d)``;
the lookup is a scatter-add, so each row of ``C`` gets the sum of ``demb`` over every place its
index appears in ``Xb`` (``dC[Xb[i, j]] += demb[i, j]``). Every draw has more indices than rows
(N * T > V), so some index repeats and assigning instead of adding up is never right by luck.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Input, Kind, Tensors
from handgrad_cli.problem import Draw, Problem
from handgrad_cli.question import Code, Question, Value

# difficulty -> (vocabulary V, embedding size d, examples N, block size T, decimals); N * T > V
LEVELS = {
    "easy": (3, 2, 2, 2, 0),
    "medium": (4, 2, 2, 3, 1),
    "hard": (5, 3, 3, 2, 1),
}


def embedding_lookup(C: Node, Xb: engine.Index) -> Node:
    """``emb = C[Xb]``, then ``embcat = emb.view(N, -1)``: each example's rows side by side."""
    emb = engine.embed(C, Xb).named("emb")
    return emb.view(emb.shape[0], -1).named("embcat")


class Embedding(Kind):
    name = "embedding"
    title = "An embedding lookup"
    summary = "emb = C[Xb] viewed as embcat, given dembcat; asks demb, dC (a scatter-add)"
    lesson = "`emb = C[Xb]`, `embcat = emb.view(N, -1)`: `demb = dembcat.view(emb.shape)`, `dC` by scatter-add"
    asks = "`demb` ([N, T, d]: the view back), `dC` (a scatter-add)"
    slip_names = ("assigned-not-added",)
    inputs = (
        Input("C", (("V", "d"),), "the embedding table: a row of d numbers per token"),
        Input("Xb", (("N", "T"),), "each example's T token indices", index=True, below="V"),
        Input("dembcat", (("N", "T*d"),), "the upstream gradient dL/dembcat", upstream=True),
    )
    gradients = ("demb", "dC")
    rules = {
        "demb": "A view moves no numbers: demb is dembcat viewed back to emb's shape [N, T, d], each row of "
                "dembcat cut into T pieces of d.",
        "dC": "The lookup copies rows of C, so the backward pass adds them back: dC[Xb[i, j]] += demb[i, j] for "
              "every place; a row used twice gets both, a row never used gets 0.",
    }
    closed_form = {"demb": "demb = dembcat.view(N, T, d)", "dC": "dC = zeros_like(C); np.add.at(dC, Xb, demb)"}

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        vocabulary, size, examples, block, places = LEVELS[difficulty]
        table = draw.rows(vocabulary, size, -2, 2, places)
        indices = [draw.below(vocabulary) for _ in range(examples * block)]
        upstream = [draw.nonzero(block * size, 2, places) for _ in range(examples)]  # every use shows in dC
        return {"C": table, "Xb": np.array(indices).reshape(examples, block), "dembcat": np.array(upstream)}

    def forward(self, t: Tensors) -> Node:
        return embedding_lookup(t.C, t.Xb)

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        return [Slip("assigned-not-added", "C", "dC was assigned, not added up: a row of C used more than once "
                     "gets the sum of demb over all its uses (+=), not only the last one", term=assigned)]

    def hint_values(self, problem: Problem, gradient: str) -> dict[str, Any]:
        return {"Xb": problem.inputs["Xb"]} if gradient == "dC" else {}

    def question(self, inputs: dict[str, Any]) -> str:
        (vocabulary, size), (examples, block) = np.shape(inputs["C"]), np.shape(inputs["Xb"])
        return Question(Code("emb = C[Xb]"), " looks up a row of C for each index, and ", Code("embcat = emb.view(N, -1)"),
                        " puts each example's rows side by side. ", Value("C", inputs["C"], f" [{vocabulary}, {size}]"),
                        ", ", Value("Xb", inputs["Xb"], f" [{examples}, {block}]"), ", and the upstream gradient ",
                        Value("dembcat", inputs["dembcat"], f" [{examples}, {block * size}]"),
                        f". Compute demb [{examples}, {block}, {size}] and dC [{vocabulary}, {size}].")


def assigned(link, local: np.ndarray, up: np.ndarray, values) -> np.ndarray:
    """dC[Xb] = demb in order, place by place: where an index repeats, only its last use is kept."""
    rows = np.asarray(local, dtype=np.intp).reshape(local.shape[0], -1)
    flat = up.reshape(up.shape[0], rows.shape[1], -1)
    grad = np.zeros(link.parent.value.shape)
    problems = np.arange(rows.shape[0])
    for place in range(rows.shape[1]):
        grad[problems, rows[:, place]] = flat[:, place]
    return grad
