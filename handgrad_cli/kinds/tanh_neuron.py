"""A tanh neuron with its linear step: ``z = w.x + b``, ``a = tanh(z)``, upstream ``dout = dL/da``.

Backward, with micrograd's local rules (add passes the gradient through, mul swaps its inputs,
tanh gives ``1 - tanh**2``): ``dz = (1 - a**2) * dout``, ``dw = dz * x``, ``db = dz``, ``dx = dz * w``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Batch, Input, Kind, Tensors
from handgrad_cli.problem import Draw
from handgrad_cli.question import Code, Question, Value

# difficulty -> (inputs (low, high), spread of x and w, spread of b, decimals, dout choices or None)
LEVELS = {
    "easy": ((2, 2), 2, 1, 0, (1.0, -1.0, 2.0, 0.5)),
    "medium": ((3, 3), 2, 1, 1, None),
    "hard": ((4, 5), 1.5, 1.5, 2, None),
}
# The linear step z = w.x + b backward, as the tanh neuron and the logistic unit (sigmoid-bce) ask it.
LINEAR_RULES = {
    "dw": "z = w.x + b: mul swaps its inputs, so each w_i gets x_i times the upstream dz.",
    "db": "z = w.x + b: add passes the gradient through, so db is the upstream dz unchanged.",
    "dx": "z = w.x + b: mul swaps its inputs, so each x_i gets w_i times the upstream dz.",
}
LINEAR_FORMS = {"dw": "dw = dz * x", "db": "db = dz", "dx": "dx = dz * w"}
SATURATED = 0.9995  # |a| at or above this reads as 1.000 at three decimals
WORTH_DOING = (0.2, 2.0)  # |z| here: tanh' is neither about 1 nor about 0


class TanhNeuron(Kind):
    name = "tanh-neuron"
    title = "A tanh neuron"
    summary = "a tanh neuron z = w.x + b, a = tanh(z), given dout; asks dz, dw, db, dx"
    lesson = "`h = torch.tanh(hpreact)`: `dhpreact = (1 - h**2) * dh`, with micrograd's neuron before it"
    asks = "`dz = (1 - a**2) * dout`, `dw`, `db`, `dx`"
    slip_names = (
        "dout-dropped", "dw-dx-swapped", "one-minus-a", "one-minus-a-squared", "sigmoid-derivative",
        "tanh-not-derivative", "tanh-skipped", "z-squared",
    )
    inputs = (
        Input("x", (("n",),), "the neuron's inputs"),
        Input("w", (("n",),), "its weights, one per input"),
        Input("b", ((),), "its bias"),
        Input("dout", ((),), "the upstream gradient dL/da", upstream=True),
    )
    gradients = ("dz", "dw", "db", "dx")
    rules = {
        "dz": "tanh's local derivative is 1 - tanh(z)**2 = 1 - a**2; multiply it by the upstream dout.",
        **LINEAR_RULES,
    }
    closed_form = {"dz": "dz = (1 - tanh(z)**2) * dout", **LINEAR_FORMS}

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (low, high), spread, b_spread, places, douts = LEVELS[difficulty]
        size = draw.integer(low, high)
        x = draw.decimals(size, -spread, spread, places)
        w = draw.decimals(size, -spread, spread, places)
        b = draw.decimal(-b_spread, b_spread, max(places, 1))
        dout = douts[draw.below(len(douts))] if douts else draw.decimal(-2, 2, places)
        return {"x": np.array(x), "w": np.array(w), "b": b, "dout": dout}

    def forward(self, t: Tensors) -> Node:
        z = (t.w.dot(t.x) + t.b).named("z")
        return z.tanh().named("a")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        z, a, w, x = (nodes[name] for name in ("z", "a", "w", "x"))

        def tanh_local(slug: str, words: str, wrong) -> Slip:
            return engine.local_swapped("z", slug, words, wrong)

        return [
            tanh_local("tanh-not-derivative", "tanh(z) = a was used where 1 - a**2 belongs", lambda val: val(a)),
            tanh_local("z-squared", "1 - z**2 was used: the local derivative is 1 - a**2, with a = tanh(z)",
                       lambda val: 1 - val(z) ** 2),
            tanh_local("one-minus-a", "1 - a was used: tanh's local derivative is 1 - a**2", lambda val: 1 - val(a)),
            tanh_local("sigmoid-derivative", "a * (1 - a) is the sigmoid's derivative: tanh's is 1 - a**2",
                       lambda val: val(a) * (1 - val(a))),
            tanh_local("one-minus-a-squared", "(1 - a)**2 was used: tanh's local derivative is 1 - a**2",
                       lambda val: (1 - val(a)) ** 2),
            engine.upstream_dropped("z", "the upstream gradient dout was dropped: multiply 1 - a**2 by dout",
                                    slug="dout-dropped"),
            tanh_local("tanh-skipped", "tanh's local derivative 1 - a**2 was skipped: dz is not just dout",
                       lambda val: np.ones_like(val(a))),
            engine.flipped("z", "the sign is flipped: 1 - a**2 is positive, so dz has the sign of dout"),
            *swapped_inputs(w, x),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        x, w, b, dout = (inputs[name] for name in ("x", "w", "b", "dout"))
        return Question(Value("x", x), ", ", Value("w", w), ", ", Value("b", b), "; ", Code("z = w.x + b"), ", ",
                        Code("a = tanh(z)"), ", and the upstream gradient ", Value("dout", dout, " = dL/da"),
                        ". Compute dz, dw, db and dx.")

    def clear(self, batch: Batch) -> np.ndarray:
        return (np.abs(batch.value("a")) < SATURATED) & super().clear(batch)

    def worth_doing(self, batch: Batch) -> np.ndarray:
        low, high = WORTH_DOING
        z, dout = np.abs(batch.value("z")), np.abs(batch.value("dout"))
        return (low <= z) & (z <= high) & (dout != 0) & (dout != 1)


def swapped_inputs(w: Node, x: Node) -> list[Slip]:
    """dw and dx swapped: each of w and x takes the other's local derivative."""
    words = "dw and dx are swapped: dw = dz * x takes the input, dx = dz * w the weight"
    return [engine.local_swapped("w", "dw-dx-swapped", words, lambda val: val(w)),
            engine.local_swapped("x", "dw-dx-swapped", words, lambda val: val(x))]
