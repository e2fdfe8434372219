"""makemore Part 4's whole MLP, forward and back: the 26 gradients of exercise 1, at a size done by hand.

Forward, in the notebook's atomic steps and names::

    emb = C[Xb]; embcat = emb.view(n, -1); hprebn = embcat @ W1 + b1
    bnmeani = 1/n * hprebn.sum(0, keepdim=True); bndiff = hprebn - bnmeani; bndiff2 = bndiff**2
    bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True); bnvar_inv = (bnvar + 1e-5)**-0.5; bnraw = bndiff * bnvar_inv
    hpreact = bngain * bnraw + bnbias; h = tanh(hpreact); logits = h @ W2 + b2
    logit_maxes = logits.max(1, keepdim=True); norm_logits = logits - logit_maxes; counts = norm_logits.exp()
    counts_sum = counts.sum(1, keepdim=True); counts_sum_inv = counts_sum**-1; probs = counts * counts_sum_inv
    logprobs = probs.log(); loss = -logprobs[range(n), Yb].mean()

Backward, asked in the notebook's order, from ``dlogprobs`` to ``dC``. Two of them are 0 in exact
maths: ``dlogit_maxes`` (the max shifts a row without changing its softmax) and ``db1`` (batchnorm
subtracts each column's mean, so whatever b1 adds is taken away again).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from handgrad_cli import engine
from handgrad_cli.engine import Node, Slip
from handgrad_cli.errors import UserError
from handgrad_cli.kinds.base import Batch, Input, Kind, Tensors, largest, smallest
from handgrad_cli.kinds.batchnorm import batchnorm_layer
from handgrad_cli.kinds.ce_steps import cross_entropy_steps
from handgrad_cli.kinds.embedding import assigned, embedding_lookup
from handgrad_cli.problem import Draw
from handgrad_cli.question import Code, Question


class Size(NamedTuple):
    n: int  # examples in the batch (3 at least: with 2, batchnorm's output cannot move)
    vocab: int
    block: int
    n_embd: int
    n_hidden: int
    places: int  # decimals of the drawn numbers


LEVELS = {
    "easy": Size(3, 3, 2, 1, 2, 0),
    "medium": Size(3, 4, 2, 2, 3, 1),
    "hard": Size(4, 4, 2, 2, 3, 2),
}
SATURATED = 0.9995  # |h| at or above this reads as 1.000 at three decimals
FLAT = 0.05  # a column of hprebn whose variance is below this is nearly constant: batchnorm blows it up
TIE = 0.01  # a row's two largest logits are at least this far apart: the max has one clear winner
PICKED = 0.02  # the probability at each example's label is at least this: dprobs = -1/(n * p) stays hand-sized

GROUPS = {  # the first gradient of each group -> its heading in the drill
    "dlogprobs": "The loss back to the logits (cross-entropy in atomic steps)",
    "dh": "The second layer: logits = h @ W2 + b2",
    "dhpreact": "The tanh: h = tanh(hpreact)",
    "dbngain": "Batchnorm, from hpreact back to hprebn",
    "dembcat": "The first layer: hprebn = embcat @ W1 + b1",
    "demb": "The embedding: emb = C[Xb], embcat = emb.view(n, -1)",
}


GROUP_WORDS = {"dlogprobs": "loss", "dh": "layer2", "dhpreact": "tanh", "dbngain": "batchnorm",
               "dembcat": "layer1", "demb": "embedding"}


PROGRAM = (
    "emb = C[Xb]", "embcat = emb.view(n, -1)", "hprebn = embcat @ W1 + b1",
    "bnmeani = 1/n * hprebn.sum(0, keepdim=True)", "bndiff = hprebn - bnmeani", "bndiff2 = bndiff**2",
    "bnvar = 1/(n-1) * bndiff2.sum(0, keepdim=True)", "bnvar_inv = (bnvar + 1e-5)**-0.5",
    "bnraw = bndiff * bnvar_inv", "hpreact = bngain * bnraw + bnbias", "h = tanh(hpreact)",
    "logits = h @ W2 + b2", "logit_maxes = logits.max(1, keepdim=True)", "norm_logits = logits - logit_maxes",
    "counts = norm_logits.exp()", "counts_sum = counts.sum(1, keepdim=True)", "counts_sum_inv = counts_sum**-1",
    "probs = counts * counts_sum_inv", "logprobs = probs.log()", "loss = -logprobs[range(n), Yb].mean()",
)


class MLP(Kind):
    name = "mlp"
    title = "makemore's MLP, all 26 gradients"
    summary = "makemore Part 4's whole forward pass (embedding, batchnorm, tanh, softmax); asks all 26 gradients"
    lesson = "exercise 1 of makemore Part 4: `dlogprobs` … `dC`, every intermediate from the loss back to `C`"
    asks = "all 26 gradients, `dlogprobs` … `dC`, in the notebook's order"
    slip_names = (
        "averaged-not-summed", "bessel-forgotten", "bessel-multiplied", "counts-sum-path-dropped",
        "fused-mean-forgotten", "mean-forgotten", "mean-path-dropped", "one-minus-h", "probs-path-dropped",
        "scatter-assigned", "tanh-not-derivative", "transpose-forgotten", "variance-path-dropped", "z-squared",
    )
    inputs = (
        Input("C", (("V", "d"),), "the embedding table: a row of n_embd numbers per character"),
        Input("Xb", (("n", "T"),), "each example's block of character indices", index=True, below="V"),
        Input("Yb", (("n",),), "each example's next character", index=True, below="V"),
        Input("W1", (("T*d", "H"),), "the first layer's weights"),
        Input("b1", (("H",),), "the first layer's bias"),
        Input("bngain", (("1", "H"),), "batchnorm's gain"),
        Input("bnbias", (("1", "H"),), "batchnorm's bias"),
        Input("W2", (("H", "V"),), "the second layer's weights"),
        Input("b2", (("V",),), "the second layer's bias"),
    )
    gradients = ("dlogprobs", "dprobs", "dcounts_sum_inv", "dcounts_sum", "dcounts", "dnorm_logits",
                 "dlogit_maxes", "dlogits", "dh", "dW2", "db2", "dhpreact", "dbngain", "dbnbias", "dbnraw",
                 "dbnvar_inv", "dbnvar", "dbndiff2", "dbndiff", "dbnmeani", "dhprebn", "dembcat", "dW1", "db1",
                 "demb", "dC")
    zero_by_design = ("dlogit_maxes", "db1")
    groups = GROUPS
    group_words = GROUP_WORDS
    rules = {
        "dlogit_maxes": "logit_maxes is subtracted from every logit of its row, and shifting a row leaves its "
                        "softmax unchanged: so what must -dnorm_logits.sum(1, keepdim=True) come to?",
        "db1": "b1 is added just before batchnorm subtracts each column's mean: does the loss change at all "
               "when b1 changes? (Each column of dhprebn sums to 0.)",
        "dcounts": "counts is used twice, in probs and in counts_sum: add both paths' gradients.",
        "dbndiff": "bndiff is used twice, in bnraw and in bndiff2: add both paths' gradients.",
        "dhprebn": "hprebn is used twice, in bndiff and in bnmeani: add both paths' gradients.",
        "dlogits": "logits is used twice, in norm_logits and in logit_maxes (the max routes its gradient to "
                   "the largest entry of each row): add both paths.",
        "dC": "emb = C[Xb] copies rows of C: its backward is a scatter-add, so a row used twice gets both "
              "gradients added.",
    }
    closed_form = {  # exercise 1's lines, as the notebook's solution writes them
        "dlogprobs": "dlogprobs = zeros_like(logprobs); dlogprobs[range(n), Yb] = -1.0/n",
        "dprobs": "dprobs = (1.0 / probs) * dlogprobs",
        "dcounts_sum_inv": "dcounts_sum_inv = (counts * dprobs).sum(1, keepdim=True)",
        "dcounts_sum": "dcounts_sum = -counts_sum**-2 * dcounts_sum_inv",
        "dcounts": "dcounts = counts_sum_inv * dprobs + ones_like(counts) * dcounts_sum",
        "dnorm_logits": "dnorm_logits = counts * dcounts",
        "dlogit_maxes": "dlogit_maxes = -dnorm_logits.sum(1, keepdim=True) = 0",
        "dlogits": "dlogits = dnorm_logits + onehot(logits.argmax(1)) * dlogit_maxes "
                   "= (softmax(logits) - onehot(Yb)) / n",
        "dh": "dh = dlogits @ W2.T",
        "dW2": "dW2 = h.T @ dlogits",
        "db2": "db2 = dlogits.sum(0)",
        "dhpreact": "dhpreact = (1.0 - h**2) * dh",
        "dbngain": "dbngain = (bnraw * dhpreact).sum(0, keepdim=True)",
        "dbnbias": "dbnbias = dhpreact.sum(0, keepdim=True)",
        "dbnraw": "dbnraw = bngain * dhpreact",
        "dbnvar_inv": "dbnvar_inv = (bndiff * dbnraw).sum(0, keepdim=True)",
        "dbnvar": "dbnvar = -0.5 * (bnvar + 1e-5)**-1.5 * dbnvar_inv",
        "dbndiff2": "dbndiff2 = 1.0/(n-1) * ones_like(bndiff2) * dbnvar",
        "dbndiff": "dbndiff = bnvar_inv * dbnraw + 2 * bndiff * dbndiff2",
        "dbnmeani": "dbnmeani = -dbndiff.sum(0, keepdim=True)",
        "dhprebn": "dhprebn = dbndiff + 1.0/n * ones_like(hprebn) * dbnmeani",
        "dembcat": "dembcat = dhprebn @ W1.T",
        "dW1": "dW1 = embcat.T @ dhprebn",
        "db1": "db1 = dhprebn.sum(0) = 0",
        "demb": "demb = dembcat.view(emb.shape)",
        "dC": "dC = zeros_like(C); np.add.at(dC, Xb, demb)",
    }

    def draw(self, draw: Draw, difficulty: str) -> dict[str, Any]:
        size = LEVELS[difficulty]
        n, vocab, block, n_embd, hidden, places = size
        gain_low = 1 if places == 0 else 0.5  # whole numbers: a gain of 1 or 2
        spread = 1 if places == 0 else 1.5  # logits within a few units: no probability is vanishingly small

        def matrix(rows: int, cols: int, low: float, high: float) -> np.ndarray:
            return draw.rows(rows, cols, low, high, places)

        def indices(count: int) -> list[int]:
            return [draw.below(vocab) for _ in range(count)]

        return {
            "C": matrix(vocab, n_embd, -1, 1),  # small: hprebn's variance near 1, so dbnvar is not tiny
            "Xb": np.array([indices(block) for _ in range(n)]),  # n * block > vocab: an index repeats
            "Yb": np.array(indices(n)),
            "W1": matrix(block * n_embd, hidden, -1, 1),
            "b1": np.array(draw.decimals(hidden, -1, 1, places)),
            "bngain": matrix(1, hidden, gain_low, 2 if places == 0 else 1.5),
            "bnbias": matrix(1, hidden, -1, 1),
            "W2": matrix(hidden, vocab, -spread, spread),
            "b2": np.array(draw.decimals(vocab, -1, 1, places)),
        }

    def forward(self, t: Tensors) -> Node:
        embcat = embedding_lookup(t.C, t.Xb)
        hprebn = (embcat @ t.W1 + t.b1).named("hprebn")
        hpreact = batchnorm_layer(hprebn, t.bngain, t.bnbias)
        h = hpreact.tanh().named("h")
        logits = (h @ t.W2 + t.b2).named("logits")
        return cross_entropy_steps(logits, t.Yb)

    def slips(self, t: Tensors, nodes: dict[str, Node]) -> list[Slip]:
        n = t.Xb.shape[1]
        hpreact, h = nodes["hpreact"], nodes["h"]
        return [
            engine.scaled("logprobs", "mean-forgotten", f"the 1/n of the mean was forgotten (n = {n}): the "
                          "picked entries get -1/n, not -1", lambda val: n),
            engine.path_dropped("counts", "counts_sum", "counts-sum-path-dropped",
                                "only the path through probs was taken: counts also feeds counts_sum, "
                                "whose gradient dcounts_sum is added to every entry"),
            engine.path_dropped("counts", "probs", "probs-path-dropped",
                                "only the path through counts_sum was taken: counts also feeds probs "
                                "directly (counts_sum_inv * dprobs)"),
            engine.scaled("b2", "averaged-not-summed", f"db2 was averaged over the batch: b2 is broadcast over "
                          f"the rows, so its gradient is the sum of dlogits' rows (not the sum / {n})",
                          lambda val: 1 / n),
            engine.local_swapped("hpreact", "tanh-not-derivative", "tanh(hpreact) = h was used where 1 - h**2 "
                                 "belongs", lambda val: val(h)),
            engine.local_swapped("hpreact", "z-squared", "1 - hpreact**2 was used: tanh's local derivative is "
                                 "1 - h**2, with h = tanh(hpreact)", lambda val: 1 - val(hpreact) ** 2),
            engine.local_swapped("hpreact", "one-minus-h", "1 - h was used: tanh's local derivative is 1 - h**2",
                                 lambda val: 1 - val(h)),
            engine.scaled("logits", "fused-mean-forgotten", f"dlogits = probs - onehot(Yb) forgets the 1/n of the "
                          f"mean loss (n = {n}): dlogits = (probs - onehot(Yb)) / n", lambda val: n),
            engine.scaled("bndiff2", "bessel-multiplied", f"dbnvar was multiplied by n - 1 = {n - 1}: Bessel's "
                          f"correction divides, dbndiff2 = dbnvar / {n - 1}", lambda val: (n - 1) ** 2),
            engine.scaled("bndiff2", "bessel-forgotten", f"1/n was used for the variance: bnvar divides by "
                          f"n - 1 = {n - 1} (Bessel's correction), so dbndiff2 = dbnvar / {n - 1}",
                          lambda val: (n - 1) / n),
            engine.path_dropped("bndiff", "bndiff2", "variance-path-dropped",
                                "only the path through bnraw was taken: bndiff also feeds bndiff2 "
                                "(2 * bndiff * dbndiff2)"),
            engine.path_dropped("hprebn", "bnmeani", "mean-path-dropped",
                                "only the path through bndiff was taken: hprebn also feeds bnmeani, "
                                "whose gradient is shared back as dbnmeani / n"),
            *([Slip("transpose-forgotten", "W2", "h @ dlogits was used: matmul backward is a transpose, "
                    "dW2 = h.T @ dlogits (h is square here, so the shape cannot tell)",
                    term=lambda link, local, up, val: link.combine(np.swapaxes(local, -1, -2), up))]
              if h.shape[0] == h.shape[1] else []),
            Slip("scatter-assigned", "C", "dC[Xb] = demb assigns, so a row used twice keeps only one "
                 "gradient: it is a scatter-add (np.add.at), repeated indices accumulate", term=assigned),
        ]

    def question(self, inputs: dict[str, Any]) -> str:
        n, block = np.shape(inputs["Xb"])
        vocab, n_embd = np.shape(inputs["C"])
        hidden = np.shape(inputs["W1"])[1]
        return Question(f"A batch of n = {n} examples through makemore's MLP (vocab {vocab}, block {block}, "
                        f"n_embd {n_embd}, n_hidden {hidden}), in the notebook's atomic steps: ", Code("emb = C[Xb]"),
                        ", ", Code("embcat = emb.view(n, -1)"), ", ", Code("hprebn = embcat @ W1 + b1"),
                        ", batchnorm (variance with Bessel's 1/(n-1), eps 1e-5), ",
                        Code("hpreact = bngain * bnraw + bnbias"), ", ", Code("h = tanh(hpreact)"), ", ",
                        Code("logits = h @ W2 + b2"), ", softmax by logit_maxes, counts, counts_sum, counts_sum_inv, "
                        "probs, logprobs; ", Code("loss = -logprobs[range(n), Yb].mean()"),
                        ". Compute the 26 gradients of exercise 1, dlogprobs to dC.")

    def panel_question(self, inputs: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
        n, block = np.shape(inputs["Xb"])
        vocab, n_embd = np.shape(inputs["C"])
        hidden = np.shape(inputs["W1"])[1]
        return (f"A batch of n = {n} examples through makemore's MLP (vocab {vocab}, block {block}, n_embd {n_embd}, "
                f"n_hidden {hidden}), in the notebook's atomic steps (eps 1e-5). Compute the 26 gradients of "
                "exercise 1, dlogprobs to dC.", PROGRAM)

    def clear(self, batch: Batch) -> np.ndarray:
        top = np.sort(batch.value("logits"), axis=-1)[..., -2:]
        picked = np.take_along_axis(batch.value("probs"), batch.value("Yb")[..., None], axis=-1)
        return ((largest(np.abs(batch.value("h"))) < SATURATED) & (smallest(batch.value("bnvar")) >= FLAT)
                & (smallest(top[..., 1] - top[..., 0]) >= TIE) & (smallest(picked) >= PICKED) & super().clear(batch))

    def read_inputs(self, typed: dict[str, str]) -> dict[str, Any]:
        values = super().read_inputs(typed)
        block, n_embd = np.shape(values["Xb"])[1], np.shape(values["C"])[1]
        if np.shape(values["W1"])[0] != block * n_embd:
            raise UserError(f"W1 must have block * n_embd = {block * n_embd} rows (embcat's width); "
                            f"you gave {np.shape(values['W1'])[0]}")
        for name in ("bngain", "bnbias"):
            if np.shape(values[name])[0] != 1:
                raise UserError(f"{name} must be one row [1, n_hidden]")
        if np.shape(values["Xb"])[0] < 3:
            raise UserError("Xb needs 3 rows at least: with 2 examples batchnorm's output cannot move")
        return values
