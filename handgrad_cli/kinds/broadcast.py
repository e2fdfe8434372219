"""A broadcast in the forward pass is a sum in the backward pass: makemore Part 4's three broadcasts.

Three small kinds, one per line of the notebook, each with the notebook's own names:

- ``hpreact = bngain * bnraw + bnbias``: a [1, n] row over a batch [N, n]; ``dbngain`` and ``dbnbias``
  are summed over the batch and stay [1, n].
- ``probs = counts * counts_sum_inv``: a [N, 1] column over [N, V]; ``dcounts_sum_inv`` is summed over
  each row and stays [N, 1].
- ``norm_logits = logits - logit_maxes`` with ``logit_maxes = logits.max(1, keepdim=True)``: the
  subtraction's right operand gets ``-dnorm_logits`` summed over each row, and ``dlogits`` has two
  paths, the direct one and the one through the max.

They are three kinds, not one with a choice of form, because each has its own inputs and its own
notebook line: a learner picks the line to practise by name.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Batch, Input, Kind, Tensors, every
from handgrad_cli.problem import Draw
from handgrad_cli.question import Code, Question, Value

SHAPE_WORDS = "each in its variable's exact shape"


def nonzero(draw: Draw, rows: int, cols: int, spread: float, places: int) -> np.ndarray:
    """A [rows, cols] matrix with no zero entry: a zero gain or upstream entry switches a path off,
    so a whole column of an easy problem's answer could be 0."""
    return np.array(draw.nonzero(rows * cols, spread, places)).reshape(rows, cols)


def averaged(at: str, gradient: str, axis_words: str, count: int) -> Slip:
    return engine.scaled(at, f"{at}-averaged", f"{gradient} was averaged over {axis_words}: a broadcast forward "
                         f"is a sum backward, so add the {count} entries, do not take their mean",
                         lambda val: 1 / count)


def stated(name: str, value: Any, shape: str) -> Value:
    return Value(name, value, f" {shape}")


class BroadcastHpreact(Kind):
    name = "broadcast-hpreact"
    title = "A broadcast row: batchnorm's gain and bias"
    summary = "bngain * bnraw + bnbias; asks dbngain, dbnbias, dbnraw"
    lesson = ("`hpreact = bngain * bnraw + bnbias`: `dbngain = (bnraw * dhpreact).sum(0, keepdim=True)`, "
              "`dbnbias = dhpreact.sum(0, keepdim=True)`, `dbnraw = bngain * dhpreact`")
    asks = "`dbngain`, `dbnbias` ([1, n]: summed over the batch), `dbnraw`"
    slip_names = ("bnbias-averaged", "bngain-averaged", "gain-dropped", "not-swapped")
    inputs = (
        Input("bngain", (("1", "n"),), "batchnorm's gain, one row broadcast over the batch"),
        Input("bnraw", (("N", "n"),), "the normalised batch, N rows of n"),
        Input("bnbias", (("1", "n"),), "batchnorm's bias, one row broadcast over the batch"),
        Input("dhpreact", (("N", "n"),), "the upstream gradient dL/dhpreact", upstream=True),
    )
    gradients = ("dbngain", "dbnbias", "dbnraw")
    rules = {
        "dbngain": "mul swaps its inputs, so bngain gets bnraw * dhpreact; bngain was broadcast over the batch, "
                   "so sum over axis 0 and keep its shape [1, n].",
        "dbnbias": "add passes the gradient through; bnbias was broadcast over the batch, so sum dhpreact over "
                   "axis 0 and keep its shape [1, n].",
        "dbnraw": "mul swaps its inputs: bnraw gets bngain * dhpreact, bngain's row repeated for every row "
                  "(no sum: bnraw has the output's shape [N, n]).",
    }
    closed_form = {"dbngain": "dbngain = (bnraw * dhpreact).sum(0, keepdim=True)",
                   "dbnbias": "dbnbias = dhpreact.sum(0, keepdim=True)", "dbnraw": "dbnraw = bngain * dhpreact"}
    LEVELS = {"easy": (2, 2, 0), "medium": (3, 3, 1), "hard": (4, 4, 1)}  # rows N, columns n, decimals

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        rows, cols, places = self.LEVELS[difficulty]
        return {"bngain": nonzero(draw, 1, cols, 2, places), "bnraw": draw.rows(rows, cols, -2, 2, places),
                "bnbias": draw.rows(1, cols, -2, 2, places), "dhpreact": nonzero(draw, rows, cols, 2, places)}

    def forward(self, t: Tensors) -> Node:
        return (t.bngain * t.bnraw + t.bnbias).named("hpreact")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        rows = nodes["bnraw"].shape[0]
        return [
            averaged("bngain", "dbngain", f"the batch (its {rows} rows)", rows),
            averaged("bnbias", "dbnbias", f"the batch (its {rows} rows)", rows),
            engine.local_swapped("bngain", "not-swapped", "mul swaps its inputs: bngain's gradient takes the other "
                                 "factor bnraw, not bngain itself", lambda val: val(nodes["bngain"])),
            engine.local_swapped("bnraw", "not-swapped", "mul swaps its inputs: bnraw's gradient takes the other "
                                 "factor bngain, not bnraw itself", lambda val: val(nodes["bnraw"])),
            engine.local_swapped("bnraw", "gain-dropped", "bngain was dropped: hpreact = bngain * bnraw, so bnraw's "
                                 "gradient is bngain * dhpreact", lambda val: np.ones(1)),
        ]

    def worth_doing(self, batch: Batch) -> np.ndarray:
        """A gain of all ones would let a dropped gain pass as right."""
        return ~every(batch.value("bngain") == 1)

    def question(self, inputs: dict[str, Any]) -> str:
        rows, cols = np.shape(inputs["bnraw"])
        return Question(Code("hpreact = bngain * bnraw + bnbias"), ", with ",
                        stated("bngain", inputs["bngain"], f"[1, {cols}]"), ", ",
                        stated("bnraw", inputs["bnraw"], f"[{rows}, {cols}]"), ", ",
                        stated("bnbias", inputs["bnbias"], f"[1, {cols}]"), " and the upstream gradient ",
                        stated("dhpreact", inputs["dhpreact"], f"[{rows}, {cols}]"),
                        f". Compute dbngain, dbnbias and dbnraw, {SHAPE_WORDS}.")


class BroadcastProbs(Kind):
    name = "broadcast-probs"
    title = "A broadcast column: softmax's normalisation"
    summary = "counts * counts_sum_inv; asks dcounts_sum_inv, dcounts"
    lesson = ("`probs = counts * counts_sum_inv`: `dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)`, "
              "`dcounts = counts_sum_inv * dprobs` (this path only)")
    asks = "`dcounts_sum_inv` ([N, 1]: summed over each row), `dcounts`"
    slip_names = ("counts_sum_inv-averaged", "factor-dropped", "not-swapped")
    inputs = (
        Input("counts", (("N", "V"),), "the exponentiated logits, N rows of V"),
        Input("counts_sum_inv", (("N", "1"),), "one over each row's sum (rounded to 3 decimals), a column"),
        Input("dprobs", (("N", "V"),), "the upstream gradient dL/dprobs", upstream=True),
    )
    gradients = ("dcounts_sum_inv", "dcounts")
    rules = {
        "dcounts_sum_inv": "mul swaps its inputs, so counts_sum_inv gets counts * dprobs; it was broadcast along "
                           "each row, so sum over axis 1 and keep its shape [N, 1].",
        "dcounts": "mul swaps its inputs: counts gets counts_sum_inv * dprobs, each row's counts_sum_inv repeated "
                   "along the row (no sum: counts has the output's shape [N, V]).",
    }
    closed_form = {"dcounts_sum_inv": "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
                   "dcounts": "dcounts = counts_sum_inv * dprobs"}
    LEVELS = {"easy": (2, 3, 0), "medium": (2, 4, 1), "hard": (3, 4, 1)}  # rows N, classes V, decimals

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        rows, classes, places = self.LEVELS[difficulty]
        low = 1 if places == 0 else 0.1
        counts = draw.rows(rows, classes, low, 4, places)
        return {"counts": counts, "counts_sum_inv": np.round(1 / counts.sum(axis=1, keepdims=True), 3),
                "dprobs": nonzero(draw, rows, classes, 2, places)}

    def forward(self, t: Tensors) -> Node:
        return (t.counts * t.counts_sum_inv).named("probs")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        classes = nodes["counts"].shape[1]
        return [
            averaged("counts_sum_inv", "dcounts_sum_inv", f"each row (its {classes} entries)", classes),
            engine.local_swapped("counts_sum_inv", "not-swapped", "mul swaps its inputs: counts_sum_inv's gradient "
                                 "takes the other factor counts, not counts_sum_inv itself",
                                 lambda val: val(nodes["counts_sum_inv"])),
            engine.local_swapped("counts", "factor-dropped", "counts_sum_inv was dropped: probs = counts * "
                                 "counts_sum_inv, so counts' gradient is counts_sum_inv * dprobs", lambda val: np.ones(1)),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        rows, classes = np.shape(inputs["counts"])
        return Question(Code("probs = counts * counts_sum_inv"), ", with ",
                        stated("counts", inputs["counts"], f"[{rows}, {classes}]"), ", ",
                        stated("counts_sum_inv", inputs["counts_sum_inv"], f"[{rows}, 1]"),
                        " (given here as an input: its own path back into counts is another step) and the upstream "
                        "gradient ", stated("dprobs", inputs["dprobs"], f"[{rows}, {classes}]"),
                        f". Compute dcounts_sum_inv and dcounts, {SHAPE_WORDS}.")


class BroadcastNormLogits(Kind):
    name = "broadcast-norm-logits"
    title = "A broadcast column: the max subtracted from the logits"
    summary = "logits - logits.max(1); asks dlogit_maxes, dlogits"
    lesson = ("`norm_logits = logits - logit_maxes`: `dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)`, "
              "`dlogits = dnorm_logits + onehot(logits.argmax(1)) * dlogit_maxes`")
    asks = "`dlogit_maxes` ([N, 1]), `dlogits` (two paths: direct and through the max)"
    slip_names = ("logit_maxes-averaged", "max-path-dropped")
    inputs = (
        Input("logits", (("N", "V"),), "N rows of V scores, each row with one largest entry"),
        Input("dnorm_logits", (("N", "V"),), "the upstream gradient dL/dnorm_logits", upstream=True),
    )
    gradients = ("dlogit_maxes", "dlogits")
    rules = {
        "dlogit_maxes": "subtraction negates the gradient to its right; logit_maxes was broadcast along each row, "
                        "so sum -dnorm_logits over axis 1 and keep its shape [N, 1].",
        "dlogits": "logits is used twice: directly (subtraction passes dnorm_logits through) and through the max, "
                   "which sends dlogit_maxes to each row's largest entry only. Add both paths.",
    }
    closed_form = {"dlogit_maxes": "dlogit_maxes = -dnorm_logits.sum(1, keepdim=True)",
                   "dlogits": "dlogits = dnorm_logits + onehot(logits.argmax(1)) * dlogit_maxes"}
    LEVELS = {"easy": (2, 3, 0), "medium": (2, 4, 1), "hard": (3, 5, 1)}  # rows N, classes V, decimals

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        rows, classes, places = self.LEVELS[difficulty]
        return {"logits": draw.rows(rows, classes, -3, 3, places),
                "dnorm_logits": nonzero(draw, rows, classes, 2, places)}

    def forward(self, t: Tensors) -> Node:
        logit_maxes = t.logits.max(1, keepdim=True).named("logit_maxes")
        return (t.logits - logit_maxes).named("norm_logits")

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        classes = nodes["logits"].shape[1]
        return [
            engine.flipped("logit_maxes", "the sign was kept positive: logit_maxes is subtracted, so its gradient "
                                          "is -dnorm_logits summed over each row"),
            averaged("logit_maxes", "dlogit_maxes", f"each row (its {classes} entries)", classes),
            engine.path_dropped("logits", "logit_maxes", "max-path-dropped", "the path through the max was dropped: "
                                "each row's largest logit also gets dlogit_maxes"),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        rows, classes = np.shape(inputs["logits"])
        return Question(Code("logit_maxes = logits.max(1, keepdim=True)"), " and ",
                        Code("norm_logits = logits - logit_maxes"), ", with ",
                        stated("logits", inputs["logits"], f"[{rows}, {classes}]"), " and an upstream gradient ",
                        stated("dnorm_logits", inputs["dnorm_logits"], f"[{rows}, {classes}]"),
                        f" (not from softmax, so the path through the max shows). Compute dlogit_maxes and dlogits, "
                        f"{SHAPE_WORDS}.")

    def clear(self, batch: Batch) -> np.ndarray:
        """No ties: each row has one largest logit, so the max's gradient goes to one entry."""
        logits = batch.value("logits")
        ties = (logits == logits.max(axis=-1, keepdims=True)).sum(axis=-1)
        return every(ties == 1) & super().clear(batch)
