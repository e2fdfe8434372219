"""A logistic unit with binary cross-entropy: ``z = w.x + b``, ``p = sigmoid(z)``,
``L = -(y * log(p) + (1 - y) * log(1 - p))`` for a label ``y`` (1 or 0).

Backward: ``dp = -y / p + (1 - y) / (1 - p)``, and sigmoid's local derivative ``p * (1 - p)`` cancels its
denominators: ``dz = p - y``, the lesson's softmax result (probs minus the one-hot label) for two classes.
Then, as in the tanh neuron, ``dw = dz * x``, ``db = dz``, ``dx = dz * w``. The label gets no gradient.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Batch, Input, Kind, Tensors
from handgrad_cli.kinds.tanh_neuron import LINEAR_FORMS, LINEAR_RULES, swapped_inputs
from handgrad_cli.problem import Draw
from handgrad_cli.question import Code, Question, Value

# difficulty -> (inputs (low, high), spread of x and w, spread of b, decimals)
LEVELS = {
    "easy": ((2, 2), 2, 1, 0),
    "medium": ((3, 3), 2, 1, 1),
    "hard": ((4, 5), 1.5, 1.5, 2),
}
WORTH_DOING = (0.2, 2.5)  # |z| here: p is neither about 1/2 nor about 0 or 1


class SigmoidBCE(Kind):
    name = "sigmoid-bce"
    title = "A logistic unit with binary cross-entropy"
    summary = "a logistic unit p = sigmoid(w.x + b), binary cross-entropy on a label y; asks dz, dw, db, dx"
    lesson = ("softmax-ce for two classes: `p = torch.sigmoid(z)`, `loss = F.binary_cross_entropy(p, y)`: "
              "`dz = p - y`")
    asks = "`dz = p - y`, `dw`, `db`, `dx`"
    inputs = (
        Input("x", (("n",),), "the unit's inputs"),
        Input("w", (("n",),), "its weights, one per input"),
        Input("b", ((),), "its bias"),
        Input("y", ((),), "the label: 1 or 0 (a probability between works too)", fixed=True),
    )
    gradients = ("dz", "dw", "db", "dx")
    rules = {
        "dz": "sigmoid's local derivative p * (1 - p) times dp = -y/p + (1 - y)/(1 - p): they cancel to p - y.",
        **LINEAR_RULES,
    }
    closed_form = {"dz": "dz = p - y", **LINEAR_FORMS}
    slip_names = ("dw-dx-swapped", "label-flipped", "sigmoid-local-as-p", "sigmoid-skipped", "tanh-derivative")

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (low, high), spread, b_spread, places = LEVELS[difficulty]
        size = draw.integer(low, high)
        x = draw.decimals(size, -spread, spread, places)
        w = draw.decimals(size, -spread, spread, places)
        b = draw.decimal(-b_spread, b_spread, max(places, 1))
        return {"x": np.array(x), "w": np.array(w), "b": b, "y": float(draw.below(2))}

    def forward(self, t: Tensors) -> Node:
        z = (t.w.dot(t.x) + t.b).named("z")
        p = z.sigmoid().named("p")
        return (-(t.y * p.log() + (1 - t.y) * (1 - p).log())).named("loss")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        p, y, w, x = (nodes[name] if name in nodes else t[name] for name in ("p", "y", "w", "x"))

        def sigmoid_local(slug: str, words: str, wrong) -> Slip:
            return engine.local_swapped("z", slug, words, wrong)

        return [
            Slip("label-flipped", "z", "the label is taken the wrong way round (or not subtracted where y = 1): "
                 "dz = p - y, softmax's p - onehot", whole=lambda g, val: g + 2 * val(y) - 1),
            engine.flipped("z", "the sign is flipped: dz = p - y, not y - p"),
            sigmoid_local("sigmoid-skipped", "sigmoid's local derivative p * (1 - p) was skipped: dz is not just dp",
                          lambda val: np.ones_like(val(p))),
            sigmoid_local("sigmoid-local-as-p", "p was used where sigmoid's local derivative p * (1 - p) belongs",
                          lambda val: val(p)),
            sigmoid_local("tanh-derivative", "1 - p**2 is tanh's derivative: sigmoid's is p * (1 - p)",
                          lambda val: 1 - val(p) ** 2),
            *swapped_inputs(w, x),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        x, w, b, y = (inputs[name] for name in ("x", "w", "b", "y"))
        return Question(Value("x", x), ", ", Value("w", w), ", ", Value("b", b), ", label ", Value("y", y), "; ",
                        Code("z = w.x + b"), ", ", Code("p = sigmoid(z)"), ", and the loss ",
                        Code("L = -(y log p + (1 - y) log(1 - p))"), ". Compute dz, dw, db and dx.")

    def worth_doing(self, batch: Batch) -> np.ndarray:
        low, high = WORTH_DOING
        z = np.abs(batch.value("z"))
        return (low <= z) & (z <= high)
