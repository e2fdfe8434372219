"""softmax + cross-entropy on logits: ``loss = -mean(log softmax(logits)[range(n), target])``.

Backward, as in makemore Part 4: ``dlogits = (probs - onehot(target)) / n``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Input, Kind, Tensors
from handgrad_cli.problem import Draw, Problem, Quantity
from handgrad_cli.question import Code, Question, Value

# difficulty -> (rows, classes, logit range, decimals); rows and classes are (low, high)
LEVELS = {
    "easy": ((1, 1), (3, 3), 3, 0),
    "medium": ((1, 1), (3, 5), 3, 1),
    "hard": ((2, 4), (4, 6), 4, 1),
}


class SoftmaxCE(Kind):
    name = "softmax-ce"
    title = "Softmax cross-entropy"
    summary = "softmax + cross-entropy on logits; asks dlogits = (p - y) / n"
    lesson = "`loss = F.cross_entropy(logits, Yb)`, then `dlogits = (softmax(logits) - onehot(Yb)) / n`"
    asks = "`dlogits`, each row summing to 0"
    slip_names = (
        "jacobian-diagonal-only", "mean-forgotten", "onehot-not-subtracted", "sign-flipped-mean-forgotten",
        "wrong-class",
    )
    inputs = (
        Input("logits", (("V",), ("n", "V")), "a row of scores, or one row per example"),
        Input("target", ((), ("n",)), "the right class of each row", index=True, below="V"),
    )
    gradients = ("dlogits",)
    rules = {"dlogits": "Softmax followed by cross-entropy has the simplest gradient of all: "
                        "dlogits = probs - onehot(target), divided by n when the loss is a mean over n rows."}
    closed_form = {"dlogits": "dlogits = (probs - onehot(target)) / n"}

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (rows_low, rows_high), (classes_low, classes_high), spread, places = LEVELS[difficulty]
        rows, classes = draw.integer(rows_low, rows_high), draw.integer(classes_low, classes_high)
        logits = [draw.decimals(classes, -spread, spread, places) for _ in range(rows)]
        target = [draw.below(classes) for _ in range(rows)]
        if rows == 1:
            return {"logits": np.array(logits[0]), "target": target[0]}
        return {"logits": np.array(logits), "target": np.array(target)}

    def forward(self, t: Tensors) -> Node:
        return engine.cross_entropy(t.logits, t.target).named("loss")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        probs = nodes["loss"].aux["probs"]
        classes = probs.shape[-1]
        n = 1 if probs.ndim == 2 else probs.shape[1]
        targets = np.asarray(t.target)
        y = onehot(targets, classes)

        def whole(slug: str, words: str, wrong) -> Slip:
            return Slip(slug, "logits", words, whole=lambda g, val: wrong)

        found = [
            engine.flipped("logits", "the sign is flipped: you computed y - p; the gradient is p - y"),
            whole("onehot-not-subtracted", "you answered p: the one-hot label y was not subtracted", probs / n),
            whole("jacobian-diagonal-only",
                  "only the diagonal of softmax's Jacobian was used, so only the target logit got a gradient: "
                  "every logit gets probs_i / n, and the target also -1/n", (probs * y - y) / n),
        ]
        if n > 1:
            found.append(whole("mean-forgotten", f"the 1/n of the batch mean was forgotten (n = {n})", probs - y))
            found.append(whole("sign-flipped-mean-forgotten",
                               f"the sign is flipped and the 1/n of the mean forgotten (n = {n}): it is (p - y) / n",
                               y - probs))
        # one row: every other class; a batch: only an off-by-one index is a likely slip
        for shift in (range(1, classes) if n == 1 else sorted({1, classes - 1})):
            wrong = (targets + shift) % classes
            where = "another class than the target" if n == 1 else "the class next to the target in each row"
            found.append(whole("wrong-class", f"the one-hot is at {where}", (probs - onehot(wrong, classes)) / n))
        return found

    def hint_values(self, problem: Problem, gradient: str) -> dict[str, Any]:
        rows = np.atleast_2d(problem.inputs["logits"]).shape[0]
        return {"probs": problem.forward["probs"], "target": problem.inputs["target"], "n": rows}

    def question(self, inputs: dict[str, Any]) -> str:
        logits, target = inputs["logits"], inputs["target"]
        if np.ndim(logits) == 1:
            return Question(Value("logits", logits), ", ", Value("target", target), ". With ",
                            Code("probs = softmax(logits)"), " and ", Code("loss = -log(probs[target])"),
                            ", compute ", Code("dlogits = dloss/dlogits"), ".")
        return Question(Value("logits", logits), f" ({len(logits)} rows), ", Value("target", target), ". With ",
                        Code("probs = softmax(logits)"), " row by row and ",
                        Code("loss = -mean(log(probs[range(N), target]))"), ", compute ",
                        Code("dlogits = dloss/dlogits"), ".")

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        logits, target = problem.inputs["logits"], problem.inputs["target"]
        dlogits = problem.answers["dlogits"]
        stepped = logits - lr * dlogits
        return [
            Quantity("row sums of dlogits (each is 0)", np.atleast_2d(dlogits).sum(axis=1)),
            Quantity("loss before", problem.forward["loss"]),
            Quantity(f"logits - {lr:g} * dlogits", stepped),
            Quantity("loss after that step", loss(stepped, target)),
        ]


def onehot(target: np.ndarray, classes: int) -> np.ndarray:
    return np.eye(classes)[target]


def _cross_entropy(logits: Any, target: Any) -> Node:
    """The engine's cross-entropy on one problem's logits (a row or rows)."""
    return engine.cross_entropy(engine.leaf(np.asarray(logits, dtype=float)[None], "logits"), np.asarray(target)[None])


def loss(logits: Any, target: Any) -> float:
    """The mean cross-entropy of one problem's logits (a row or rows)."""
    return float(_cross_entropy(logits, target).value[0])


def softmax(logits: Any) -> np.ndarray:
    return _cross_entropy(logits, np.zeros(np.shape(logits)[:-1], dtype=int)).aux["probs"][0]
