"""Batch normalisation backward, makemore Part 4's forward step by step.

Forward, with the notebook's names (n is the batch size)::

    bnmeani = hprebn.mean(0, keepdim=True)            # 1/n * hprebn.sum(0, keepdim=True)
    bndiff = hprebn - bnmeani
    bndiff2 = bndiff**2
    bnvar = bndiff2.sum(0, keepdim=True) / (n - 1)    # Bessel's correction
    bnvar_inv = (bnvar + 1e-5)**-0.5
    bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias

with the upstream gradient dhpreact given. hprebn is drawn so each column's mean and variance
are whole numbers a person can compute. hprebn reaches the loss two ways (through bndiff, and
through the mean), and so does bndiff (through bnraw, and through the variance).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.errors import UserError
from handgrad_cli.kinds.base import Input, Kind, Tensors
from handgrad_cli.problem import Draw, Problem, Quantity
from handgrad_cli.question import Code, Question, Value

EPS = 1e-5  # batchnorm's epsilon, as in the notebook
# difficulty -> (batch sizes, columns, variances allowed (None: any whole number), decimals of dhpreact)
LEVELS = {
    "easy": ((3, 3), (2, 2), (1, 4, 9), 0),
    "medium": ((3, 4), (2, 2), None, 1),
    "hard": ((4, 4), (2, 3), None, 1),
}
SPREAD = 3  # each entry is its column's mean plus a whole number from -3 to 3
EASY_ASKED = ("dbngain", "dbnbias", "dhprebn")


def batchnorm_layer(hprebn: Node, bngain: Node, bnbias: Node) -> Node:
    """makemore's batchnorm in the notebook's atomic steps, each named as there: hprebn to hpreact."""
    bnmeani = hprebn.mean(0, keepdim=True).named("bnmeani")
    bndiff = (hprebn - bnmeani).named("bndiff")
    bndiff2 = (bndiff**2).named("bndiff2")
    bnvar = engine.mean(bndiff2, 0, keepdim=True, ddof=1).named("bnvar")  # Bessel: 1/(n-1)
    bnvar_inv = engine.power(bnvar, -0.5, plus=EPS).named("bnvar_inv")
    bnraw = (bndiff * bnvar_inv).named("bnraw")
    return (bngain * bnraw + bnbias).named("hpreact")


PROGRAM = ("bnmeani = hprebn.mean(0, keepdim=True)", "bndiff = hprebn - bnmeani", "bndiff2 = bndiff**2",
           "bnvar = bndiff2.sum(0, keepdim=True) / (n - 1)", "bnvar_inv = (bnvar + 1e-5)**-0.5",
           "bnraw = bndiff * bnvar_inv", "hpreact = bngain * bnraw + bnbias")


class BatchNorm(Kind):
    name = "batchnorm"
    title = "Batch normalisation"
    summary = "makemore's batchnorm layer, given dhpreact; asks dbngain, dbnbias, dhprebn (hard: every step)"
    lesson = ("`bnmeani` → `bndiff` → `bndiff2` → `bnvar` (Bessel) → `bnvar_inv` → `bnraw` → "
              "`hpreact = bngain * bnraw + bnbias`")
    asks = ("`dbngain`, `dbnbias`, `dhprebn`; hard also `dbnraw`, `dbnvar_inv`, `dbnvar`, `dbndiff2`, `dbndiff`, "
            "`dbnmeani`")
    slip_names = (
        "bessel-forgotten", "bessel-multiplied", "mean-path-dropped", "pow-exponent-kept", "variance-path-dropped",
    )
    inputs = (
        Input("hprebn", (("n", "n_hidden"),), "the pre-activations: one row per example of the batch"),
        Input("bngain", (("1", "n_hidden"),), "the gain, one per column"),
        Input("bnbias", (("1", "n_hidden"),), "the bias, one per column"),
        Input("dhpreact", (("n", "n_hidden"),), "the upstream gradient dL/dhpreact", upstream=True),
    )
    gradients = ("dbngain", "dbnbias", "dbnraw", "dbnvar_inv", "dbnvar", "dbndiff2", "dbndiff", "dbnmeani",
                 "dhprebn")
    group_words = {"dbngain": "scale", "dbnvar_inv": "variance", "dbndiff": "mean"}  # hard asks them all
    rules = {
        "dbngain": "hpreact = bngain * bnraw + bnbias: mul swaps its inputs, and bngain [1, n_hidden] was broadcast "
                   "over the batch, so dbngain = (bnraw * dhpreact).sum(0, keepdim=True).",
        "dbnbias": "hpreact = ... + bnbias: add passes the gradient through, and bnbias was broadcast over the "
                   "batch, so dbnbias = dhpreact.sum(0, keepdim=True).",
        "dbndiff2": "bnvar = bndiff2.sum(0, keepdim=True) / (n - 1): the sum copies the gradient to every row, "
                    "and Bessel's correction divides it by n - 1, not n.",
        "dbndiff": "bndiff is used twice, in bnraw = bndiff * bnvar_inv and in bndiff2 = bndiff**2: add both "
                   "paths, bnvar_inv * dbnraw and 2 * bndiff * dbndiff2.",
        "dbnmeani": "bndiff = hprebn - bnmeani: the minus negates the gradient, and bnmeani was broadcast over "
                    "the batch, so dbnmeani = -dbndiff.sum(0, keepdim=True).",
        "dhprebn": "hprebn is used twice, in bndiff = hprebn - bnmeani and in bnmeani = hprebn.mean(0, "
                   "keepdim=True): add both paths, dbndiff and dbnmeani / n copied to every row. "
                   "Check: each column of dhprebn sums to 0.",
    }
    closed_form = {
        "dbngain": "dbngain = (bnraw * dhpreact).sum(0, keepdim=True)",
        "dbnbias": "dbnbias = dhpreact.sum(0, keepdim=True)",
        "dbnraw": "dbnraw = bngain * dhpreact",
        "dbnvar_inv": "dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)",
        "dbnvar": "dbnvar = -0.5 * (bnvar + 1e-5)**-1.5 * dbnvar_inv",
        "dbndiff2": "dbndiff2 = ones_like(bndiff2) * dbnvar / (n - 1)",
        "dbndiff": "dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2",
        "dbnmeani": "dbnmeani = -dbndiff.sum(0, keepdim=True)",
        "dhprebn": "dhprebn = bngain * bnvar_inv / n * (n * dhpreact - dhpreact.sum(0) "
                   "- n / (n - 1) * bnraw * (dhpreact * bnraw).sum(0))",
    }

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (rows_low, rows_high), (cols_low, cols_high), variances, places = LEVELS[difficulty]
        rows, cols = draw.integer(rows_low, rows_high), draw.integer(cols_low, cols_high)
        columns = [_column(draw, rows, variances) for _ in range(cols)]
        bngain = draw.decimals(cols, 0.5, 2, 1)
        bnbias = draw.decimals(cols, -1, 1, 1)
        spread = 2 if places == 0 else 1.5
        dhpreact = draw.rows(rows, cols, -spread, spread, places)
        return {"hprebn": np.array(columns).T, "bngain": np.array([bngain]), "bnbias": np.array([bnbias]),
                "dhpreact": dhpreact}

    def forward(self, t: Tensors) -> Node:
        return batchnorm_layer(t.hprebn, t.bngain, t.bnbias)

    def asked_at(self, difficulty: str) -> tuple[str, ...]:
        return self.gradients if difficulty == "hard" else EASY_ASKED

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        n = nodes["hprebn"].shape[0]
        bnvar = nodes["bnvar"]
        return [
            engine.path_dropped("hprebn", "bnmeani", "mean-path-dropped",
                                "hprebn is used twice: the path through the mean bnmeani was dropped; "
                                "add dbnmeani / n to every row"),
            engine.path_dropped("bndiff", "bndiff2", "variance-path-dropped",
                                "bndiff is used twice: the path through the variance (bndiff2 = bndiff**2) "
                                "was dropped; add 2 * bndiff * dbndiff2"),
            engine.scaled("bndiff2", "bessel-forgotten",
                          f"1/n was used where the variance has Bessel's 1/(n - 1) (n = {n}): "
                          f"dbndiff2 = dbnvar / {n - 1}", lambda val: (n - 1) / n),
            engine.scaled("bndiff2", "bessel-multiplied", f"dbnvar was multiplied by n - 1 = {n - 1}: Bessel's "
                          f"correction divides, dbndiff2 = dbnvar / {n - 1}", lambda val: (n - 1) ** 2),
            engine.scaled("bnvar", "pow-exponent-kept",
                          "the derivative of (bnvar + 1e-5)**-0.5 is -0.5 * (bnvar + 1e-5)**-1.5: "
                          "the exponent drops by one", lambda val: val(bnvar) + EPS),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        hprebn = inputs["hprebn"]
        rows, cols = hprebn.shape
        return Question(Value("hprebn", hprebn), f" (a batch of n = {rows} rows, {cols} columns), ",
                        Value("bngain", inputs["bngain"]), ", ", Value("bnbias", inputs["bnbias"]),
                        ", and the upstream gradient ", Value("dhpreact", inputs["dhpreact"]), ". Forward: ",
                        Code("bnmeani = hprebn.mean(0, keepdim=True)"), "; ", Code("bndiff = hprebn - bnmeani"), "; ",
                        Code("bndiff2 = bndiff**2"), "; ", Code("bnvar = bndiff2.sum(0, keepdim=True) / (n - 1)"),
                        " (Bessel's correction: n - 1, not n); ", Code("bnvar_inv = (bnvar + 1e-5)**-0.5"), "; ",
                        Code("bnraw = bndiff * bnvar_inv"), "; ", Code("hpreact = bngain * bnraw + bnbias"),
                        ". Compute the gradients asked, in order, from dbngain to dhprebn.")

    def panel_question(self, inputs: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        rows, cols = inputs["hprebn"].shape
        return (f"makemore's batchnorm layer over a batch of n = {rows} rows, {cols} columns, given the upstream "
                "gradient dhpreact (Bessel's correction: n - 1, not n). Compute the gradients asked, in order, "
                "from dbngain to dhprebn.", PROGRAM)

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        dhprebn = problem.answers["dhprebn"]
        return [Quantity("column sums of dhprebn (each is 0)", dhprebn.sum(axis=0, keepdims=True))]

    def read_inputs(self, typed: dict[str, str]) -> dict[str, Any]:
        inputs = super().read_inputs(typed)
        if len(inputs["hprebn"]) < 2:
            raise UserError("hprebn needs at least 2 rows: the variance divides by n - 1")
        return inputs


def _column(draw: Draw, rows: int, variances: tuple[int, ...] | None) -> list[int]:
    """A column whose mean and (Bessel) variance are whole numbers: a whole mean plus whole deviations."""
    mean = draw.integer(-2, 2)
    while True:
        deviations = [draw.integer(-SPREAD, SPREAD) for _ in range(rows - 1)]
        deviations.append(-sum(deviations))
        squares = sum(d * d for d in deviations)
        whole = squares % (rows - 1) == 0 and squares > 0
        if abs(deviations[-1]) <= SPREAD and whole and (variances is None or squares // (rows - 1) in variances):
            return [mean + d for d in deviations]
