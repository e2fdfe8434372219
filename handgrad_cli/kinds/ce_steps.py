"""Cross-entropy in makemore Part 4's atomic steps, backward one step at a time.

Forward, with the notebook's names::

    logit_maxes = logits.max(1, keepdim=True)
    norm_logits = logits - logit_maxes
    counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdim=True)
    counts_sum_inv = counts_sum**-1
    probs = counts * counts_sum_inv
    logprobs = probs.log()
    loss = -logprobs[range(n), Yb].mean()

Backward asks the notebook's first eight gradients, dlogprobs to dlogits. Two are worth a
learner's attention: counts is used twice (dcounts adds both paths), and dlogit_maxes is 0,
since shifting a row of logits does not change its softmax. The last, dlogits, is softmax-ce's
one line, (softmax(logits) - onehot(Yb)) / n.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.kinds.base import Input, Kind, Tensors
from handgrad_cli.kinds.softmax_ce import onehot, softmax
from handgrad_cli.problem import Draw, Problem, Quantity
from handgrad_cli.question import Code, Question, Value

# difficulty -> (rows, classes, logit range, decimals); rows and classes are (low, high)
LEVELS = {
    "easy": ((1, 2), (3, 3), 2, 0),
    "medium": ((2, 2), (3, 4), 2, 1),
    "hard": ((2, 3), (4, 5), 3, 1),
}


def cross_entropy_steps(logits: Node, Yb: Any) -> Node:
    """Softmax and the mean negative log-likelihood in the notebook's atomic steps, each named as
    there: logits to loss."""
    n = logits.shape[0]
    logit_maxes = logits.max(1, keepdim=True).named("logit_maxes")
    norm_logits = (logits - logit_maxes).named("norm_logits")
    counts = norm_logits.exp().named("counts")
    counts_sum = counts.sum(1, keepdim=True).named("counts_sum")
    counts_sum_inv = (counts_sum**-1).named("counts_sum_inv")
    probs = (counts * counts_sum_inv).named("probs")
    logprobs = probs.log().named("logprobs")
    return (-logprobs[range(n), Yb].mean(0)).named("loss")


PROGRAM = ("logit_maxes = logits.max(1, keepdim=True)", "norm_logits = logits - logit_maxes",
           "counts = norm_logits.exp()", "counts_sum = counts.sum(1, keepdim=True)", "counts_sum_inv = counts_sum**-1",
           "probs = counts * counts_sum_inv", "logprobs = probs.log()", "loss = -logprobs[range(n), Yb].mean()")


class CESteps(Kind):
    name = "ce-steps"
    title = "Cross-entropy, step by step"
    summary = "cross-entropy in makemore's atomic steps; asks dlogprobs, dprobs, ... dlogit_maxes, dlogits"
    lesson = ("`logit_maxes` → `norm_logits` → `counts` → `counts_sum` → `counts_sum_inv` → `probs` → `logprobs` "
              "→ `loss`: exercise 1's first eight gradients")
    asks = ("`dlogprobs`, `dprobs`, `dcounts_sum_inv`, `dcounts_sum`, `dcounts`, `dnorm_logits`, `dlogit_maxes`, "
            "`dlogits`")
    slip_names = (
        "counts-sum-path-dropped", "exp-derivative-as-x", "log-derivative-as-probs", "mean-forgotten",
        "pow-exponent-kept", "probs-path-dropped",
    )
    inputs = (
        Input("logits", (("n", "V"),), "one row of scores per example"),
        Input("Yb", (("n",),), "the right class of each row", index=True, below="V"),
    )
    gradients = ("dlogprobs", "dprobs", "dcounts_sum_inv", "dcounts_sum", "dcounts", "dnorm_logits",
                 "dlogit_maxes", "dlogits")
    zero_by_design = ("dlogit_maxes",)
    group_words = {"dlogprobs": "loss", "dcounts_sum_inv": "normalise", "dnorm_logits": "max"}
    rules = {
        "dlogprobs": "loss = -logprobs[range(n), Yb].mean(): the mean gives each picked entry 1/n of the gradient "
                     "and the minus flips it, so dlogprobs is -1/n at [range(n), Yb] and 0 elsewhere.",
        "dprobs": "logprobs = probs.log(): log's derivative is 1/x, so dprobs = (1 / probs) * dlogprobs.",
        "dcounts_sum_inv": "probs = counts * counts_sum_inv, with counts_sum_inv [n, 1] broadcast over each row: "
                           "mul swaps its inputs, then the broadcast becomes a sum over the row "
                           "(keepdim: it stays [n, 1]).",
        "dcounts_sum": "counts_sum_inv = counts_sum**-1: pow by -1 gives -1 * counts_sum**-2.",
        "dcounts": "counts is used twice, in probs = counts * counts_sum_inv and in counts_sum = "
                   "counts.sum(1, keepdim=True): add both paths, counts_sum_inv * dprobs and dcounts_sum "
                   "copied to every entry of its row.",
        "dnorm_logits": "counts = norm_logits.exp(): exp is its own derivative, so dnorm_logits = counts * dcounts.",
        "dlogit_maxes": "norm_logits = logits - logit_maxes: the minus negates the gradient, and logit_maxes was "
                        "broadcast over each row, so dlogit_maxes = -dnorm_logits.sum(1, keepdim=True). It comes "
                        "out 0: why? (Shifting a whole row of logits leaves its softmax, and so the loss, unchanged.)",
        "dlogits": "logits feeds norm_logits directly and logit_maxes through the max: add both paths, dnorm_logits "
                   "and dlogit_maxes at each row's largest logit.",
    }
    closed_form = {
        "dlogprobs": "dlogprobs = -onehot(Yb) / n",
        "dprobs": "dprobs = dlogprobs / probs",
        "dcounts_sum_inv": "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
        "dcounts_sum": "dcounts_sum = -counts_sum**-2 * dcounts_sum_inv",
        "dcounts": "dcounts = counts_sum_inv * dprobs + dcounts_sum",
        "dnorm_logits": "dnorm_logits = counts * dcounts",
        "dlogit_maxes": "dlogit_maxes = -dnorm_logits.sum(1, keepdim=True) = 0",
        "dlogits": "dlogits = dnorm_logits + onehot(logits.argmax(1)) * dlogit_maxes = (softmax(logits) - onehot(Yb)) / n",
    }

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        (rows_low, rows_high), (classes_low, classes_high), spread, places = LEVELS[difficulty]
        rows, classes = draw.integer(rows_low, rows_high), draw.integer(classes_low, classes_high)
        logits = [_row_with_one_max(draw, classes, spread, places) for _ in range(rows)]
        return {"logits": np.array(logits), "Yb": np.array([draw.below(classes) for _ in range(rows)])}

    def forward(self, t: Tensors) -> Node:
        return cross_entropy_steps(t.logits, t.Yb)

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        n = t.logits.shape[0]
        probs, counts_sum, norm_logits = nodes["probs"], nodes["counts_sum"], nodes["norm_logits"]
        found = [
            engine.local_swapped("probs", "log-derivative-as-probs",
                                 "log's derivative is 1/probs, not probs: dprobs = (1 / probs) * dlogprobs",
                                 lambda val: val(probs)),
            engine.local_swapped("counts_sum", "pow-exponent-kept",
                                 "the derivative of counts_sum**-1 is -counts_sum**-2: the exponent drops by one",
                                 lambda val: -val(counts_sum) ** -1.0),
            engine.path_dropped("counts", "counts_sum", "counts-sum-path-dropped",
                                "counts is used twice: the path through counts_sum = counts.sum(1, keepdim=True) "
                                "was dropped; add dcounts_sum to every entry of its row"),
            engine.path_dropped("counts", "probs", "probs-path-dropped",
                                "counts is used twice: the path through probs = counts * counts_sum_inv was "
                                "dropped; add counts_sum_inv * dprobs"),
            engine.local_swapped("norm_logits", "exp-derivative-as-x",
                                 "exp's derivative is exp itself (counts), not its input norm_logits",
                                 lambda val: val(norm_logits)),
        ]
        if n > 1:
            found.append(engine.scaled("logprobs", "mean-forgotten",
                                       f"the 1/n of the mean was forgotten (n = {n}): dlogprobs is -1/n "
                                       "at the picked entries", lambda val: n))
        return found

    def hint_values(self, problem: Problem, gradient: str) -> dict[str, Any]:
        if gradient == "dlogprobs":  # the picked entries, which no local derivative reads as a value
            return {"Yb": problem.inputs["Yb"], "n": len(problem.inputs["Yb"])}
        return {}

    def question(self, inputs: dict[str, Any]) -> str:
        logits, target = inputs["logits"], inputs["Yb"]
        rows = "1 row" if len(logits) == 1 else f"{len(logits)} rows"
        lines = ("logit_maxes = logits.max(1, keepdim=True)", "norm_logits = logits - logit_maxes",
                 "counts = norm_logits.exp()", "counts_sum = counts.sum(1, keepdim=True)",
                 "counts_sum_inv = counts_sum**-1", "probs = counts * counts_sum_inv", "logprobs = probs.log()",
                 "loss = -logprobs[range(n), Yb].mean()")
        forward = [part for line in lines for part in ("; ", Code(line))][1:]
        return Question(Value("logits", logits), f" ({rows}), ", Value("Yb", target), ". Forward: ", *forward,
                        ". Compute, in order, dlogprobs, dprobs, dcounts_sum_inv, dcounts_sum, dcounts, "
                        "dnorm_logits, dlogit_maxes and dlogits.")

    def panel_question(self, inputs: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        rows = "1 row" if len(inputs["logits"]) == 1 else f"{len(inputs['logits'])} rows"
        return (f"Cross-entropy of {rows} of logits in makemore's atomic steps. Compute, in order, dlogprobs, "
                "dprobs, dcounts_sum_inv, dcounts_sum, dcounts, dnorm_logits, dlogit_maxes and dlogits.", PROGRAM)

    def extras(self, problem: Problem, lr: float) -> list[Quantity]:
        dlogits = problem.answers["dlogits"]
        one_line = one_line_dlogits(problem.inputs["logits"], problem.inputs["Yb"])
        return [
            Quantity("(softmax(logits) - onehot(Yb)) / n, softmax-ce's one line", one_line),
            Quantity("largest |dlogits - that line| (0: the steps agree)", float(np.abs(dlogits - one_line).max())),
            Quantity("row sums of dlogits (each is 0)", dlogits.sum(axis=1)),
        ]


def one_line_dlogits(logits: Any, target: Any) -> np.ndarray:
    """softmax-ce's closed form on the same logits: (softmax(logits) - onehot(Yb)) / n."""
    logits = np.asarray(logits, dtype=float)
    return (softmax(logits) - onehot(np.asarray(target), logits.shape[-1])) / logits.shape[0]


def _row_with_one_max(draw: Draw, classes: int, spread: float, places: int) -> list[float]:
    """A row of logits whose largest entry is unique: the max's gradient goes to one logit, as in torch."""
    while True:
        row = draw.decimals(classes, -spread, spread, places)
        if row.count(max(row)) == 1:
            return row
