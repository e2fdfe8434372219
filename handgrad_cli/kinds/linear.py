"""A linear layer: ``Y = X @ W + b`` with ``X`` [N, n], ``W`` [n, m] (never square), ``b`` [m], upstream ``dY``.

Backward, as makemore Part 4 does for ``logits = h @ W2 + b2``: matmul backward is a transpose,
``dX = dY @ W.T`` ([N, m] @ [m, n]) and ``dW = X.T @ dY`` ([n, N] @ [N, m]); the bias was broadcast
over the batch, so ``db = dY.sum(0)``. W is never square, so a forgotten transpose is a shape error
(grading says so); the named slips here are the ones with the right shape and the wrong values.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Batch, Input, Kind, Tensors, every, smallest
from handgrad_cli.problem import Draw
from handgrad_cli.question import Code, Question, Value

# difficulty -> (batch sizes N, (n, m) pairs with n != m, spread, decimals)
LEVELS = {
    "easy": ((1, 2), ((2, 3),), 3, 0),
    "medium": ((2, 2), ((3, 2),), 2, 1),
    "hard": ((2, 3), ((3, 2), (4, 2), (2, 3), (4, 3)), 2, 1),
}


class Linear(Kind):
    name = "linear"
    title = "A linear layer"
    summary = "Y = X @ W + b over a batch, given dY; asks dX, dW, db"
    lesson = "`logits = h @ W2 + b2`: `dh = dlogits @ W2.T`, `dW2 = h.T @ dlogits`, `db2 = dlogits.sum(0)`"
    asks = "`dX`, `dW`, `db`, each in its variable's shape"
    slip_names = ("dW-averaged", "db-averaged")
    inputs = (
        Input("X", (("N", "n"),), "a batch of N rows of n inputs"),
        Input("W", (("n", "m"),), "the weights: n inputs to m outputs"),
        Input("b", (("m",),), "the bias, one per output, added to every row"),
        Input("dY", (("N", "m"),), "the upstream gradient dL/dY", upstream=True),
    )
    gradients = ("dX", "dW", "db")
    rules = {
        "dX": "Matmul backward is a transpose: dX = dY @ W.T, [N, m] @ [m, n] gives X's shape [N, n].",
        "dW": "Matmul backward is a transpose: dW = X.T @ dY, [n, N] @ [N, m] gives W's shape [n, m].",
        "db": "b was added to every row (a broadcast), so the backward pass sums: db = dY summed over "
              "the batch (axis 0), b's shape [m].",
    }
    closed_form = {"dX": "dX = dY @ W.T", "dW": "dW = X.T @ dY", "db": "db = dY.sum(0)"}

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (low, high), sizes, spread, places = LEVELS[difficulty]
        rows = draw.integer(low, high)
        n, m = sizes[draw.below(len(sizes))]
        X = draw.rows(rows, n, -spread, spread, places)
        W = draw.rows(n, m, -spread, spread, places)
        b = draw.decimals(m, -spread, spread, places)
        dY = draw.rows(rows, m, -2, 2, places)
        return {"X": X, "W": W, "b": np.array(b), "dY": dY}

    def forward(self, t: Tensors) -> Node:
        return (t.X @ t.W + t.b).named("Y")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        rows = nodes["X"].shape[0]
        if rows == 1:
            return []  # a mean over one row is the sum: the generic slips (sign, upstream) remain
        return [
            engine.scaled("b", "db-averaged", f"db was averaged over the batch: b is added to all {rows} rows, "
                          "so db is the sum of dY's rows, not their mean", lambda val: 1 / rows),
            engine.scaled("W", "dW-averaged", f"dW was divided by the batch size {rows}: X.T @ dY already adds "
                          "the rows up, and any 1/N of a mean loss is in dY already", lambda val: 1 / rows),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        X, W, b, dY = (inputs[name] for name in ("X", "W", "b", "dY"))
        (rows, n), m = X.shape, W.shape[1]
        return Question("A linear layer ", Code("Y = X @ W + b"), f" over a batch of N = {rows}: ",
                        Value("X", X, f" [{rows}, {n}]"), ", ", Value("W", W, f" [{n}, {m}]"), ", ",
                        Value("b", b, f" [{m}]"), ", and the upstream gradient ", Value("dY", dY, f" = dL/dY [{rows}, {m}]"),
                        ". Compute dX, dW and db, each in its variable's shape.")

    def worth_doing(self, batch: Batch) -> np.ndarray:
        """No row of X, W or dY is all zeros (a row of the answer would be 0), and dY is not all ones
        (a dropped upstream would pass as right)."""
        worth = ~every(batch.value("dY") == 1)
        for name in ("X", "W", "dY"):
            worth &= smallest(np.abs(batch.value(name)).max(axis=-1)) > 0
        return worth
